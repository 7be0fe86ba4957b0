//! The station page's reservations and charging profiles cards: what the station holds.

use crate::dto::StationDetail;
use leptos::prelude::*;

/// The station's reservations.
#[component]
pub(super) fn Reservations(detail: Signal<StationDetail>) -> AnyView {
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
pub(super) fn Profiles(detail: Signal<StationDetail>) -> AnyView {
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
