use crate::api::{count_fleet, list_station_page};
use crate::components::pager::{self, Pager};
use crate::components::{ErrorList, RegistrationControl, Stat};
use crate::dto::{
    FleetCounters, LiveEvent, PAGE_SIZE, StationListQuery, StationListing, StationRow,
};
use crate::live::{Live, LiveEvents, settled};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use std::time::Duration;

/// Statuses the filter offers (1.6's and 2.0.1's).
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

/// How long events are gathered before the counters (or a short page) are read again: under
/// hundreds of events a second the page asks the server a few times a second at most.
const SETTLE: Duration = Duration::from_millis(400);

/// The address of the Stations page showing `query`.
fn href(query: &StationListQuery) -> String {
    pager::href("/stations", query.to_url())
}

/// The stations, a page at a time: filtered, sorted and counted by the server, the page's
/// state in the URL (shareable; Back returns to the previous one).
///
/// The rows on screen follow events as they arrive; the fleet's counters are read again
/// shortly after events that may change them. A station not on the page that appears is
/// fetched when the page has room for it.
#[component]
pub fn StationsPage() -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let url = use_query_map();
    let query = Memo::new(move |_| url.with(|p| StationListQuery::from_url(|key| p.get(key))));

    let reload = RwSignal::new(0u64);
    let snapshot = Resource::new(
        move || (live.epoch.get(), reload.get(), query.get()),
        |(_, _, query)| list_station_page(query),
    );
    let listing = Live::new(snapshot);
    let recount = RwSignal::new(0u64);
    let counted = Resource::new(move || (live.epoch.get(), recount.get()), |_| count_fleet());
    let counters = Live::new(counted);

    let recount_soon = settled(SETTLE, move || recount.update(|n| *n += 1));
    let reload_soon = settled(SETTLE, move || reload.update(|n| *n += 1));
    live.for_each_event(move |event| {
        let mut unknown = false;
        listing.update(|listing| {
            // Ids are unique: at most one row is about this station.
            let applied = listing.rows.iter_mut().any(|row| row.apply(event));
            unknown = !applied && event.station_id().is_some();
            if unknown
                && listing.rows.len() < PAGE_SIZE as usize
                && matches!(
                    event,
                    LiveEvent::StationConnected { .. } | LiveEvent::StationBooted { .. }
                )
            {
                reload_soon();
            }
        });
        if event.changes_counters() {
            recount_soon();
        }
    });

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Stations"</h1>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the stations…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    // Reading the snapshots here makes the server wait for them and shows
                    // their errors.
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    {move || counted.get().map(|loaded| loaded.map(|_| ()))}
                    <Counters counters=counters.current />
                    <Filters query />
                    <StationTable query listing=listing.current counters=counters.current />
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// The fleet's counters.
#[component]
fn Counters(counters: Signal<FleetCounters>) -> AnyView {
    let count =
        move |f: fn(&FleetCounters) -> u64| Signal::derive(move || f(&counters.get()).to_string());
    view! {
        <div class="stats">
            <Stat label="Stations" value=count(|c| c.stations) testid="stat-stations" />
            <Stat label="Online" value=count(|c| c.online) testid="stat-online" />
            <Stat label="Charging" value=count(|c| c.charging) testid="stat-charging" />
            <Stat label="Faulted" value=count(|c| c.faulted) testid="stat-faulted" />
            <Stat label="Pending" value=count(|c| c.pending) testid="stat-pending" />
        </div>
    }
    .into_any()
}

/// The filters: each change is a new address (a choice a new history entry, typing replaces
/// the current one), back to the first page.
#[component]
fn Filters(query: Memo<StationListQuery>) -> AnyView {
    let navigate = use_navigate();
    let go = move |change: &dyn Fn(&mut StationListQuery), replace: bool| {
        let mut next = query.get_untracked();
        change(&mut next);
        next.page = 1;
        pager::go(&navigate, &href(&next), replace);
    };

    // What is typed goes to the address a moment after typing stops; the field follows the
    // address only when it changes otherwise (Back), never under the user's fingers.
    let typed = RwSignal::new(query.get_untracked().q);
    let sent = StoredValue::new(query.get_untracked().q);
    Effect::new(move |_| {
        let q = query.with(|query| query.q.clone());
        if q != sent.get_value() {
            sent.set_value(q.clone());
            typed.set(q);
        }
    });
    let typing = StoredValue::new(0u64);
    let on_type = {
        let go = go.clone();
        move |text: String| {
            typed.set(text);
            typing.update_value(|n| *n += 1);
            let mine = typing.get_value();
            let go = go.clone();
            set_timeout(
                move || {
                    if typing.get_value() == mine {
                        let text = typed.get_untracked();
                        sent.set_value(text.clone());
                        go(&|q| q.q = text.clone(), true);
                    }
                },
                Duration::from_millis(250),
            );
        }
    };
    let select = move |label: &'static str,
                       field: fn(&mut StationListQuery) -> &mut String,
                       options: Vec<(&'static str, &'static str)>| {
        let go = go.clone();
        view! {
            <select
                aria-label=label
                prop:value=move || { let mut q = query.get(); field(&mut q).clone() }
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(&|q| *field(q) = value.clone(), false);
                }
            >
                {options
                    .into_iter()
                    .map(|(value, text)| view! { <option value=value>{text}</option> })
                    .collect_view()}
            </select>
        }
    };
    let statuses = std::iter::once(("", "Any status"))
        .chain(STATUSES.iter().map(|s| (*s, *s)))
        .collect();

    view! {
        <div class="filters">
            <input
                type="search"
                placeholder="Filter by id, vendor or model"
                aria-label="Filter stations"
                prop:value=move || typed.get()
                on:input=move |ev| on_type(event_target_value(&ev))
            />
            {select(
                "Filter by connection",
                |q| &mut q.connection,
                vec![("", "Online or offline"), ("online", "Online"), ("offline", "Offline")],
            )}
            {select("Filter by status", |q| &mut q.status, statuses)}
            {select(
                "Filter by registration",
                |q| &mut q.registration,
                vec![
                    ("", "Any registration"),
                    ("Accepted", "Accepted"),
                    ("Pending", "Pending"),
                    ("Rejected", "Rejected"),
                ],
            )}
            {select(
                "Filter by OCPP version",
                |q| &mut q.version,
                vec![("", "Any OCPP version"), ("1.6", "OCPP 1.6"), ("2.0.1", "OCPP 2.0.1")],
            )}
        </div>
    }
    .into_any()
}

/// The page of stations, its sortable headings and the pager.
#[component]
fn StationTable(
    query: Memo<StationListQuery>,
    listing: Signal<StationListing>,
    counters: Signal<FleetCounters>,
) -> AnyView {
    let filtered = move || {
        query.with(|q| {
            q.to_url()
                .iter()
                .any(|(k, _)| !matches!(*k, "sort" | "order" | "page"))
        })
    };
    view! {
        <Show
            when=move || !listing.with(|l| l.rows.is_empty())
            fallback=move || {
                if filtered() || counters.get().stations > 0 {
                    view! {
                        <p class="empty muted" data-testid="stations-none-match">
                            "No station matches. "
                            <a href="/stations">"Show every station"</a>
                        </p>
                    }
                    .into_any()
                } else {
                    view! {
                        <p class="empty muted" data-testid="stations-empty">
                            "No station yet. Point a station at "
                            <code>"ws://HOST:PORT/ocpp/STATION_ID"</code>
                            " and it appears here."
                        </p>
                    }
                    .into_any()
                }
            }
        >
            <div class="table-wrap">
                <table class="stations">
                    <thead>
                        <tr>
                            <SortHeading query label="Station" key="id" />
                            <SortHeading query label="OCPP" key="version" />
                            <SortHeading query label="Connection" key="lastSeen" />
                            <th scope="col">"Registration"</th>
                            <SortHeading query label="Model" key="model" />
                            <SortHeading query label="Connectors" key="status" />
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || listing.get().rows key=StationRow::key let(station)>
                            <StationLine station />
                        </For>
                    </tbody>
                </table>
            </div>
            <Pager
                page=Signal::derive(move || query.with(|q| q.page))
                page_size=PAGE_SIZE
                matching=Signal::derive(move || listing.with(|l| l.matching))
                shown=Signal::derive(move || listing.with(|l| l.rows.len()))
                to=Callback::new(move |page| href(&StationListQuery { page, ..query.get() }))
                testid="stations-range"
            />
        </Show>
    }
    .into_any()
}

/// A column heading that sorts the list by `key` (again: the other way round).
#[component]
fn SortHeading(query: Memo<StationListQuery>, label: &'static str, key: &'static str) -> AnyView {
    let state = move || {
        query.with(|q| match (q.sort_key() == key, q.descending()) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        })
    };
    let arrow = move || match state() {
        "ascending" => "▲",
        "descending" => "▼",
        _ => "",
    };
    view! {
        <th scope="col" aria-sort=state>
            <a
                class="sort"
                href=move || query.with(|q| href(&q.sorted_by(key)))
                data-testid=format!("sort-{key}")
            >
                {label}
                <span class="arrow" aria-hidden="true">{arrow}</span>
            </a>
        </th>
    }
    .into_any()
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
            </td>
            <td class="muted">
                {station.protocol.as_deref().map(|p| {
                    let shown = p.trim_start_matches("ocpp").to_owned();
                    view! { <span class="version" data-testid="station-version">{shown}</span> }
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
