//! The live events of `/api/events`, and what each changes on a page.

use super::*;
use serde::{Deserialize, Serialize};

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
        at: String,
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
        connector_id: u32,
        transaction_id: i64,
        id_tag: String,
        at: String,
    },
    TransactionUpdated {
        station_id: String,
        transaction_id: i64,
        energy_wh: Option<f64>,
        power_w: Option<f64>,
        at: String,
    },
    TransactionStopped {
        station_id: String,
        transaction_id: i64,
        energy_wh: Option<f64>,
        reason: Option<String>,
        at: String,
    },
    /// Firmware, diagnostics or log upload status.
    StationReport {
        station_id: String,
        /// `firmware`, `diagnostics` or `log`.
        report: String,
        status: String,
        at: String,
    },
    /// A command sent to a station was answered (or failed).
    CommandAnswered {
        station_id: String,
        action: String,
        at: String,
    },
    /// An OCPP frame went in or out.
    MessageLogged {
        frame: MessageRow,
    },
    /// A station reported a security event, or Centrale refused one's connection.
    SecurityEvent {
        station_id: String,
        event_type: String,
        at: String,
    },
    /// A 2.0.1 station reported (part of) its device model.
    DeviceModelReported {
        station_id: String,
        complete: bool,
        at: String,
    },
    /// A 2.0.1 station's monitor saw something (NotifyEvent).
    StationAlert {
        station_id: String,
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
        "stationReport",
        "commandAnswered",
        "messageLogged",
        "securityEvent",
        "deviceModelReported",
        "stationAlert",
    ];

    /// The kind of the message log's frames, which only the message log follows.
    pub const FRAMES: &'static str = "messageLogged";

    /// The SSE event name that tells a subscriber it fell behind and must refetch.
    pub const RESYNC: &'static str = "resync";

    /// Whether the event may change the fleet's counters (connections, registrations,
    /// connector statuses, running transactions).
    pub fn changes_counters(&self) -> bool {
        matches!(
            self,
            LiveEvent::StationConnected { .. }
                | LiveEvent::StationDisconnected { .. }
                | LiveEvent::StationBooted { .. }
                | LiveEvent::RegistrationChanged { .. }
                | LiveEvent::ConnectorStatusChanged { .. }
                | LiveEvent::TransactionStarted { .. }
                | LiveEvent::TransactionStopped { .. }
        )
    }

    /// The station this event is about, if any.
    pub fn station_id(&self) -> Option<&str> {
        match self {
            LiveEvent::StationConnected { station_id, .. }
            | LiveEvent::StationDisconnected { station_id, .. }
            | LiveEvent::StationBooted { station_id, .. }
            | LiveEvent::RegistrationChanged { station_id, .. }
            | LiveEvent::ConnectorStatusChanged { station_id, .. }
            | LiveEvent::DeviceModelReported { station_id, .. }
            | LiveEvent::StationAlert { station_id, .. }
            | LiveEvent::TransactionStarted { station_id, .. }
            | LiveEvent::TransactionUpdated { station_id, .. }
            | LiveEvent::TransactionStopped { station_id, .. }
            | LiveEvent::StationReport { station_id, .. }
            | LiveEvent::CommandAnswered { station_id, .. }
            | LiveEvent::SecurityEvent { station_id, .. } => Some(station_id),
            LiveEvent::MessageLogged { frame } => Some(&frame.station_id),
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
                ..
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
                ..
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
            LiveEvent::StationReport {
                station_id,
                report,
                status,
                ..
            } => format!("{station_id}: {report} {status}"),
            LiveEvent::CommandAnswered {
                station_id, action, ..
            } => {
                format!("{station_id} answered {action}")
            }
            LiveEvent::MessageLogged { frame } => format!(
                "{} {} {}",
                frame.station_id,
                frame.direction,
                frame.action.as_deref().unwrap_or("?")
            ),
            LiveEvent::SecurityEvent {
                station_id,
                event_type,
                ..
            } => format!("{station_id}: security event {event_type}"),
            LiveEvent::DeviceModelReported {
                station_id,
                complete,
                ..
            } => {
                let part = if *complete {
                    "the last part of"
                } else {
                    "a part of"
                };
                format!("{station_id} reported {part} its device model")
            }
            LiveEvent::StationAlert { station_id, .. } => format!("{station_id}: alert"),
            LiveEvent::Other => "other event".to_owned(),
        }
    }

    /// When it happened (RFC 3339), if the event says.
    pub fn at(&self) -> Option<&str> {
        match self {
            LiveEvent::StationConnected { at, .. }
            | LiveEvent::StationDisconnected { at, .. }
            | LiveEvent::StationBooted { at, .. }
            | LiveEvent::ConnectorStatusChanged { at, .. }
            | LiveEvent::TransactionUpdated { at, .. }
            | LiveEvent::TransactionStopped { at, .. }
            | LiveEvent::TransactionStarted { at, .. }
            | LiveEvent::StationReport { at, .. }
            | LiveEvent::DeviceModelReported { at, .. }
            | LiveEvent::SecurityEvent { at, .. }
            | LiveEvent::RegistrationChanged { at, .. }
            | LiveEvent::CommandAnswered { at, .. }
            | LiveEvent::StationAlert { at, .. } => Some(at),
            LiveEvent::MessageLogged { frame } => Some(&frame.at),
            LiveEvent::Other => None,
        }
    }
}
