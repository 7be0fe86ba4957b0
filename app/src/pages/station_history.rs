//! A station's history: its power over the last day, uptime per day, its latest sessions and
//! how its connectors' statuses changed, faults marked. Read again a moment after the station
//! says something.

use crate::api::load_station_history;
use crate::chart::series;
use crate::components::charts::{BarChart, LineChart};
use crate::components::{ErrorList, Stat, table, time_cell};
use crate::dto::{LiveEvent, StationHistory, datetime};
use crate::live::{LiveEvents, settled};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// After the station says something, its history is read again this soon.
const SETTLE: Duration = Duration::from_secs(1);
/// Points of the power chart further apart than this (a 5-minute step) leave a gap.
const POINT_GAP: f64 = 450.0;

#[component]
pub fn StationHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let live = expect_context::<LiveEvents>();
    let changes = RwSignal::new(0u64);
    let history = Resource::new(
        move || (id.get(), live.epoch.get(), changes.get()),
        |(id, _, _)| load_station_history(id),
    );
    let changed = settled(SETTLE, move || changes.update(|n| *n += 1));
    live.for_each_event(move |event| {
        let ours = event.station_id() == Some(id.get_untracked().as_str());
        if ours && !matches!(event, LiveEvent::MessageLogged { .. }) {
            changed();
        }
    });

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"History of " <span class="mono">{move || id.get()}</span></h1>
                <a href=move || format!("/stations/{}", id.get())>"Back to the station"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the history…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move { history.await.map(|h| view! { <History h /> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// `ratio` as a percentage with one decimal.
fn percent(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0)
}

#[component]
fn History(h: StationHistory) -> AnyView {
    let power: Vec<(f64, f64)> = h.power.iter().map(|(t, w)| (*t, w / 1000.0)).collect();
    let line = series::line(&power, h.from, h.to, POINT_GAP, "kW");
    let uptime: Vec<(String, f64)> = h
        .uptime
        .iter()
        .filter_map(|d| Some((d.day.clone(), d.percent()?)))
        .collect();
    let faults = h.status_changes.iter().filter(|c| c.fault).count();
    let online = if h.online_since.is_some() {
        "online"
    } else {
        "offline"
    };
    view! {
        <div class="stats">
            <Stat
                label="Online, last 7 days"
                value=h.uptime_ratio.map_or_else(|| "—".to_owned(), percent)
                testid="stat-uptime"
            />
            <Stat label="Now" value=online.to_owned() testid="stat-connection" />
            <Stat label="Sessions" value=h.session_count.to_string() testid="stat-sessions" />
            <Stat label="Faults listed" value=faults.to_string() testid="stat-faults" />
        </div>
        <p class="muted" data-testid="online-since">
            {match &h.online_since {
                Some(since) => format!("Online since {}.", datetime(since)),
                None => "Offline.".to_owned(),
            }}
        </p>
        <h2>"Power, last 24 hours"</h2>
        <LineChart
            line
            points=power.len()
            label="The station's power (kW) over the last 24 hours"
            testid="station-power-chart"
            empty="No power known for the last 24 hours."
        />
        <div class="chart-pair">
            <div>
                <h2>"Online per day (%)"</h2>
                {if uptime.is_empty() {
                    view! {
                        <p class="muted empty" data-testid="uptime-none">"Not connected yet."</p>
                    }
                        .into_any()
                } else {
                    view! {
                        <BarChart
                            chart=series::bars(&uptime, "%", Some(100.0))
                            label="Share of each day the station was online, over the last 7 days (UTC)"
                            testid="uptime-chart"
                        />
                    }
                        .into_any()
                }}
            </div>
            <div>
                <h2>"Latest sessions"</h2>
                <Sessions h=h.clone() />
            </div>
        </div>
        <h2>"Status changes"</h2>
        <StatusChanges h />
    }
    .into_any()
}

/// The latest sessions, with a link to all of them.
#[component]
fn Sessions(h: StationHistory) -> AnyView {
    if h.sessions.is_empty() {
        return view! { <p class="muted empty" data-testid="history-sessions-none">"No session yet."</p> }
            .into_any();
    }
    let rows = h
        .sessions
        .iter()
        .map(|t| {
            let energy = t
                .energy_wh
                .map_or_else(|| "—".to_owned(), |wh| format!("{:.2} kWh", wh / 1000.0));
            view! {
                <tr>
                    <td class="mono"><a href=format!("/transactions/{}", t.id)>{t.id}</a></td>
                    <td>{t.connector_id}</td>
                    {time_cell(&t.started_at)}
                    <td>{if t.stopped_at.is_some() { "finished" } else { "charging" }}</td>
                    <td>{energy}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    view! {
        {table("history-sessions", &["#", "Connector", "Started", "State", "Energy"], rows)}
        <p>
            <a href=format!("/transactions?station={}", h.station_id) data-testid="all-sessions">
                {format!("All sessions of {} ({})", h.station_id, h.session_count)}
            </a>
        </p>
    }
    .into_any()
}

/// How the connectors' statuses changed, the latest first, faults marked.
#[component]
fn StatusChanges(h: StationHistory) -> AnyView {
    if h.status_changes.is_empty() {
        return view! { <p class="muted empty" data-testid="status-changes-none">"No status reported yet."</p> }
            .into_any();
    }
    let rows = h
        .status_changes
        .iter()
        .map(|c| {
            let error = match &c.vendor_error_code {
                Some(vendor) => format!("{} ({vendor})", c.error_code),
                None => c.error_code.clone(),
            };
            view! {
                <tr class:fault=c.fault>
                    {time_cell(&c.at)}
                    <td>{c.connector_id}</td>
                    <td>
                        <span class="badge" data-status=c.status.clone()>{c.status.clone()}</span>
                        {c.fault.then(|| view! { <strong class="fault-mark">" fault"</strong> })}
                    </td>
                    <td>{error}</td>
                    <td>{c.info.clone().unwrap_or_default()}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    table(
        "status-changes",
        &["When", "Connector", "Status", "Error", "Info"],
        rows,
    )
}
