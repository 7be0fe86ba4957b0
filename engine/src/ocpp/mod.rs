//! The OCPP version adapters, side by side: each maps its typed messages onto the engine's
//! version-neutral operations and their outcomes back onto its typed answers.
//!
//! - [`v16`]: OCPP 1.6J (with the security whitepaper);
//! - [`v201`]: OCPP 2.0.1.

pub(crate) mod v16;
pub(crate) mod v201;

use crate::EngineError;
use protocol::ErrorCode;
use protocol::call::PayloadError;
use protocol::types::CiString;
use serde::Serialize;
use serde_json::Value;

/// Why a request was not answered with a CALLRESULT.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The request is well-formed but its values cannot be used: answered with this error.
    Payload(PayloadError),
    /// The engine could not record it: answered InternalError, the station will retry.
    Engine(EngineError),
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Failure {
        Failure::Engine(e)
    }
}

pub(crate) fn payload(response: impl Serialize) -> Result<Value, Failure> {
    serde_json::to_value(response).map_err(|e| {
        Failure::Payload(PayloadError {
            code: ErrorCode::InternalError,
            reason: format!("response not serialisable: {e}"),
        })
    })
}

pub(crate) fn connector(id: i32) -> Result<u32, Failure> {
    u32::try_from(id).map_err(|_| {
        Failure::Payload(PayloadError {
            code: ErrorCode::PropertyConstraintViolation,
            reason: format!("connectorId must not be negative, got {id}"),
        })
    })
}

pub(crate) fn text<const N: usize>(s: CiString<N>) -> String {
    s.into_string()
}

pub(crate) fn opt_text<const N: usize>(s: Option<CiString<N>>) -> Option<String> {
    s.map(CiString::into_string)
}
