use crate::api::list_reservations;
use crate::components::{ListPage, send_from_row};
use crate::dto::{LiveEvent, ReservationRow, datetime};
use leptos::prelude::*;

/// Every reservation stations accepted: active, expired, cancelled, used.
#[component]
pub fn ReservationsPage() -> impl IntoView {
    view! {
        <ListPage
            title="Reservations"
            loading="Loading the reservations…"
            empty_testid="reservations-empty"
            empty="No reservation yet. Reserve a connector with ReserveNow on a station's page."
            load=list_reservations
            reload_when=|event| match event {
                LiveEvent::CommandAnswered { action, .. } => {
                    ["ReserveNow", "CancelReservation"].contains(&action.as_str())
                }
                LiveEvent::TransactionStarted { .. } => true,
                _ => false,
            }
            table=|rows| view! { <ReservationTable rows /> }
        />
    }
}

/// Reservations with a Cancel button on the active ones (CancelReservation).
#[component]
pub fn ReservationTable(#[prop(into)] rows: Signal<Vec<ReservationRow>>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="stations">
                <thead>
                    <tr>
                        <th>"#"</th>
                        <th>"Station"</th>
                        <th>"Id tag"</th>
                        <th>"Expires"</th>
                        <th>"Status"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|r| (r.station_id.clone(), r.reservation_id, r.status.clone())
                        let(r)
                    >
                        <ReservationLine r />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ReservationLine(r: ReservationRow) -> impl IntoView {
    let outcome = RwSignal::new(None::<String>);
    let cancel = {
        let station = r.station_id.clone();
        let id = r.reservation_id;
        move |_| {
            send_from_row(
                outcome,
                "cancelling…",
                station.clone(),
                "CancelReservation",
                format!(r#"{{"reservationId":{id}}}"#),
            )
        }
    };
    let active = r.status == "Active";
    view! {
        <tr data-testid=format!("reservation-{}-{}", r.station_id, r.reservation_id)>
            <td class="mono">{r.reservation_id}</td>
            <td>
                <a href=format!("/stations/{}", r.station_id)>{r.station_id.clone()}</a>
                {format!(" / {}", r.connector_id)}
            </td>
            <td class="mono">{r.id_tag.clone()}</td>
            <td>{datetime(&r.expires_at)}</td>
            <td>
                <span class="reservation-status" data-status=r.status.clone()>{r.status.clone()}</span>
                {r.transaction_id.map(|t| view! { " · " <a href=format!("/transactions/{t}")>{format!("transaction {t}")}</a> })}
            </td>
            <td>
                <Show when=move || active>
                    <button class="button small secondary" on:click=cancel.clone()>"Cancel"</button>
                </Show>
                {move || outcome.get().map(|o| view! { <span class="error-inline">{o}</span> })}
            </td>
        </tr>
    }
}
