//! The live event stream: one `EventSource` on `/api/events` per page, shared through context.
//!
//! Pages load a snapshot through a resource, then follow events. Whenever the stream (re)opens
//! or the server says the page lagged, [`LiveEvents::epoch`] moves: anything loaded before may
//! have missed events and is refetched. The browser reconnects an `EventSource` by itself after
//! a network error; if it gives up (the server answered with an error), we open a new one with
//! a growing delay.

use crate::dto::LiveEvent;
use leptos::prelude::*;
use std::time::Duration;

/// How many recent events the page keeps for the activity feed and late readers.
const RECENT: usize = 200;

/// How often the page takes in events at most: one frame at 60 Hz.
const FLUSH_EVERY: Duration = Duration::from_millis(16);

/// The state of the link to the server's event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Not opened yet (server-side render, or before hydration).
    Connecting,
    /// Events are flowing.
    Live,
    /// The link broke; the browser or this module is reopening it.
    Reconnecting,
}

/// Handle on the live stream, from `expect_context::<LiveEvents>()`.
#[derive(Debug, Clone, Copy)]
pub struct LiveEvents {
    /// Whether events are flowing.
    pub state: ReadSignal<LinkState>,
    /// Moves each time the stream opens or lags: snapshots loaded before must be refetched.
    pub epoch: ReadSignal<u64>,
    /// The latest events with their sequence numbers (1, 2, ...), oldest first.
    pub recent: ReadSignal<Vec<(u64, LiveEvent)>>,
}

impl LiveEvents {
    /// Calls `f` for every event that arrives from now on, in order.
    pub fn for_each_event(self, mut f: impl FnMut(&LiveEvent) + 'static) {
        let mut cursor = self.latest_seq_untracked();
        Effect::new(move |_| {
            self.recent.with(|events| {
                let from = cursor;
                for (seq, event) in events.iter().filter(|(seq, _)| *seq > from) {
                    cursor = *seq;
                    f(event);
                }
            });
        });
    }

    /// Bumps `reload` for every event `when` picks: for pages that refetch their snapshot on
    /// events they cannot apply as deltas.
    pub fn reload_on(self, reload: RwSignal<u64>, when: impl Fn(&LiveEvent) -> bool + 'static) {
        self.for_each_event(move |event| {
            if when(event) {
                reload.update(|n| *n += 1);
            }
        });
    }

    /// The sequence number of the newest event received so far (0 if none).
    pub fn latest_seq_untracked(self) -> u64 {
        self.recent
            .with_untracked(|events| events.last().map_or(0, |(seq, _)| *seq))
    }
}

/// A function that calls `f` once, `delay` after the first of a burst of calls: for pages that
/// read figures again after events, a few times a second at most however many arrive.
pub fn settled(
    delay: Duration,
    f: impl Fn() + Clone + Send + Sync + 'static,
) -> impl Fn() + Clone + 'static {
    let waiting = StoredValue::new(false);
    move || {
        if !waiting.get_value() {
            waiting.set_value(true);
            let f = f.clone();
            set_timeout(
                move || {
                    waiting.set_value(false);
                    f();
                },
                delay,
            );
        }
    }
}

/// A value a page loads through a resource and then keeps current by applying events.
///
/// Build it once, outside any `Suspend` (signals made inside one are disposed when the
/// resource reloads); the view reads [`Live::current`].
#[derive(Debug)]
pub struct Live<T: Send + Sync + 'static> {
    /// The live copy, once the snapshot is in the browser.
    value: RwSignal<Option<T>>,
    /// What the page shows: the live copy, or the snapshot until the copy exists (empty
    /// while loading or if it failed).
    pub current: Signal<T>,
}

/// A list kept live: most pages show one.
pub type LiveList<T> = Live<Vec<T>>;

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Live<T> {}

impl<T: Clone + Default + Send + Sync + 'static> Live<T> {
    /// Follows `snapshot`: each time it (re)loads, the live copy starts over from it.
    pub fn new<E: Clone + Send + Sync + 'static>(snapshot: Resource<Result<T, E>>) -> Self {
        Self::merging(snapshot, |current, loaded| *current = loaded)
    }

    /// Like [`Live::new`], but a reloaded snapshot is merged into the live copy by `merge`
    /// instead of replacing it: for logs, where what arrived live while the snapshot was being
    /// read may not be in it yet.
    pub fn merging<E: Clone + Send + Sync + 'static>(
        snapshot: Resource<Result<T, E>>,
        merge: impl Fn(&mut T, T) + Send + Sync + 'static,
    ) -> Self {
        let value = RwSignal::new(None::<T>);
        Effect::new(move |_| {
            if let Some(Ok(loaded)) = snapshot.get() {
                value.update(|value| match value {
                    Some(current) => merge(current, loaded),
                    None => *value = Some(loaded),
                });
            }
        });
        let current = Signal::derive(move || {
            value
                .get()
                .or_else(|| snapshot.get().and_then(Result::ok))
                .unwrap_or_default()
        });
        Live { value, current }
    }

    /// Edits the live copy; before it exists (server render, loading) there is nothing to edit.
    pub fn update(self, edit: impl FnOnce(&mut T)) {
        self.value.update(|value| {
            if let Some(value) = value {
                edit(value);
            }
        });
    }

    /// Drops the live copy: the page shows the next snapshot.
    pub fn reset(self) {
        self.value.set(None);
    }
}

/// Setters kept together so the reconnect loop can be restarted from a timer.
#[derive(Clone, Copy)]
struct Links {
    url: StoredValue<String>,
    state: WriteSignal<LinkState>,
    epoch: WriteSignal<u64>,
    recent: WriteSignal<Vec<(u64, LiveEvent)>>,
    next_seq: StoredValue<u64>,
    retry: StoredValue<Duration>,
    /// Which entry of [`SOURCES`] is this stream's open source.
    key: u64,
    /// Events received but not yet handed to the page, and whether the last flush was less
    /// than [`FLUSH_EVERY`] ago (new events then wait for the next one).
    pending: StoredValue<Vec<LiveEvent>>,
    cooling: StoredValue<bool>,
    closed: StoredValue<bool>,
}

std::thread_local! {
    /// The open `EventSource` of each stream, closed when its owner goes away. Browser only:
    /// the server never opens one (and its render may end on another thread).
    static SOURCES: std::cell::RefCell<std::collections::HashMap<u64, web_sys::EventSource>> =
        Default::default();
}

/// Numbers the streams of this page.
static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Creates the dashboard's live stream (every kind but the message log's frames) and provides
/// it as context. Call once, in `App`.
pub fn provide_live_events() -> LiveEvents {
    let kinds: Vec<&str> = LiveEvent::KINDS
        .iter()
        .copied()
        .filter(|k| *k != LiveEvent::FRAMES)
        .collect();
    let live = stream(format!("/api/events?kinds={}", kinds.join(",")));
    provide_context(live);
    live
}

/// Opens a stream of `/api/events` (with its filter in `url`), for as long as the reactive owner
/// calling this lives: the message log opens one for the frames it shows.
pub fn stream(url: String) -> LiveEvents {
    let (state, set_state) = signal(LinkState::Connecting);
    let (epoch, set_epoch) = signal(0u64);
    let (recent, set_recent) = signal(Vec::<(u64, LiveEvent)>::new());
    let links = Links {
        url: StoredValue::new(url),
        state: set_state,
        epoch: set_epoch,
        recent: set_recent,
        next_seq: StoredValue::new(1),
        retry: StoredValue::new(Duration::from_secs(1)),
        key: NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        pending: StoredValue::new(Vec::new()),
        cooling: StoredValue::new(false),
        closed: StoredValue::new(false),
    };
    // Effects run in the browser only: the server never opens the stream.
    Effect::new(move |_| open(links));
    on_cleanup(move || {
        links.closed.set_value(true);
        let source = SOURCES.with(|sources| sources.borrow_mut().remove(&links.key));
        if let Some(source) = source {
            source.close();
        }
    });
    LiveEvents {
        state,
        epoch,
        recent,
    }
}

/// Opens an `EventSource` and wires its callbacks to the signals.
fn open(links: Links) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    if links.closed.get_value() {
        return;
    }
    let Ok(source) = EventSource::new(&links.url.get_value()) else {
        retry_later(links);
        return;
    };
    SOURCES.with(|sources| sources.borrow_mut().insert(links.key, source.clone()));

    let on_open = Closure::<dyn FnMut()>::new(move || {
        links.retry.set_value(Duration::from_secs(1));
        links.state.set(LinkState::Live);
        links.epoch.update(|n| *n += 1);
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();

    let failed = source.clone();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        links.state.set(LinkState::Reconnecting);
        if failed.ready_state() == EventSource::CLOSED {
            // The browser gave up on this source: open another one later.
            retry_later(links);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();

    let on_event = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        let Some(data) = message.data().as_string() else {
            return;
        };
        match serde_json::from_str::<LiveEvent>(&data) {
            Ok(event) => {
                links.pending.update_value(|pending| pending.push(event));
                if !links.cooling.get_value() {
                    flush(links);
                }
            }
            Err(e) => leptos::logging::warn!("unreadable live event {data}: {e}"),
        }
    });
    for kind in LiveEvent::KINDS {
        let _ = source.add_event_listener_with_callback(kind, on_event.as_ref().unchecked_ref());
    }
    on_event.forget();

    let on_resync = Closure::<dyn FnMut()>::new(move || links.epoch.update(|n| *n += 1));
    let _ = source
        .add_event_listener_with_callback(LiveEvent::RESYNC, on_resync.as_ref().unchecked_ref());
    on_resync.forget();
}

/// Hands the events that arrived since the last flush to the page, in one update, then lets
/// the next ones gather for [`FLUSH_EVERY`]: an event after a quiet spell shows at once, and a
/// busy fleet (hundreds of events a second) costs at most one render per flush.
fn flush(links: Links) {
    let events = links
        .pending
        .try_update_value(std::mem::take)
        .unwrap_or_default();
    if events.is_empty() {
        links.cooling.set_value(false);
        return;
    }
    links.cooling.set_value(true);
    set_timeout(move || flush(links), FLUSH_EVERY);
    if events.len() > RECENT {
        // More than a page can follow delta by delta: reload the snapshots instead.
        links.epoch.update(|n| *n += 1);
        return;
    }
    let first = links.next_seq.get_value();
    links.next_seq.set_value(first + events.len() as u64);
    links.recent.update(|recent| {
        recent.extend((first..).zip(events));
        if recent.len() > RECENT {
            let excess = recent.len() - RECENT;
            recent.drain(..excess);
        }
    });
}

fn retry_later(links: Links) {
    let delay = links.retry.get_value();
    links
        .retry
        .set_value((delay * 2).min(Duration::from_secs(15)));
    set_timeout(move || open(links), delay);
}
