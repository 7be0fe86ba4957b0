//! OCPP-J frames: the JSON arrays every OCPP message travels in.
//!
//! ```text
//! CALL       [2, "<messageId>", "<Action>", {payload}]
//! CALLRESULT [3, "<messageId>", {payload}]
//! CALLERROR  [4, "<messageId>", "<errorCode>", "<errorDescription>", {errorDetails}]
//! ```
//!
//! Decoding is the first of two steps: [`Frame::parse`] checks the array, its message type and
//! id, and keeps the payload as raw JSON; the payload is decoded later, by the type of its action
//! (for a CALLRESULT, the action of the CALL it answers, which only the sender remembers).

use crate::{ErrorCode, MessageId, OcppVersion};
use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use std::fmt;
use thiserror::Error;

/// Message type number of a CALL.
pub const CALL: u8 = 2;
/// Message type number of a CALLRESULT.
pub const CALL_RESULT: u8 = 3;
/// Message type number of a CALLERROR.
pub const CALL_ERROR: u8 = 4;

/// One OCPP-J frame, its payload not yet decoded.
#[derive(Debug, Clone)]
pub enum Frame {
    /// A request; the receiver must answer it with a CALLRESULT or a CALLERROR of the same id.
    Call {
        id: MessageId,
        action: String,
        payload: Box<RawValue>,
    },
    /// The successful answer to the CALL of the same id.
    CallResult {
        id: MessageId,
        payload: Box<RawValue>,
    },
    /// The failed answer to the CALL of the same id. `code` is kept as received.
    CallError {
        id: MessageId,
        code: String,
        description: String,
        details: Box<RawValue>,
    },
}

/// Why a text is not a valid frame, with what a CALLERROR answering it needs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{code}: {reason}")]
pub struct FrameError {
    /// The id to answer with: the frame's own id when it could be read, else `"-1"`.
    pub id: String,
    /// The message type number, when it could be read. Only a CALL (or an unreadable frame)
    /// is answered with a CALLERROR; a broken answer is logged and dropped.
    pub message_type: Option<u64>,
    /// The error code to answer with.
    pub code: ErrorCode,
    /// What is wrong, for the error description.
    pub reason: String,
}

impl FrameError {
    /// The id of a CALLERROR for a frame whose id cannot be read.
    pub const UNKNOWN_ID: &'static str = "-1";

    fn new(id: Option<&str>, message_type: Option<u64>, code: ErrorCode, reason: String) -> Self {
        FrameError {
            id: id.unwrap_or(Self::UNKNOWN_ID).to_owned(),
            message_type,
            code,
            reason,
        }
    }

    /// Whether the sender expects an answer to this frame: true unless it was recognisably a
    /// CALLRESULT or CALLERROR (answering an answer would start a loop).
    pub fn wants_answer(&self) -> bool {
        !matches!(self.message_type, Some(t) if t == u64::from(CALL_RESULT) || t == u64::from(CALL_ERROR))
    }

    /// The CALLERROR frame answering the broken frame, in the given version's spelling.
    pub fn to_call_error(&self, version: OcppVersion) -> String {
        call_error_text(&self.id, self.code.spelling(version), &self.reason)
    }
}

fn call_error_text(id: &str, code: &str, description: &str) -> String {
    serde_json::json!([CALL_ERROR, id, code, description, {}]).to_string()
}

/// An empty JSON object, for CALLERROR details.
fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).expect("\"{}\" is valid JSON")
}

impl Frame {
    /// Decodes the frame level of an OCPP-J text message.
    pub fn parse(text: &str) -> Result<Frame, FrameError> {
        use ErrorCode::{FormationViolation, MessageTypeNotSupported, RpcFrameworkError};

        let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| {
            FrameError::new(
                None,
                None,
                RpcFrameworkError,
                format!("not a JSON array: {e}"),
            )
        })?;
        let Some(first) = items.first() else {
            return Err(FrameError::new(
                None,
                None,
                RpcFrameworkError,
                "empty array".into(),
            ));
        };
        let message_type: u64 = serde_json::from_str(first.get()).map_err(|_| {
            FrameError::new(
                None,
                None,
                RpcFrameworkError,
                "the first element must be the message type number".into(),
            )
        })?;
        let mt = Some(message_type);
        let raw_id: String = match items.get(1).map(|v| serde_json::from_str(v.get())) {
            Some(Ok(id)) => id,
            _ => {
                return Err(FrameError::new(
                    None,
                    mt,
                    RpcFrameworkError,
                    "the second element must be the message id, a string".into(),
                ));
            }
        };
        let id = MessageId::parse(raw_id.as_str()).map_err(|e| {
            FrameError::new(
                Some(&raw_id),
                mt,
                FormationViolation,
                format!("message id {e}"),
            )
        })?;
        let err = |code, reason: &str| FrameError::new(Some(id.as_str()), mt, code, reason.into());
        let expect_len = |n: usize, what: &str| {
            if items.len() == n {
                Ok(())
            } else {
                Err(err(
                    FormationViolation,
                    &format!("a {what} has {n} elements, this one has {}", items.len()),
                ))
            }
        };
        let string_at = |i: usize, what: &str| -> Result<String, FrameError> {
            serde_json::from_str(items[i].get())
                .map_err(|_| err(FormationViolation, &format!("the {what} must be a string")))
        };
        let object_at = |i: usize, what: &str| -> Result<Box<RawValue>, FrameError> {
            let raw = items[i];
            if raw.get().trim_start().starts_with('{') {
                Ok(raw.to_owned())
            } else {
                Err(err(
                    FormationViolation,
                    &format!("the {what} must be a JSON object"),
                ))
            }
        };

        match u8::try_from(message_type) {
            Ok(CALL) => {
                expect_len(4, "CALL")?;
                let action = string_at(2, "action")?;
                if action.is_empty() {
                    return Err(err(FormationViolation, "the action must not be empty"));
                }
                let payload = object_at(3, "payload")?;
                Ok(Frame::Call {
                    id,
                    action,
                    payload,
                })
            }
            Ok(CALL_RESULT) => {
                expect_len(3, "CALLRESULT")?;
                let payload = object_at(2, "payload")?;
                Ok(Frame::CallResult { id, payload })
            }
            Ok(CALL_ERROR) => {
                expect_len(5, "CALLERROR")?;
                let code = string_at(2, "error code")?;
                let description = string_at(3, "error description")?;
                let details = object_at(4, "error details")?;
                Ok(Frame::CallError {
                    id,
                    code,
                    description,
                    details,
                })
            }
            _ => Err(err(
                MessageTypeNotSupported,
                &format!("message type {message_type} is not 2, 3 or 4"),
            )),
        }
    }

    /// A CALL with a payload serialised from `payload`.
    pub fn call(
        id: MessageId,
        action: impl Into<String>,
        payload: &impl Serialize,
    ) -> Result<Frame, serde_json::Error> {
        Ok(Frame::Call {
            id,
            action: action.into(),
            payload: serde_json::value::to_raw_value(payload)?,
        })
    }

    /// A CALLRESULT with a payload serialised from `payload`.
    pub fn call_result(
        id: MessageId,
        payload: &impl Serialize,
    ) -> Result<Frame, serde_json::Error> {
        Ok(Frame::CallResult {
            id,
            payload: serde_json::value::to_raw_value(payload)?,
        })
    }

    /// A CALLERROR with empty details, its code spelt for `version`.
    pub fn call_error(
        id: MessageId,
        code: ErrorCode,
        description: impl Into<String>,
        version: OcppVersion,
    ) -> Frame {
        Frame::CallError {
            id,
            code: code.spelling(version).to_owned(),
            description: description.into(),
            details: empty_object(),
        }
    }

    /// The frame's message id.
    pub fn id(&self) -> &MessageId {
        match self {
            Frame::Call { id, .. } | Frame::CallResult { id, .. } | Frame::CallError { id, .. } => {
                id
            }
        }
    }

    /// The action of a CALL.
    pub fn action(&self) -> Option<&str> {
        match self {
            Frame::Call { action, .. } => Some(action),
            Frame::CallResult { .. } | Frame::CallError { .. } => None,
        }
    }

    /// The payload of a CALL or CALLRESULT as a JSON value (`Null` for a CALLERROR).
    pub fn payload(&self) -> serde_json::Value {
        match self {
            Frame::Call { payload, .. } | Frame::CallResult { payload, .. } => {
                serde_json::from_str(payload.get()).unwrap_or_default()
            }
            Frame::CallError { .. } => serde_json::Value::Null,
        }
    }

    /// The frame's message type number.
    pub fn message_type(&self) -> u8 {
        match self {
            Frame::Call { .. } => CALL,
            Frame::CallResult { .. } => CALL_RESULT,
            Frame::CallError { .. } => CALL_ERROR,
        }
    }

    /// The frame as the text of a WebSocket message.
    pub fn to_text(&self) -> String {
        // Serialising strings and already-valid raw JSON into a Vec cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| {
            call_error_text(
                self.id().as_str(),
                "InternalError",
                "frame not serialisable",
            )
        })
    }
}

impl Serialize for Frame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Frame::Call {
                id,
                action,
                payload,
            } => {
                let mut seq = s.serialize_seq(Some(4))?;
                seq.serialize_element(&CALL)?;
                seq.serialize_element(id)?;
                seq.serialize_element(action)?;
                seq.serialize_element(payload)?;
                seq.end()
            }
            Frame::CallResult { id, payload } => {
                let mut seq = s.serialize_seq(Some(3))?;
                seq.serialize_element(&CALL_RESULT)?;
                seq.serialize_element(id)?;
                seq.serialize_element(payload)?;
                seq.end()
            }
            Frame::CallError {
                id,
                code,
                description,
                details,
            } => {
                let mut seq = s.serialize_seq(Some(5))?;
                seq.serialize_element(&CALL_ERROR)?;
                seq.serialize_element(id)?;
                seq.serialize_element(code)?;
                seq.serialize_element(description)?;
                seq.serialize_element(details)?;
                seq.end()
            }
        }
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse_err(text: &str) -> FrameError {
        match Frame::parse(text) {
            Err(e) => e,
            Ok(f) => panic!("{text} parsed as {f:?}"),
        }
    }

    #[test]
    fn call_keeps_payload_raw() {
        let text = r#"[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]"#;
        let Frame::Call {
            id,
            action,
            payload,
        } = Frame::parse(text).unwrap()
        else {
            panic!("not a CALL");
        };
        assert_eq!(id.as_str(), "19223201");
        assert_eq!(action, "BootNotification");
        let v: Value = serde_json::from_str(payload.get()).unwrap();
        assert_eq!(v["chargePointVendor"], "VendorX");
    }

    #[test]
    fn frames_round_trip_through_text() {
        for text in [
            json!([2, "a1", "Heartbeat", {}]),
            json!([3, "a2", {"currentTime": "2026-11-24T10:00:00Z"}]),
            json!([4, "a3", "NotImplemented", "no such action", {"x": 1}]),
        ] {
            let frame = Frame::parse(&text.to_string()).unwrap();
            let back: Value = serde_json::from_str(&frame.to_text()).unwrap();
            assert_eq!(back, text);
        }
    }

    #[test]
    fn constructors_build_wire_frames() {
        let id = MessageId::parse("42").unwrap();
        let call = Frame::call(id.clone(), "Reset", &json!({"type": "Soft"})).unwrap();
        assert_eq!(call.to_text(), r#"[2,"42","Reset",{"type":"Soft"}]"#);
        let err = Frame::call_error(id, ErrorCode::FormationViolation, "bad", OcppVersion::V16);
        assert_eq!(err.to_text(), r#"[4,"42","FormationViolation","bad",{}]"#);
    }

    #[test]
    fn unreadable_frames_get_id_minus_one() {
        for text in [
            "not json",
            "{}",
            "[]",
            r#"["2", "x", "A", {}]"#,
            r#"[2, 17, "A", {}]"#,
        ] {
            let e = parse_err(text);
            assert_eq!(e.id, "-1", "{text}");
            assert_eq!(e.code, ErrorCode::RpcFrameworkError, "{text}");
            assert!(e.wants_answer());
            let answer: Value = serde_json::from_str(&e.to_call_error(OcppVersion::V16)).unwrap();
            assert_eq!(answer[0], 4);
            assert_eq!(answer[1], "-1");
            assert_eq!(answer[2], "FormationViolation");
        }
    }

    #[test]
    fn structural_errors_keep_the_id() {
        let cases = [
            (r#"[2, "m1", "Heartbeat"]"#, ErrorCode::FormationViolation),
            (
                r#"[2, "m1", "Heartbeat", {}, {}]"#,
                ErrorCode::FormationViolation,
            ),
            (r#"[2, "m1", 5, {}]"#, ErrorCode::FormationViolation),
            (
                r#"[2, "m1", "Heartbeat", []]"#,
                ErrorCode::FormationViolation,
            ),
            (
                r#"[2, "m1", "Heartbeat", "x"]"#,
                ErrorCode::FormationViolation,
            ),
            (r#"[2, "m1", "", {}]"#, ErrorCode::FormationViolation),
            (
                r#"[7, "m1", "Heartbeat", {}]"#,
                ErrorCode::MessageTypeNotSupported,
            ),
        ];
        for (text, code) in cases {
            let e = parse_err(text);
            assert_eq!(e.id, "m1", "{text}");
            assert_eq!(e.code, code, "{text}");
        }
    }

    #[test]
    fn overlong_message_id_is_refused_but_echoed() {
        let long = "x".repeat(37);
        let e = parse_err(&format!(r#"[2, "{long}", "Heartbeat", {{}}]"#));
        assert_eq!(e.id, long);
        assert_eq!(e.code, ErrorCode::FormationViolation);
    }

    #[test]
    fn broken_answers_are_not_answered() {
        assert!(!parse_err(r#"[3, "m1"]"#).wants_answer());
        assert!(!parse_err(r#"[4, "m1", "X"]"#).wants_answer());
        assert!(parse_err(r#"[2, "m1"]"#).wants_answer());
    }
}
