//! The live message log: every OCPP frame in and out as it happens.

use crate::api::list_messages;
use crate::components::ErrorList;
use crate::dto::{LiveEvent, MessageRow, clock};
use crate::live::{self, LiveList};
use leptos::prelude::*;
use std::collections::{BTreeSet, HashSet};

/// How many frames the page keeps.
const KEEP: usize = 500;

/// Frames of one station (or all, if `station` is `None`), newest first: direction, action,
/// message id, the JSON on click; filter by action; pause to read while frames keep coming.
#[component]
pub fn MessageLog(
    /// Whose frames; `None` for every station.
    station: Option<String>,
) -> AnyView {
    // Frames come on a stream of their own, filtered by the server.
    let url = match &station {
        Some(id) => format!(
            "/api/events?kinds={}&station={}",
            LiveEvent::FRAMES,
            url_encode(id)
        ),
        None => format!("/api/events?kinds={}", LiveEvent::FRAMES),
    };
    let live = live::stream(url);
    let station = StoredValue::new(station);
    let snapshot = Resource::new(
        move || live.epoch.get(),
        move |_| list_messages(station.get_value()),
    );
    let list = LiveList::merging(snapshot, merge);
    let paused = RwSignal::new(false);
    let held = RwSignal::new(Vec::<MessageRow>::new());
    let action = RwSignal::new(String::new());
    let expanded = RwSignal::new(HashSet::<String>::new());

    live.for_each_event(move |event| {
        let LiveEvent::MessageLogged { frame } = event else {
            return;
        };
        if station.with_value(|s| s.as_ref().is_some_and(|s| *s != frame.station_id)) {
            return;
        }
        if paused.get_untracked() {
            held.update(|h| {
                h.insert(0, frame.clone());
                h.truncate(KEEP);
            });
        } else {
            list.update(|rows| {
                rows.insert(0, frame.clone());
                rows.truncate(KEEP);
            });
        }
    });
    let resume = move |_| {
        let waiting = held.try_update(std::mem::take).unwrap_or_default();
        list.update(|rows| {
            rows.splice(0..0, waiting);
            rows.truncate(KEEP);
        });
        paused.set(false);
    };
    let actions = move || {
        list.current.with(|rows| {
            rows.iter()
                .filter_map(|r| r.action.clone())
                .collect::<BTreeSet<_>>()
        })
    };
    let shown = move || {
        let wanted = action.get();
        list.current.with(|rows| {
            rows.iter()
                .filter(|r| wanted.is_empty() || r.action.as_deref() == Some(wanted.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let global = move || station.with_value(Option::is_none);

    // The log is drawn in the browser only, once mounted: frames change by the millisecond,
    // and a list rendered on the server could differ from the one the page hydrates with.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));

    view! {
        <div class="message-log" data-testid="message-log">
            <Show
                when=move || mounted.get()
                fallback=|| view! { <p class="muted">"Loading the message log…"</p> }
            >
            <Transition fallback=|| view! { <p class="muted">"Loading the message log…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    <div class="filters">
                        <select
                            aria-label="Filter by action"
                            prop:value=move || action.get()
                            on:change=move |ev| action.set(event_target_value(&ev))
                        >
                            <option value="">"All actions"</option>
                            {move || actions().into_iter().map(|a| view! { <option value=a.clone()>{a.clone()}</option> }).collect_view()}
                        </select>
                        <Show
                            when=move || paused.get()
                            fallback=move || view! {
                                <button class="button secondary" on:click=move |_| paused.set(true)>"Pause"</button>
                            }
                        >
                            <button class="button" on:click=resume>
                                {move || format!("Resume ({} new)", held.with(Vec::len))}
                            </button>
                        </Show>
                    </div>
                    <Show
                        when=move || !list.current.with(Vec::is_empty)
                        fallback=|| view! { <p class="empty muted" data-testid="messages-empty">"No frame yet."</p> }
                    >
                        <div class="table-wrap">
                            <table class="stations messages">
                                <thead>
                                    <tr>
                                        <th>"Time"</th>
                                        <Show when=global><th>"Station"</th></Show>
                                        <th>"Dir."</th>
                                        <th>"Type"</th>
                                        <th>"Action"</th>
                                        <th>"Message id"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    <For each=shown key=MessageRow::key let(m)>
                                        <FrameRow m expanded global />
                                    </For>
                                </tbody>
                            </table>
                        </div>
                    </Show>
                </ErrorBoundary>
            </Transition>
            </Show>
        </div>
    }
    .into_any()
}

/// Frames read from the log join those that arrived live (which the log may not have written
/// yet): newest first, each once.
fn merge(current: &mut Vec<MessageRow>, loaded: Vec<MessageRow>) {
    let mut seen: HashSet<String> = loaded.iter().map(MessageRow::key).collect();
    let mut all = loaded;
    all.extend(current.drain(..).filter(|row| seen.insert(row.key())));
    let time = |row: &MessageRow| crate::chart::epoch_seconds(&row.at).unwrap_or(0.0);
    all.sort_by(|a, b| time(b).total_cmp(&time(a)));
    all.truncate(KEEP);
    *current = all;
}

/// `text` for a URL query: station ids may hold characters that must be escaped.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One frame; a click shows its JSON.
#[component]
fn FrameRow(
    m: MessageRow,
    expanded: RwSignal<HashSet<String>>,
    global: impl Fn() -> bool + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let key = m.key();
    let open = {
        let key = key.clone();
        move || expanded.with(|e| e.contains(&key))
    };
    let toggle = move |_| {
        expanded.update(|e| {
            if !e.remove(&key) {
                e.insert(key.clone());
            }
        })
    };
    let arrow = if m.direction == "in" {
        "⟵ in"
    } else {
        "out ⟶"
    };
    let pretty = m.pretty();
    let station = m.station_id.clone();
    view! {
        <tr
            class="frame"
            class:open=open.clone()
            data-testid="frame"
            data-direction=m.direction.clone()
            data-action=m.action.clone().unwrap_or_default()
            on:click=toggle
        >
            <td class="mono">{clock(&m.at).to_owned()}</td>
            <Show when=global>
                <td class="mono"><a href=format!("/stations/{station}")>{station.clone()}</a></td>
            </Show>
            <td data-direction=m.direction.clone()>{arrow}</td>
            <td>{m.kind()}</td>
            <td>{m.action.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td class="mono">{m.message_id.clone().unwrap_or_default()}</td>
        </tr>
        <Show when=open>
            <tr class="frame-json">
                <td colspan="6"><pre data-testid="frame-json">{pretty.clone()}</pre></td>
            </tr>
        </Show>
    }
}
