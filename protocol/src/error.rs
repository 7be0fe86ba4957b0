//! RPC error codes of OCPP-J CALLERROR frames.

use crate::OcppVersion;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The error code of a CALLERROR, version-neutral.
///
/// OCPP 1.6 and 2.0.1 share most codes but spell two differently (1.6 `FormationViolation` and
/// the misspelt `OccurenceConstraintViolation`; 2.0.1 `FormatViolation` and
/// `OccurrenceConstraintViolation`). [`ErrorCode::spelling`] gives the wire form for a version,
/// [`ErrorCode::parse`] reads either spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The requested action is not known by the receiver.
    NotImplemented,
    /// The requested action is recognized but not supported by the receiver.
    NotSupported,
    /// An internal error occurred and the receiver was not able to process the action.
    InternalError,
    /// The payload for the action is incomplete.
    ProtocolError,
    /// A security issue occurred that prevented the receiver from completing the action.
    SecurityError,
    /// The payload is syntactically incorrect or does not conform to the action's structure.
    FormationViolation,
    /// The payload is syntactically correct but a field contains a wrong value.
    PropertyConstraintViolation,
    /// A required field is missing, or a field occurs more often than allowed.
    OccurrenceConstraintViolation,
    /// A field has the wrong data type.
    TypeConstraintViolation,
    /// Any other error not covered by the others.
    GenericError,
    /// 2.0.1 only: a message with a message type number not supported.
    MessageTypeNotSupported,
    /// 2.0.1 only: the content of the frame is not a valid RPC request.
    RpcFrameworkError,
}

impl ErrorCode {
    /// The code as the given OCPP version spells it on the wire.
    ///
    /// Codes that 1.6 does not have fall back to the 1.6 code that means the same.
    pub fn spelling(self, version: OcppVersion) -> &'static str {
        use ErrorCode::*;
        match (self, version) {
            (NotImplemented, _) => "NotImplemented",
            (NotSupported, _) => "NotSupported",
            (InternalError, _) => "InternalError",
            (ProtocolError, _) => "ProtocolError",
            (SecurityError, _) => "SecurityError",
            (FormationViolation, OcppVersion::V16) => "FormationViolation",
            (FormationViolation, OcppVersion::V201) => "FormatViolation",
            (PropertyConstraintViolation, _) => "PropertyConstraintViolation",
            (OccurrenceConstraintViolation, OcppVersion::V16) => "OccurenceConstraintViolation",
            (OccurrenceConstraintViolation, OcppVersion::V201) => "OccurrenceConstraintViolation",
            (TypeConstraintViolation, _) => "TypeConstraintViolation",
            (GenericError, _) => "GenericError",
            (MessageTypeNotSupported, OcppVersion::V16) => "FormationViolation",
            (MessageTypeNotSupported, OcppVersion::V201) => "MessageTypeNotSupported",
            (RpcFrameworkError, OcppVersion::V16) => "FormationViolation",
            (RpcFrameworkError, OcppVersion::V201) => "RpcFrameworkError",
        }
    }

    /// Reads a code in any version's spelling. Unknown codes are `None`.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        use ErrorCode::*;
        Some(match code {
            "NotImplemented" => NotImplemented,
            "NotSupported" => NotSupported,
            "InternalError" => InternalError,
            "ProtocolError" => ProtocolError,
            "SecurityError" => SecurityError,
            "FormationViolation" | "FormatViolation" => FormationViolation,
            "PropertyConstraintViolation" => PropertyConstraintViolation,
            "OccurenceConstraintViolation" | "OccurrenceConstraintViolation" => {
                OccurrenceConstraintViolation
            }
            "TypeConstraintViolation" => TypeConstraintViolation,
            "GenericError" => GenericError,
            "MessageTypeNotSupported" => MessageTypeNotSupported,
            "RpcFrameworkError" => RpcFrameworkError,
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spelling(OcppVersion::V201))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_spells_its_own_codes() {
        assert_eq!(
            ErrorCode::FormationViolation.spelling(OcppVersion::V16),
            "FormationViolation"
        );
        assert_eq!(
            ErrorCode::FormationViolation.spelling(OcppVersion::V201),
            "FormatViolation"
        );
        assert_eq!(
            ErrorCode::OccurrenceConstraintViolation.spelling(OcppVersion::V16),
            "OccurenceConstraintViolation"
        );
        assert_eq!(
            ErrorCode::OccurrenceConstraintViolation.spelling(OcppVersion::V201),
            "OccurrenceConstraintViolation"
        );
    }

    #[test]
    fn both_spellings_parse_to_the_same_code() {
        assert_eq!(
            ErrorCode::parse("OccurenceConstraintViolation"),
            ErrorCode::parse("OccurrenceConstraintViolation")
        );
        assert_eq!(
            ErrorCode::parse("FormatViolation"),
            Some(ErrorCode::FormationViolation)
        );
        assert_eq!(ErrorCode::parse("Whatever"), None);
    }

    #[test]
    fn every_code_spelt_for_a_version_reads_back() {
        use ErrorCode::*;
        let all = [
            NotImplemented,
            NotSupported,
            InternalError,
            ProtocolError,
            SecurityError,
            FormationViolation,
            PropertyConstraintViolation,
            OccurrenceConstraintViolation,
            TypeConstraintViolation,
            GenericError,
            MessageTypeNotSupported,
            RpcFrameworkError,
        ];
        for code in all {
            assert_eq!(
                ErrorCode::parse(code.spelling(OcppVersion::V201)),
                Some(code)
            );
            assert!(ErrorCode::parse(code.spelling(OcppVersion::V16)).is_some());
        }
    }
}
