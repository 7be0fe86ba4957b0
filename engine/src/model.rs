//! The central system's domain, independent of any OCPP version: what a station is, what it
//! reports, how an id token is authorized, what a transaction is. Each OCPP version's adapter
//! (see [`crate::v16`]) translates its messages into these types and back.
//!
//! Values whose vocabulary differs between versions (a connector's status, an error code, a
//! measurand) are kept as the text the station sent; the version is known from the station.

use serde::Serialize;

mod events;
pub use events::{
    DeviceVariable, MonitorEvent, TransactionEvent, TransactionEventKind, TransactionEventRecorded,
    TransactionEventView, VariablePath,
};

/// `as_str`, `FromStr` and `Display` for an enum stored and shown by its variant names.
macro_rules! string_enum {
    ($name:ident { $($variant:ident),* $(,)? }) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)*
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $(stringify!($variant) => Ok($name::$variant),)*
                    _ => Err(UnknownValue(s.to_owned())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// Whether a station may operate against this central system.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub enum Registration {
    /// Known and allowed.
    Accepted,
    /// Known but waiting for an operator; told to retry later.
    Pending,
    /// Refused by an operator.
    Rejected,
}

string_enum!(Registration {
    Accepted,
    Pending,
    Rejected
});

/// How stations that are not known yet are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistrationPolicy {
    /// Every station is accepted at once.
    Open,
    /// An unknown station is recorded and answered Pending until an operator accepts it.
    #[default]
    Pending,
    /// An unknown station is refused at the WebSocket upgrade (HTTP 404).
    Closed,
}

impl FromStr for RegistrationPolicy {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        match s.to_ascii_lowercase().as_str() {
            "open" => Ok(RegistrationPolicy::Open),
            "pending" => Ok(RegistrationPolicy::Pending),
            "closed" => Ok(RegistrationPolicy::Closed),
            _ => Err(UnknownValue(s.to_owned())),
        }
    }
}

/// A stored value that is not one of its type's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// What a station says about itself when it boots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootInfo {
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub charge_box_serial_number: Option<String>,
    pub firmware_version: Option<String>,
    pub iccid: Option<String>,
    pub imsi: Option<String>,
    pub meter_type: Option<String>,
    pub meter_serial_number: Option<String>,
    /// Why it booted (2.0.1: PowerUp, RemoteReset, FirmwareUpdate, ...).
    pub reason: Option<String>,
}

/// The status of an id token, as the store keeps it and as authorization answers it: the
/// statuses of OCPP 2.0.1, of which 1.6 has the first five (its adapter answers the others
/// Invalid, the nearest 1.6 meaning).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub enum TokenStatus {
    Accepted,
    Blocked,
    Expired,
    Invalid,
    /// Already in a transaction elsewhere (only as an answer, never stored).
    ConcurrentTx,
    /// 2.0.1: not enough credit.
    NoCredit,
    /// 2.0.1: not allowed to charge at this type of EVSE.
    NotAllowedTypeEVSE,
    /// 2.0.1: not allowed to charge at this location.
    NotAtThisLocation,
    /// 2.0.1: not allowed to charge at this time.
    NotAtThisTime,
    /// Not in the store (only as an answer, never stored; 1.6 says Invalid).
    Unknown,
}

string_enum!(TokenStatus {
    Accepted,
    Blocked,
    Expired,
    Invalid,
    ConcurrentTx,
    NoCredit,
    NotAllowedTypeEVSE,
    NotAtThisLocation,
    NotAtThisTime,
    Unknown
});

impl TokenStatus {
    /// The statuses an operator may give a token (the others are only answers).
    pub const STORED: &'static [TokenStatus] = &[
        TokenStatus::Accepted,
        TokenStatus::Blocked,
        TokenStatus::Expired,
        TokenStatus::Invalid,
        TokenStatus::NoCredit,
        TokenStatus::NotAllowedTypeEVSE,
        TokenStatus::NotAtThisLocation,
        TokenStatus::NotAtThisTime,
    ];
}

/// An id token as the store knows it (and as the API answers a stored one, or an entry of a
/// station's local list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdTag {
    pub id_tag: String,
    pub status: TokenStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiry_date: Option<OffsetDateTime>,
    pub parent_id_tag: Option<String>,
}

/// The answer to "may this token charge?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub status: TokenStatus,
    pub expiry_date: Option<OffsetDateTime>,
    pub parent_id_tag: Option<String>,
}

impl Authorization {
    /// The answer for a token the store does not know.
    pub fn unknown() -> Authorization {
        Authorization {
            status: TokenStatus::Unknown,
            expiry_date: None,
            parent_id_tag: None,
        }
    }
}

/// A connector's (or, for connector 0, the station's) reported state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorStatus {
    pub connector_id: u32,
    pub status: String,
    pub error_code: String,
    pub info: Option<String>,
    pub vendor_id: Option<String>,
    pub vendor_error_code: Option<String>,
    /// When the station says it happened.
    pub timestamp: Option<OffsetDateTime>,
}

/// The measurand of the energy register (Wh delivered), the OCPP default.
pub const ENERGY_REGISTER: &str = "Energy.Active.Import.Register";
/// The measurand of the active power drawn (W).
pub const ACTIVE_POWER: &str = "Power.Active.Import";

/// A sample's value in Wh or W (kWh and kW are scaled); `None` if it is not a plain number
/// (e.g. signed data) or in another unit.
pub(crate) fn in_base_unit(sample: &Sample) -> Option<f64> {
    scaled(&sample.value, sample.unit.as_deref())
}

/// The latest all-phases reading of `measurand` among `samples` (Wh or W), with its time: what
/// a transaction's progress event tells.
pub(crate) fn latest_reading(samples: &[Sample], measurand: &str) -> Option<(OffsetDateTime, f64)> {
    samples
        .iter()
        .filter(|s| s.measurand == measurand && s.phase.is_none())
        .max_by_key(|s| s.timestamp)
        .and_then(|s| Some((s.timestamp, in_base_unit(s)?)))
}

/// A reading in Wh or W, from its text and unit (kWh and kW are scaled).
pub(crate) fn scaled(value: &str, unit: Option<&str>) -> Option<f64> {
    let value: f64 = value.trim().parse().ok()?;
    let scale = match unit {
        None | Some("Wh") | Some("W") => 1.0,
        Some("kWh") | Some("kW") => 1000.0,
        Some(_) => return None,
    };
    Some(value * scale)
}

/// One measured value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub timestamp: OffsetDateTime,
    pub value: String,
    /// Energy.Active.Import.Register when the station does not say.
    pub measurand: String,
    pub unit: Option<String>,
    pub phase: Option<String>,
    pub context: Option<String>,
    pub location: Option<String>,
    pub format: Option<String>,
}

/// A station's StartTransaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionStart {
    pub connector_id: u32,
    pub id_tag: String,
    pub meter_start: i64,
    pub timestamp: OffsetDateTime,
    pub reservation_id: Option<i64>,
}

/// A station's StopTransaction.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionStop {
    pub transaction_id: i64,
    pub id_tag: Option<String>,
    pub meter_stop: i64,
    pub timestamp: OffsetDateTime,
    pub reason: Option<String>,
    pub samples: Vec<Sample>,
}

/// What the engine answers a StartTransaction with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedTransaction {
    pub transaction_id: i64,
    pub authorization: Authorization,
    /// False when this was a retransmission of a start already recorded.
    pub new: bool,
}

/// How a StopTransaction matched what the engine knew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopOutcome {
    /// The transaction was active and is now stopped.
    Stopped,
    /// It was already stopped: a replay, nothing changed.
    Duplicate,
    /// No such transaction: kept as an unmatched stop.
    Unknown,
}

/// How a StopTransaction was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopRecorded {
    pub outcome: StopOutcome,
    /// The transaction's connector, when the transaction is known.
    pub connector_id: Option<u32>,
    /// The transaction's meter start, when the transaction is known.
    pub meter_start: Option<i64>,
}

/// Who reported a security event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// The station (SecurityEventNotification).
    Station,
    /// The central system (a refused connection).
    Central,
}

impl EventSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Station => "station",
            EventSource::Central => "central",
        }
    }
}

/// The processes whose latest status a station reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Firmware,
    Diagnostics,
    Log,
}

/// A transaction as the central system recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub id: i64,
    pub station_id: String,
    pub connector_id: u32,
    pub id_tag: String,
    /// The authorization status the start was answered with.
    pub start_status: String,
    pub meter_start: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    pub meter_stop: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub stopped_at: Option<OffsetDateTime>,
    pub stop_reason: Option<String>,
    /// Wh: the meter at stop minus the meter at start, once stopped.
    pub energy_wh: Option<i64>,
    /// When an operator asked for this transaction (RemoteStartTransaction), if one did.
    #[serde(with = "time::serde::rfc3339::option")]
    pub remote_start_requested_at: Option<OffsetDateTime>,
    /// When an operator asked to stop it (RemoteStopTransaction), if one did.
    #[serde(with = "time::serde::rfc3339::option")]
    pub remote_stop_requested_at: Option<OffsetDateTime>,
    /// The station's own id of the transaction (2.0.1; 1.6 transactions have the central
    /// system's `id`).
    pub station_transaction_id: Option<String>,
    /// The charging state its latest event reported (2.0.1).
    pub charging_state: Option<String>,
}

/// A stored meter value.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredSample {
    pub connector_id: u32,
    pub transaction_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub value: String,
    pub measurand: String,
    pub unit: Option<String>,
    pub phase: Option<String>,
    pub context: Option<String>,
    pub location: Option<String>,
}

/// A point of a transaction's energy and power curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Wh delivered since the start, if the station sent the energy register then.
    pub energy_wh: Option<f64>,
    /// Active power import in W, if the station sent it then.
    pub power_w: Option<f64>,
}

/// One configuration key of a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationKey {
    pub key: String,
    pub value: Option<String>,
    pub readonly: bool,
}

/// A station as the API and the dashboard show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StationView {
    pub id: String,
    pub registration: Registration,
    pub connected: bool,
    /// The node whose connection holds it (a cluster's; one node's name on SQLite), while
    /// it is connected.
    pub node: Option<String>,
    /// The OCPP version of its last connection.
    pub protocol: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_seen: Option<OffsetDateTime>,
    pub firmware_status: Option<String>,
    pub diagnostics_status: Option<String>,
    pub local_list_version: Option<i64>,
    /// The least security profile it must connect with (the central system's minimum may ask
    /// for more).
    pub security_profile: crate::security::SecurityProfile,
    /// Whether a Basic auth password is set.
    pub has_password: bool,
    /// Lenient mode: its known deviations from the specification are tolerated and counted.
    pub lenient: bool,
    pub connectors: Vec<ConnectorView>,
}

/// How often a station's messages of one action deviated from the specification in one way
/// (lenient mode tolerated it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviationCount {
    pub action: String,
    /// UnknownProperty, TimestampWithoutOffset or DecimalForInteger.
    pub kind: String,
    /// Where in the payload, e.g. `idToken.extra`.
    pub field: String,
    pub count: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub last_at: OffsetDateTime,
}

/// A security event, reported by a station or recorded by the central system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityEventView {
    pub id: i64,
    pub station_id: String,
    pub event_type: String,
    pub tech_info: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// `station` or `central`.
    pub source: String,
}

/// A connector as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorView {
    pub connector_id: u32,
    pub status: String,
    pub error_code: String,
    pub info: Option<String>,
    pub vendor_id: Option<String>,
    pub vendor_error_code: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An id tag as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdTagView {
    pub id_tag: String,
    pub status: TokenStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiry_date: Option<OffsetDateTime>,
    pub parent_id_tag: Option<String>,
    /// Whether the tag is in a transaction now.
    pub in_transaction: bool,
}

/// A reservation a station accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    pub station_id: String,
    pub reservation_id: i64,
    pub connector_id: u32,
    pub id_tag: String,
    pub parent_id_tag: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Active, Expired (active past its expiry), Cancelled or Used.
    pub status: String,
    /// The transaction that used it.
    pub transaction_id: Option<i64>,
}

/// A charging profile a station accepted.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChargingProfileRecord {
    pub station_id: String,
    pub connector_id: u32,
    pub profile_id: i64,
    pub stack_level: i64,
    pub purpose: String,
    pub transaction_id: Option<i64>,
    /// The profile as it was sent.
    pub profile: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
}
