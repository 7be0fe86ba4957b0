use crate::api::{list_id_tags, load_station, send_command};
use crate::commands::{self, Values};
use crate::components::{ErrorList, MessageLog, RegistrationControl};
use crate::dto::{CommandReply, ConfigKeyRow, LiveEvent, StationDetail, TransactionRow, clock};
use crate::live::{Live, LiveEvents};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

mod commands_panel;
mod device_model;

use commands_panel::CommandsPanel;
use device_model::{Alerts, EvseConnectors, Strictness, Variables};

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
    // A 2.0.1 station has a device model and alerts instead of 1.6's configuration keys.
    let v201 = Signal::derive(move || current.with(|d| d.protocol.as_deref() == Some("ocpp2.0.1")));

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
                        <Connectors station=id detail=current v201 />
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
                            <Show when=move || !v201.get()>
                                <Configuration station=id detail=current />
                            </Show>
                            <Show when=move || v201.get()>
                                <Alerts station=id />
                            </Show>
                        </div>
                        <Show when=move || v201.get()>
                            <Variables station=id may_operate />
                        </Show>
                        <Reservations detail=current />
                        <Profiles detail=current />
                        <Security station=id detail=current reload />
                        <Strictness
                            station=id
                            lenient=Signal::derive(move || current.with(|d| d.lenient))
                            may_operate
                            reload
                        />
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

/// One card per connector (a 2.0.1 EVSE, with its connectors): its status and, while it
/// charges, the transaction's energy and power.
#[component]
fn Connectors(station: Memo<String>, detail: Signal<StationDetail>, v201: Signal<bool>) -> AnyView {
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
                let name = if v201.get() { "EVSE" } else { "Connector" };
                let evse = c.connector_id;
                view! {
                    <div class="connector" data-testid=format!("connector-card-{}", c.connector_id)>
                        <div class="connector-head">
                            <strong>{format!("{name} {}", c.connector_id)}</strong>
                            <span class="badge" data-status=c.status.clone()>{c.status.clone()}</span>
                        </div>
                        {(c.error_code != "NoError")
                            .then(|| view! { <p class="error-inline">{c.error_code.clone()} {c.info.clone().map(|i| format!(" ({i})"))}</p> })}
                        {v201.get().then(|| view! { <EvseConnectors station evse /> })}
                        {active.map(|t| view! { <ActiveTransaction t /> })}
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <h2>{move || if v201.get() { "EVSEs" } else { "Connectors" }}</h2>
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
        let Some(change) = commands::command(protocol::OcppVersion::V16, "ChangeConfiguration")
        else {
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
