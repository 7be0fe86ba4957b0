//! The types the browser sees: server function results and live events.
//!
//! These mirror what the engine and the server send, with only the fields the UI uses, so the
//! wasm bundle does not depend on the engine. Unknown event kinds decode as
//! [`LiveEvent::Other`], so a newer server never breaks an older page.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Counters of the whole fleet and who is online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSummary {
    /// Stations the central system knows.
    pub stations: u64,
    /// Ids of the stations connected now, sorted.
    pub connected: Vec<String>,
}

/// One event of `/api/events`, as the engine's `Event` serialises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LiveEvent {
    StationConnected {
        station_id: String,
        protocol: String,
        at: String,
    },
    StationDisconnected {
        station_id: String,
        at: String,
    },
    /// A kind this page does not know yet.
    #[serde(other)]
    Other,
}

impl LiveEvent {
    /// The SSE event names the page listens to (`event:` lines of `/api/events`).
    pub const KINDS: &'static [&'static str] = &["stationConnected", "stationDisconnected"];

    /// The SSE event name that tells a subscriber it fell behind and must refetch.
    pub const RESYNC: &'static str = "resync";

    /// The station this event is about, if any.
    pub fn station_id(&self) -> Option<&str> {
        match self {
            LiveEvent::StationConnected { station_id, .. }
            | LiveEvent::StationDisconnected { station_id, .. } => Some(station_id),
            LiveEvent::Other => None,
        }
    }

    /// One line for an activity feed.
    pub fn describe(&self) -> String {
        match self {
            LiveEvent::StationConnected {
                station_id,
                protocol,
                ..
            } => {
                format!("{station_id} connected ({protocol})")
            }
            LiveEvent::StationDisconnected { station_id, .. } => {
                format!("{station_id} disconnected")
            }
            LiveEvent::Other => "other event".to_owned(),
        }
    }

    /// When it happened (RFC 3339), if the event says.
    pub fn at(&self) -> Option<&str> {
        match self {
            LiveEvent::StationConnected { at, .. } | LiveEvent::StationDisconnected { at, .. } => {
                Some(at)
            }
            LiveEvent::Other => None,
        }
    }
}

/// The `HH:MM:SS` of an RFC 3339 timestamp (UTC), for compact lists; the whole text if it is
/// not one.
pub fn clock(rfc3339: &str) -> &str {
    rfc3339.get(11..19).unwrap_or(rfc3339)
}

/// An error a server function reports to the browser: what the user can do about it, never
/// the internal cause (that is logged on the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum AppError {
    /// The engine could not answer (e.g. the database is unavailable). Retrying may help.
    #[error("{0} Please retry in a moment; if it persists, check the server log.")]
    Unavailable(String),
    /// The request did not reach the server function, or its answer did not come back.
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_engine_events_and_tolerates_new_kinds() {
        let e: LiveEvent = serde_json::from_str(
            r#"{"type":"stationConnected","stationId":"CP1","protocol":"ocpp1.6","at":"2026-11-24T10:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(e.station_id(), Some("CP1"));
        let e: LiveEvent = serde_json::from_str(r#"{"type":"somethingNew","x":1}"#).unwrap();
        assert_eq!(e, LiveEvent::Other);
    }

    #[test]
    fn clock_shows_the_time_of_day() {
        assert_eq!(clock("2026-11-24T06:50:26.373796535Z"), "06:50:26");
        assert_eq!(clock("soon"), "soon");
    }
}
