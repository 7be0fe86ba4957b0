//! One station's connection: the task that owns its socket.
//!
//! The session is generic over a [`Sink`] of [`Outgoing`] and a [`Stream`] of [`Incoming`], so
//! the server adapts its WebSocket to it and tests drive it with channels. Nothing but this task
//! writes to the station's socket.

mod answers;
mod frames;
mod invited;
mod throttle;

use crate::calls::{Answer, CallError, Pending, QueueReceiver, QueueSender, Queued};
use crate::message_log::Direction;
use crate::model::Registration;
use crate::{Engine, EngineError, Event};
use answers::RecentAnswers;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use invited::Invited;
use protocol::{ErrorCode, Frame, FrameError, MessageId, OcppVersion, StationId};
use std::pin::Pin;
use throttle::Throttle;
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing::field::Empty;

/// A WebSocket message from the station, as the session needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Text(String),
    /// OCPP-J is text only; a binary message is answered with an error.
    Binary(Vec<u8>),
    /// The station answered a ping: it is alive.
    Pong,
    /// The station sent a message over the size limit: the connection is closed with 1009.
    TooBig,
}

/// A WebSocket message toward the station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Text(String),
    Ping(Vec<u8>),
    /// Close the connection normally (shutdown, or replaced by a newer connection).
    Close,
    /// Close the connection because the station sent a message over the size limit (1009).
    CloseTooBig,
}

/// One live connection, as the registry knows it.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub(crate) session: u64,
    /// A unique id of this connection, for `/connect`.
    pub(crate) uuid: uuid::Uuid,
    /// The URL the station connected to.
    pub(crate) url: String,
    pub(crate) cancel: CancellationToken,
    pub(crate) version: OcppVersion,
    pub(crate) commands: QueueSender<Queued>,
    /// When the station last sent a Heartbeat (Unix ms; 0: not yet). Kept in memory: a
    /// heartbeat only says the station is alive, which the open connection already shows; the
    /// database gets the last-seen time when the connection ends.
    pub(crate) heard: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// Lenient mode, as the operator last set it: read for each CALL.
    pub(crate) lenient: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Engine {
    /// Serves one station connection until it closes, the station reconnects elsewhere (this
    /// session is replaced), or the engine shuts down.
    ///
    /// The caller has already chosen `version` from the subprotocols the station offered.
    /// `url` is the URL the station connected to, as `/connect` shows it.
    ///
    /// Every connected station keeps this future, so it is one async fn deep: an async fn
    /// keeps its arguments for as long as it runs, and each layer that passed `tx` and `rx` on
    /// by value kept another copy of them (hundreds of bytes each for a WebSocket's halves).
    pub fn serve_station<Tx, Rx>(
        &self,
        station: StationId,
        version: OcppVersion,
        url: String,
        tx: Tx,
        rx: Rx,
    ) -> impl Future<Output = Result<(), EngineError>> + use<Tx, Rx>
    where
        Tx: Sink<Outgoing> + Unpin,
        Rx: Stream<Item = Incoming> + Unpin,
    {
        let span = tracing::info_span!("station", station_id = %station, session = Empty);
        self.clone()
            .serve(station, version, url, tx, rx)
            .instrument(span)
    }

    async fn serve<Tx, Rx>(
        self,
        station: StationId,
        version: OcppVersion,
        url: String,
        mut tx: Tx,
        mut rx: Rx,
    ) -> Result<(), EngineError>
    where
        Tx: Sink<Outgoing> + Unpin,
        Rx: Stream<Item = Incoming> + Unpin,
    {
        let connection = uuid::Uuid::new_v4();
        // The futures of what runs once or once per message are boxed: the session's own
        // future, which every idle station keeps, holds only what waits between messages.
        let OpenSession {
            registration,
            lenient,
            session,
            cancel,
            queue,
        } = match Box::pin(self.open_session(&station, version, url, connection)).await {
            Ok(opened) => opened,
            Err(e) => {
                tracing::error!(error = %e, "could not record the connection; closing it");
                let _ = tx.send(Outgoing::Close).await;
                return Err(e);
            }
        };

        let result = self
            .run_session(
                &station,
                version,
                registration,
                &lenient,
                &mut tx,
                &mut rx,
                queue,
                &cancel,
            )
            .await;

        let still_current = self.unregister(&station, session);
        let at = OffsetDateTime::now_utc();
        // A connection another one replaced says nothing: the station is still online.
        let reports = |(): &()| {
            let disconnected = Event::StationDisconnected {
                station_id: station.to_string(),
                at,
            };
            still_current.then_some(disconnected).into_iter().collect()
        };
        if let Err(e) = Box::pin(
            self.inner
                .store
                .station_disconnected(&station, connection, at, &reports),
        )
        .await
        {
            tracing::warn!(error = %e, "could not record last seen");
        }
        self.emit_reports(&reports, &());
        tracing::info!(replaced = !still_current, "disconnected");
        result
    }

    /// Records the connection (the station exists in the store before anyone can see it
    /// online), registers the session and tells it.
    async fn open_session(
        &self,
        station: &StationId,
        version: OcppVersion,
        url: String,
        connection: uuid::Uuid,
    ) -> Result<OpenSession, EngineError> {
        let at = OffsetDateTime::now_utc();
        let connected = Event::StationConnected {
            station_id: station.to_string(),
            protocol: version,
            at,
        };
        let reports = |(): &()| vec![connected.clone()];
        let holder = crate::store::Holder {
            connection,
            node: &self.inner.node.name,
        };
        let initial = self.initial_registration();
        let (registration, lenient) = self
            .inner
            .store
            .station_connected(station, holder, version, at, initial, &reports)
            .await?;
        let lenient = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(lenient));
        let (session, cancel, queue) = self.register(station, connection, version, url, &lenient);
        tracing::Span::current().record("session", session);
        tracing::info!(%version, "connected");
        self.emit_reports(&reports, &());
        Ok(OpenSession {
            registration,
            lenient,
            session,
            cancel,
            queue,
        })
    }

    /// The message loop of a registered session: frames from the station, calls toward it
    /// (one outstanding at a time, the rest waiting in `queue`), their timeouts, and pings.
    #[allow(clippy::too_many_arguments)]
    async fn run_session<Tx, Rx>(
        &self,
        station: &StationId,
        version: OcppVersion,
        mut registration: Registration,
        lenient: &std::sync::atomic::AtomicBool,
        mut tx: Tx,
        mut rx: Rx,
        mut queue: QueueReceiver<Queued>,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError>
    where
        Tx: Sink<Outgoing> + Unpin,
        Rx: Stream<Item = Incoming> + Unpin,
    {
        let ping_interval = self.inner.config.ping_interval;
        let mut ping = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        let mut pending: Option<Pending> = None;
        // A call taken from the queue, waiting until it may go (its audit entry committed).
        let mut staged: Option<Queued> = None;
        let mut answered = RecentAnswers::default();
        let mut invited = Invited::default();
        let mut next_call_id: u64 = 1;
        // The registry holds the queue's sender; when a newer connection replaces this one the
        // sender is dropped, and the cancellation (which comes with it) closes the session.
        let mut queue_open = true;
        let mut throttle = self.inner.config.max_message_rate.map(Throttle::new);
        let mut call_timeout = Deadline::default();
        let mut slowed = Deadline::default();
        // Everything still pending or queued is answered when the loop ends, however it ends.
        let outcome = loop {
            call_timeout.set(pending.as_ref().map(|p| p.deadline));
            // Over its message rate, the station's frames wait unread: TCP slows it down and
            // nothing it sent is dropped.
            let resume = throttle.as_mut().and_then(Throttle::wait);
            slowed.set(resume);
            tokio::select! {
                () = cancel.cancelled() => {
                    Box::pin(close_gracefully(&mut tx, &mut rx)).await;
                    break Ok(());
                }
                () = slowed.elapsed(), if resume.is_some() => {}
                message = rx.next(), if resume.is_none() => {
                    let Some(message) = message else { break Ok(()) };
                    last_heard = Instant::now();
                    if let Some(throttle) = throttle.as_mut()
                        && throttle.take()
                    {
                        Box::pin(self.rate_exceeded(station, throttle.rate)).await;
                    }
                    let reply = match message {
                        Incoming::Text(text) => {
                            let lenient = lenient.load(std::sync::atomic::Ordering::Relaxed);
                            Box::pin(self.on_text(station, version, &mut registration, &mut pending, &mut answered, (&invited, lenient), &text))
                                .await
                        }
                        Incoming::Binary(data) => {
                            let shown = format!("<binary frame of {} bytes>", data.len());
                            self.log_frame(station, Direction::In, &shown, None, None, None);
                            let reply = FrameError {
                                id: FrameError::UNKNOWN_ID.to_owned(),
                                message_type: None,
                                code: ErrorCode::RpcFrameworkError,
                                reason: "OCPP-J messages are text frames, not binary".to_owned(),
                            }
                            .to_call_error(version);
                            self.log_frame(station, Direction::Out, &reply, Some(4), Some(FrameError::UNKNOWN_ID), None);
                            Some(reply)
                        }
                        Incoming::Pong => None,
                        Incoming::TooBig => {
                            tracing::warn!("message over the size limit: closing with 1009");
                            self.log_frame(station, Direction::In, "<message over the size limit>", None, None, None);
                            let _ = tx.send(Outgoing::CloseTooBig).await;
                            break Ok(());
                        }
                    };
                    if let Some(reply) = reply
                        && tx.send(Outgoing::Text(reply)).await.is_err()
                    {
                        break Ok(());
                    }
                }
                command = queue.recv(), if pending.is_none() && staged.is_none() && queue_open => {
                    let Some(command) = command else {
                        queue_open = false;
                        continue;
                    };
                    staged = Some(command);
                }
                go = ready_of(&mut staged), if staged.is_some() => {
                    let Some(command) = staged.take() else { continue };
                    if go.is_err() {
                        // Its caller gave up before it could go (the audit log could not be
                        // written) and has its answer: nothing is sent.
                        continue;
                    }
                    let id = format!("c{next_call_id}");
                    next_call_id += 1;
                    let frame = match MessageId::parse(id.as_str()) {
                        Ok(message_id) => Frame::call(message_id, command.action.as_str(), &command.payload),
                        Err(e) => {
                            let _ = command.reply.send(Err(CallError::Closed));
                            tracing::error!(error = %e, "message id out of range");
                            continue;
                        }
                    };
                    let text = match frame {
                        Ok(frame) => frame.to_text(),
                        Err(e) => {
                            tracing::error!(error = %e, "call not serialisable");
                            let _ = command.reply.send(Err(CallError::Closed));
                            continue;
                        }
                    };
                    tracing::debug!(message_id = %id, action = %command.action, "call to station");
                    invited.note(&command.action, &command.payload);
                    let shown = crate::calls::redacted(&command.action, &command.payload);
                    if shown == command.payload {
                        self.log_frame(station, Direction::Out, &text, Some(2), Some(&id), Some(&command.action));
                    } else {
                        let hidden = MessageId::parse(id.as_str())
                            .ok()
                            .and_then(|m| Frame::call(m, command.action.as_str(), &shown).ok())
                            .map(|f| f.to_text())
                            .unwrap_or_default();
                        self.log_frame(station, Direction::Out, &hidden, Some(2), Some(&id), Some(&command.action));
                    }
                    if tx.send(Outgoing::Text(text)).await.is_err() {
                        let _ = command.reply.send(Err(CallError::Closed));
                        break Ok(());
                    }
                    pending = Some(Pending {
                        id,
                        action: command.action,
                        reply: command.reply,
                        deadline: Instant::now() + self.inner.config.call_timeout,
                    });
                }
                () = call_timeout.elapsed() => {
                    if let Some(timed_out) = pending.take() {
                        tracing::warn!(message_id = %timed_out.id, action = %timed_out.action, "call timed out");
                        let _ = timed_out
                            .reply
                            .send(Err(CallError::Timeout(self.inner.config.call_timeout)));
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > ping_interval * 2 {
                        tracing::warn!("no answer to pings: the station is gone");
                        Box::pin(close_gracefully(&mut tx, &mut rx)).await;
                        break Ok(());
                    }
                    if tx.send(Outgoing::Ping(Vec::new())).await.is_err() {
                        break Ok(());
                    }
                }
            }
        };
        if let Some(pending) = pending {
            let _ = pending.reply.send(Err(CallError::Closed));
        }
        if let Some(staged) = staged {
            let _ = staged.reply.send(Err(CallError::Closed));
        }
        queue.close();
        while let Some(command) = queue.try_recv() {
            let _ = command.reply.send(Err(CallError::Closed));
        }
        outcome
    }
}

/// How long a closing session waits for the station's side of the closing handshake.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Sends a close and reads what the station still sends until it closes too (or the grace
/// period ends): dropping the socket with unread data would reset the TCP connection instead of
/// closing it.
async fn close_gracefully<Tx, Rx>(tx: &mut Tx, rx: &mut Rx)
where
    Tx: Sink<Outgoing> + Unpin,
    Rx: Stream<Item = Incoming> + Unpin,
{
    // Best effort: the peer may already be gone.
    if tx.send(Outgoing::Close).await.is_ok() {
        let _ =
            tokio::time::timeout(CLOSE_GRACE, async { while rx.next().await.is_some() {} }).await;
    }
}

/// Hands an answer to the caller of the pending call it belongs to.
fn complete(pending: &mut Option<Pending>, id: &MessageId, answer: Answer) {
    match pending.take_if(|p| p.id == id.as_str()) {
        Some(call) => {
            // The caller may have given up; that is fine.
            let _ = call.reply.send(Ok(answer));
        }
        None => tracing::warn!(message_id = %id, "answer to no pending call, dropped"),
    }
}

/// A connection recorded and registered: what its message loop starts from.
struct OpenSession {
    registration: Registration,
    lenient: std::sync::Arc<std::sync::atomic::AtomicBool>,
    session: u64,
    cancel: CancellationToken,
    queue: QueueReceiver<Queued>,
}

/// A timer that exists only while there is a deadline (a call outstanding, a station slowed
/// down): the message loop's future, which every idle station keeps, has no room for one
/// (about 100 bytes each), and the timer made for a deadline is kept, not made again, for as
/// long as the deadline stays (a station's frames turn the loop while its call is pending).
#[derive(Default)]
struct Deadline(Option<Pin<Box<tokio::time::Sleep>>>);

impl Deadline {
    fn set(&mut self, deadline: Option<Instant>) {
        match (deadline, &mut self.0) {
            (None, timer) => *timer = None,
            (Some(at), Some(timer)) => {
                if timer.deadline() != at {
                    timer.as_mut().reset(at);
                }
            }
            (Some(at), timer @ None) => *timer = Some(Box::pin(tokio::time::sleep_until(at))),
        }
    }

    /// Resolves when the deadline passes; never without one. A `poll_fn` rather than an async
    /// fn: the loop builds it each turn, and it holds only the reference.
    fn elapsed(&mut self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(|cx| match &mut self.0 {
            Some(timer) => timer.as_mut().poll(cx),
            None => std::task::Poll::Pending,
        })
    }
}

/// Resolves when the staged call may go (or its caller gave up); never without one.
async fn ready_of(staged: &mut Option<Queued>) -> Result<(), oneshot::error::RecvError> {
    match staged {
        Some(command) => (&mut command.ready).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
