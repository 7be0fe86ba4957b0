//! Calls from the central system toward a station: queued per station, at most one outstanding,
//! each with a timeout, answers matched by message id.
//!
//! [`Engine::call`] validates the request, hands it to the station's session through its
//! command queue and waits for the answer. The session (the only writer of the socket) sends
//! the CALL when nothing else is outstanding, and completes the caller's `oneshot` with the
//! CALLRESULT, the CALLERROR, or a timeout.

use crate::{Engine, Event};
use protocol::call::PayloadError;
use protocol::v16::{CentralRequest, CentralResponse};
use protocol::{ErrorCode, OcppVersion, StationId, v201};
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::time::Instant;

mod queue;
pub(crate) use queue::{
    Receiver as QueueReceiver, Sender as QueueSender, channel as command_queue,
};

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
    /// The request is of another OCPP version than the station speaks.
    #[error("{action} is an OCPP {of} request; station {station} speaks OCPP {speaks}")]
    WrongVersion {
        station: String,
        action: String,
        of: &'static str,
        speaks: &'static str,
    },
}

/// A request toward a station, in one OCPP version's terms.
// Built once per call and moved a few times: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    V16(CentralRequest),
    V201(v201::CentralRequest),
}

/// A station's answer to a [`Request`], in the same version.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    V16(CentralResponse),
    V201(v201::CentralResponse),
}

/// A version as people read it: "1.6", "2.0.1".
pub(crate) fn version_name(version: OcppVersion) -> &'static str {
    match version {
        OcppVersion::V16 => "1.6",
        OcppVersion::V201 => "2.0.1",
    }
}

impl Request {
    /// Decodes (and so validates) a request of `version`. An action the version does not have
    /// is named as such (and, if the other version has it, so is that).
    pub fn decode(
        version: OcppVersion,
        action: &str,
        payload: &str,
    ) -> Result<Request, PayloadError> {
        let decoded = match version {
            OcppVersion::V16 => CentralRequest::decode(action, payload).map(Request::V16),
            OcppVersion::V201 => v201::CentralRequest::decode(action, payload).map(Request::V201),
        };
        decoded.map_err(|mut e| {
            let other = match version {
                OcppVersion::V16 => (v201::CENTRAL_ACTIONS, OcppVersion::V201),
                OcppVersion::V201 => (protocol::v16::call::CENTRAL_ACTIONS, OcppVersion::V16),
            };
            if e.code == ErrorCode::NotImplemented && other.0.contains(&action) {
                e.reason = format!(
                    "{action} is an OCPP {} action, not an OCPP {} one",
                    version_name(other.1),
                    version_name(version)
                );
            }
            e
        })
    }

    pub fn version(&self) -> OcppVersion {
        match self {
            Request::V16(_) => OcppVersion::V16,
            Request::V201(_) => OcppVersion::V201,
        }
    }

    pub fn action(&self) -> &'static str {
        match self {
            Request::V16(r) => r.action(),
            Request::V201(r) => r.action(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Request::V16(r) => r.to_json(),
            Request::V201(r) => r.to_json(),
        }
    }

    pub(crate) fn decode_response(&self, text: &str) -> Result<Response, PayloadError> {
        match self {
            Request::V16(r) => CentralResponse::decode(r.action(), text).map(Response::V16),
            Request::V201(r) => v201::CentralResponse::decode(r.action(), text).map(Response::V201),
        }
    }
}

impl Response {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Response::V16(r) => r.to_json(),
            Response::V201(r) => r.to_json(),
        }
    }
}

/// The configuration key of a station's Basic auth password (1.6, security profiles 1 and 2).
pub const AUTHORIZATION_KEY: &str = "AuthorizationKey";
/// The component and variable of a 2.0.1 station's Basic auth password.
pub const BASIC_AUTH_PASSWORD: (&str, &str) = ("SecurityCtrlr", "BasicAuthPassword");

/// Whether a 2.0.1 SetVariableData (or GetVariableResult, ReportData) entry is the station's
/// Basic auth password.
pub fn is_basic_auth_password(entry: &serde_json::Value) -> bool {
    entry["component"]["name"] == BASIC_AUTH_PASSWORD.0
        && entry["variable"]["name"] == BASIC_AUTH_PASSWORD.1
}

/// The station passwords a call sets: 1.6 ChangeConfiguration of AuthorizationKey, 2.0.1
/// SetVariables of SecurityCtrlr.BasicAuthPassword. Only admins may send them, and each must
/// be a valid password.
pub fn station_passwords<'a>(action: &str, payload: &'a serde_json::Value) -> Vec<&'a str> {
    match action {
        "ChangeConfiguration" if payload["key"] == AUTHORIZATION_KEY => {
            payload["value"].as_str().into_iter().collect()
        }
        "SetVariables" => payload["setVariableData"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| is_basic_auth_password(entry))
            .filter_map(|entry| entry["attributeValue"].as_str())
            .collect(),
        _ => Vec::new(),
    }
}

/// The call that gives a station of `version` the Basic auth password `password`, as
/// [`station_passwords`] reads it back: its action and payload.
pub fn password_call(version: OcppVersion, password: &str) -> (&'static str, serde_json::Value) {
    match version {
        OcppVersion::V16 => (
            "ChangeConfiguration",
            serde_json::json!({"key": AUTHORIZATION_KEY, "value": password}),
        ),
        OcppVersion::V201 => {
            let (component, variable) = BASIC_AUTH_PASSWORD;
            let entry = serde_json::json!({"attributeValue": password,
                "component": {"name": component}, "variable": {"name": variable}});
            (
                "SetVariables",
                serde_json::json!({"setVariableData": [entry]}),
            )
        }
    }
}

/// The status a station answered a [`password_call`] with: 1.6's, or 2.0.1's for its one
/// variable.
pub fn password_call_status(answer: &serde_json::Value) -> Option<&str> {
    answer["status"]
        .as_str()
        .or_else(|| answer["setVariableResult"][0]["attributeStatus"].as_str())
}

/// Whether a call sets a station's password (see [`station_passwords`]).
pub fn changes_station_password(action: &str, payload: &serde_json::Value) -> bool {
    !station_passwords(action, payload).is_empty()
}

/// A request as logs and the event feed show it: secrets (a station's AuthorizationKey, its
/// Basic auth password) hidden. Only the station itself gets the value.
pub(crate) fn redacted(action: &str, payload: &serde_json::Value) -> serde_json::Value {
    let hidden = || serde_json::Value::String("(hidden)".to_owned());
    let mut payload = payload.clone();
    if !changes_station_password(action, &payload) {
        return payload;
    }
    if action == "ChangeConfiguration" {
        payload["value"] = hidden();
    } else if let Some(entries) = payload
        .get_mut("setVariableData")
        .and_then(serde_json::Value::as_array_mut)
    {
        for entry in entries.iter_mut().filter(|e| is_basic_auth_password(e)) {
            entry["attributeValue"] = hidden();
        }
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

/// A call as it waits in a station's queue: boxed, so the queue's first block (allocated with
/// the channel, for every connected station) holds pointers, not calls.
pub(crate) type Queued = Box<Command>;

/// The one call a session has outstanding.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) id: String,
    pub(crate) action: String,
    pub(crate) reply: oneshot::Sender<Result<Answer, CallError>>,
    pub(crate) deadline: Instant,
}

/// A call's outcome as the event feed and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
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
        match self.send(by, station, Request::V16(request)).await? {
            Response::V16(response) => Ok(response),
            Response::V201(_) => Err(CallError::Closed),
        }
    }

    /// [`Engine::call`] for a station speaking OCPP 2.0.1.
    pub async fn call_v201(
        &self,
        by: &str,
        station: &StationId,
        request: v201::CentralRequest,
    ) -> Result<v201::CentralResponse, CallError> {
        match self.send(by, station, Request::V201(request)).await? {
            Response::V201(response) => Ok(response),
            Response::V16(_) => Err(CallError::Closed),
        }
    }

    /// Sends a request of either version to a connected station speaking it, and waits for its
    /// answer (see [`Engine::call`]). A station another node of the cluster holds gets it
    /// through that node, which audits it and sends it as its own.
    pub async fn send(
        &self,
        by: &str,
        station: &StationId,
        request: Request,
    ) -> Result<Response, CallError> {
        if self.clustered()
            && !self.registry().contains_key(station)
            && let Some(node) = self.held_elsewhere(station).await
        {
            let answer = self.forward(node, by, station, &request).await?;
            return request
                .decode_response(&answer.to_string())
                .map_err(CallError::InvalidResponse);
        }
        self.send_here(by, station, request).await
    }

    /// [`Engine::send`] to a station this node holds.
    pub(crate) async fn send_here(
        &self,
        by: &str,
        station: &StationId,
        request: Request,
    ) -> Result<Response, CallError> {
        let action = request.action();
        let (version, queue) = self.queue_of(station).await?;
        if version != request.version() {
            return Err(CallError::WrongVersion {
                station: station.to_string(),
                action: action.to_owned(),
                of: version_name(request.version()),
                speaks: version_name(version),
            });
        }
        let payload = request.to_json();
        for password in station_passwords(action, &payload) {
            if let Err(e) = crate::security::validate_password(password) {
                return Err(CallError::NotAllowed(e.to_string()));
            }
        }
        let shown = redacted(action, &payload);
        let started = std::time::Instant::now();
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
            at: time::OffsetDateTime::now_utc(),
        });
        let intent = self.record_intent(station, &request).await;
        let _ = ready.send(());
        // The session answers every command it takes (result, error or timeout); a dropped
        // sender means the session ended first.
        let outcome = answer.await.unwrap_or(Err(CallError::Closed));
        self.metrics().command(action, started.elapsed());
        let decoded = outcome.and_then(|answer| match answer {
            Answer::Result(text) => request
                .decode_response(&text)
                .map_err(CallError::InvalidResponse),
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
        let answered = decoded.as_ref().map(redacted_answer);
        let outcome = match &answered {
            Ok(payload) => format!("Answered {payload}"),
            Err(e) => e.to_string(),
        };
        let at = time::OffsetDateTime::now_utc();
        let reports = |(): &()| {
            vec![Event::CommandAnswered {
                station_id: station.to_string(),
                action: action.to_owned(),
                result: match &answered {
                    Ok(payload) => CallOutcome::Answered {
                        payload: payload.clone(),
                    },
                    Err(e) => CallOutcome::Failed {
                        error: e.to_string(),
                    },
                },
                at,
            }]
        };
        if let Err(e) = self
            .inner
            .store
            .audit_finish(audit, &outcome, &reports)
            .await
        {
            tracing::warn!(error = %e, "could not record a call's outcome in the audit log");
        }
        self.emit_reports(&reports, &());
        decoded
    }

    /// Validates `payload` as the request of `action` in the version the station speaks (the
    /// version of its live connection, else of its last one), sends it, and returns the
    /// station's answer as JSON: the REST API's way in.
    pub async fn call_json(
        &self,
        by: &str,
        station: &StationId,
        action: &str,
        payload: &str,
    ) -> Result<serde_json::Value, CallError> {
        let version = self.version_of(station).await;
        let request =
            Request::decode(version, action, payload).map_err(CallError::InvalidRequest)?;
        self.send(by, station, request)
            .await
            .map(|response| response.to_json())
    }

    /// The OCPP version a station speaks: of its live connection, else of its last one, else
    /// 1.6.
    pub async fn version_of(&self, station: &StationId) -> OcppVersion {
        if let Some(live) = self.registry().get(station) {
            return live.version;
        }
        match self.inner.store.station_protocol(station).await {
            Ok(Some(version)) => version,
            Ok(None) => OcppVersion::V16,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a station's OCPP version");
                OcppVersion::V16
            }
        }
    }

    async fn queue_of(
        &self,
        station: &StationId,
    ) -> Result<(OcppVersion, QueueSender<Queued>), CallError> {
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
    queue: &QueueSender<Queued>,
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
    let command = Box::new(Command {
        action: action.to_owned(),
        payload,
        reply,
        ready,
    });
    queue.try_send(command).map_err(|e| match e {
        queue::TrySendError::Full(_) => CallError::Busy(station.to_string()),
        queue::TrySendError::Closed(_) => CallError::NotConnected(station.to_string()),
    })?;
    Ok((go, answer))
}

/// An answer as logs and the event feed show it: a station's password, should a 2.0.1 station
/// echo it in GetVariables, hidden.
fn redacted_answer(response: &Response) -> serde_json::Value {
    let mut payload = response.to_json();
    // `get_mut`, not indexing: indexing a missing key would add it.
    if let Some(results) = payload
        .get_mut("getVariableResult")
        .and_then(serde_json::Value::as_array_mut)
    {
        for entry in results.iter_mut().filter(|e| is_basic_auth_password(e)) {
            if entry.get("attributeValue").is_some() {
                entry["attributeValue"] = serde_json::Value::String("(hidden)".to_owned());
            }
        }
    }
    payload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_call_sets_the_password_it_carries_in_either_version() {
        for &version in OcppVersion::SUPPORTED {
            let (action, payload) = password_call(version, "correct horse battery");
            assert_eq!(
                station_passwords(action, &payload),
                ["correct horse battery"],
                "{version}"
            );
        }
        let answered_16 = serde_json::json!({"status": "RebootRequired"});
        let answered_201 = serde_json::json!({"setVariableResult": [{"attributeStatus": "Rejected",
            "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]});
        assert_eq!(password_call_status(&answered_16), Some("RebootRequired"));
        assert_eq!(password_call_status(&answered_201), Some("Rejected"));
    }
}
