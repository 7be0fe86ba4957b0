//! The station page's commands panel: every operation as a form, and the answers as they come.

use crate::api::send_command;
use crate::commands::{self, Command, Input, Values};
use crate::dto::{AppError, CommandReply, IdTagRow, StationDetail};
use leptos::prelude::*;
use protocol::OcppVersion;

/// One command the panel sent and what became of it.
#[derive(Debug, Clone)]
struct Sent {
    n: u64,
    action: &'static str,
    payload: String,
    reply: Option<Result<CommandReply, AppError>>,
}

/// The OCPP version a station speaks, by its last connection (1.6 if it never connected).
fn version_of(detail: &StationDetail) -> OcppVersion {
    detail
        .protocol
        .as_deref()
        .and_then(OcppVersion::from_subprotocol)
        .unwrap_or(OcppVersion::V16)
}

/// Every operation the central system can send to the station, in its OCPP version, as a form;
/// the answers as they come.
#[component]
pub(super) fn CommandsPanel(
    station: Memo<String>,
    detail: Signal<StationDetail>,
    tags: Signal<Vec<IdTagRow>>,
) -> AnyView {
    let version = Memo::new(move |_| detail.with(version_of));
    let chosen = RwSignal::new(commands::commands_of(version.get_untracked())[0].action);
    let values = RwSignal::new(Values::new());
    let invalid = RwSignal::new(None::<String>);
    let sent = RwSignal::new(Vec::<Sent>::new());
    let command = move || {
        let all = commands::commands_of(version.get());
        commands::command(version.get(), chosen.get()).unwrap_or(&all[0])
    };

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
                            if let Some(c) = commands::command(version.get_untracked(), &action) {
                                chosen.set(c.action);
                            }
                        }
                    >
                        {move || {
                            let all = commands::commands_of(version.get());
                            let group = |label: &'static str, security: bool| {
                                let options = all
                                    .iter()
                                    .filter(|c| c.security == security)
                                    .map(|c| view! { <option value=c.action>{c.action}</option> })
                                    .collect_view();
                                view! { <optgroup label=label>{options}</optgroup> }
                            };
                            match version.get() {
                                OcppVersion::V16 => view! {
                                    {group("OCPP 1.6", false)}
                                    {group("Security extension", true)}
                                }
                                .into_any(),
                                OcppVersion::V201 => group("OCPP 2.0.1", false).into_any(),
                            }
                        }}
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
                Input::StationTransaction if f.required => d
                    .active_transactions
                    .first()
                    .and_then(|t| t.station_transaction_id.clone()),
                Input::Bool if f.required => Some("false".to_owned()),
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
    let id = format!("cmd-{}", path.replace(['.', '[', ']'], "-"));
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
        Input::StationTransaction => {
            let list = format!("{id}-list");
            view! {
                <input id=id.clone() type="text" list=list.clone() autocomplete="off" prop:value=value on:input=on_input />
                <datalist id=list>
                    {move || {
                        detail
                            .get()
                            .active_transactions
                            .into_iter()
                            .filter_map(|t| {
                                let own = t.station_transaction_id.clone()?;
                                Some(view! {
                                    <option value=own>
                                        {format!("EVSE {} · {}", t.connector_id, t.id_tag)}
                                    </option>
                                })
                            })
                            .collect_view()
                    }}
                </datalist>
            }
            .into_any()
        }
        Input::Bool => view! {
            <select id=id.clone() prop:value=value on:change=on_input>
                {none}
                <option value="false">"no"</option>
                <option value="true">"yes"</option>
            </select>
        }
        .into_any(),
        Input::Ints => view! {
            <input id=id.clone() type="text" inputmode="numeric" placeholder="1, 2, …" prop:value=value on:input=on_input />
        }
        .into_any(),
        Input::Json => view! {
            <textarea id=id.clone() rows="3" placeholder="{\"any\": \"JSON\"}" prop:value=value on:input=on_input></textarea>
        }
        .into_any(),
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
        Input::Tags | Input::Tokens => {
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
