//! OCPP versions and the WebSocket subprotocol that selects each.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An OCPP version a station can speak, chosen at the WebSocket handshake by subprotocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OcppVersion {
    /// OCPP 1.6 over JSON (`ocpp1.6`).
    #[serde(rename = "ocpp1.6")]
    V16,
    /// OCPP 2.0.1 (`ocpp2.0.1`).
    #[serde(rename = "ocpp2.0.1")]
    V201,
}

impl OcppVersion {
    /// The versions Centrale accepts, in order of preference: the newest first.
    pub const SUPPORTED: &'static [OcppVersion] = &[OcppVersion::V201, OcppVersion::V16];

    /// The `Sec-WebSocket-Protocol` token of this version.
    pub fn subprotocol(self) -> &'static str {
        match self {
            OcppVersion::V16 => "ocpp1.6",
            OcppVersion::V201 => "ocpp2.0.1",
        }
    }

    /// The version a subprotocol token names, if any (tokens are case-sensitive, RFC 6455).
    pub fn from_subprotocol(token: &str) -> Option<OcppVersion> {
        match token {
            "ocpp1.6" => Some(OcppVersion::V16),
            "ocpp2.0.1" => Some(OcppVersion::V201),
            _ => None,
        }
    }
}

impl fmt::Display for OcppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.subprotocol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subprotocol_tokens_round_trip() {
        for v in [OcppVersion::V16, OcppVersion::V201] {
            assert_eq!(OcppVersion::from_subprotocol(v.subprotocol()), Some(v));
        }
        assert_eq!(OcppVersion::from_subprotocol("OCPP1.6"), None);
        assert_eq!(OcppVersion::from_subprotocol("ocpp1.5"), None);
    }
}
