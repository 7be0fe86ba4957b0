//! The station page's configuration card (1.6): the keys as last read, editable in place
//! through ChangeConfiguration.

use crate::api::send_command;
use crate::commands::{self, Values};
use crate::dto::{CommandReply, ConfigKeyRow, StationDetail};
use leptos::prelude::*;

/// The configuration keys as last read, editable in place through ChangeConfiguration by a user
/// who may operate (a viewer sees the keys, and no control they could not use).
#[component]
pub(super) fn Configuration(
    station: Memo<String>,
    detail: Signal<StationDetail>,
    may_operate: Signal<bool>,
) -> AnyView {
    // The key being edited and its draft; what each key's last change was answered.
    let editing = RwSignal::new(None::<(String, String)>);
    let outcomes = RwSignal::new(std::collections::BTreeMap::<String, (bool, String)>::new());
    let reading = RwSignal::new(None::<String>);

    let read = move |_| {
        let station = station.get_untracked();
        reading.set(Some("Reading…".to_owned()));
        leptos::task::spawn_local(async move {
            let reply = send_command(station, "GetConfiguration".to_owned(), "{}".to_owned()).await;
            reading.set(match reply {
                Ok(CommandReply::Answered { .. }) => None,
                Ok(other) => Some(other.label()),
                Err(e) => Some(e.to_string()),
            });
        });
    };
    let save = move |key: String| {
        let Some((_, draft)) = editing.get_untracked() else {
            return;
        };
        let mut values = Values::new();
        values.insert("key".to_owned(), key.clone());
        values.insert("value".to_owned(), draft);
        let Some(change) = commands::command(protocol::OcppVersion::V16, "ChangeConfiguration")
        else {
            return;
        };
        let payload = match commands::build(change, &values, &[]) {
            Ok(payload) => payload,
            Err(message) => {
                outcomes.update(|o| {
                    o.insert(key, (false, message));
                });
                return;
            }
        };
        let station = station.get_untracked();
        outcomes.update(|o| {
            o.insert(key.clone(), (true, "sending…".to_owned()));
        });
        leptos::task::spawn_local(async move {
            let reply = send_command(station, "ChangeConfiguration".to_owned(), payload).await;
            let outcome = match reply {
                Ok(reply) => (reply.succeeded(), reply.label()),
                Err(e) => (false, e.to_string()),
            };
            if outcome.0 {
                editing.set(None);
            }
            outcomes.update(|o| {
                o.insert(key, outcome);
            });
        });
    };

    let row = move |k: ConfigKeyRow| {
        let key = k.key.clone();
        let key_edit = k.key.clone();
        let key_save = k.key.clone();
        let key_outcome = k.key.clone();
        let value = k.value.clone().unwrap_or_default();
        let is_editing = {
            let key = key.clone();
            move || editing.with(|e| e.as_ref().is_some_and(|(k, _)| *k == key))
        };
        let outcome = move || {
            outcomes.with(|o| {
                o.get(&key_outcome).map(|(ok, label)| {
                    view! { <span class="outcome" data-outcome=if *ok { "ok" } else { "failed" } data-testid="config-outcome">{label.clone()}</span> }
                })
            })
        };
        view! {
            <tr data-testid=format!("config-{}", k.key)>
                <td class="mono">{k.key.clone()}</td>
                <td class="mono value">
                    <Show
                        when=is_editing.clone()
                        fallback={
                            let value = value.clone();
                            move || view! { <span>{value.clone()}</span> }
                        }
                    >
                        <input
                            type="text"
                            aria-label=format!("New value of {key}")
                            prop:value=move || editing.with(|e| e.as_ref().map(|(_, d)| d.clone()).unwrap_or_default())
                            on:input=move |ev| {
                                let draft = event_target_value(&ev);
                                editing.update(|e| {
                                    if let Some((_, d)) = e {
                                        *d = draft;
                                    }
                                });
                            }
                        />
                    </Show>
                </td>
                <td>
                    {if k.readonly {
                        view! { <span class="muted">"read-only"</span> }.into_any()
                    } else if !may_operate.get_untracked() {
                        ().into_any()
                    } else {
                        let value = value.clone();
                        let key_save = key_save.clone();
                        view! {
                            <Show
                                when=is_editing.clone()
                                fallback={
                                    let key = key_edit.clone();
                                    let value = value.clone();
                                    move || {
                                        let key = key.clone();
                                        let value = value.clone();
                                        view! {
                                            <button class="button small secondary" on:click=move |_| editing.set(Some((key.clone(), value.clone())))>
                                                "Edit"
                                            </button>
                                        }
                                    }
                                }
                            >
                                <button class="button small" on:click={
                                    let key = key_save.clone();
                                    move |_| save(key.clone())
                                }>"Save"</button>
                                <button class="button small secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                            </Show>
                        }
                        .into_any()
                    }}
                    {outcome}
                </td>
            </tr>
        }
    };

    view! {
        <div class="panel configuration" data-testid="configuration">
            <div class="page-head">
                <h2>"Configuration"</h2>
                <Show when=move || may_operate.get()>
                    <button class="button small secondary" on:click=read>"Read from station"</button>
                </Show>
            </div>
            {move || reading.get().map(|m| view! { <p class="muted" data-testid="config-reading">{m}</p> })}
            <Show
                when=move || detail.with(|d| !d.configuration.is_empty())
                fallback=move || {
                    let how = if may_operate.get() {
                        "Not read yet: “Read from station” asks it (GetConfiguration)."
                    } else {
                        "Not read yet: an operator can read it from the station."
                    };
                    view! { <p class="empty muted">{how}</p> }
                }
            >
                <div class="table-wrap">
                    <table class="stations config">
                        <tbody>
                            <For
                                each=move || detail.get().configuration
                                key=|k| (k.key.clone(), k.value.clone())
                                children=row
                            />
                        </tbody>
                    </table>
                </div>
            </Show>
        </div>
    }
    .into_any()
}
