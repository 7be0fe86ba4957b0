//! What the nodes of a cluster tell each other, by PostgreSQL's NOTIFY on one channel: a call
//! toward a station another node holds and its answer, the events each node emits (so every
//! node's feed shows the whole fleet), and caches to forget. A message longer than a
//! notification takes is kept in `node_messages` and its id notified.
//!
//! Delivery is at most once: a node that misses a notification (its listening connection was
//! lost and made again) misses those events, and a call it forwarded times out as a station's
//! silence would.

pub(crate) use super::wire::SignedIn;
use super::wire::{Failure, Forget, Message};
use crate::calls::{CallError, Request};
use crate::{Engine, EngineError, Event};
use protocol::{OcppVersion, StationId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

/// How long events wait to be sent together.
const GATHER: Duration = Duration::from_millis(10);
/// How many events may wait to be sent before new ones are dropped (and said so in the log).
const EVENTS_WAITING: usize = 65_536;
/// How much longer than the call timeout a forwarded call waits for its answer.
const FORWARD_MARGIN: Duration = Duration::from_secs(5);

type Waiting = oneshot::Sender<Result<serde_json::Value, Failure>>;

/// This node's end of the bus.
#[derive(Debug)]
pub(crate) struct Bus {
    /// Calls forwarded to another node, waiting for their answers.
    waiting: Mutex<HashMap<u64, Waiting>>,
    next: AtomicU64,
    /// Events to tell the other nodes (none while this node is alone).
    events: mpsc::Sender<Event>,
    events_out: Mutex<Option<mpsc::Receiver<Event>>>,
    /// The other nodes alive (from the last beat).
    others: Mutex<Vec<String>>,
    /// Whether there are any.
    any_others: AtomicBool,
    /// Events dropped because too many waited to be sent.
    dropped: AtomicU64,
}

impl Default for Bus {
    fn default() -> Bus {
        let (events, out) = mpsc::channel(EVENTS_WAITING);
        Bus {
            waiting: Mutex::default(),
            next: AtomicU64::new(1),
            events,
            events_out: Mutex::new(Some(out)),
            others: Mutex::default(),
            any_others: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Bus {
    /// The other nodes alive, as the last beat saw.
    pub(crate) fn set_others(&self, others: Vec<String>) {
        self.any_others.store(!others.is_empty(), Ordering::Relaxed);
        *lock(&self.others) = others;
    }

    /// `node` joined, before the next beat says so.
    fn joined(&self, node: String) {
        let mut others = lock(&self.others);
        if !others.contains(&node) {
            others.push(node);
        }
        self.any_others.store(true, Ordering::Relaxed);
    }

    /// Whether `node` is another node alive, as the last beat saw.
    pub(crate) fn alive(&self, node: &str) -> bool {
        lock(&self.others).iter().any(|n| n == node)
    }

    /// Queues `event` for the other nodes, if there are any. A frame of the message log stays
    /// on its node (the log itself is in the database).
    pub(crate) fn tell(&self, event: &Event) {
        if !self.any_others.load(Ordering::Relaxed) || matches!(event, Event::MessageLogged { .. })
        {
            return;
        }
        // Closed: this node is stopping, and nothing waits for its events any more.
        if let Err(mpsc::error::TrySendError::Full(_)) = self.events.try_send(event.clone()) {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // Said once, then at each power of two: a flood must not flood the log too.
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "too many events wait for the other nodes: dropped");
            }
        }
    }
}

impl Engine {
    fn bus(&self) -> &Bus {
        &self.inner.bus
    }

    /// Sends `payload` to every node: by NOTIFY, or kept and its id notified if too long.
    async fn publish(&self, message: &Message) -> Result<(), EngineError> {
        // Plain data with string keys: it always serialises.
        let text = serde_json::to_string(message).unwrap_or_default();
        self.publish_text(&text).await
    }

    async fn publish_text(&self, text: &str) -> Result<(), EngineError> {
        let store = &self.inner.store;
        if text.len() <= crate::store::nodes::NOTIFY_LIMIT {
            return store.notify(text).await;
        }
        let id = store
            .put_node_message(text, OffsetDateTime::now_utc())
            .await?;
        store.notify(&format!(r#"{{"t":"kept","id":{id}}}"#)).await
    }

    /// Forgets the principals found by token, on every node.
    pub(crate) async fn forget_principals(&self) {
        self.forget(Forget::Principals).await;
    }

    /// Forgets the verified password of `station`, on every node.
    pub(crate) async fn forget_station_password(&self, station: &StationId) {
        self.forget(Forget::StationPassword {
            station: station.to_string(),
        })
        .await;
    }

    /// Forgets what `what` names here, then on every other node.
    async fn forget(&self, what: Forget) {
        self.forget_here(&what).await;
        self.forget_everywhere(what).await;
    }

    /// Reads again which kinds webhook endpoints want, here and on every node.
    pub(crate) async fn webhooks_changed(&self) -> Result<(), EngineError> {
        self.inner.store.refresh_wanted().await?;
        self.forget_everywhere(Forget::WebhookKinds).await;
        Ok(())
    }

    async fn forget_here(&self, what: &Forget) {
        match what {
            Forget::Principals => self.inner.principals.clear(),
            Forget::StationPassword { station } => {
                if let Ok(station) = StationId::parse(station) {
                    self.inner.verified_passwords.forget(&station);
                }
            }
            Forget::WebhookKinds => {
                if let Err(e) = self.inner.store.refresh_wanted().await {
                    tracing::warn!(error = %e, "could not read the webhook endpoints again");
                }
            }
        }
    }

    /// Counts a sign-in of `name` (failed or not) here and on every node: failures lock a name
    /// cluster-wide (see [`crate::secret::Backoff`]). Answers how long it is locked here, if
    /// it is. A success crosses only when it clears failures (every node counted the same
    /// ones), so a station's every connection is not a notification.
    pub(crate) async fn signed_in(&self, who: SignedIn, name: &str, ok: bool) -> Option<Duration> {
        let (locked, changed) = self.count_sign_in(who, name, ok);
        if changed && self.clustered() && self.bus().any_others.load(Ordering::Relaxed) {
            let message = Message::SignIn {
                from: self.node_name().to_owned(),
                who,
                name: name.to_owned(),
                ok,
            };
            if let Err(e) = self.publish(&message).await {
                tracing::warn!(error = %e, "could not tell the other nodes of a sign-in");
            }
        }
        locked
    }

    /// Counts a sign-in here: how long `name` is locked now, if it is, and whether the count
    /// changed.
    fn count_sign_in(&self, who: SignedIn, name: &str, ok: bool) -> (Option<Duration>, bool) {
        let backoff = match who {
            SignedIn::User => &self.inner.login_failures,
            SignedIn::Station => &self.inner.station_failures,
        };
        if ok {
            (None, backoff.succeeded(name))
        } else {
            (backoff.failed(name), true)
        }
    }

    /// Tells every other node to forget what `what` names (nothing on SQLite: one node).
    async fn forget_everywhere(&self, what: Forget) {
        if !self.clustered() {
            return;
        }
        let message = Message::Forget {
            from: self.node_name().to_owned(),
            what,
        };
        if let Err(e) = self.publish(&message).await {
            tracing::warn!(error = %e, "could not tell the other nodes to forget a cache");
        }
    }

    /// Sends `request` to `station` through `node`, which holds it, and waits for the answer
    /// (a little longer than the call timeout, which that node applies).
    pub(crate) async fn forward(
        &self,
        node: String,
        by: &str,
        station: &StationId,
        request: &Request,
    ) -> Result<serde_json::Value, CallError> {
        let id = self.bus().next.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        lock(&self.bus().waiting).insert(id, answer);
        let message = Message::Call {
            id,
            from: self.node_name().to_owned(),
            to: node,
            by: by.to_owned(),
            station: station.to_string(),
            version: request.version().subprotocol().to_owned(),
            action: request.action().to_owned(),
            payload: request.to_json(),
        };
        let timeout = self.inner.config.call_timeout;
        let result = match self.publish(&message).await {
            Ok(()) => tokio::time::timeout(timeout + FORWARD_MARGIN, answered).await,
            Err(e) => {
                tracing::warn!(error = %e, "could not forward a call to the node holding the station");
                lock(&self.bus().waiting).remove(&id);
                return Err(CallError::NotConnected(station.to_string()));
            }
        };
        lock(&self.bus().waiting).remove(&id);
        match result {
            Ok(Ok(result)) => result.map_err(CallError::from),
            // The other node died or never answered: as a station's silence.
            Ok(Err(_)) | Err(_) => Err(CallError::Timeout(timeout)),
        }
    }

    /// Listens to the other nodes until shutdown, and sends them this node's events (on
    /// PostgreSQL).
    pub(crate) async fn start_bus(&self) -> Result<(), EngineError> {
        let Some(mut listener) = self.inner.store.listen().await? else {
            return Ok(());
        };
        let engine = self.clone();
        let shutdown = self.inner.shutdown.clone();
        self.inner.tasks.spawn(async move {
            loop {
                let received = tokio::select! {
                    () = shutdown.cancelled() => return,
                    received = listener.try_recv() => received,
                };
                match received {
                    // In order: events are emitted as their node emitted them.
                    Ok(Some(notification)) => engine.received(notification.payload()).await,
                    Ok(None) => {
                        tracing::warn!(
                            "lost the connection the other nodes' messages come by; listening \
                             again (what they said meanwhile is lost; caches are forgotten)"
                        );
                        // What a lost message may have said to forget, forgotten anyway.
                        for what in [Forget::Principals, Forget::WebhookKinds] {
                            engine.forget_here(&what).await;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not listen to the other nodes");
                        tokio::select! {
                            () = shutdown.cancelled() => return,
                            () = tokio::time::sleep(super::BEAT) => {}
                        }
                    }
                }
            }
        });
        self.publish(&Message::Joined {
            node: self.node_name().to_owned(),
        })
        .await?;
        let Some(mut out) = lock(&self.bus().events_out).take() else {
            return Ok(());
        };
        let engine = self.clone();
        let shutdown = self.inner.shutdown.clone();
        self.inner.tasks.spawn(async move {
            let from = serde_json::to_string(engine.node_name()).unwrap_or_default();
            let mut batch: Vec<String> = Vec::new();
            let mut size = 0;
            loop {
                let first = tokio::select! {
                    () = shutdown.cancelled() => return,
                    first = out.recv() => first,
                };
                let Some(first) = first else { return };
                tokio::time::sleep(GATHER).await;
                let mut next = Some(first);
                while let Some(event) = next.take().or_else(|| out.try_recv().ok()) {
                    let Ok(text) = serde_json::to_string(&event) else {
                        continue;
                    };
                    // `{"t":"events","from":...,"events":[...]}` under the limit.
                    if size + text.len() + from.len() + 40 > crate::store::nodes::NOTIFY_LIMIT
                        && !batch.is_empty()
                    {
                        engine.send_events(&from, &batch).await;
                        batch.clear();
                        size = 0;
                    }
                    size += text.len() + 1;
                    batch.push(text);
                }
                if !batch.is_empty() {
                    engine.send_events(&from, &batch).await;
                    batch.clear();
                    size = 0;
                }
            }
        });
        Ok(())
    }

    async fn send_events(&self, from: &str, batch: &[String]) {
        let text = format!(
            r#"{{"t":"events","from":{from},"events":[{}]}}"#,
            batch.join(",")
        );
        if let Err(e) = self.publish_text(&text).await {
            tracing::warn!(error = %e, events = batch.len(), "could not tell the other nodes of events");
        }
    }

    /// Acts on a message from the bus.
    async fn received(&self, text: &str) {
        let message = match serde_json::from_str::<Message>(text) {
            Ok(Message::Kept { id }) => match self.inner.store.node_message(id).await {
                Ok(Some(body)) => serde_json::from_str::<Message>(&body),
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read a message from another node");
                    return;
                }
            },
            other => other,
        };
        let me = self.node_name();
        match message {
            Ok(Message::Call {
                id,
                from,
                to,
                by,
                station,
                version,
                action,
                payload,
            }) if to == me => {
                // The station may take its time: the listener goes on meanwhile.
                let engine = self.clone();
                self.spawn(async move {
                    let result = engine
                        .answer_forwarded(&by, &station, &version, &action, &payload)
                        .await
                        .map_err(Failure::from);
                    let answer = Message::Answer {
                        id,
                        to: from,
                        result,
                    };
                    if let Err(e) = engine.publish(&answer).await {
                        tracing::warn!(error = %e, "could not answer a call another node forwarded");
                    }
                });
            }
            Ok(Message::Answer { id, to, result }) if to == me => {
                if let Some(waiting) = lock(&self.bus().waiting).remove(&id) {
                    let _ = waiting.send(result);
                }
            }
            Ok(Message::Events { from, events }) if from != me => {
                for event in events {
                    if let Event::StationConnected { station_id, .. } = &event {
                        self.replaced_elsewhere(station_id).await;
                    }
                    self.emit_here(event);
                }
            }
            Ok(Message::Forget { from, what }) if from != me => self.forget_here(&what).await,
            Ok(Message::Joined { node }) if node != me => self.bus().joined(node),
            Ok(Message::SignIn {
                from,
                who,
                name,
                ok,
            }) if from != me => {
                self.count_sign_in(who, &name, ok);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "a message from another node is unreadable"),
        }
    }

    /// Sends a call another node forwarded to a station this node holds.
    async fn answer_forwarded(
        &self,
        by: &str,
        station: &str,
        version: &str,
        action: &str,
        payload: &serde_json::Value,
    ) -> Result<serde_json::Value, CallError> {
        let station =
            StationId::parse(station).map_err(|_| CallError::UnknownStation(station.to_owned()))?;
        let version = OcppVersion::from_subprotocol(version)
            .ok_or_else(|| CallError::NotConnected(station.to_string()))?;
        let request = Request::decode(version, action, &payload.to_string())
            .map_err(CallError::InvalidRequest)?;
        self.send_here(by, &station, request)
            .await
            .map(|response| response.to_json())
    }

    /// A station this node holds connected to another node: if the database says the newer
    /// connection holds it now, this one closes, and says nothing of its end (the station
    /// is still online).
    async fn replaced_elsewhere(&self, station_id: &str) {
        let Ok(station) = StationId::parse(station_id) else {
            return;
        };
        let Some(mine) = self.registry().get(&station).map(|l| l.uuid) else {
            return;
        };
        match self.inner.store.station_holder(&station).await {
            Ok(Some((_, session))) if session != mine.to_string() => {
                let replaced = {
                    let mut registry = self.registry();
                    match registry.get(&station) {
                        Some(live) if live.uuid == mine => registry.remove(&station),
                        _ => None,
                    }
                };
                if let Some(live) = replaced {
                    tracing::info!(
                        station_id,
                        "a newer connection on another node replaces this one"
                    );
                    live.cancel.cancel();
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read which connection holds a station"),
        }
    }
}
