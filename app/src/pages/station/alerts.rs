//! A 2.0.1 station's Alerts card: the events its monitors notified (NotifyEvent), live.

use super::device_model::reload_on_station;
use crate::api::list_alerts;
use crate::dto::{LiveEvent, clock};
use crate::live::LiveEvents;
use leptos::prelude::*;

/// The station's alerts (NotifyEvent), newest first, live.
#[component]
pub(super) fn Alerts(station: Memo<String>) -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let reload = RwSignal::new(0u64);
    reload_on_station(station, reload, |e| {
        matches!(e, LiveEvent::StationAlert { .. })
    });
    let alerts = Resource::new(
        move || (station.get(), live.epoch.get(), reload.get()),
        |(id, _, _)| list_alerts(id),
    );
    let rows = move || {
        let all = alerts.get().and_then(Result::ok).unwrap_or_default();
        if all.is_empty() {
            return view! { <p class="empty muted">"No alerts."</p> }.into_any();
        }
        view! {
            <ul class="alerts">
                {all.into_iter().map(|a| view! {
                    <li data-testid="alert" data-cleared=a.cleared.unwrap_or(false).to_string()>
                        <span class="muted">{clock(&a.occurred_at).to_owned()}</span>
                        " "<strong>{format!("{}.{}", a.component, a.variable)}</strong>
                        " = "<span class="mono">{a.actual_value.clone()}</span>
                        " · "{a.trigger.clone()}
                        {a.evse_id.map(|e| format!(" · EVSE {e}"))}
                        {a.tech_code.clone().map(|c| view! { " · "<span class="mono">{c}</span> })}
                        {a.tech_info.clone().map(|i| view! { <span class="muted">" "{i}</span> })}
                        {a.cleared.unwrap_or(false).then_some(" (cleared)")}
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <div class="panel alerts-panel" data-testid="alerts">
            <h2>"Alerts"</h2>
            <Transition fallback=|| ()>{rows}</Transition>
        </div>
    }
}
