//! Webhook endpoints and their deliveries, as the Admin page shows them.

use serde::{Deserialize, Serialize};

/// The event kinds an endpoint may ask for, as the engine names them
/// (`engine::webhooks::KINDS`; a server-side test keeps the two equal).
pub const WEBHOOK_KINDS: [&str; 10] = [
    "stationConnected",
    "stationDisconnected",
    "registrationChanged",
    "connectorStatusChanged",
    "transactionStarted",
    "transactionUpdated",
    "transactionStopped",
    "securityEvent",
    "stationAlert",
    "commandAnswered",
];

/// An endpoint with how its deliveries stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    /// Empty: every kind.
    pub kinds: Vec<String>,
    pub enabled: bool,
    pub waiting: u64,
    pub given_up: u64,
    pub last_delivered_at: Option<String>,
    pub last_error: Option<String>,
}

/// One event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub station_id: String,
    pub kind: String,
    pub created_at: String,
    pub attempts: u32,
    /// Delivered, Waiting or Given up.
    pub state: String,
    pub next_attempt_at: Option<String>,
    /// The receiver's status of the latest attempt, or why it failed.
    pub last_outcome: Option<String>,
}
