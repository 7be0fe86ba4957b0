//! One station's connection: the task that owns its socket.
//!
//! The session is generic over a [`Sink`] of [`Outgoing`] and a [`Stream`] of [`Incoming`], so
//! the server adapts its WebSocket to it and tests drive it with channels. Nothing but this task
//! writes to the station's socket.

use crate::{Engine, EngineError, Event};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use protocol::{ErrorCode, Frame, FrameError, OcppVersion, StationId};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

/// A WebSocket message from the station, as the session needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Text(String),
    /// OCPP-J is text only; a binary message is answered with an error.
    Binary(Vec<u8>),
    /// The station answered a ping: it is alive.
    Pong,
}

/// A WebSocket message toward the station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Text(String),
    Ping(Vec<u8>),
    /// Close the connection normally (shutdown, or replaced by a newer connection).
    Close,
}

/// One live connection, as the registry knows it.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub(crate) session: u64,
    pub(crate) cancel: CancellationToken,
}

impl Engine {
    /// Serves one station connection until it closes, the station reconnects elsewhere (this
    /// session is replaced), or the engine shuts down.
    ///
    /// The caller has already chosen `version` from the subprotocols the station offered.
    pub async fn serve_station<Tx, Rx>(
        &self,
        station: StationId,
        version: OcppVersion,
        tx: Tx,
        rx: Rx,
    ) -> Result<(), EngineError>
    where
        Tx: Sink<Outgoing> + Unpin,
        Rx: Stream<Item = Incoming> + Unpin,
    {
        let (session, cancel) = self.register(&station);
        let span = tracing::info_span!("station", station_id = %station, session);
        let _enter = span.enter();
        tracing::info!(%version, "connected");

        let result = self.run_session(&station, version, tx, rx, &cancel).await;

        let still_current = self.unregister(&station, session);
        let at = OffsetDateTime::now_utc();
        if let Err(e) = self.inner.store.station_seen(&station, at).await {
            tracing::warn!(error = %e, "could not record last seen");
        }
        if still_current {
            self.emit(Event::StationDisconnected {
                station_id: station.to_string(),
                at,
            });
        }
        tracing::info!(replaced = !still_current, "disconnected");
        result
    }

    async fn run_session<Tx, Rx>(
        &self,
        station: &StationId,
        version: OcppVersion,
        mut tx: Tx,
        mut rx: Rx,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError>
    where
        Tx: Sink<Outgoing> + Unpin,
        Rx: Stream<Item = Incoming> + Unpin,
    {
        let at = OffsetDateTime::now_utc();
        self.inner
            .store
            .station_connected(station, version, at)
            .await?;
        self.emit(Event::StationConnected {
            station_id: station.to_string(),
            protocol: version,
            at,
        });

        loop {
            let message = tokio::select! {
                () = cancel.cancelled() => {
                    // Best effort: the peer may already be gone.
                    let _ = tx.send(Outgoing::Close).await;
                    return Ok(());
                }
                message = rx.next() => message,
            };
            let Some(message) = message else {
                return Ok(());
            };
            let reply = match message {
                Incoming::Text(text) => self.on_text(station, version, &text),
                Incoming::Binary(_) => Some(
                    FrameError {
                        id: FrameError::UNKNOWN_ID.to_owned(),
                        message_type: None,
                        code: ErrorCode::RpcFrameworkError,
                        reason: "OCPP-J messages are text frames, not binary".to_owned(),
                    }
                    .to_call_error(version),
                ),
                Incoming::Pong => None,
            };
            if let Some(reply) = reply
                && tx.send(Outgoing::Text(reply)).await.is_err()
            {
                return Ok(());
            }
        }
    }

    /// Handles one text frame; returns the text to answer with, if any.
    fn on_text(&self, station: &StationId, version: OcppVersion, text: &str) -> Option<String> {
        match Frame::parse(text) {
            Ok(Frame::Call { id, action, .. }) => {
                tracing::debug!(message_id = %id, %action, "call");
                // The 1.6 actions arrive with the OCPP 1.6J issue; until then every action is
                // answered as the spec asks for an action the receiver does not know.
                Some(
                    Frame::call_error(
                        id,
                        ErrorCode::NotImplemented,
                        format!("{action} is not implemented by this central system"),
                        version,
                    )
                    .to_text(),
                )
            }
            Ok(frame @ (Frame::CallResult { .. } | Frame::CallError { .. })) => {
                tracing::warn!(message_id = %frame.id(), "answer to no pending call, dropped");
                None
            }
            Err(e) => {
                tracing::warn!(%station, error = %e, "malformed frame");
                e.wants_answer().then(|| e.to_call_error(version))
            }
        }
    }
}
