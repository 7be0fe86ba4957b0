use crate::api::{list_id_tags, load_station, send_command};
use crate::commands::{self, COMMANDS, Command, Input, Values};
use crate::components::{ErrorList, MessageLog, RegistrationControl};
use crate::dto::{
    AppError, CommandReply, ConfigKeyRow, IdTagRow, LiveEvent, StationDetail, TransactionRow, clock,
};
use crate::live::{Live, LiveEvents};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// One station: identity, connectors and their transactions live, configuration, firmware and
/// diagnostics, reservations, charging profiles, the commands panel and the message log.
#[component]
pub fn StationPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let live = expect_context::<LiveEvents>();
    let reload = RwSignal::new(0u64);
    let snapshot = Resource::new(
        move || (id.get(), live.epoch.get(), reload.get()),
        |(id, _, _)| load_station(id),
    );
    // Deltas applied since the last snapshot: the next snapshot may have been read before
    // some of them, so they are applied to it again, in order (each sets a state).
    let replay = StoredValue::new(Vec::<LiveEvent>::new());
    let detail = Live::merging(snapshot, move |current, loaded| {
        *current = loaded;
        for event in replay.try_update_value(std::mem::take).unwrap_or_default() {
            current.apply(&event);
        }
    });
    live.for_each_event(move |event| {
        if event.station_id() != Some(id.get_untracked().as_str()) {
            return;
        }
        match event {
            LiveEvent::MessageLogged { .. } => {}
            // What these change (transactions, reservations, configuration, profiles) comes
            // with a fresh snapshot.
            LiveEvent::TransactionStarted { .. }
            | LiveEvent::TransactionStopped { .. }
            | LiveEvent::CommandAnswered { .. }
            | LiveEvent::SecurityEvent { .. }
            | LiveEvent::StationBooted { .. } => reload.update(|n| *n += 1),
            _ => {
                detail.update(|d| {
                    d.apply(event);
                });
                replay.update_value(|r| {
                    // Bounded: a page left open for hours must not grow; the newest deltas
                    // are the ones a snapshot can miss.
                    if r.len() == 1_000 {
                        r.remove(0);
                    }
                    r.push(event.clone());
                });
            }
        }
    });
    let tags = Resource::new(move || live.epoch.get(), |_| list_id_tags());
    let tags = Signal::derive(move || tags.get().and_then(Result::ok).unwrap_or_default());
    let current = detail.current;
    let found = move || current.with(|d| !d.station.id.is_empty());
    let may_operate = crate::components::may_operate();

    view! {
        <section class="page station-page">
            <div class="page-head">
                <h1 class="mono">{move || id.get()}</h1>
                <a href="/stations">"All stations"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the station…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    <Show when=found>
                        <Identity detail=current />
                        <Connectors detail=current />
                        <div class="columns">
                            <Show
                                when=move || may_operate.get()
                                fallback=|| view! {
                                    <div class="panel commands" data-testid="commands-read-only">
                                        <h2>"Commands"</h2>
                                        <p class="muted">"Your role may only read: an operator or an admin sends commands."</p>
                                    </div>
                                }
                            >
                                <CommandsPanel station=id detail=current tags />
                            </Show>
                            <Configuration station=id detail=current />
                        </div>
                        <Reservations detail=current />
                        <Profiles detail=current />
                        <Security station=id detail=current reload />
                        <h2>"Messages"</h2>
                        // One log per station: a new stream when the page shows another one.
                        {move || view! { <MessageLog station=Some(id.get()) /> }}
                    </Show>
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// Who the station is and what it reported about itself.
#[component]
fn Identity(detail: Signal<StationDetail>) -> AnyView {
    let d = move || detail.get();
    let fact = |label: &'static str, value: Option<String>| {
        view! {
            <div class="fact">
                <dt>{label}</dt>
                <dd>{value.unwrap_or_else(|| "—".to_owned())}</dd>
            </div>
        }
    };
    view! {
        <dl class="facts" data-testid="identity">
            {move || {
                let d = d();
                let s = d.station.clone();
                view! {
                    <div class="fact">
                        <dt>"Connection"</dt>
                        <dd>
                            <span class="online" data-online=s.connected.to_string()>
                                <span class="dot"></span>
                                {if s.connected { "online" } else { "offline" }}
                                {d.protocol.clone().map(|p| format!(" · {p}"))}
                            </span>
                        </dd>
                    </div>
                    <div class="fact">
                        <dt>"Registration"</dt>
                        <dd>
                            <RegistrationControl station_id=s.id.clone() registration=s.registration.clone() />
                        </dd>
                    </div>
                    {fact("Vendor", s.vendor.clone())}
                    {fact("Model", s.model.clone())}
                    {fact("Serial number", d.serial_number.clone())}
                    {fact("Firmware", s.firmware_version.clone())}
                    {fact("Last seen", s.last_seen.as_deref().map(|t| clock(t).to_owned()))}
                    <div class="fact">
                        <dt>"Firmware update"</dt>
                        <dd data-testid="firmware-status">{d.firmware_status.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    </div>
                    <div class="fact">
                        <dt>"Diagnostics"</dt>
                        <dd data-testid="diagnostics-status">{d.diagnostics_status.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    </div>
                    {fact("Local list version", d.local_list_version.map(|v| v.to_string()))}
                }
            }}
        </dl>
    }
    .into_any()
}

/// One card per connector: its status and, while it charges, the transaction's energy and power.
#[component]
fn Connectors(detail: Signal<StationDetail>) -> AnyView {
    let cards = move || {
        let d = detail.get();
        d.station
            .connectors
            .iter()
            .filter(|c| c.connector_id > 0)
            .map(|c| {
                let active = d
                    .active_transactions
                    .iter()
                    .find(|t| t.connector_id == c.connector_id)
                    .cloned();
                view! {
                    <div class="connector" data-testid=format!("connector-card-{}", c.connector_id)>
                        <div class="connector-head">
                            <strong>{format!("Connector {}", c.connector_id)}</strong>
                            <span class="badge" data-status=c.status.clone()>{c.status.clone()}</span>
                        </div>
                        {(c.error_code != "NoError")
                            .then(|| view! { <p class="error-inline">{c.error_code.clone()} {c.info.clone().map(|i| format!(" ({i})"))}</p> })}
                        {active.map(|t| view! { <ActiveTransaction t /> })}
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <h2>"Connectors"</h2>
        <div class="connectors">
            {cards}
            <Show when=move || detail.with(|d| d.station.connectors.iter().all(|c| c.connector_id == 0))>
                <p class="empty muted">"The station has not reported its connectors yet."</p>
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn ActiveTransaction(t: TransactionRow) -> impl IntoView {
    view! {
        <div class="active-transaction">
            <a href=format!("/transactions/{}", t.id)>{format!("Transaction {}", t.id)}</a>
            <span class="mono">{t.id_tag.clone()}</span>
            <span>"since " {clock(&t.started_at).to_owned()}</span>
            <span data-testid="connector-energy">
                {t.energy_wh.map_or_else(|| "— kWh".to_owned(), |wh| format!("{:.2} kWh", wh / 1000.0))}
            </span>
            <span>{t.power_w.map_or_else(|| "— kW".to_owned(), |w| format!("{:.1} kW", w / 1000.0))}</span>
        </div>
    }
}

/// One command the panel sent and what became of it.
#[derive(Debug, Clone)]
struct Sent {
    n: u64,
    action: &'static str,
    payload: String,
    reply: Option<Result<CommandReply, AppError>>,
}

/// Every operation the central system can send, as a form; the answers as they come.
#[component]
fn CommandsPanel(
    station: Memo<String>,
    detail: Signal<StationDetail>,
    tags: Signal<Vec<IdTagRow>>,
) -> AnyView {
    let chosen = RwSignal::new(COMMANDS[0].action);
    let values = RwSignal::new(Values::new());
    let invalid = RwSignal::new(None::<String>);
    let sent = RwSignal::new(Vec::<Sent>::new());
    let command = move || commands::command(chosen.get()).unwrap_or(&COMMANDS[0]);

    // A new command starts from sensible values: the first choice of each required select,
    // the first connector, the active transaction.
    Effect::new(move |_| {
        let command = command();
        let d = detail.get_untracked();
        values.set(defaults(command, &d));
        invalid.set(None);
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let command = command();
        let built =
            values.with_untracked(|v| tags.with_untracked(|t| commands::build(command, v, t)));
        let payload = match built {
            Ok(payload) => payload,
            Err(message) => {
                invalid.set(Some(message));
                return;
            }
        };
        invalid.set(None);
        let n = sent.with_untracked(|s| s.first().map_or(1, |last| last.n + 1));
        sent.update(|s| {
            s.insert(
                0,
                Sent {
                    n,
                    action: command.action,
                    payload: payload.clone(),
                    reply: None,
                },
            );
            s.truncate(20);
        });
        let station = station.get_untracked();
        leptos::task::spawn_local(async move {
            let reply = send_command(station, command.action.to_owned(), payload).await;
            sent.update(|s| {
                if let Some(entry) = s.iter_mut().find(|e| e.n == n) {
                    entry.reply = Some(reply);
                }
            });
        });
    };

    view! {
        <div class="panel commands" data-testid="commands">
            <h2>"Commands"</h2>
            <form on:submit=submit novalidate>
                <label class="field">
                    <span>"Command"</span>
                    <select
                        aria-label="Command"
                        prop:value=move || chosen.get()
                        on:change=move |ev| {
                            let action = event_target_value(&ev);
                            if let Some(c) = commands::command(&action) {
                                chosen.set(c.action);
                            }
                        }
                    >
                        <optgroup label="OCPP 1.6">
                            {COMMANDS
                                .iter()
                                .filter(|c| !c.security)
                                .map(|c| view! { <option value=c.action>{c.action}</option> })
                                .collect_view()}
                        </optgroup>
                        <optgroup label="Security extension">
                            {COMMANDS
                                .iter()
                                .filter(|c| c.security)
                                .map(|c| view! { <option value=c.action>{c.action}</option> })
                                .collect_view()}
                        </optgroup>
                    </select>
                </label>
                <p class="muted summary">{move || command().summary}</p>
                {move || {
                    command()
                        .fields
                        .iter()
                        .map(|field| view! { <FieldInput field=*field values detail tags /> })
                        .collect_view()
                }}
                {move || invalid.get().map(|m| view! { <p class="error" role="alert" data-testid="command-invalid">{m}</p> })}
                <button class="button" type="submit">
                    {move || format!("Send {}", command().action)}
                </button>
            </form>
            <ol class="results" aria-label="Command results">
                <For each=move || sent.get() key=|s| (s.n, s.reply.is_some()) let(s)>
                    <CommandResult s />
                </For>
            </ol>
        </div>
    }
    .into_any()
}

/// The values a command's form starts with.
fn defaults(command: &Command, d: &StationDetail) -> Values {
    let connector = d
        .station
        .connectors
        .iter()
        .find(|c| c.connector_id > 0)
        .map(|c| c.connector_id.to_string());
    command
        .fields
        .iter()
        .filter_map(|f| {
            let value = match f.input {
                Input::Choice(choices) if f.required => choices.first().map(|c| (*c).to_owned()),
                Input::Connector { .. } if f.required => connector.clone(),
                Input::Transaction if f.required => {
                    d.active_transactions.first().map(|t| t.id.to_string())
                }
                _ => None,
            }?;
            Some((f.path.to_owned(), value))
        })
        .collect()
}

/// One input of the commands form.
#[component]
fn FieldInput(
    field: commands::Field,
    values: RwSignal<Values>,
    detail: Signal<StationDetail>,
    tags: Signal<Vec<IdTagRow>>,
) -> impl IntoView {
    let path = field.path;
    let id = format!("cmd-{}", path.replace('.', "-"));
    let value = move || values.with(|v| v.get(path).cloned().unwrap_or_default());
    let set = move |text: String| {
        values.update(|v| {
            v.insert(path.to_owned(), text);
        })
    };
    let on_input = move |ev| set(event_target_value(&ev));
    let none = (!field.required).then(|| view! { <option value="">"—"</option> });
    let input = match field.input {
        Input::Connector { zero } => {
            let options = move || {
                let mut ids: Vec<u32> = detail.with(|d| {
                    d.station.connectors.iter().map(|c| c.connector_id).filter(|n| *n > 0).collect()
                });
                if ids.is_empty() {
                    ids.push(1);
                }
                let station = zero.then(|| view! { <option value="0">"0 (whole station)"</option> });
                view! {
                    {station}
                    {ids.into_iter().map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                }
            };
            view! {
                <select id=id.clone() prop:value=value on:change=on_input>
                    {none}
                    {options}
                </select>
            }
            .into_any()
        }
        Input::Choice(choices) => view! {
            <select id=id.clone() prop:value=value on:change=on_input>
                {none}
                {choices.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        Input::Int { min } => view! {
            <input id=id.clone() type="number" step="1" min=min prop:value=value on:input=on_input />
        }
        .into_any(),
        Input::Decimal => view! {
            <input id=id.clone() type="number" step="any" prop:value=value on:input=on_input />
        }
        .into_any(),
        Input::Transaction => {
            let list = format!("{id}-list");
            view! {
                <input id=id.clone() type="number" step="1" min="0" list=list.clone() prop:value=value on:input=on_input />
                <datalist id=list>
                    {move || {
                        detail
                            .get()
                            .active_transactions
                            .into_iter()
                            .map(|t| {
                                view! {
                                    <option value=t.id.to_string()>
                                        {format!("connector {} · {}", t.connector_id, t.id_tag)}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </datalist>
            }
            .into_any()
        }
        Input::Text { .. } => view! {
            <input id=id.clone() type="text" prop:value=value on:input=on_input />
        }
        .into_any(),
        Input::Words => view! {
            <input id=id.clone() type="text" placeholder="Key, Key, …" prop:value=value on:input=on_input />
        }
        .into_any(),
        Input::Periods => view! {
            <input id=id.clone() type="text" placeholder="0:16, 3600:32" prop:value=value on:input=on_input />
        }
        .into_any(),
        Input::LongText => view! {
            <textarea id=id.clone() rows="4" prop:value=value on:input=on_input></textarea>
        }
        .into_any(),
        Input::DateTime => view! {
            <input id=id.clone() type="datetime-local" prop:value=value on:input=on_input />
        }
        .into_any(),
        Input::IdTag => {
            let list = format!("{id}-list");
            view! {
                <input id=id.clone() type="text" list=list.clone() autocomplete="off" prop:value=value on:input=on_input />
                <datalist id=list>
                    {move || {
                        tags.get()
                            .into_iter()
                            .map(|t| view! { <option value=t.id_tag.clone()>{t.status.clone()}</option> })
                            .collect_view()
                    }}
                </datalist>
            }
            .into_any()
        }
        Input::Tags => {
            let toggle = move |tag: String, on: bool| {
                values.update(|v| {
                    let mut chosen: Vec<String> = v
                        .get(path)
                        .map(|s| s.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect())
                        .unwrap_or_default();
                    chosen.retain(|t| *t != tag);
                    if on {
                        chosen.push(tag);
                    }
                    v.insert(path.to_owned(), chosen.join(","));
                })
            };
            view! {
                <div class="checks" id=id.clone()>
                    {move || {
                        let all = tags.get();
                        if all.is_empty() {
                            return view! { <span class="muted">"No id tags in the store: an empty list."</span> }.into_any();
                        }
                        all.into_iter()
                            .map(|t| {
                                let tag = t.id_tag.clone();
                                view! {
                                    <label class="check">
                                        <input
                                            type="checkbox"
                                            on:change=move |ev| toggle(tag.clone(), event_target_checked(&ev))
                                        />
                                        <span class="mono">{t.id_tag.clone()}</span>
                                        <span class="muted">{t.status.clone()}</span>
                                    </label>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }}
                </div>
            }
            .into_any()
        }
    };
    view! {
        <div class="field">
            <label for=id>
                {field.label}
                {(!field.required).then_some(" (optional)")}
            </label>
            {input}
        </div>
    }
}

/// A sent command and its answer.
#[component]
fn CommandResult(s: Sent) -> impl IntoView {
    let (outcome, label, body) = match &s.reply {
        None => ("waiting", "waiting…".to_owned(), None),
        Some(Ok(reply)) => {
            let body = match reply {
                CommandReply::Answered { payload, .. } => payload.clone(),
                CommandReply::Refused { description, .. } => description.clone(),
                CommandReply::TimedOut { message } | CommandReply::Failed { message } => {
                    message.clone()
                }
            };
            let outcome = if reply.succeeded() { "ok" } else { "failed" };
            (outcome, reply.label(), Some(body))
        }
        Some(Err(e)) => ("failed", "Error".to_owned(), Some(e.to_string())),
    };
    view! {
        <li class="result" data-testid="command-result" data-action=s.action data-outcome=outcome>
            <div class="result-head">
                <span class="muted">{format!("#{}", s.n)}</span>
                <strong>{s.action}</strong>
                <span class="outcome" data-outcome=outcome data-testid="command-outcome">{label}</span>
            </div>
            <details>
                <summary>"Request and answer"</summary>
                <pre>{pretty(&s.payload)}</pre>
                {body.map(|b| view! { <pre data-testid="command-answer">{b}</pre> })}
            </details>
        </li>
    }
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| json.to_owned())
}

/// The configuration keys as last read, editable in place through ChangeConfiguration.
#[component]
fn Configuration(station: Memo<String>, detail: Signal<StationDetail>) -> AnyView {
    // The key being edited and its draft; what each key's last change was answered.
    let editing = RwSignal::new(None::<(String, String)>);
    let outcomes = RwSignal::new(std::collections::BTreeMap::<String, (bool, String)>::new());
    let reading = RwSignal::new(None::<String>);

    let read = move |_| {
        let station = station.get_untracked();
        reading.set(Some("Reading…".to_owned()));
        leptos::task::spawn_local(async move {
            let reply = send_command(station, "GetConfiguration".to_owned(), "{}".to_owned()).await;
            reading.set(match reply {
                Ok(CommandReply::Answered { .. }) => None,
                Ok(other) => Some(other.label()),
                Err(e) => Some(e.to_string()),
            });
        });
    };
    let save = move |key: String| {
        let Some((_, draft)) = editing.get_untracked() else {
            return;
        };
        let mut values = Values::new();
        values.insert("key".to_owned(), key.clone());
        values.insert("value".to_owned(), draft);
        let Some(change) = commands::command("ChangeConfiguration") else {
            return;
        };
        let payload = match commands::build(change, &values, &[]) {
            Ok(payload) => payload,
            Err(message) => {
                outcomes.update(|o| {
                    o.insert(key, (false, message));
                });
                return;
            }
        };
        let station = station.get_untracked();
        outcomes.update(|o| {
            o.insert(key.clone(), (true, "sending…".to_owned()));
        });
        leptos::task::spawn_local(async move {
            let reply = send_command(station, "ChangeConfiguration".to_owned(), payload).await;
            let outcome = match reply {
                Ok(reply) => (reply.succeeded(), reply.label()),
                Err(e) => (false, e.to_string()),
            };
            if outcome.0 {
                editing.set(None);
            }
            outcomes.update(|o| {
                o.insert(key, outcome);
            });
        });
    };

    let row = move |k: ConfigKeyRow| {
        let key = k.key.clone();
        let key_edit = k.key.clone();
        let key_save = k.key.clone();
        let key_outcome = k.key.clone();
        let value = k.value.clone().unwrap_or_default();
        let is_editing = {
            let key = key.clone();
            move || editing.with(|e| e.as_ref().is_some_and(|(k, _)| *k == key))
        };
        let outcome = move || {
            outcomes.with(|o| {
                o.get(&key_outcome).map(|(ok, label)| {
                    view! { <span class="outcome" data-outcome=if *ok { "ok" } else { "failed" } data-testid="config-outcome">{label.clone()}</span> }
                })
            })
        };
        view! {
            <tr data-testid=format!("config-{}", k.key)>
                <td class="mono">{k.key.clone()}</td>
                <td class="mono value">
                    <Show
                        when=is_editing.clone()
                        fallback={
                            let value = value.clone();
                            move || view! { <span>{value.clone()}</span> }
                        }
                    >
                        <input
                            type="text"
                            aria-label=format!("New value of {key}")
                            prop:value=move || editing.with(|e| e.as_ref().map(|(_, d)| d.clone()).unwrap_or_default())
                            on:input=move |ev| {
                                let draft = event_target_value(&ev);
                                editing.update(|e| {
                                    if let Some((_, d)) = e {
                                        *d = draft;
                                    }
                                });
                            }
                        />
                    </Show>
                </td>
                <td>
                    {if k.readonly {
                        view! { <span class="muted">"read-only"</span> }.into_any()
                    } else {
                        let value = value.clone();
                        let key_save = key_save.clone();
                        view! {
                            <Show
                                when=is_editing.clone()
                                fallback={
                                    let key = key_edit.clone();
                                    let value = value.clone();
                                    move || {
                                        let key = key.clone();
                                        let value = value.clone();
                                        view! {
                                            <button class="button small secondary" on:click=move |_| editing.set(Some((key.clone(), value.clone())))>
                                                "Edit"
                                            </button>
                                        }
                                    }
                                }
                            >
                                <button class="button small" on:click={
                                    let key = key_save.clone();
                                    move |_| save(key.clone())
                                }>"Save"</button>
                                <button class="button small secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                            </Show>
                        }
                        .into_any()
                    }}
                    {outcome}
                </td>
            </tr>
        }
    };

    view! {
        <div class="panel configuration" data-testid="configuration">
            <div class="page-head">
                <h2>"Configuration"</h2>
                <button class="button small secondary" on:click=read>"Read from station"</button>
            </div>
            {move || reading.get().map(|m| view! { <p class="muted" data-testid="config-reading">{m}</p> })}
            <Show
                when=move || detail.with(|d| !d.configuration.is_empty())
                fallback=|| view! { <p class="empty muted">"Not read yet: “Read from station” asks it (GetConfiguration)."</p> }
            >
                <div class="table-wrap">
                    <table class="stations config">
                        <tbody>
                            <For
                                each=move || detail.get().configuration
                                key=|k| (k.key.clone(), k.value.clone())
                                children=row
                            />
                        </tbody>
                    </table>
                </div>
            </Show>
        </div>
    }
    .into_any()
}

/// The station's reservations.
#[component]
fn Reservations(detail: Signal<StationDetail>) -> AnyView {
    view! {
        <h2>"Reservations"</h2>
        <Show
            when=move || detail.with(|d| !d.reservations.is_empty())
            fallback=|| view! { <p class="empty muted">"No reservation."</p> }
        >
            <crate::pages::reservations::ReservationTable rows=Signal::derive(move || detail.get().reservations) />
        </Show>
    }
    .into_any()
}

/// The charging profiles the station accepted.
#[component]
fn Profiles(detail: Signal<StationDetail>) -> AnyView {
    view! {
        <h2>"Charging profiles"</h2>
        <Show
            when=move || detail.with(|d| !d.charging_profiles.is_empty())
            fallback=|| view! { <p class="empty muted">"No charging profile."</p> }
        >
            <crate::pages::charging_profiles::ProfileTable rows=Signal::derive(move || detail.get().charging_profiles) />
        </Show>
    }
    .into_any()
}

const PROFILES: [(u8, &str); 4] = [
    (0, "0 · unsecured"),
    (1, "1 · Basic auth (ws://)"),
    (2, "2 · TLS and Basic auth"),
    (3, "3 · TLS client certificate"),
];

/// How the station must prove who it is, and its security events. Admins change the profile
/// and the password here.
#[component]
fn Security(
    station: Memo<String>,
    detail: Signal<StationDetail>,
    reload: RwSignal<u64>,
) -> AnyView {
    use crate::api::{SendStationPassword, SetStationSecurity};
    let is_admin = crate::components::is_admin();
    let save = ServerAction::<SetStationSecurity>::new();
    let rotate = ServerAction::<SendStationPassword>::new();
    let connected = move || detail.with(|d| d.station.connected);
    let profile = RwSignal::new(detail.get_untracked().security_profile);
    let password = RwSignal::new(String::new());
    Effect::new(move |_| {
        let saved = save.value().with(|v| v.as_ref().is_some_and(Result::is_ok));
        let sent = rotate
            .value()
            .with(|v| v.as_ref().is_some_and(Result::is_ok));
        if saved || sent {
            password.set(String::new());
            reload.update(|n| *n += 1);
        }
    });
    let rotated = move || {
        rotate.value().get().map(|result| match result {
            Ok(sent) => view! {
                <p class="notice" data-testid="station-password-sent">
                    "The station took its new password, shown once: " <code class="mono">{sent}</code>
                </p>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    let outcome = move || {
        save.value().get().map(|result| match result {
            Ok(Some(made)) => view! {
                <p class="notice" data-testid="station-password">
                    "New password, shown once: " <code class="mono">{made}</code>
                    " Set it on the station as its AuthorizationKey."
                </p>
            }
            .into_any(),
            Ok(None) => {
                view! { <p class="muted" data-testid="security-saved">"Saved."</p> }.into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <h2>"Security"</h2>
        <div class="panel security" data-testid="security">
            <p>
                "Security profile "
                <strong data-testid="security-profile">{move || detail.with(|d| d.security_profile)}</strong>
                {move || detail.with(|d| if d.has_password { " · password set" } else { " · no password" })}
            </p>
            <Show when=move || is_admin.get()>
                <form
                    class="inline-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        // Only the latest outcome shows: an older password is no longer true.
                        rotate.value().set(None);
                        save.dispatch(SetStationSecurity {
                            station_id: station.get_untracked(),
                            profile: profile.get_untracked(),
                            password: password.get_untracked(),
                        });
                    }
                >
                    <label>
                        "Profile"
                        <select
                            aria-label="Security profile"
                            prop:value=move || profile.get().to_string()
                            on:change=move |ev| {
                                if let Ok(p) = event_target_value(&ev).parse() {
                                    profile.set(p);
                                }
                            }
                        >
                            {PROFILES.iter().map(|(n, label)| view! { <option value=n.to_string()>{*label}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>
                        "New password"
                        <input
                            type="password"
                            autocomplete="new-password"
                            placeholder="16-40 characters; empty: keep, or make one"
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))
                        />
                    </label>
                    <button class="button" type="submit">"Save"</button>
                    <Show when=connected>
                        <button
                            class="button secondary"
                            type="button"
                            title="Sends the password (or a new one) as the station's AuthorizationKey; kept once the station accepts"
                            on:click=move |_| {
                                save.value().set(None);
                                rotate.dispatch(SendStationPassword {
                                    station_id: station.get_untracked(),
                                    password: password.get_untracked(),
                                });
                            }
                        >
                            "Send a new password to the station"
                        </button>
                    </Show>
                </form>
                {outcome}
                {rotated}
            </Show>
            <h3>"Security events"</h3>
            {move || view! { <crate::pages::admin::SecurityEvents list=detail.with(|d| d.security_events.clone()) /> }}
        </div>
    }
    .into_any()
}
