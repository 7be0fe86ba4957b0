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

/// A station as the Stations page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StationRow {
    pub id: String,
    /// Accepted, Pending or Rejected.
    pub registration: String,
    pub connected: bool,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub firmware_version: Option<String>,
    /// RFC 3339.
    pub last_seen: Option<String>,
    pub connectors: Vec<ConnectorBadge>,
}

/// A connector's status as a badge shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorBadge {
    pub connector_id: u32,
    pub status: String,
    pub error_code: String,
    pub info: Option<String>,
}

impl StationRow {
    /// Whether any connector (not the station itself) has this status.
    pub fn has_status(&self, status: &str) -> bool {
        self.connectors
            .iter()
            .any(|c| c.connector_id > 0 && c.status == status)
    }

    /// Applies a live event about this station; false if the event is not about it.
    pub fn apply(&mut self, event: &LiveEvent) -> bool {
        if event.station_id() != Some(self.id.as_str()) {
            return false;
        }
        match event {
            LiveEvent::StationConnected { .. } => self.connected = true,
            LiveEvent::StationDisconnected { at, .. } => {
                self.connected = false;
                self.last_seen = Some(at.clone());
            }
            LiveEvent::StationBooted {
                registration,
                vendor,
                model,
                firmware_version,
                at,
                ..
            } => {
                self.registration = registration.clone();
                self.vendor = Some(vendor.clone());
                self.model = Some(model.clone());
                self.firmware_version = firmware_version.clone();
                self.last_seen = Some(at.clone());
            }
            LiveEvent::RegistrationChanged { registration, .. } => {
                self.registration = registration.clone();
            }
            LiveEvent::ConnectorStatusChanged {
                connector_id,
                status,
                error_code,
                info,
                ..
            } => {
                let badge = ConnectorBadge {
                    connector_id: *connector_id,
                    status: status.clone(),
                    error_code: error_code.clone(),
                    info: info.clone(),
                };
                match self
                    .connectors
                    .iter_mut()
                    .find(|c| c.connector_id == *connector_id)
                {
                    Some(existing) => *existing = badge,
                    None => {
                        self.connectors.push(badge);
                        self.connectors.sort_by_key(|c| c.connector_id);
                    }
                }
            }
            LiveEvent::TransactionStarted { .. }
            | LiveEvent::TransactionUpdated { .. }
            | LiveEvent::TransactionStopped { .. }
            | LiveEvent::Other => return false,
        }
        true
    }
}

/// An id tag as the Id tags page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdTagRow {
    pub id_tag: String,
    /// Accepted, Blocked, Expired or Invalid.
    pub status: String,
    /// RFC 3339, UTC.
    pub expiry_date: Option<String>,
    pub parent_id_tag: Option<String>,
    /// Whether the tag is in a transaction now.
    pub in_transaction: bool,
}

/// A transaction as the Transactions page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionRow {
    pub id: i64,
    pub station_id: String,
    pub connector_id: u32,
    pub id_tag: String,
    /// RFC 3339.
    pub started_at: String,
    pub stopped_at: Option<String>,
    pub stop_reason: Option<String>,
    /// Wh delivered: final once stopped, the latest reading while active.
    pub energy_wh: Option<f64>,
    /// The latest power while active, in W.
    pub power_w: Option<f64>,
}

impl TransactionRow {
    /// Applies a live update of this transaction; false if it is about another one.
    pub fn apply(&mut self, event: &LiveEvent) -> bool {
        match event {
            LiveEvent::TransactionUpdated {
                transaction_id,
                energy_wh,
                power_w,
                ..
            } if *transaction_id == self.id && self.stopped_at.is_none() => {
                if energy_wh.is_some() {
                    self.energy_wh = *energy_wh;
                }
                if power_w.is_some() {
                    self.power_w = *power_w;
                }
                true
            }
            LiveEvent::TransactionStopped {
                transaction_id,
                energy_wh,
                reason,
                at,
                ..
            } if *transaction_id == self.id => {
                self.stopped_at = Some(at.clone());
                self.stop_reason = reason.clone();
                self.energy_wh = *energy_wh;
                self.power_w = None;
                true
            }
            _ => false,
        }
    }
}

/// The statuses an operator can give a tag.
pub const TAG_STATUSES: &[&str] = &["Accepted", "Blocked", "Expired", "Invalid"];

/// One event of `/api/events`, as the engine's `Event` serialises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    StationBooted {
        station_id: String,
        registration: String,
        vendor: String,
        model: String,
        firmware_version: Option<String>,
        at: String,
    },
    RegistrationChanged {
        station_id: String,
        registration: String,
    },
    ConnectorStatusChanged {
        station_id: String,
        connector_id: u32,
        status: String,
        error_code: String,
        info: Option<String>,
        at: String,
    },
    TransactionStarted {
        station_id: String,
        transaction_id: i64,
    },
    TransactionUpdated {
        station_id: String,
        transaction_id: i64,
        energy_wh: Option<f64>,
        power_w: Option<f64>,
    },
    TransactionStopped {
        station_id: String,
        transaction_id: i64,
        energy_wh: Option<f64>,
        reason: Option<String>,
        at: String,
    },
    /// A kind this page does not know yet.
    #[serde(other)]
    Other,
}

impl LiveEvent {
    /// The SSE event names the page listens to (`event:` lines of `/api/events`).
    pub const KINDS: &'static [&'static str] = &[
        "stationConnected",
        "stationDisconnected",
        "stationBooted",
        "registrationChanged",
        "connectorStatusChanged",
        "transactionStarted",
        "transactionUpdated",
        "transactionStopped",
    ];

    /// The SSE event name that tells a subscriber it fell behind and must refetch.
    pub const RESYNC: &'static str = "resync";

    /// The station this event is about, if any.
    pub fn station_id(&self) -> Option<&str> {
        match self {
            LiveEvent::StationConnected { station_id, .. }
            | LiveEvent::StationDisconnected { station_id, .. }
            | LiveEvent::StationBooted { station_id, .. }
            | LiveEvent::RegistrationChanged { station_id, .. }
            | LiveEvent::ConnectorStatusChanged { station_id, .. }
            | LiveEvent::TransactionStarted { station_id, .. }
            | LiveEvent::TransactionUpdated { station_id, .. }
            | LiveEvent::TransactionStopped { station_id, .. } => Some(station_id),
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
            LiveEvent::StationBooted {
                station_id,
                registration,
                ..
            } => {
                format!("{station_id} booted: {registration}")
            }
            LiveEvent::RegistrationChanged {
                station_id,
                registration,
            } => {
                format!("{station_id} is now {registration}")
            }
            LiveEvent::ConnectorStatusChanged {
                station_id,
                connector_id,
                status,
                ..
            } => {
                format!("{station_id} connector {connector_id}: {status}")
            }
            LiveEvent::TransactionStarted {
                station_id,
                transaction_id,
            } => {
                format!("{station_id}: transaction {transaction_id} started")
            }
            LiveEvent::TransactionUpdated {
                station_id,
                transaction_id,
                ..
            } => {
                format!("{station_id}: transaction {transaction_id} metered")
            }
            LiveEvent::TransactionStopped {
                station_id,
                transaction_id,
                ..
            } => {
                format!("{station_id}: transaction {transaction_id} stopped")
            }
            LiveEvent::Other => "other event".to_owned(),
        }
    }

    /// When it happened (RFC 3339), if the event says.
    pub fn at(&self) -> Option<&str> {
        match self {
            LiveEvent::StationConnected { at, .. }
            | LiveEvent::StationDisconnected { at, .. }
            | LiveEvent::StationBooted { at, .. }
            | LiveEvent::ConnectorStatusChanged { at, .. } => Some(at),
            LiveEvent::RegistrationChanged { .. }
            | LiveEvent::TransactionStarted { .. }
            | LiveEvent::TransactionUpdated { .. }
            | LiveEvent::TransactionStopped { .. }
            | LiveEvent::Other => None,
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
    /// The request is not valid (e.g. no such station).
    #[error("{0}")]
    Invalid(String),
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
    fn station_rows_follow_their_events_only() {
        let mut row = StationRow {
            id: "CP1".into(),
            registration: "Pending".into(),
            connected: false,
            vendor: None,
            model: None,
            firmware_version: None,
            last_seen: None,
            connectors: vec![],
        };
        let status = |id: &str, connector_id, status: &str| LiveEvent::ConnectorStatusChanged {
            station_id: id.into(),
            connector_id,
            status: status.into(),
            error_code: "NoError".into(),
            info: None,
            at: "t".into(),
        };
        assert!(
            !row.apply(&status("OTHER", 1, "Charging")),
            "not about this station"
        );
        assert!(row.apply(&status("CP1", 2, "Available")));
        assert!(row.apply(&status("CP1", 1, "Charging")));
        assert!(row.apply(&status("CP1", 1, "Finishing")));
        let seen: Vec<_> = row
            .connectors
            .iter()
            .map(|c| (c.connector_id, c.status.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![(1, "Finishing"), (2, "Available")],
            "one badge per connector, in order"
        );
        assert!(row.apply(&LiveEvent::RegistrationChanged {
            station_id: "CP1".into(),
            registration: "Accepted".into()
        }));
        assert_eq!(row.registration, "Accepted");
        assert!(row.apply(&LiveEvent::StationConnected {
            station_id: "CP1".into(),
            protocol: "ocpp1.6".into(),
            at: "t".into()
        }));
        assert!(row.connected);
        assert!(!row.apply(&LiveEvent::Other));
    }

    #[test]
    fn clock_shows_the_time_of_day() {
        assert_eq!(clock("2026-11-24T06:50:26.373796535Z"), "06:50:26");
        assert_eq!(clock("soon"), "soon");
    }
}
