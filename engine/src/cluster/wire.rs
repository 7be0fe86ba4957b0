//! What the nodes of a cluster say to each other, as it crosses (JSON): the messages, the
//! caches to forget, and a call's failure.

use crate::Event;
use crate::calls::{CallError, version_name};
use protocol::call::PayloadError;
use protocol::{ErrorCode, OcppVersion};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A message between nodes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub(super) enum Message {
    /// Node `to` is asked to send a call to `station`, which it holds.
    Call {
        id: u64,
        from: String,
        to: String,
        by: String,
        station: String,
        /// The subprotocol of the request's version.
        version: String,
        action: String,
        payload: serde_json::Value,
    },
    /// The answer to call `id` of node `to`.
    Answer {
        id: u64,
        to: String,
        result: Result<serde_json::Value, Failure>,
    },
    /// Events node `from` emitted, in order.
    Events { from: String, events: Vec<Event> },
    /// Caches node `from` changed what they hold.
    Forget { from: String, what: Forget },
    /// A message kept in `node_messages`.
    Kept { id: i64 },
    /// Node `node` joined: the others tell it their events from now on (not from their next
    /// beat).
    Joined { node: String },
    /// A sign-in on node `from` failed or succeeded: every node counts it, so a lockout holds
    /// whichever node the balancer picks.
    SignIn {
        from: String,
        who: SignedIn,
        name: String,
        ok: bool,
    },
}

/// Who signed in, for [`Message::SignIn`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum SignedIn {
    /// An operator, by user name.
    User,
    /// A station, by its id (HTTP Basic).
    Station,
}

/// A cache every node keeps, to forget when what it holds changed on one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    tag = "cache",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(super) enum Forget {
    /// Principals found by token (a token revoked, a user removed or changed, a session ended).
    Principals,
    /// The verified password of a station (changed).
    StationPassword { station: String },
    /// The kinds webhook endpoints want (an endpoint added, switched or removed).
    WebhookKinds,
}

/// A [`CallError`] as it crosses between nodes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    tag = "error",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(super) enum Failure {
    InvalidRequest {
        code: ErrorCode,
        reason: String,
    },
    UnknownStation {
        station: String,
    },
    NotConnected {
        station: String,
    },
    Busy {
        station: String,
    },
    Timeout {
        ms: u64,
    },
    Rejected {
        code: String,
        description: String,
    },
    InvalidResponse {
        code: ErrorCode,
        reason: String,
    },
    Closed,
    NotAllowed {
        reason: String,
    },
    Unrecorded,
    WrongVersion {
        station: String,
        action: String,
        of: String,
        speaks: String,
    },
}

impl From<CallError> for Failure {
    fn from(e: CallError) -> Failure {
        match e {
            CallError::InvalidRequest(p) => Failure::InvalidRequest {
                code: p.code,
                reason: p.reason,
            },
            CallError::UnknownStation(station) => Failure::UnknownStation { station },
            CallError::NotConnected(station) => Failure::NotConnected { station },
            CallError::Busy(station) => Failure::Busy { station },
            CallError::Timeout(d) => Failure::Timeout {
                ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            },
            CallError::Rejected { code, description } => Failure::Rejected { code, description },
            CallError::InvalidResponse(p) => Failure::InvalidResponse {
                code: p.code,
                reason: p.reason,
            },
            CallError::Closed => Failure::Closed,
            CallError::NotAllowed(reason) => Failure::NotAllowed { reason },
            CallError::Unrecorded => Failure::Unrecorded,
            CallError::WrongVersion {
                station,
                action,
                of,
                speaks,
            } => Failure::WrongVersion {
                station,
                action,
                of: of.to_owned(),
                speaks: speaks.to_owned(),
            },
        }
    }
}

/// A version's name as [`version_name`] spells it, from its text.
fn version_named(name: &str) -> &'static str {
    [OcppVersion::V16, OcppVersion::V201]
        .into_iter()
        .map(version_name)
        .find(|v| *v == name)
        .unwrap_or("?")
}

impl From<Failure> for CallError {
    fn from(f: Failure) -> CallError {
        let payload = |code, reason| PayloadError { code, reason };
        match f {
            Failure::InvalidRequest { code, reason } => {
                CallError::InvalidRequest(payload(code, reason))
            }
            Failure::UnknownStation { station } => CallError::UnknownStation(station),
            Failure::NotConnected { station } => CallError::NotConnected(station),
            Failure::Busy { station } => CallError::Busy(station),
            Failure::Timeout { ms } => CallError::Timeout(Duration::from_millis(ms)),
            Failure::Rejected { code, description } => CallError::Rejected { code, description },
            Failure::InvalidResponse { code, reason } => {
                CallError::InvalidResponse(payload(code, reason))
            }
            Failure::Closed => CallError::Closed,
            Failure::NotAllowed { reason } => CallError::NotAllowed(reason),
            Failure::Unrecorded => CallError::Unrecorded,
            Failure::WrongVersion {
                station,
                action,
                of,
                speaks,
            } => CallError::WrongVersion {
                station,
                action,
                of: version_named(&of),
                speaks: version_named(&speaks),
            },
        }
    }
}
