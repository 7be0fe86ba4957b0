use crate::api::load_transaction;
use crate::chart::{self, HEIGHT, WIDTH};
use crate::components::ErrorList;
use crate::dto::{ChartPoint, LiveEvent, TransactionDetail, datetime};
use crate::live::{Live, LiveEvents};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// One transaction: who, where, when, how much; its power and energy over time, growing live
/// while it charges; its meter values as CSV.
#[component]
pub fn TransactionPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(-1)
    });
    let live = expect_context::<LiveEvents>();
    // A 2.0.1 transaction's timeline comes with the snapshot: its end brings a fresh one.
    let reload = RwSignal::new(0u64);
    live.reload_on(reload, move |event| {
        matches!(event, LiveEvent::TransactionStopped { transaction_id, .. }
            if *transaction_id == id.get_untracked())
    });
    let snapshot = Resource::new(
        move || (id.get(), live.epoch.get(), reload.get()),
        |(id, _, _)| load_transaction(id),
    );
    let detail = Live::new(snapshot);
    live.for_each_event(move |event| {
        detail.update(|d| {
            d.apply(event);
        });
    });
    let current = detail.current;
    let found = move || current.with(|d| d.transaction.id > 0);

    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || format!("Transaction {}", id.get())}</h1>
                <a href="/transactions">"All transactions"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the transaction…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    <Show when=found>
                        <Facts detail=current />
                        <div class="page-head">
                            <h2>"Power and energy"</h2>
                            <a
                                class="button small secondary"
                                href=move || format!("/api/transactions/{}/meter-values.csv", id.get())
                                download
                            >
                                "Meter values (CSV)"
                            </a>
                        </div>
                        <Chart points=Signal::derive(move || current.get().points) />
                        <Timeline detail=current />
                    </Show>
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn Facts(detail: Signal<TransactionDetail>) -> impl IntoView {
    let fact = |label: &'static str, value: String| {
        view! {
            <div class="fact">
                <dt>{label}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    view! {
        <dl class="facts" data-testid="transaction-facts">
            {move || {
                let d = detail.get();
                let t = d.transaction.clone();
                let started = chart::epoch_seconds(&t.started_at);
                let until = t.stopped_at.as_deref().and_then(chart::epoch_seconds);
                let duration = started
                    .zip(until)
                    .map(|(a, b)| chart::duration(b - a))
                    .unwrap_or_else(|| "charging".to_owned());
                view! {
                    <div class="fact">
                        <dt>"Station"</dt>
                        <dd>
                            <a href=format!("/stations/{}", t.station_id)>{t.station_id.clone()}</a>
                            {format!(
                                " / {} {}",
                                if t.station_transaction_id.is_some() { "EVSE" } else { "connector" },
                                t.connector_id,
                            )}
                        </dd>
                    </div>
                    {fact("Id tag", format!("{} ({})", t.id_tag, d.start_status))}
                    {fact("Started", datetime(&t.started_at))}
                    {fact(
                        "Stopped",
                        match (&t.stopped_at, &t.stop_reason) {
                            (Some(at), Some(reason)) => format!("{} ({reason})", datetime(at)),
                            (Some(at), None) => datetime(at),
                            (None, _) => "—".to_owned(),
                        },
                    )}
                    {fact("Duration", duration)}
                    <div class="fact">
                        <dt>"Energy"</dt>
                        <dd data-testid="transaction-energy">
                            {t.energy_wh.map_or_else(|| "—".to_owned(), |wh| format!("{:.2} kWh", wh / 1000.0))}
                        </dd>
                    </div>
                    {fact("Power", t.power_w.map_or_else(|| "—".to_owned(), |w| format!("{:.1} kW", w / 1000.0)))}
                    {fact(
                        "Meter",
                        format!(
                            "{} Wh → {}",
                            d.meter_start,
                            d.meter_stop.map_or_else(|| "…".to_owned(), |m| format!("{m} Wh")),
                        ),
                    )}
                    {t.station_transaction_id.clone().map(|own| fact("Station's id", own))}
                    {d.remote_start_requested_at.as_deref().map(|at| fact("Remote start", datetime(at)))}
                    {d.remote_stop_requested_at.as_deref().map(|at| fact("Remote stop", datetime(at)))}
                }
            }}
        </dl>
    }
}

/// A 2.0.1 transaction's events, by seqNo: what triggered each (nothing for 1.6).
#[component]
fn Timeline(detail: Signal<TransactionDetail>) -> impl IntoView {
    move || {
        let events = detail.with(|d| d.events.clone());
        (!events.is_empty()).then(|| {
            view! {
                <h2>"Events"</h2>
                <ol class="timeline panel" data-testid="timeline">
                    {events
                        .into_iter()
                        .map(|e| {
                            view! {
                                <li data-testid="timeline-event" data-type=e.event_type.clone()>
                                    <span class="muted">{format!("#{} ", e.seq_no)}{datetime(&e.occurred_at)}</span>
                                    " "<strong>{e.event_type.clone()}</strong>
                                    " · "{e.trigger_reason.clone()}
                                    {e.charging_state.clone().map(|s| format!(" · {s}"))}
                                    {e.stopped_reason.clone().map(|r| format!(" · stopped: {r}"))}
                                    {e.offline.then_some(" · sent late (offline)")}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            }
        })
    }
}

/// Energy (kWh, left axis) and power (kW, right axis) over time, as SVG.
#[component]
fn Chart(points: Signal<Vec<ChartPoint>>) -> impl IntoView {
    move || {
        let count = points.with(Vec::len);
        let Some(g) = points.with(|p| chart::geometry(p)) else {
            return view! {
                <p class="empty muted" data-testid="chart-empty">
                    "No meter values yet: the curve appears as the station sends them."
                </p>
            }
            .into_any();
        };
        let (x0, x1, _, y1) = g.frame;
        let grid = g
            .grid
            .iter()
            .map(|(y, fraction)| {
                let y = *y;
                view! {
                    <line class="grid" x1=x0 x2=x1 y1=y y2=y />
                    <text class="axis energy" x=x0 - 6.0 y=y + 4.0 text-anchor="end">
                        {chart::label(g.energy_max * fraction, g.energy_max)}
                    </text>
                    <text class="axis power" x=x1 + 6.0 y=y + 4.0 text-anchor="start">
                        {chart::label(g.power_max * fraction, g.power_max)}
                    </text>
                }
            })
            .collect_view();
        view! {
            <figure class="chart panel">
                <svg
                    viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                    role="img"
                    aria-label="Energy and power over time"
                    data-testid="chart"
                    data-points=count
                >
                    {grid}
                    <text class="axis energy" x=x0 y=10.0 text-anchor="start">"kWh"</text>
                    <text class="axis power" x=x1 y=10.0 text-anchor="end">"kW"</text>
                    <text class="axis" x=x0 y=y1 + 18.0 text-anchor="start">"0"</text>
                    <text class="axis" x=x1 y=y1 + 18.0 text-anchor="end">{chart::duration(g.span)}</text>
                    <polyline class="line power" points=g.power.clone() />
                    <polyline class="line energy" points=g.energy.clone() data-testid="energy-line" />
                </svg>
                <figcaption>
                    <span class="legend energy">"Energy (kWh)"</span>
                    <span class="legend power">"Power (kW)"</span>
                </figcaption>
            </figure>
        }
        .into_any()
    }
}
