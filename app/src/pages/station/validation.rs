//! The station page's Validation card: strict or lenient, and what the station's messages
//! deviated in (both versions).

use crate::api::{list_deviations, set_lenient};
use crate::dto::clock;
use crate::live::LiveEvents;
use leptos::prelude::*;

/// Strict or lenient: how the station's messages are read, and what they deviated in.
#[component]
pub(super) fn Strictness(
    station: Memo<String>,
    lenient: Signal<bool>,
    may_operate: Signal<bool>,
    reload: RwSignal<u64>,
) -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let deviations = Resource::new(
        move || (station.get(), live.epoch.get(), reload.get()),
        |(id, _, _)| list_deviations(id),
    );
    let failed = RwSignal::new(None::<String>);
    let toggle = move |_| {
        let (station, to) = (station.get_untracked(), !lenient.get_untracked());
        leptos::task::spawn_local(async move {
            match set_lenient(station, to).await {
                Ok(()) => {
                    failed.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(e) => failed.set(Some(e.to_string())),
            }
        });
    };
    let rows = move || {
        let all = deviations.get().and_then(Result::ok).unwrap_or_default();
        if all.is_empty() {
            return view! { <p class="empty muted">"No deviation seen."</p> }.into_any();
        }
        view! {
            <table class="table">
                <thead><tr><th>"Message"</th><th>"Field"</th><th>"Deviation"</th><th>"Times"</th><th>"Last"</th></tr></thead>
                <tbody>
                    {all.into_iter().map(|d| view! {
                        <tr data-testid="deviation">
                            <td>{d.action.clone()}</td>
                            <td class="mono">{d.field.clone()}</td>
                            <td>{d.kind.clone()}</td>
                            <td>{d.count}</td>
                            <td class="muted">{clock(&d.last_at).to_owned()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <div class="panel strictness" data-testid="strictness">
            <div class="panel-head">
                <h2>"Validation"</h2>
                <span class="badge" data-testid="validation-mode">{move || if lenient.get() { "lenient" } else { "strict" }}</span>
            </div>
            <p class="muted">
                {move || if lenient.get() {
                    "Lenient: unknown properties are dropped, a time without an offset is read as UTC, a whole decimal as an integer; each is counted below."
                } else {
                    "Strict: every message must match the specification, or it is refused with the error that names the fault."
                }}
            </p>
            <Show when=move || may_operate.get()>
                <button class="button small secondary" type="button" on:click=toggle>
                    {move || if lenient.get() { "Back to strict" } else { "Make lenient" }}
                </button>
            </Show>
            {move || failed.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <Transition fallback=|| ()>{rows}</Transition>
        </div>
    }
}
