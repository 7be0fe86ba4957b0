//! Calls from the central system toward a station: queued per station, at most one outstanding,
//! each with a timeout, answers matched by message id.
//!
//! [`Engine::call`] validates the request, hands it to the station's session through its
//! command queue and waits for the answer. The session (the only writer of the socket) sends
//! the CALL when nothing else is outstanding, and completes the caller's `oneshot` with the
//! CALLRESULT, the CALLERROR, or a timeout.

use crate::{Engine, Event};
use protocol::v16::{CentralRequest, CentralResponse, PayloadError};
use protocol::{OcppVersion, StationId};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// How many calls may wait for one station before callers are told it is busy.
pub(crate) const QUEUE_DEPTH: usize = 64;

/// Why a call toward a station has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The request breaks the specification; nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(PayloadError),
    /// No such station is known.
    #[error("station {0} is unknown")]
    UnknownStation(String),
    /// The station is known but not connected.
    #[error("station {0} is not connected")]
    NotConnected(String),
    /// Too many calls are already waiting for this station.
    #[error("station {0} has too many calls waiting")]
    Busy(String),
    /// The station did not answer within the call timeout.
    #[error("the station did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The station answered with a CALLERROR.
    #[error("the station answered {code}: {description}")]
    Rejected { code: String, description: String },
    /// The station answered with a payload that breaks the specification.
    #[error("the station's answer is invalid: {0}")]
    InvalidResponse(PayloadError),
    /// The connection closed before the answer came.
    #[error("the connection closed before the station answered")]
    Closed,
    /// The central system does not send this (e.g. a station password that breaks the rules).
    #[error("not sent: {0}")]
    NotAllowed(String),
    /// The audit log could not be written, so nothing was sent.
    #[error("the call could not be recorded in the audit log; nothing was sent")]
    Unrecorded,
}

/// The configuration key of a station's Basic auth password (security profiles 1 and 2).
pub const AUTHORIZATION_KEY: &str = "AuthorizationKey";

/// Whether a call sets a station's password (ChangeConfiguration of AuthorizationKey): only
/// admins may send it, and its value must be a valid password.
pub fn changes_station_password(action: &str, payload: &serde_json::Value) -> bool {
    action == "ChangeConfiguration" && payload["key"] == AUTHORIZATION_KEY
}

/// A request as logs and the event feed show it: secrets (a station's AuthorizationKey, its
/// Basic auth password) hidden. Only the station itself gets the value.
pub(crate) fn redacted(action: &str, payload: &serde_json::Value) -> serde_json::Value {
    let mut payload = payload.clone();
    if changes_station_password(action, &payload) {
        payload["value"] = serde_json::Value::String("(hidden)".to_owned());
    }
    payload
}

/// What the session got back for a call.
#[derive(Debug)]
pub(crate) enum Answer {
    Result(String),
    Error { code: String, description: String },
}

/// A call waiting in a station's queue.
#[derive(Debug)]
pub(crate) struct Command {
    pub(crate) action: String,
    pub(crate) payload: serde_json::Value,
    pub(crate) reply: oneshot::Sender<Result<Answer, CallError>>,
    /// Resolves once the call may go: its audit entry (and what it intends) is committed. The
    /// call takes its place in the queue when it arrives, so calls leave in the order they
    /// came, however long each one's commit takes; a dropped sender means it must not go.
    pub(crate) ready: oneshot::Receiver<()>,
}

/// The one call a session has outstanding.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) id: String,
    pub(crate) action: String,
    pub(crate) reply: oneshot::Sender<Result<Answer, CallError>>,
    pub(crate) deadline: Instant,
}

/// A call's outcome as the event feed and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum CallOutcome {
    Answered { payload: serde_json::Value },
    Failed { error: String },
}

impl Engine {
    /// Sends an OCPP 1.6 request to a connected station and waits for its answer. `by` is who
    /// sends it (a user, a token, or `centrale` itself): the audit log keeps it with the request
    /// and its outcome.
    pub async fn call(
        &self,
        by: &str,
        station: &StationId,
        request: CentralRequest,
    ) -> Result<CentralResponse, CallError> {
        let action = request.action();
        let (version, queue) = self.queue_of(station).await?;
        if version != OcppVersion::V16 {
            return Err(CallError::NotConnected(station.to_string()));
        }
        let payload = request.to_json();
        if changes_station_password(action, &payload)
            && let Some(Err(e)) = payload["value"]
                .as_str()
                .map(crate::security::validate_password)
        {
            return Err(CallError::NotAllowed(e.to_string()));
        }
        let shown = redacted(action, &payload);
        // In the queue now (calls leave in the order they came), sent once `ready` fires.
        let (ready, answer) = enqueue(station, &queue, action, payload)?;
        // Recorded before it is sent: a call that reaches a station is never missing from the
        // audit log.
        let audit = self
            .inner
            .store
            .audit_start(by, station, action, &shown, time::OffsetDateTime::now_utc())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "could not write the audit log; the call is not sent");
                CallError::Unrecorded
            })?;
        self.emit(Event::CommandSent {
            station_id: station.to_string(),
            action: action.to_owned(),
            payload: shown,
        });
        let intent = self.record_intent(station, &request).await;
        let _ = ready.send(());
        // The session answers every command it takes (result, error or timeout); a dropped
        // sender means the session ended first.
        let outcome = answer.await.unwrap_or(Err(CallError::Closed));
        let decoded = outcome.and_then(|answer| match answer {
            Answer::Result(text) => {
                CentralResponse::decode(action, &text).map_err(CallError::InvalidResponse)
            }
            Answer::Error { code, description } => Err(CallError::Rejected { code, description }),
        });
        // What the answer changes is stored first: whoever follows the feed and reloads on
        // `commandAnswered` sees it.
        if let Ok(response) = &decoded {
            self.record_effect(station, &request, response).await;
        }
        if let Some(intent) = intent {
            self.settle_intent(intent, decoded.as_ref().ok()).await;
        }
        let outcome = match &decoded {
            Ok(response) => format!("Answered {}", response.to_json()),
            Err(e) => e.to_string(),
        };
        if let Err(e) = self.inner.store.audit_finish(audit, &outcome).await {
            tracing::warn!(error = %e, "could not record a call's outcome in the audit log");
        }
        self.emit(Event::CommandAnswered {
            station_id: station.to_string(),
            action: action.to_owned(),
            result: match &decoded {
                Ok(response) => CallOutcome::Answered {
                    payload: response.to_json(),
                },
                Err(e) => CallOutcome::Failed {
                    error: e.to_string(),
                },
            },
        });
        decoded
    }

    /// Validates `payload` as the 1.6 request of `action`, sends it, and returns the station's
    /// answer as JSON: the REST API's way in.
    pub async fn call_json(
        &self,
        by: &str,
        station: &StationId,
        action: &str,
        payload: &str,
    ) -> Result<serde_json::Value, CallError> {
        let request = CentralRequest::decode(action, payload).map_err(CallError::InvalidRequest)?;
        self.call(by, station, request)
            .await
            .map(|response| response.to_json())
    }

    async fn queue_of(
        &self,
        station: &StationId,
    ) -> Result<(OcppVersion, mpsc::Sender<Command>), CallError> {
        let live = self
            .registry()
            .get(station)
            .map(|live| (live.version, live.commands.clone()));
        match live {
            Some(found) => Ok(found),
            None => match self.registration(station).await {
                Ok(Some(_)) => Err(CallError::NotConnected(station.to_string())),
                Ok(None) => Err(CallError::UnknownStation(station.to_string())),
                Err(e) => {
                    tracing::error!(error = %e, "could not look the station up");
                    Err(CallError::NotConnected(station.to_string()))
                }
            },
        }
    }
}

/// Puts a call in `station`'s queue; answers the sender that lets it go and the receiver of
/// its answer.
#[allow(clippy::type_complexity)]
fn enqueue(
    station: &StationId,
    queue: &mpsc::Sender<Command>,
    action: &str,
    payload: serde_json::Value,
) -> Result<
    (
        oneshot::Sender<()>,
        oneshot::Receiver<Result<Answer, CallError>>,
    ),
    CallError,
> {
    let (reply, answer) = oneshot::channel();
    let (go, ready) = oneshot::channel();
    let command = Command {
        action: action.to_owned(),
        payload,
        reply,
        ready,
    };
    queue.try_send(command).map_err(|e| match e {
        mpsc::error::TrySendError::Full(_) => CallError::Busy(station.to_string()),
        mpsc::error::TrySendError::Closed(_) => CallError::NotConnected(station.to_string()),
    })?;
    Ok((go, answer))
}
