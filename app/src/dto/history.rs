//! A station's history, as its history page shows it.

use super::TransactionRow;
use serde::{Deserialize, Serialize};

/// A station's power over the last day, uptime over the last days, latest sessions and status
/// changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StationHistory {
    pub station_id: String,
    /// (seconds since 1970, W), a point per 5 minutes where known.
    pub power: Vec<(f64, f64)>,
    /// Seconds since 1970 when the power chart's window starts and ends.
    pub from: f64,
    pub to: f64,
    /// The last days, oldest first.
    pub uptime: Vec<DayUptime>,
    /// Online over known time across those days; none before the station ever connected.
    pub uptime_ratio: Option<f64>,
    /// RFC 3339; none while offline.
    pub online_since: Option<String>,
    /// The latest sessions, the latest first, and how many there are in all.
    pub sessions: Vec<TransactionRow>,
    pub session_count: u64,
    /// The latest status changes, the latest first.
    pub status_changes: Vec<StatusChangeRow>,
}

/// How long a station was online on one day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayUptime {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub online_s: f64,
    /// Seconds of the day known (from the first connection, up to now).
    pub known_s: f64,
}

impl DayUptime {
    /// The share of the known time online, in percent; none for a day nothing is known of.
    pub fn percent(&self) -> Option<f64> {
        (self.known_s > 0.0).then(|| 100.0 * self.online_s / self.known_s)
    }
}

/// A connector's status as it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChangeRow {
    pub connector_id: u32,
    pub status: String,
    pub error_code: String,
    pub info: Option<String>,
    pub vendor_error_code: Option<String>,
    /// When Centrale heard it, RFC 3339.
    pub at: String,
    /// Faulted, or an error reported.
    pub fault: bool,
}
