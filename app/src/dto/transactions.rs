//! What the browser sees of transactions: rows of the list, one transaction with its curve
//! and (2.0.1) its events.

use super::{LiveEvent, fingerprint};
use serde::{Deserialize, Serialize};

/// How many transactions the Transactions page shows at most, newest first.
pub const TRANSACTIONS_SHOWN: usize = 500;

/// A transaction as the Transactions page shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// The station's own id of the transaction (2.0.1).
    pub station_transaction_id: Option<String>,
}

impl TransactionRow {
    /// The row a TransactionStarted event describes; `None` for another event.
    pub fn started(event: &LiveEvent) -> Option<TransactionRow> {
        match event {
            LiveEvent::TransactionStarted {
                station_id,
                connector_id,
                transaction_id,
                id_tag,
                at,
            } => Some(TransactionRow {
                id: *transaction_id,
                station_id: station_id.clone(),
                connector_id: *connector_id,
                id_tag: id_tag.clone(),
                started_at: at.clone(),
                ..TransactionRow::default()
            }),
            _ => None,
        }
    }

    /// The row's `<For>` key: its content's fingerprint.
    pub fn key(&self) -> u64 {
        fingerprint(&(
            self.id,
            &self.station_id,
            self.connector_id,
            &self.id_tag,
            &self.started_at,
            &self.stopped_at,
            &self.stop_reason,
            self.energy_wh.map(f64::to_bits),
            self.power_w.map(f64::to_bits),
        ))
    }

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

/// A transaction with its energy and power curve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionDetail {
    pub transaction: TransactionRow,
    /// The authorization status the start was answered with.
    pub start_status: String,
    /// Wh.
    pub meter_start: i64,
    pub meter_stop: Option<i64>,
    pub remote_start_requested_at: Option<String>,
    pub remote_stop_requested_at: Option<String>,
    pub points: Vec<ChartPoint>,
    /// A 2.0.1 transaction's events, by seqNo (none for 1.6).
    pub events: Vec<TransactionEventRow>,
}

/// One event of a 2.0.1 transaction's timeline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TransactionEventRow {
    pub seq_no: i64,
    /// Started, Updated or Ended.
    pub event_type: String,
    pub trigger_reason: String,
    pub charging_state: Option<String>,
    pub stopped_reason: Option<String>,
    /// Sent late: it happened while the station was offline.
    pub offline: bool,
    /// RFC 3339.
    pub occurred_at: String,
}

impl TransactionDetail {
    /// Applies a live event about this transaction: a new point while it charges, its stop.
    pub fn apply(&mut self, event: &LiveEvent) -> bool {
        if !self.transaction.apply(event) {
            return false;
        }
        if let LiveEvent::TransactionUpdated {
            energy_wh,
            power_w,
            at,
            ..
        } = event
        {
            self.points.push(ChartPoint {
                at: at.clone(),
                energy_wh: *energy_wh,
                power_w: *power_w,
            });
        }
        true
    }
}

/// A point of a transaction's curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartPoint {
    /// RFC 3339.
    pub at: String,
    /// Wh since the start.
    pub energy_wh: Option<f64>,
    /// W.
    pub power_w: Option<f64>,
}
