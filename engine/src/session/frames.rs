//! What a station's text frame gets: a CALL decoded in the station's version, checked against
//! its registration and handled; an answer matched to the call outstanding; a bad frame its
//! CALLERROR. Each frame and its answer go to the message log.

use super::answers::RecentAnswers;
use super::complete;
use super::invited::Invited;
use crate::calls::{Answer, Pending};
use crate::message_log::Direction;
use crate::model::Registration;
use crate::ocpp::{Failure, v16, v201};
use crate::{Engine, EngineError};
use protocol::{ErrorCode, Frame, OcppVersion, StationId};
use serde_json::value::RawValue;
use time::OffsetDateTime;
use tracing::Instrument;

impl Engine {
    /// Handles one text frame; returns the text to answer with, if any. Logs both.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn on_text(
        &self,
        station: &StationId,
        version: OcppVersion,
        registration: &mut Registration,
        pending: &mut Option<Pending>,
        answered: &mut RecentAnswers,
        (invited, lenient): (&Invited, bool),
        text: &str,
    ) -> Option<String> {
        match Frame::parse(text) {
            Ok(Frame::Call {
                id,
                action,
                payload,
            }) => {
                // The CALL is logged with its answer, as one entry, once it is answered.
                let received = OffsetDateTime::now_utc();
                // A station that did not get our answer may send the same CALL again: it gets
                // the same answer, and what it reported is not applied twice.
                if let Some((kind, reply)) = answered.get(text) {
                    let reply = reply.to_owned();
                    tracing::debug!(message_id = %id, %action, "repeated CALL answered again");
                    self.log_exchange(station, text, received, id.as_str(), &action, kind, &reply);
                    return Some(reply);
                }
                let span = tracing::debug_span!("call", message_id = %id, %action);
                let reply = self
                    .on_call(
                        station,
                        version,
                        registration,
                        (invited, lenient),
                        &action,
                        payload.get(),
                    )
                    .instrument(span)
                    .await;
                let frame = match reply {
                    Ok(payload) => Frame::CallResult { id, payload },
                    Err((code, description)) => Frame::call_error(id, code, description, version),
                };
                let reply = frame.to_text();
                self.log_exchange(
                    station,
                    text,
                    received,
                    frame.id().as_str(),
                    &action,
                    frame.message_type(),
                    &reply,
                );
                answered.remember(text, frame.message_type(), &reply);
                Some(reply)
            }
            Ok(frame @ (Frame::CallResult { .. } | Frame::CallError { .. })) => {
                let action = pending
                    .as_ref()
                    .filter(|p| p.id == frame.id().as_str())
                    .map(|p| p.action.clone());
                self.log_frame(
                    station,
                    Direction::In,
                    text,
                    Some(frame.message_type()),
                    Some(frame.id().as_str()),
                    action.as_deref(),
                );
                match frame {
                    Frame::CallResult { id, payload } => {
                        complete(pending, &id, Answer::Result(payload.get().to_owned()));
                    }
                    Frame::CallError {
                        id,
                        code,
                        description,
                        ..
                    } => {
                        complete(pending, &id, Answer::Error { code, description });
                    }
                    Frame::Call { .. } => {}
                }
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "malformed frame");
                let message_type = e.message_type.and_then(|t| u8::try_from(t).ok());
                self.log_frame(
                    station,
                    Direction::In,
                    text,
                    message_type,
                    Some(&e.id),
                    None,
                );
                let reply = e.wants_answer().then(|| e.to_call_error(version))?;
                self.log_frame(station, Direction::Out, &reply, Some(4), Some(&e.id), None);
                Some(reply)
            }
        }
    }

    /// The station's registration as stored (Pending if it has none yet).
    async fn stored_registration(
        &self,
        station: &StationId,
    ) -> Result<Registration, (ErrorCode, String)> {
        Ok(self
            .inner
            .store
            .registration(station)
            .await
            .map_err(internal)?
            .unwrap_or(Registration::Pending))
    }

    /// Decodes and handles one CALL; returns its CALLRESULT payload or a CALLERROR.
    async fn on_call(
        &self,
        station: &StationId,
        version: OcppVersion,
        registration: &mut Registration,
        (invited, lenient): (&Invited, bool),
        action: &str,
        payload: &str,
    ) -> Result<Box<RawValue>, (ErrorCode, String)> {
        // Decoded first: a malformed payload is answered with its error code whatever the
        // station's registration. In lenient mode, the known deviations are repaired, counted,
        // and the message served.
        let decoded = match version {
            OcppVersion::V16 => {
                protocol::v16::StationRequest::decode_in_mode(action, payload, lenient)
                    .map(|(r, d)| (Request::V16(r), d))
            }
            OcppVersion::V201 => {
                protocol::v201::StationRequest::decode_in_mode(action, payload, lenient)
                    .map(|(r, d)| (Request::V201(r), d))
            }
        };
        let (request, deviations) = decoded.map_err(|e| (e.code, e.reason))?;
        if !deviations.is_empty() {
            let at = OffsetDateTime::now_utc();
            self.inner
                .store
                .add_deviations(station, action, &deviations, at)
                .await
                .map_err(internal)?;
        }
        let is_boot = action == "BootNotification";
        if !is_boot && *registration != Registration::Accepted {
            // An operator may have accepted the station since it connected.
            *registration = self.stored_registration(station).await?;
            // A 2.0.1 station may send what the CSMS asked for while it is Pending.
            let asked = version == OcppVersion::V201 && invited.allows(action);
            if *registration != Registration::Accepted && !asked {
                return Err((
                    ErrorCode::SecurityError,
                    format!(
                        "the station is not accepted (registration {registration}); only BootNotification is served"
                    ),
                ));
            }
        }
        let answer = match request {
            Request::V16(request) => v16::handle(self, station, request).await,
            Request::V201(request) => v201::handle(self, station, request).await,
        }
        .map_err(|failure| match failure {
            Failure::Payload(e) => (e.code, e.reason),
            Failure::Engine(e) => internal(e),
        })?;
        if is_boot {
            // What the station was just told (BootNotificationResponse.status, the same three
            // values in both versions) is its registration now; no need to read it back.
            let told = answer.get("status").and_then(|s| s.as_str()?.parse().ok());
            *registration = match told {
                Some(told) => told,
                None => self.stored_registration(station).await?,
            };
        }
        serde_json::value::to_raw_value(&answer).map_err(|e| {
            (
                ErrorCode::InternalError,
                format!("answer not serialisable: {e}"),
            )
        })
    }
}

/// A station's CALL, decoded in its version.
enum Request {
    V16(protocol::v16::StationRequest),
    V201(protocol::v201::StationRequest),
}

/// An engine failure while handling a call: logged, answered InternalError so the station
/// retries; nothing is acknowledged that was not recorded.
fn internal(e: EngineError) -> (ErrorCode, String) {
    tracing::error!(error = %e, "could not handle a station's message");
    (
        ErrorCode::InternalError,
        "the central system could not record this message; please retry".to_owned(),
    )
}
