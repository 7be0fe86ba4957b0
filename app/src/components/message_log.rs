//! The message log: every OCPP frame in and out, live on its newest page, older ones a page
//! at a time, filtered by station, action and CALLERRORs by the database.

use crate::api::list_messages;
use crate::components::ErrorList;
use crate::components::pager;
use crate::dto::{LiveEvent, MessageListQuery, MessageListing, MessageRow, clock};
use crate::live::{self, Live};
use leptos::prelude::*;
use std::collections::{BTreeSet, HashSet};

/// How many frames the newest page gathers live.
const KEEP: usize = 500;

/// The address of the Messages page showing `query`.
pub fn href(query: &MessageListQuery) -> String {
    pager::href("/messages", query.to_url())
}

/// Frames newest first: direction, type, action, message id, the JSON on click. Filter by
/// station (every station's log), action and CALLERRORs; on the newest page frames arrive live
/// (pause to read), older pages are reached by links that carry the log's state.
#[component]
pub fn MessageLog(
    /// Which frames (for one station's log, its station is set).
    query: Signal<MessageListQuery>,
    /// Applies other filters: the Messages page goes to their address, a station's page keeps
    /// them.
    set_query: Callback<MessageListQuery>,
    /// Every station's frames (a Station column and filter), or one station's.
    global: bool,
) -> AnyView {
    // Frames come on a stream of their own, of one station's frames or every one.
    let url = if global {
        format!("/api/events?kinds={}", LiveEvent::FRAMES)
    } else {
        let station = query.with_untracked(|q| q.station.clone());
        format!(
            "/api/events?kinds={}&station={}",
            LiveEvent::FRAMES,
            url_encode(&station)
        )
    };
    let live = live::stream(url);
    let snapshot = Resource::new(
        move || (query.get(), live.epoch.get()),
        |(query, _)| list_messages(query),
    );
    let listing: Live<MessageListing> = Live::merging(snapshot, move |current, loaded| {
        merge(current, loaded, &query.get_untracked())
    });
    let paused = RwSignal::new(false);
    let held = RwSignal::new(Vec::<MessageRow>::new());
    let expanded = RwSignal::new(HashSet::<String>::new());

    live.for_each_event(move |event| {
        let LiveEvent::MessageLogged { frame } = event else {
            return;
        };
        if !query.with_untracked(|q| q.shows_live(frame)) {
            return;
        }
        if paused.get_untracked() {
            held.update(|h| {
                h.insert(0, frame.clone());
                h.truncate(KEEP);
            });
        } else {
            listing.update(|l| keep_newest(l, vec![frame.clone()]));
        }
    });
    let resume = move |_| {
        let waiting = held.try_update(std::mem::take).unwrap_or_default();
        listing.update(|l| keep_newest(l, waiting));
        paused.set(false);
    };
    let rows = Signal::derive(move || listing.current.with(|l| l.frames.clone()));
    let actions = move || {
        listing.current.with(|l| {
            l.frames
                .iter()
                .filter_map(|r| r.action.clone())
                .collect::<BTreeSet<_>>()
        })
    };
    let change = move |edit: &dyn Fn(&mut MessageListQuery)| {
        let mut next = query.get_untracked();
        edit(&mut next);
        next.before = None;
        set_query.run(next);
    };
    // Older frames: those before the oldest written one shown.
    let older = move || {
        listing.current.with(|l| {
            l.next_before?;
            let oldest = l.frames.iter().map(|f| f.id).filter(|id| *id > 0).min()?;
            Some(href(&MessageListQuery {
                before: Some(oldest),
                ..query.get()
            }))
        })
    };
    let newest = move || {
        query.with(|q| q.before.is_some()).then(|| {
            href(&MessageListQuery {
                before: None,
                ..query.get()
            })
        })
    };

    // The log is drawn in the browser only, once mounted: frames change by the millisecond,
    // and a list rendered on the server could differ from the one the page hydrates with.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));

    view! {
        <div class="message-log" data-testid="message-log">
            <div class="filters">
                {global.then(|| view! {
                    <label class="field">
                        <span>"Station"</span>
                        <input
                            type="text"
                            prop:value=move || query.with(|q| q.station.clone())
                            on:change=move |ev| {
                                let value = event_target_value(&ev).trim().to_owned();
                                change(&|q| q.station = value.clone());
                            }
                        />
                    </label>
                })}
                <label class="field">
                    <span>"Action"</span>
                    <input
                        type="text"
                        list="message-actions"
                        aria-label="Filter by action"
                        placeholder="All actions"
                        prop:value=move || query.with(|q| q.action.clone())
                        on:change=move |ev| {
                            let value = event_target_value(&ev).trim().to_owned();
                            change(&|q| q.action = value.clone());
                        }
                    />
                    <datalist id="message-actions">
                        // Suggestions from the frames shown, once in the browser (the page
                        // hydrates with none, as the server drew it).
                        {move || {
                            mounted
                                .get()
                                .then(|| actions().into_iter().map(|a| view! { <option value=a /> }).collect_view())
                        }}
                    </datalist>
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || query.with(|q| q.errors)
                        on:change=move |ev| {
                            let checked = event_target_checked(&ev);
                            change(&|q| q.errors = checked);
                        }
                    />
                    "Only CALLERRORs"
                </label>
                <Show when=move || query.with(|q| q.before.is_none())>
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
                </Show>
            </div>
            <Show
                when=move || mounted.get()
                fallback=|| view! { <p class="muted">"Loading the message log…"</p> }
            >
            <Transition fallback=|| view! { <p class="muted">"Loading the message log…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    <Show
                        when=move || !rows.with(Vec::is_empty)
                        fallback=|| view! { <p class="empty muted" data-testid="messages-empty">"No frame here yet."</p> }
                    >
                        <div class="table-wrap">
                            <table class="stations messages">
                                <thead>
                                    <tr>
                                        <th>"Time"</th>
                                        {global.then(|| view! { <th>"Station"</th> })}
                                        <th>"Dir."</th>
                                        <th>"Type"</th>
                                        <th>"Action"</th>
                                        <th>"Message id"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    <For each=move || rows.get() key=MessageRow::key let(m)>
                                        <FrameRow m expanded global />
                                    </For>
                                </tbody>
                            </table>
                        </div>
                    </Show>
                    <nav class="pager" aria-label="Pages of the message log">
                        {move || newest().map(|to| view! { <a class="button secondary" href=to data-testid="messages-newest">"Newest frames"</a> })}
                        {move || older().map(|to| view! { <a class="button secondary" href=to rel="next" data-testid="messages-older">"Older frames"</a> })}
                    </nav>
                </ErrorBoundary>
            </Transition>
            </Show>
        </div>
    }
    .into_any()
}

/// `arrived` (newest first) on top of the page's frames, the page kept to [`KEEP`]; frames
/// that fall off leave older ones to the next page.
fn keep_newest(listing: &mut MessageListing, arrived: Vec<MessageRow>) {
    if arrived.is_empty() {
        return;
    }
    listing.frames.splice(0..0, arrived);
    if listing.frames.len() > KEEP {
        listing.frames.truncate(KEEP);
        let oldest = listing
            .frames
            .iter()
            .map(|f| f.id)
            .filter(|id| *id > 0)
            .min();
        listing.next_before = listing.next_before.or(oldest);
    }
}

/// A page read again joins the frames that arrived live and are not written yet (id 0) and
/// that `query` still shows: newest first, each once. Frames of other filters go.
fn merge(current: &mut MessageListing, loaded: MessageListing, query: &MessageListQuery) {
    let mut seen: HashSet<String> = loaded.frames.iter().map(MessageRow::key).collect();
    let mut all = loaded.frames;
    all.extend(
        current
            .frames
            .drain(..)
            .filter(|row| row.id == 0 && query.shows_live(row) && seen.insert(row.key())),
    );
    let time = |row: &MessageRow| crate::chart::epoch_seconds(&row.at).unwrap_or(0.0);
    all.sort_by(|a, b| time(b).total_cmp(&time(a)));
    all.truncate(KEEP);
    *current = MessageListing {
        frames: all,
        next_before: loaded.next_before,
    };
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
fn FrameRow(m: MessageRow, expanded: RwSignal<HashSet<String>>, global: bool) -> impl IntoView {
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
            {global.then(|| view! {
                <td class="mono"><a href=format!("/stations/{station}")>{station.clone()}</a></td>
            })}
            <td data-direction=m.direction.clone()>{arrow}</td>
            <td>{m.kind()}</td>
            <td>{m.action.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td class="mono">{m.message_id.clone().unwrap_or_default()}</td>
        </tr>
        <Show when=open>
            <tr class="frame-json">
                <td colspan=if global { 6 } else { 5 }><pre data-testid="frame-json">{pretty.clone()}</pre></td>
            </tr>
        </Show>
    }
}
