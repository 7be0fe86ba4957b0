//! What happens in the engine, as it happens: the feed of the dashboard and `/api/events`.

use crate::model::{Registration, Sample};
use protocol::OcppVersion;
use serde::Serialize;
use time::OffsetDateTime;

/// Something that happened. Serialised as `{"type": "<kind>", ...fields in camelCase}`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// A station opened its WebSocket connection (possibly replacing an older one).
    StationConnected {
        station_id: String,
        /// The subprotocol it connected with: `ocpp1.6` or `ocpp2.0.1`.
        #[schema(value_type = String, example = "ocpp2.0.1")]
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
    /// A station sent BootNotification and was answered with its registration.
    StationBooted {
        station_id: String,
        registration: Registration,
        vendor: String,
        model: String,
        firmware_version: Option<String>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An operator accepted or rejected a station.
    RegistrationChanged {
        station_id: String,
        registration: Registration,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A connector (0: the station) reported its status.
    ConnectorStatusChanged {
        station_id: String,
        connector_id: u32,
        status: String,
        error_code: String,
        info: Option<String>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A transaction started.
    TransactionStarted {
        station_id: String,
        connector_id: u32,
        transaction_id: i64,
        id_tag: String,
        meter_start: i64,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Meter values arrived for an active transaction: its latest energy and power.
    TransactionUpdated {
        station_id: String,
        connector_id: u32,
        transaction_id: i64,
        /// Wh delivered so far: the latest energy register minus the meter at start.
        energy_wh: Option<f64>,
        /// The latest active power import, in W.
        power_w: Option<f64>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A transaction stopped.
    TransactionStopped {
        station_id: String,
        connector_id: u32,
        transaction_id: i64,
        meter_stop: i64,
        energy_wh: Option<i64>,
        reason: Option<String>,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Meter values arrived.
    MeterValues {
        station_id: String,
        connector_id: u32,
        transaction_id: Option<i64>,
        samples: Vec<SampleView>,
    },
    /// A station reported (part of) its device model (2.0.1 NotifyReport).
    DeviceModelReported {
        station_id: String,
        request_id: Option<i64>,
        /// How many variables this part carried.
        variables: usize,
        /// The last part of the report.
        complete: bool,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A station's monitor saw something (2.0.1 NotifyEvent).
    StationAlert {
        station_id: String,
        event: crate::model::MonitorEvent,
        /// When Centrale received it (the event's own time is in `event`).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Firmware, diagnostics or log upload status.
    StationReport {
        station_id: String,
        report: String,
        status: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The central system sent a call to a station.
    CommandSent {
        station_id: String,
        action: String,
        payload: serde_json::Value,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A call to a station was answered, refused, or timed out.
    CommandAnswered {
        station_id: String,
        action: String,
        result: crate::calls::CallOutcome,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An OCPP frame went in or out.
    MessageLogged {
        frame: crate::message_log::LoggedFrame,
    },
    /// A station reported a security event.
    SecurityEvent {
        station_id: String,
        event_type: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// A sampled value as the event feed shows it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SampleView {
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub measurand: String,
    pub value: String,
    pub unit: Option<String>,
    pub phase: Option<String>,
}

impl From<&Sample> for SampleView {
    fn from(s: &Sample) -> SampleView {
        SampleView {
            timestamp: s.timestamp,
            measurand: s.measurand.clone(),
            value: s.value.clone(),
            unit: s.unit.clone(),
            phase: s.phase.clone(),
        }
    }
}

impl Event {
    /// Every kind, as [`Event::kind`] names them.
    pub const KINDS: &'static [&'static str] = &[
        "stationConnected",
        "stationDisconnected",
        "stationBooted",
        "registrationChanged",
        "connectorStatusChanged",
        "deviceModelReported",
        "stationAlert",
        "transactionStarted",
        "transactionUpdated",
        "transactionStopped",
        "meterValues",
        "stationReport",
        "securityEvent",
        "commandSent",
        "commandAnswered",
        "messageLogged",
    ];

    /// The station the event is about.
    pub fn station_id(&self) -> &str {
        match self {
            Event::StationConnected { station_id, .. }
            | Event::StationDisconnected { station_id, .. }
            | Event::StationBooted { station_id, .. }
            | Event::RegistrationChanged { station_id, .. }
            | Event::ConnectorStatusChanged { station_id, .. }
            | Event::DeviceModelReported { station_id, .. }
            | Event::StationAlert { station_id, .. }
            | Event::TransactionStarted { station_id, .. }
            | Event::TransactionUpdated { station_id, .. }
            | Event::TransactionStopped { station_id, .. }
            | Event::MeterValues { station_id, .. }
            | Event::StationReport { station_id, .. }
            | Event::CommandSent { station_id, .. }
            | Event::CommandAnswered { station_id, .. }
            | Event::SecurityEvent { station_id, .. } => station_id,
            Event::MessageLogged { frame } => &frame.station_id,
        }
    }

    /// The event's kind, as in its `type` field: the SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::StationConnected { .. } => "stationConnected",
            Event::StationDisconnected { .. } => "stationDisconnected",
            Event::StationBooted { .. } => "stationBooted",
            Event::RegistrationChanged { .. } => "registrationChanged",
            Event::ConnectorStatusChanged { .. } => "connectorStatusChanged",
            Event::DeviceModelReported { .. } => "deviceModelReported",
            Event::StationAlert { .. } => "stationAlert",
            Event::TransactionStarted { .. } => "transactionStarted",
            Event::TransactionUpdated { .. } => "transactionUpdated",
            Event::TransactionStopped { .. } => "transactionStopped",
            Event::MeterValues { .. } => "meterValues",
            Event::StationReport { .. } => "stationReport",
            Event::SecurityEvent { .. } => "securityEvent",
            Event::CommandSent { .. } => "commandSent",
            Event::CommandAnswered { .. } => "commandAnswered",
            Event::MessageLogged { .. } => "messageLogged",
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
            assert!(Event::KINDS.contains(&e.kind()));
            assert_eq!(e.station_id(), "A");
            assert_eq!(v["stationId"], "A");
            assert_eq!(v["at"], "1970-01-01T00:00:00Z");
        }
    }
}
