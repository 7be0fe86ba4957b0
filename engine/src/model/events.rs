//! What stations that report by events say (OCPP 2.0.1's way): transactions as a sequence of
//! events owned by the station, the device model, monitoring events. Version-neutral in form:
//! vocabularies are kept as the text the station sent.

use super::Sample;
use serde::Serialize;
use time::OffsetDateTime;

/// The kind of a transaction event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TransactionEventKind {
    Started,
    Updated,
    Ended,
}

impl TransactionEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionEventKind::Started => "Started",
            TransactionEventKind::Updated => "Updated",
            TransactionEventKind::Ended => "Ended",
        }
    }
}

/// One event of a transaction the station owns (2.0.1 TransactionEvent).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionEvent {
    /// The station's own id of the transaction.
    pub station_transaction_id: String,
    pub kind: TransactionEventKind,
    /// The station's sequence number: with the transaction, what makes an event unique.
    pub seq_no: i64,
    pub trigger_reason: String,
    pub timestamp: OffsetDateTime,
    /// Sent late: it happened while the station was offline.
    pub offline: bool,
    pub charging_state: Option<String>,
    pub stopped_reason: Option<String>,
    pub remote_start_id: Option<i64>,
    /// The EVSE and, if said, the connector in it.
    pub evse_id: Option<u32>,
    pub connector_id: Option<u32>,
    pub id_token: Option<String>,
    pub reservation_id: Option<i64>,
    pub samples: Vec<Sample>,
}

/// How a transaction event was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionEventRecorded {
    /// The central system's id of the transaction.
    pub transaction_id: i64,
    /// The first event seen of this transaction (whatever its kind).
    pub new_transaction: bool,
    /// The same event (transaction and seqNo) was recorded before: nothing changed.
    pub duplicate: bool,
    /// This event ended the transaction.
    pub ended: bool,
    /// Some earlier seqNo of the transaction has not arrived (checked for late and final
    /// events only).
    pub gap: bool,
    /// The EVSE (the version-neutral connector) the transaction runs on.
    pub connector_id: u32,
    /// Wh at the start, once known.
    pub meter_start: Option<i64>,
    /// Wh at the end, once ended.
    pub meter_stop: Option<i64>,
}

/// One event of a transaction's timeline, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransactionEventView {
    pub seq_no: i64,
    pub event_type: String,
    pub trigger_reason: String,
    pub charging_state: Option<String>,
    pub stopped_reason: Option<String>,
    pub id_token: Option<String>,
    pub offline: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
}

/// Where a variable lives: its component (with instance and EVSE / connector) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariablePath {
    pub component: String,
    /// '' when the component has no instance.
    pub component_instance: String,
    /// 0 when the component is not on an EVSE (real EVSE ids are > 0).
    pub evse_id: u32,
    /// 0 when the component is not on a connector.
    pub connector_id: u32,
    pub variable: String,
    /// '' when the variable has no instance.
    pub variable_instance: String,
    /// Actual, Target, MinSet or MaxSet.
    pub attribute_type: String,
}

/// A variable of a station's device model with what the station said about it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceVariable {
    #[serde(flatten)]
    pub path: VariablePath,
    pub value: Option<String>,
    /// ReadOnly, WriteOnly or ReadWrite.
    pub mutability: Option<String>,
    pub persistent: Option<bool>,
    pub constant: Option<bool>,
    pub data_type: Option<String>,
    pub unit: Option<String>,
    pub min_limit: Option<String>,
    pub max_limit: Option<String>,
    pub values_list: Option<String>,
    pub supports_monitoring: Option<bool>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An event a station's monitors saw (2.0.1 NotifyEvent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorEvent {
    pub event_id: i64,
    pub trigger: String,
    pub cause: Option<i64>,
    pub actual_value: String,
    pub tech_code: Option<String>,
    pub tech_info: Option<String>,
    pub cleared: Option<bool>,
    pub transaction_id: Option<String>,
    pub variable_monitoring_id: Option<i64>,
    pub notification_type: String,
    pub component: String,
    pub evse_id: Option<u32>,
    pub variable: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
}
