//! A 2.0.1 station's Variables card: its device model, read with GetBaseReport and edited in
//! place with SetVariables.

use crate::api::{list_variables, send_command};
use crate::commands::{self, Values};
use crate::dto::{CommandReply, LiveEvent, VariableRow};
use crate::live::LiveEvents;
use leptos::prelude::*;
use protocol::OcppVersion;

/// Reloads `reload` when an event about `station` says what it shows changed.
pub(super) fn reload_on_station(
    station: Memo<String>,
    reload: RwSignal<u64>,
    when: fn(&LiveEvent) -> bool,
) {
    let live = expect_context::<LiveEvents>();
    live.for_each_event(move |event| {
        if event.station_id() == Some(station.get_untracked().as_str()) && when(event) {
            reload.update(|n| *n += 1);
        }
    });
}

/// The device model: every variable the station reported, filterable, the writable ones
/// editable in place; "Read full report" asks for it again (GetBaseReport).
#[component]
pub(super) fn Variables(station: Memo<String>, may_operate: Signal<bool>) -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let reload = RwSignal::new(0u64);
    reload_on_station(station, reload, |e| {
        matches!(e, LiveEvent::DeviceModelReported { .. })
            || matches!(e, LiveEvent::CommandAnswered { action, .. }
                if action == "GetVariables" || action == "SetVariables")
    });
    let rows = Resource::new(
        move || (station.get(), live.epoch.get(), reload.get()),
        |(id, _, _)| list_variables(id),
    );
    let filter = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<(VariableRow, String)>);
    let outcome = RwSignal::new(None::<(bool, String)>);

    // The requestId the station echoes in its NotifyReport parts: one per request of this page.
    let requests = StoredValue::new(0u32);
    let read_report = move |_| {
        let station = station.get_untracked();
        outcome.set(Some((true, "Asking for the full report…".to_owned())));
        requests.update_value(|n| *n += 1);
        let request_id = requests.get_value();
        leptos::task::spawn_local(async move {
            let payload = format!(r#"{{"requestId":{request_id},"reportBase":"FullInventory"}}"#);
            let reply = send_command(station, "GetBaseReport".to_owned(), payload).await;
            outcome.set(Some(match reply {
                Ok(reply) => (reply.succeeded(), reply.label()),
                Err(e) => (false, e.to_string()),
            }));
        });
    };
    let save = move |_| {
        let Some((row, draft)) = editing.get_untracked() else {
            return;
        };
        let Some(set) = commands::command(OcppVersion::V201, "SetVariables") else {
            return;
        };
        let mut values = Values::new();
        let mut put = |k: &str, v: String| {
            if !v.is_empty() {
                values.insert(format!("setVariableData[].{k}"), v);
            }
        };
        put("component.name", row.component.clone());
        put("component.instance", row.component_instance.clone());
        if row.evse_id > 0 {
            put("component.evse.id", row.evse_id.to_string());
        }
        put("variable.name", row.variable.clone());
        put("variable.instance", row.variable_instance.clone());
        put("attributeType", row.attribute_type.clone());
        put("attributeValue", draft);
        let payload = match commands::build(set, &values, &[]) {
            Ok(payload) => payload,
            Err(message) => {
                outcome.set(Some((false, message)));
                return;
            }
        };
        let station = station.get_untracked();
        outcome.set(Some((true, "sending…".to_owned())));
        leptos::task::spawn_local(async move {
            let reply = send_command(station, "SetVariables".to_owned(), payload).await;
            let (ok, label) = match reply {
                Ok(CommandReply::Answered { payload, .. }) => {
                    // The per-variable status is in the answer, not in a top-level status.
                    let status = serde_json::from_str::<serde_json::Value>(&payload)
                        .ok()
                        .and_then(|v| {
                            v["setVariableResult"][0]["attributeStatus"]
                                .as_str()
                                .map(str::to_owned)
                        })
                        .unwrap_or_else(|| "answered".to_owned());
                    (status == "Accepted" || status == "RebootRequired", status)
                }
                Ok(other) => (other.succeeded(), other.label()),
                Err(e) => (false, e.to_string()),
            };
            if ok {
                editing.set(None);
            }
            outcome.set(Some((
                ok,
                format!("{} {}: {label}", row.component, row.variable),
            )));
        });
    };

    let table = move || {
        let wanted = filter.get().to_lowercase();
        let all = rows.get().and_then(Result::ok).unwrap_or_default();
        let shown: Vec<VariableRow> = all.into_iter().filter(|r| r.matches(&wanted)).collect();
        if shown.is_empty() {
            return view! {
                <p class="empty muted">"No variables yet: read the full report."</p>
            }
            .into_any();
        }
        let lines = shown
            .into_iter()
            .map(|row| {
                let this = row.clone();
                let is_editing = {
                    let this = this.clone();
                    move || editing.with(|e| e.as_ref().is_some_and(|(r, _)| *r == this))
                };
                let edit = {
                    let this = this.clone();
                    move |_| editing.set(Some((this.clone(), this.value.clone().unwrap_or_default())))
                };
                let value = if row.mutability.as_deref() == Some("WriteOnly") {
                    "(write-only)".to_owned()
                } else {
                    row.value.clone().unwrap_or_else(|| "—".to_owned())
                };
                let testid = format!("variable-{}-{}", row.component, row.variable);
                let writable = row.writable();
                let label = format!("New value of {}", row.variable);
                view! {
                    <tr data-testid=testid>
                        <td>{row.place()}</td>
                        <td class="mono">{row.variable.clone()}
                            {(!row.variable_instance.is_empty()).then(|| format!("[{}]", row.variable_instance))}
                            {(row.attribute_type != "Actual").then(|| format!(" ({})", row.attribute_type))}
                        </td>
                        <td class="mono value">
                            <Show when=is_editing.clone() fallback={
                                let value = value.clone();
                                move || view! { <span data-testid="variable-value">{value.clone()}</span> }
                            }>
                                <input
                                    type="text"
                                    aria-label=label.clone()
                                    prop:value=move || editing.with(|e| e.as_ref().map(|(_, d)| d.clone()).unwrap_or_default())
                                    on:input=move |ev| {
                                        let draft = event_target_value(&ev);
                                        editing.update(|e| if let Some((_, d)) = e { *d = draft; });
                                    }
                                />
                            </Show>
                            {row.unit.clone().map(|u| view! { <span class="muted">" " {u}</span> })}
                        </td>
                        <td class="muted">{row.mutability.clone().unwrap_or_default()}</td>
                        <td>
                            <Show when=move || writable && may_operate.get()>
                                <Show when=is_editing.clone() fallback={
                                    let edit = edit.clone();
                                    move || view! { <button class="button small" type="button" on:click=edit.clone()>"Edit"</button> }
                                }>
                                    <button class="button small" type="button" on:click=save>"Save"</button>
                                    <button class="button small secondary" type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
                                </Show>
                            </Show>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        // The empty note is outside the table: a `<p>` inside `<tbody>` would be moved out by
        // the browser's parser and break hydration.
        view! {
            <table class="table">
                <thead><tr><th>"Component"</th><th>"Variable"</th><th>"Value"</th><th>"Mutability"</th><th></th></tr></thead>
                <tbody>{lines}</tbody>
            </table>
        }
        .into_any()
    };

    view! {
        <div class="panel variables" data-testid="variables">
            <div class="panel-head">
                <h2>"Variables"</h2>
                <Show when=move || may_operate.get()>
                    <button class="button" type="button" on:click=read_report>"Read full report"</button>
                </Show>
            </div>
            <label class="field">
                <span>"Filter"</span>
                <input type="search" placeholder="component, variable or value" prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev)) />
            </label>
            {move || outcome.get().map(|(ok, label)| view! {
                <p class="outcome" data-outcome=if ok { "ok" } else { "failed" } data-testid="variables-outcome">{label}</p>
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading the device model…"</p> }>
                {table}
            </Transition>
        </div>
    }
}
