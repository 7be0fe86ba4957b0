//! The types the browser sees: server function results and live events.
//!
//! These mirror what the engine and the server send, with only the fields the UI uses, so the
//! wasm bundle does not depend on the engine. Unknown event kinds decode as
//! [`LiveEvent::Other`], so a newer server never breaks an older page.

mod device;
mod events;
mod fleet;
mod history;
mod messages;
mod transactions;
mod webhooks;

pub use device::{AlertRow, DeviationRow, EvseConnectorRow, VariableRow};
pub use events::LiveEvent;
pub use fleet::{
    DayTotal, FaultRow, FleetCounters, NodeRow, OfflineRow, Overview, PAGE_SIZE, StationListQuery,
    StationListing, page_number, page_params, url_params,
};
pub use history::{DayUptime, StationHistory, StatusChangeRow};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
pub use messages::{FRAMES_SHOWN, MessageListQuery, MessageListing};
use serde::{Deserialize, Serialize};
use thiserror::Error;
pub use transactions::{
    ChartPoint, TRANSACTIONS_SHOWN, TransactionDetail, TransactionEventRow, TransactionListQuery,
    TransactionListing, TransactionRow,
};
pub use webhooks::{DeliveryRow, WEBHOOK_KINDS, WebhookRow};

/// A station as the Stations page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// The OCPP version of its last connection (`ocpp1.6`, `ocpp2.0.1`).
    pub protocol: Option<String>,
    /// The node whose connection holds it, while it is connected.
    pub node: Option<String>,
}

/// A connector's status as a badge shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorBadge {
    pub connector_id: u32,
    pub status: String,
    pub error_code: String,
    pub info: Option<String>,
}

/// A cheap fingerprint of a row's content: the key of its `<For>` entry, so a row is rendered
/// again exactly when it changed (without formatting every row on every event).
fn fingerprint(value: &impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(value)
}

impl StationRow {
    /// The row's `<For>` key: its content's fingerprint.
    pub fn key(&self) -> u64 {
        fingerprint(self)
    }

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
            LiveEvent::StationConnected { protocol, .. } => {
                self.connected = true;
                self.protocol = Some(protocol.clone());
            }
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
            | LiveEvent::StationReport { .. }
            | LiveEvent::CommandAnswered { .. }
            | LiveEvent::MessageLogged { .. }
            | LiveEvent::SecurityEvent { .. }
            | LiveEvent::DeviceModelReported { .. }
            | LiveEvent::StationAlert { .. }
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

/// Everything the station page shows about one station.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StationDetail {
    pub station: StationRow,
    /// The OCPP version of its last connection.
    pub protocol: Option<String>,
    pub serial_number: Option<String>,
    pub firmware_status: Option<String>,
    pub diagnostics_status: Option<String>,
    pub local_list_version: Option<i64>,
    /// The configuration as last read (GetConfiguration) or changed (ChangeConfiguration).
    pub configuration: Vec<ConfigKeyRow>,
    /// Its active transactions, one per connector at most.
    pub active_transactions: Vec<TransactionRow>,
    pub reservations: Vec<ReservationRow>,
    pub charging_profiles: Vec<ProfileRow>,
    /// The least security profile it must connect with (0-3).
    pub security_profile: u8,
    pub has_password: bool,
    /// Lenient mode: its known deviations from the specification tolerated and counted.
    pub lenient: bool,
    /// Its latest security events, newest first.
    pub security_events: Vec<SecurityEventRow>,
}

/// A security event: reported by the station, or a connection Centrale refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventRow {
    pub id: i64,
    pub station_id: String,
    pub event_type: String,
    pub tech_info: Option<String>,
    /// When it was received (RFC 3339).
    pub at: String,
    /// `station` or `central`.
    pub source: String,
}

/// Who is signed in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub username: String,
    /// `admin`, `operator` or `viewer`.
    pub role: String,
    /// The session's CSRF token, which the sign-out form repeats.
    pub csrf_token: String,
}

impl CurrentUser {
    /// May send commands and change id tags and stations.
    pub fn may_operate(&self) -> bool {
        self.role == "admin" || self.role == "operator"
    }

    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// A user, as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub username: String,
    pub role: String,
    pub created_at: String,
}

/// An API token, as the admin page lists them (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub username: String,
    pub created_at: String,
}

/// What the admin page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminView {
    pub users: Vec<UserRow>,
    pub tokens: Vec<TokenRow>,
    pub audit: Vec<AuditRow>,
}

/// A call sent to a station, with who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub station_id: String,
    pub action: String,
    pub payload: String,
    pub outcome: Option<String>,
}

impl StationDetail {
    /// Applies a live event about this station; false if the page must refetch instead.
    pub fn apply(&mut self, event: &LiveEvent) -> bool {
        match event {
            LiveEvent::TransactionUpdated { .. } => {
                self.active_transactions.iter_mut().any(|t| t.apply(event))
            }
            LiveEvent::StationReport { report, status, .. } => {
                match report.as_str() {
                    "firmware" => self.firmware_status = Some(status.clone()),
                    "diagnostics" => self.diagnostics_status = Some(status.clone()),
                    _ => {}
                }
                true
            }
            _ => self.station.apply(event),
        }
    }
}

/// One configuration key of a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigKeyRow {
    pub key: String,
    pub value: Option<String>,
    pub readonly: bool,
}

/// A reservation as the lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationRow {
    pub station_id: String,
    pub reservation_id: i64,
    pub connector_id: u32,
    pub id_tag: String,
    /// RFC 3339.
    pub expires_at: String,
    /// Active, Expired, Cancelled or Used.
    pub status: String,
    pub transaction_id: Option<i64>,
}

/// A charging profile a station accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileRow {
    pub station_id: String,
    pub connector_id: u32,
    pub profile_id: i64,
    pub stack_level: i64,
    pub purpose: String,
    pub transaction_id: Option<i64>,
    /// A one-line summary of its schedule, e.g. `A: 0s→16, 3600s→32`.
    pub schedule: String,
    /// The profile as sent, pretty-printed.
    pub profile: String,
    /// RFC 3339.
    pub set_at: String,
}

/// One OCPP frame of the message log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRow {
    /// Row id once stored; 0 for a frame announced live before it was written.
    pub id: i64,
    pub station_id: String,
    /// `in` (from the station) or `out`.
    pub direction: String,
    /// 2 (CALL), 3 (CALLRESULT), 4 (CALLERROR).
    pub message_type: Option<u8>,
    pub message_id: Option<String>,
    pub action: Option<String>,
    /// The frame as it went over the wire.
    pub frame: String,
    /// RFC 3339.
    pub at: String,
}

impl MessageRow {
    /// A key unique among the frames a page shows.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.at, self.station_id, self.direction, self.frame
        )
    }

    /// CALL, CALLRESULT, CALLERROR or `?` for an unreadable frame.
    pub fn kind(&self) -> &'static str {
        match self.message_type {
            Some(2) => "CALL",
            Some(3) => "CALLRESULT",
            Some(4) => "CALLERROR",
            _ => "?",
        }
    }

    /// The frame as indented JSON, or as it came if it is not JSON.
    pub fn pretty(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.frame)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| self.frame.clone())
    }
}

/// What became of a command sent to a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "outcome",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CommandReply {
    /// The station answered (CALLRESULT). `status` is the answer's `status` field, if any.
    Answered {
        status: Option<String>,
        /// The answer, pretty-printed.
        payload: String,
    },
    /// The station answered with a CALLERROR.
    Refused { code: String, description: String },
    /// The station did not answer in time.
    TimedOut { message: String },
    /// The command could not be delivered or its answer was unusable.
    Failed { message: String },
}

impl CommandReply {
    /// The word the result badge shows.
    pub fn label(&self) -> String {
        match self {
            CommandReply::Answered {
                status: Some(status),
                ..
            } => status.clone(),
            CommandReply::Answered { status: None, .. } => "Answered".to_owned(),
            CommandReply::Refused { code, .. } => format!("CALLERROR {code}"),
            CommandReply::TimedOut { .. } => "Timeout".to_owned(),
            CommandReply::Failed { .. } => "Failed".to_owned(),
        }
    }

    /// Whether the station did what it was asked (answered, and not with a refusal status).
    pub fn succeeded(&self) -> bool {
        match self {
            CommandReply::Answered { status, .. } => !matches!(
                status.as_deref(),
                Some(
                    "Rejected"
                        | "NotSupported"
                        | "UnlockFailed"
                        | "Faulted"
                        | "Occupied"
                        | "Unavailable"
                        | "Failed"
                        | "VersionMismatch"
                        | "NotImplemented"
                        | "UnknownVendorId"
                        | "UnknownMessageId"
                        | "Unknown"
                        | "NotFound"
                )
            ),
            _ => false,
        }
    }
}

/// The statuses an operator can give a tag.
pub const TAG_STATUSES: &[&str] = &["Accepted", "Blocked", "Expired", "Invalid"];

/// The `HH:MM:SS` of an RFC 3339 timestamp (UTC), for compact lists; the whole text if it is
/// not one.
pub fn clock(rfc3339: &str) -> &str {
    rfc3339.get(11..19).unwrap_or(rfc3339)
}

/// `YYYY-MM-DD HH:MM:SS UTC` of an RFC 3339 timestamp (UTC), for detail pages; the whole text
/// if it is not one.
pub fn datetime(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..19)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
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
    /// The signed-in user's role does not allow this (or nobody is signed in).
    #[error("{0}")]
    Forbidden(String),
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
            protocol: None,
            node: None,
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
            registration: "Accepted".into(),
            at: "t".into()
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
        assert_eq!(
            datetime("2026-11-24T06:50:26.373796535Z"),
            "2026-11-24 06:50:26 UTC"
        );
    }
}
