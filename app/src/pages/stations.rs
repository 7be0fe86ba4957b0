use crate::api::list_stations;
use crate::components::{ErrorList, RegistrationControl, Stat};
use crate::dto::{LiveEvent, StationRow};
use crate::live::{LiveEvents, LiveList};
use leptos::prelude::*;

/// Statuses the filter offers, besides the connection and registration states.
const STATUSES: &[&str] = &[
    "Available",
    "Occupied",
    "Preparing",
    "Charging",
    "SuspendedEV",
    "SuspendedEVSE",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Faulted",
];

/// Every station, live: connection, registration, identity and one badge per connector.
///
/// The list is loaded once (server-rendered), then kept current by applying events as they
/// arrive; it is reloaded only when the event stream (re)opens or lags, or a station appears
/// that the list does not have.
#[component]
pub fn StationsPage() -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let reload = RwSignal::new(0u64);
    let snapshot = Resource::new(
        move || (live.epoch.get(), reload.get()),
        |_| list_stations(),
    );
    let list = LiveList::new(snapshot);
    live.for_each_event(move |event| {
        let mut unknown = false;
        list.update(|rows| {
            // Ids are unique: at most one row is about this station.
            let applied = rows.iter_mut().any(|row| row.apply(event));
            unknown = !applied && event.station_id().is_some();
        });
        if unknown
            && matches!(
                event,
                LiveEvent::StationConnected { .. } | LiveEvent::StationBooted { .. }
            )
        {
            reload.update(|n| *n += 1);
        }
    });

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Stations"</h1>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the stations…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    // Reading the snapshot here makes the server wait for it and shows its error.
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    <StationTable rows=list.current />
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// Counters, filters and the table of stations.
#[component]
fn StationTable(
    /// The stations to show.
    rows: Signal<Vec<StationRow>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let version = RwSignal::new(String::new());
    let count = move |f: fn(&StationRow) -> bool| {
        Signal::derive(move || rows.with(|r| r.iter().filter(|s| f(s)).count().to_string()))
    };
    let shown = move || {
        let needle = text.get().to_lowercase();
        let wanted = status.get();
        let wanted_version = version.get();
        rows.get()
            .into_iter()
            .filter(|s| {
                needle.is_empty()
                    || [Some(&s.id), s.vendor.as_ref(), s.model.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|v| v.to_lowercase().contains(&needle))
            })
            .filter(|s| match wanted.as_str() {
                "" => true,
                "online" => s.connected,
                "offline" => !s.connected,
                "pending" => s.registration == "Pending",
                other => s.connectors.iter().any(|c| c.status == other),
            })
            .filter(|s| {
                wanted_version.is_empty() || s.protocol.as_deref() == Some(wanted_version.as_str())
            })
            .collect::<Vec<_>>()
    };

    view! {
        <div class="stats">
            <Stat label="Online" value=count(|s| s.connected) testid="stat-online" />
            <Stat label="Charging" value=count(|s| s.has_status("Charging")) testid="stat-charging" />
            <Stat
                label="Faulted"
                value=count(|s| s.connectors.iter().any(|c| c.status == "Faulted"))
                testid="stat-faulted"
            />
            <Stat label="Pending" value=count(|s| s.registration == "Pending") testid="stat-pending" />
        </div>
        <div class="filters">
            <input
                type="search"
                placeholder="Filter by id, vendor or model"
                aria-label="Filter stations"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            />
            <select
                aria-label="Filter by status"
                prop:value=move || status.get()
                on:change=move |ev| status.set(event_target_value(&ev))
            >
                <option value="">"All stations"</option>
                <option value="online">"Online"</option>
                <option value="offline">"Offline"</option>
                <option value="pending">"Pending"</option>
                {STATUSES.iter().map(|s| view! { <option value=*s>{*s}</option> }).collect_view()}
            </select>
            <select
                aria-label="Filter by OCPP version"
                prop:value=move || version.get()
                on:change=move |ev| version.set(event_target_value(&ev))
            >
                <option value="">"Any OCPP version"</option>
                <option value="ocpp1.6">"OCPP 1.6"</option>
                <option value="ocpp2.0.1">"OCPP 2.0.1"</option>
            </select>
        </div>
        <Show
            when=move || !rows.with(Vec::is_empty)
            fallback=|| {
                view! {
                    <p class="empty muted" data-testid="stations-empty">
                        "No station yet. Point a station at "
                        <code>"ws://HOST:PORT/ocpp/STATION_ID"</code>
                        " and it appears here."
                    </p>
                }
            }
        >
            <div class="table-wrap">
                <table class="stations">
                    <thead>
                        <tr>
                            <th>"Station"</th>
                            <th>"Connection"</th>
                            <th>"Registration"</th>
                            <th>"Model"</th>
                            <th>"Connectors"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=shown key=StationRow::key let(station)>
                            <StationLine station />
                        </For>
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

/// One station's row.
#[component]
fn StationLine(
    /// The station.
    station: StationRow,
) -> impl IntoView {
    let pending = station.registration == "Pending";
    let seen = station
        .last_seen
        .as_deref()
        .map(|t| format!("last seen {}", crate::dto::clock(t)))
        .unwrap_or_else(|| "never seen".to_owned());
    let model = [station.vendor.clone(), station.model.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <tr class:pending=pending data-testid=format!("station-{}", station.id)>
            <td class="mono">
                <a href=format!("/stations/{}", station.id)>{station.id.clone()}</a>
                {station.protocol.as_deref().map(|p| {
                    let shown = p.trim_start_matches("ocpp").to_owned();
                    view! { <span class="version muted" data-testid="station-version">" " {shown}</span> }
                })}
            </td>
            <td>
                <span class="online" data-online=station.connected.to_string()>
                    <span class="dot"></span>
                    {if station.connected { "online".to_owned() } else { format!("offline · {seen}") }}
                </span>
            </td>
            <td>
                <RegistrationControl
                    station_id=station.id.clone()
                    registration=station.registration.clone()
                />
            </td>
            <td>
                {model}
                {station.firmware_version.clone().map(|f| view! { <span class="muted">" · fw " {f}</span> })}
            </td>
            <td class="badges">
                {station
                    .connectors
                    .iter()
                    .map(|c| {
                        let title = match &c.info {
                            Some(info) => format!("{} ({info})", c.error_code),
                            None => c.error_code.clone(),
                        };
                        view! {
                            <span
                                class="badge"
                                data-status=c.status.clone()
                                title=title
                                data-testid=format!("connector-{}-{}", station.id, c.connector_id)
                            >
                                {c.connector_id}
                                ": "
                                {c.status.clone()}
                            </span>
                        }
                    })
                    .collect_view()}
            </td>
        </tr>
    }
}
