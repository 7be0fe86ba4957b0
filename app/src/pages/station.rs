use crate::api::{list_id_tags, load_station};
use crate::components::{ErrorList, MessageLog, RegistrationControl};
use crate::dto::{LiveEvent, MessageListQuery, StationDetail, clock};
use crate::live::{Live, LiveEvents};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

mod alerts;
mod commands_panel;
mod configuration;
mod connectors;
mod device_model;
mod holdings;
mod security;
mod validation;

use alerts::Alerts;
use commands_panel::CommandsPanel;
use configuration::Configuration;
use connectors::Connectors;
use device_model::Variables;
use holdings::{Profiles, Reservations};
use security::Security;
use validation::Strictness;

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
                <span class="head-links">
                    <a href=move || format!("/stations/{}/history", id.get()) data-testid="history-link">
                        "History"
                    </a>
                    <a href="/stations">"All stations"</a>
                </span>
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
                                <Configuration station=id detail=current may_operate />
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
                        {move || {
                            let query = RwSignal::new(MessageListQuery {
                                station: id.get(),
                                ..Default::default()
                            });
                            let set_query = Callback::new(move |next| query.set(next));
                            view! { <MessageLog query=query.into() set_query global=false /> }
                        }}
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
                    {fact("Node", s.node.clone())}
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
