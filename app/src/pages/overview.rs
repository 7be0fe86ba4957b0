use crate::api::load_overview;
use crate::chart::series;
use crate::components::charts::{BarChart, LineChart};
use crate::components::{ErrorList, Stat, station_cell, table, time_cell};
use crate::dto::{LiveEvent, Overview};
use crate::live::{LiveEvents, settled};
use leptos::prelude::*;
use std::time::Duration;

/// After station events (connections, statuses), the figures are read again this soon.
const STATIONS_SETTLE: Duration = Duration::from_millis(400);
/// After meter values, this soon: power moves with every one of them.
const METER_SETTLE: Duration = Duration::from_secs(2);
/// A gap in the power samples longer than this breaks the line (the server was not running).
const SAMPLE_GAP: f64 = 150.0;

/// The fleet at a glance: counters, the power it draws and the energy it delivered, charts of
/// the last hours and days, the connectors faulted now, the stations offline longest, and
/// what just happened.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    // Bumped by events (a moment after, see the settles) and the Refresh button; with the
    // stream's epoch it keys the snapshot, so the figures follow what happens.
    let changes = RwSignal::new(0u64);
    let overview = Resource::new(
        move || (live.epoch.get(), changes.get()),
        |_| load_overview(),
    );
    let stations_changed = settled(STATIONS_SETTLE, move || changes.update(|n| *n += 1));
    let meters_changed = settled(METER_SETTLE, move || changes.update(|n| *n += 1));
    live.for_each_event(move |event| match event {
        _ if event.changes_counters() => stations_changed(),
        LiveEvent::TransactionStarted { .. }
        | LiveEvent::TransactionUpdated { .. }
        | LiveEvent::TransactionStopped { .. } => meters_changed(),
        _ => {}
    });

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Overview"</h1>
                <button class="button" on:click=move |_| changes.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the fleet…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        overview.await.map(|o| view! { <Figures o /> })
                    })}
                </ErrorBoundary>
            </Transition>
            <Activity live />
        </section>
    }
}

/// `wh` in kWh, with fewer decimals as it grows (`0.09`, `12.3`, `1520`).
fn kwh(wh: f64) -> String {
    let kwh = wh / 1000.0;
    let decimals = match kwh {
        k if k < 10.0 => 2,
        k if k < 1000.0 => 1,
        _ => 0,
    };
    format!("{kwh:.decimals$}")
}

/// Everything but the activity feed.
#[component]
fn Figures(o: Overview) -> AnyView {
    let c = o.counters;
    let offline = c.stations.saturating_sub(c.online);
    let power: Vec<(f64, f64)> = o.power.iter().map(|(t, w)| (*t, w / 1000.0)).collect();
    let line = series::line(&power, o.power_from, o.power_to, SAMPLE_GAP, "kW");
    let energy: Vec<(String, f64)> = o
        .days
        .iter()
        .map(|d| (d.day.clone(), d.energy_wh as f64 / 1000.0))
        .collect();
    let sessions: Vec<(String, f64)> = o
        .days
        .iter()
        .map(|d| (d.day.clone(), d.sessions as f64))
        .collect();
    view! {
        <div class="stats">
            <Stat label="Stations" value=c.stations.to_string() testid="stat-stations" />
            <Stat label="Online" value=c.online.to_string() testid="stat-online" />
            <Stat label="Offline" value=offline.to_string() testid="stat-offline" />
            <Stat label="Charging" value=c.charging.to_string() testid="stat-charging" />
            <Stat label="Faulted" value=c.faulted.to_string() testid="stat-faulted" />
            <Stat label="Power now (kW)" value=format!("{:.1}", o.power_w / 1000.0) testid="stat-power" />
            <Stat label="Energy today (kWh)" value=kwh(o.energy_today_wh) testid="stat-energy-today" />
        </div>
        {(c.stations == 0).then(|| view! {
            <p class="muted empty" data-testid="fleet-empty">
                "No station yet. Point a station at "
                <code>"ws://HOST:PORT/ocpp/STATION_ID"</code>
                " to see it here."
            </p>
        })}
        <h2>"Fleet power, last 6 hours"</h2>
        <LineChart
            line
            points=power.len()
            label="Fleet power (kW) over the last 6 hours"
            testid="power-chart"
            empty="No power measured yet."
        />
        <div class="chart-pair">
            <div>
                <h2>"Energy per day (kWh)"</h2>
                <BarChart
                    chart=series::bars(&energy, "kWh", None)
                    label="Energy delivered per day over the last 30 days, in kWh"
                    testid="energy-chart"
                />
            </div>
            <div>
                <h2>"Sessions per day"</h2>
                <BarChart
                    chart=series::bars(&sessions, "sessions", None)
                    label="Charging sessions started per day over the last 30 days"
                    testid="sessions-chart"
                />
            </div>
        </div>
        <div class="chart-pair">
            <div>
                <h2>"Faulted now"</h2>
                <Faults o=o.clone() />
            </div>
            <div>
                <h2>"Offline longest"</h2>
                <LongestOffline o=o.clone() />
            </div>
        </div>
        <h2>"Nodes"</h2>
        <Nodes o />
    }
    .into_any()
}

/// The nodes serving the fleet: alive or not, the stations each holds, when last seen.
#[component]
fn Nodes(o: Overview) -> AnyView {
    let rows = o
        .nodes
        .iter()
        .map(|n| {
            let name = if n.this_node {
                format!("{} (this node)", n.name)
            } else {
                n.name.clone()
            };
            view! {
                <tr data-node=n.name.clone()>
                    <td>{name}</td>
                    <td>
                        <span class="online" data-online=n.alive.to_string()>
                            <span class="dot"></span>
                            {if n.alive { "alive" } else { "not seen" }}
                        </span>
                    </td>
                    <td class="num">{n.stations.to_string()}</td>
                    {time_cell(&n.started_at)}
                    {time_cell(&n.last_seen_at)}
                </tr>
            }
            .into_any()
        })
        .collect();
    table(
        "nodes",
        &["Node", "State", "Stations", "Started", "Last seen"],
        rows,
    )
}

/// The connectors faulted now, with their error codes.
#[component]
fn Faults(o: Overview) -> AnyView {
    if o.faults.is_empty() {
        return view! { <p class="muted empty" data-testid="faults-none">"No connector is faulted."</p> }
            .into_any();
    }
    let rows = o
        .faults
        .iter()
        .map(|f| {
            let error = match &f.info {
                Some(info) => format!("{} ({info})", f.error_code),
                None => f.error_code.clone(),
            };
            view! {
                <tr>
                    {station_cell(&f.station_id)}
                    <td>{f.connector_id}</td>
                    <td>{error}</td>
                    {time_cell(&f.since)}
                </tr>
            }
            .into_any()
        })
        .collect();
    table("faults", &["Station", "Connector", "Error", "Since"], rows)
}

/// The stations offline longest.
#[component]
fn LongestOffline(o: Overview) -> AnyView {
    if o.offline.is_empty() {
        return view! { <p class="muted empty" data-testid="offline-none">"No station is offline."</p> }
            .into_any();
    }
    let rows = o
        .offline
        .iter()
        .map(|s| {
            view! { <tr>{station_cell(&s.station_id)} {time_cell(&s.last_seen)}</tr> }.into_any()
        })
        .collect();
    table("longest-offline", &["Station", "Last seen"], rows)
}

/// What just happened, live.
#[component]
fn Activity(live: LiveEvents) -> AnyView {
    // The activity feed shows events after this sequence number ("Clear" moves it).
    let feed_from = RwSignal::new(0u64);
    let feed = move || {
        let from = feed_from.get();
        live.recent.with(|events| {
            events
                .iter()
                .rev()
                .filter(|(seq, _)| *seq > from)
                .take(50)
                .map(|(_, e)| (e.at().unwrap_or_default().to_owned(), e.describe()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="page-head">
            <h2>"Live activity"</h2>
            <button
                class="button secondary"
                on:click=move |_| feed_from.set(live.latest_seq_untracked())
            >
                "Clear"
            </button>
        </div>
        <ul class="feed" data-testid="feed">
            <For each=feed key=|(at, line)| format!("{at}{line}") let((at, line))>
                <li>
                    <time datetime=at.clone() title=at.clone()>
                        {crate::dto::clock(&at).to_owned()}
                    </time>
                    <span>{line}</span>
                </li>
            </For>
        </ul>
    }
    .into_any()
}
