//! The station page's connectors card: one card per connector (a 2.0.1 EVSE, with its
//! connectors), its status and, while it charges, the transaction's energy and power.

use super::device_model::reload_on_station;
use crate::api::list_evse_connectors;
use crate::dto::{LiveEvent, StationDetail, TransactionRow, clock};
use crate::live::LiveEvents;
use leptos::prelude::*;

/// One card per connector (a 2.0.1 EVSE, with its connectors): its status and, while it
/// charges, the transaction's energy and power.
#[component]
pub(super) fn Connectors(
    station: Memo<String>,
    detail: Signal<StationDetail>,
    v201: Signal<bool>,
) -> AnyView {
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

/// Each EVSE's connectors with their own statuses (an EVSE card shows its busiest one).
#[component]
fn EvseConnectors(station: Memo<String>, evse: u32) -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let reload = RwSignal::new(0u64);
    reload_on_station(station, reload, |e| {
        matches!(e, LiveEvent::ConnectorStatusChanged { .. })
    });
    let connectors = Resource::new(
        move || (station.get(), live.epoch.get(), reload.get()),
        |(id, _, _)| list_evse_connectors(id),
    );
    view! {
        <Transition fallback=|| ()>
            <ul class="evse-connectors">
                {move || connectors.get().and_then(Result::ok).unwrap_or_default().into_iter()
                    .filter(|c| c.evse_id == evse)
                    .map(|c| view! {
                        <li data-testid=format!("evse-{}-connector-{}", c.evse_id, c.connector_id)>
                            {format!("Connector {} ", c.connector_id)}
                            <span class="badge" data-status=c.status.clone()>{c.status.clone()}</span>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </Transition>
    }
}
