//! Typed decoding of OCPP payloads by action, and the error code for each way a payload can be
//! wrong. Shared by every version: each version's generated `actions.rs` calls [`actions!`] with
//! its action tables.

use crate::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// A request of some action, with the response it expects.
pub trait Request:
    Serialize + DeserializeOwned + Debug + Clone + PartialEq + Send + Sync + 'static
{
    /// The action name on the wire, e.g. `"BootNotification"`.
    const ACTION: &'static str;
    /// The payload of the CALLRESULT answering it.
    type Response: Serialize + DeserializeOwned + Debug + Clone + PartialEq + Send + Sync + 'static;
}

/// Why a payload does not fit its action, as a CALLERROR code and a description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {reason}")]
pub struct PayloadError {
    pub code: ErrorCode,
    pub reason: String,
}

impl PayloadError {
    pub(crate) fn new(code: ErrorCode, reason: impl Into<String>) -> PayloadError {
        PayloadError {
            code,
            reason: reason.into(),
        }
    }

    /// Maps a decoding error to the OCPP error code that describes it:
    /// a missing (or repeated) field or too few items is an occurrence violation, a value of the
    /// wrong JSON type a type violation, a value outside its constraint (length, enumeration,
    /// range, date-time format) a property violation, and an unknown field or anything else a
    /// formation violation.
    pub fn from_serde(action: &str, e: &serde_json::Error) -> PayloadError {
        PayloadError::at_path(action, ".", e)
    }

    /// [`PayloadError::from_serde`] naming the field where decoding failed.
    fn at_path(action: &str, path: &str, e: &serde_json::Error) -> PayloadError {
        let message = e.to_string();
        // Drop serde_json's " at line 1 column 42": the position in one payload helps nobody.
        let detail = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(head, _)| head);
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| detail.starts_with(p));
        let code = if starts(&["missing field", "duplicate field", "invalid length"]) {
            ErrorCode::OccurrenceConstraintViolation
        } else if starts(&["invalid type"]) {
            ErrorCode::TypeConstraintViolation
        } else if starts(&["invalid value", "unknown variant"]) {
            ErrorCode::PropertyConstraintViolation
        } else {
            ErrorCode::FormationViolation
        };
        let at = if path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        PayloadError::new(code, format!("{action}{at}: {detail}"))
    }
}

/// Decodes the payload of `R`.
pub fn decode<R: DeserializeOwned>(action: &str, payload: &str) -> Result<R, PayloadError> {
    let mut de = serde_json::Deserializer::from_str(payload);
    let value: R = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| PayloadError::at_path(action, &e.path().to_string(), e.inner()))?;
    de.end().map_err(|e| PayloadError::from_serde(action, &e))?;
    Ok(value)
}

macro_rules! actions {
    (
        all: [$(($a:ident, $areq:ident, $aresp:ident)),* $(,)?],
        from_station: [$(($s:ident, $sreq:ident, $sresp:ident)),* $(,)?],
        from_central: [$(($c:ident, $creq:ident, $cresp:ident)),* $(,)?] $(,)?
    ) => {
        $(
            impl $crate::call::Request for $areq {
                const ACTION: &'static str = stringify!($a);
                type Response = $aresp;
            }
        )*

        /// The actions a station sends.
        pub const STATION_ACTIONS: &[&str] = &[$(stringify!($s)),*];
        /// The actions a central system sends.
        pub const CENTRAL_ACTIONS: &[&str] = &[$(stringify!($c)),*];

        /// A CALL a station may send, decoded.
        #[derive(Debug, Clone, PartialEq)]
        pub enum StationRequest {
            $($s($sreq),)*
        }

        impl StationRequest {
            /// Decodes the payload of a CALL from a station. An action this version does not have is
            /// NotImplemented; one only a central system sends is NotSupported.
            pub fn decode(action: &str, payload: &str) -> Result<Self, $crate::call::PayloadError> {
                use $crate::call::decode;
                match action {
                    $(stringify!($s) => decode::<$sreq>(action, payload).map(Self::$s),)*
                    _ => Err($crate::call::unknown_action(action, CENTRAL_ACTIONS, "a central system")),
                }
            }

            /// [`StationRequest::decode`] for a station in lenient mode: the faults it tolerates
            /// are repaired and answered (see [`crate::lenient`]).
            pub fn decode_lenient(
                action: &str,
                payload: &str,
            ) -> Result<(Self, Vec<$crate::lenient::Deviation>), $crate::call::PayloadError> {
                use $crate::lenient::decode_lenient;
                match action {
                    $(stringify!($s) => decode_lenient::<$sreq>(action, payload).map(|(r, d)| (Self::$s(r), d)),)*
                    _ => Err($crate::call::unknown_action(action, CENTRAL_ACTIONS, "a central system")),
                }
            }

            /// [`StationRequest::decode_lenient`] for a station in lenient mode, else
            /// [`StationRequest::decode`] (which repairs nothing).
            pub fn decode_in_mode(
                action: &str,
                payload: &str,
                lenient: bool,
            ) -> Result<(Self, Vec<$crate::lenient::Deviation>), $crate::call::PayloadError> {
                if lenient {
                    Self::decode_lenient(action, payload)
                } else {
                    Self::decode(action, payload).map(|r| (r, Vec::new()))
                }
            }

            /// The action name.
            pub fn action(&self) -> &'static str {
                match self {
                    $(Self::$s(_) => stringify!($s),)*
                }
            }
        }

        /// A central system's answer to a [`StationRequest`], decoded.
        #[derive(Debug, Clone, PartialEq)]
        pub enum StationResponse {
            $($s($sresp),)*
        }

        impl StationResponse {
            /// Decodes the CALLRESULT payload answering a station's CALL of `action`.
            pub fn decode(action: &str, payload: &str) -> Result<Self, $crate::call::PayloadError> {
                use $crate::call::decode;
                match action {
                    $(stringify!($s) => decode::<$sresp>(action, payload).map(Self::$s),)*
                    _ => Err($crate::call::unknown_action(action, CENTRAL_ACTIONS, "a central system")),
                }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                match self {
                    $(Self::$s(r) => serde_json::to_value(r).unwrap_or_default(),)*
                }
            }
        }

        impl StationRequest {
            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                match self {
                    $(Self::$s(r) => serde_json::to_value(r).unwrap_or_default(),)*
                }
            }
        }

        /// A CALL a central system may send, decoded.
        #[derive(Debug, Clone, PartialEq)]
        pub enum CentralRequest {
            $($c($creq),)*
        }

        impl CentralRequest {
            /// Decodes (and so validates) the payload of a CALL toward a station.
            pub fn decode(action: &str, payload: &str) -> Result<Self, $crate::call::PayloadError> {
                use $crate::call::decode;
                match action {
                    $(stringify!($c) => decode::<$creq>(action, payload).map(Self::$c),)*
                    _ => Err($crate::call::unknown_action(action, STATION_ACTIONS, "a station")),
                }
            }

            /// The action name.
            pub fn action(&self) -> &'static str {
                match self {
                    $(Self::$c(_) => stringify!($c),)*
                }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                // Serialising these plain data types into a Value cannot fail.
                match self {
                    $(Self::$c(r) => serde_json::to_value(r).unwrap_or_default(),)*
                }
            }
        }

        /// A station's answer to a [`CentralRequest`], decoded.
        #[derive(Debug, Clone, PartialEq)]
        pub enum CentralResponse {
            $($c($cresp),)*
        }

        impl CentralResponse {
            /// Decodes the CALLRESULT payload answering a CALL of `action`.
            pub fn decode(action: &str, payload: &str) -> Result<Self, $crate::call::PayloadError> {
                use $crate::call::decode;
                match action {
                    $(stringify!($c) => decode::<$cresp>(action, payload).map(Self::$c),)*
                    _ => Err($crate::call::unknown_action(action, STATION_ACTIONS, "a station")),
                }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                match self {
                    $(Self::$c(r) => serde_json::to_value(r).unwrap_or_default(),)*
                }
            }
        }
    };
}
pub(crate) use actions;

/// The error for an action this side does not take: NotSupported when the other side sends it,
/// NotImplemented when the version has no such action.
pub fn unknown_action(action: &str, other_side: &[&str], who: &str) -> PayloadError {
    if other_side.contains(&action) {
        PayloadError::new(
            ErrorCode::NotSupported,
            format!("{action} is sent by {who}, not received by it"),
        )
    } else {
        PayloadError::new(
            ErrorCode::NotImplemented,
            format!("unknown action {action}"),
        )
    }
}
