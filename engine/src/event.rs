//! What happens in the engine, as it happens: the feed of the dashboard and `/api/events`.

use protocol::OcppVersion;
use serde::Serialize;
use time::OffsetDateTime;

/// Something that happened. Serialised as `{"type": "<kind>", ...fields in camelCase}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// A station opened its WebSocket connection (possibly replacing an older one).
    StationConnected {
        station_id: String,
        protocol: OcppVersion,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A station's connection closed.
    StationDisconnected {
        station_id: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl Event {
    /// The event's kind, as in its `type` field: the SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::StationConnected { .. } => "stationConnected",
            Event::StationDisconnected { .. } => "stationDisconnected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_matches_the_type_field() {
        let at = OffsetDateTime::UNIX_EPOCH;
        for e in [
            Event::StationConnected {
                station_id: "A".into(),
                protocol: OcppVersion::V16,
                at,
            },
            Event::StationDisconnected {
                station_id: "A".into(),
                at,
            },
        ] {
            let v = serde_json::to_value(&e).unwrap();
            assert_eq!(v["type"], e.kind());
            assert_eq!(v["stationId"], "A");
            assert_eq!(v["at"], "1970-01-01T00:00:00Z");
        }
    }
}
