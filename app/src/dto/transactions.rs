//! What the browser sees of transactions: rows of the list, one transaction with its curve
//! and (2.0.1) its events.

use super::{LiveEvent, fingerprint};
use serde::{Deserialize, Serialize};

/// Transactions per page of the Transactions page, newest first.
pub const TRANSACTIONS_SHOWN: usize = 50;

/// What the Transactions page shows, as its URL says: `/transactions?show=&station=&tag=
/// &from=&to=&page=`. `show` is empty (active ones), `finished` or `all`; `from` and `to` are
/// dates (`to` excluded); empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionListQuery {
    pub show: String,
    pub station: String,
    pub tag: String,
    pub from: String,
    pub to: String,
    /// 1, 2, ...
    pub page: u32,
}

impl TransactionListQuery {
    /// Reads the page's state from URL parameters (`get` answers one by name).
    pub fn from_url(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| get(key).unwrap_or_default();
        TransactionListQuery {
            show: text("show"),
            station: text("station"),
            tag: text("tag"),
            from: text("from"),
            to: text("to"),
            page: super::page_number(get("page")),
        }
    }

    /// The URL parameters that differ from the default.
    pub fn to_url(&self) -> Vec<(&'static str, String)> {
        super::url_params(
            [
                ("show", self.show.clone()),
                ("station", self.station.clone()),
                ("tag", self.tag.clone()),
                ("from", self.from.clone()),
                ("to", self.to.clone()),
            ],
            self.page,
        )
    }

    /// Only running (`Some(true)`), only finished, or all.
    pub fn active(&self) -> Option<bool> {
        match self.show.as_str() {
            "finished" => Some(false),
            "all" => None,
            _ => Some(true),
        }
    }

    /// The filters as `GET /api/transactions` (and its CSV export) spell them, without paging.
    pub fn api_filters(&self) -> Vec<(&'static str, String)> {
        let mut params: Vec<_> = self
            .to_url()
            .into_iter()
            .filter(|(key, _)| !matches!(*key, "show" | "page"))
            .collect();
        if let Some(active) = self.active() {
            params.push(("active", active.to_string()));
        }
        params
    }

    /// [`TransactionListQuery::api_filters`] with this page's `offset` and `limit`.
    pub fn api_params(&self) -> Vec<(&'static str, String)> {
        let mut params = self.api_filters();
        params.extend(super::page_params(self.page, TRANSACTIONS_SHOWN as u32));
        params
    }

    /// Whether a transaction that starts now belongs on this page: the first page, no station,
    /// tag or time range that could leave it out.
    pub fn shows_new(&self, station: &str, tag: &str) -> bool {
        self.page <= 1
            && self.active() != Some(false)
            && (self.station.is_empty() || self.station == station)
            && (self.tag.is_empty() || self.tag == tag)
            && self.to.is_empty()
    }
}

/// One page of the Transactions list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionListing {
    pub rows: Vec<TransactionRow>,
    /// Transactions matching the filters, on every page.
    pub matching: u64,
}

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

#[cfg(test)]
mod list_tests {
    use super::*;

    #[test]
    fn the_list_state_goes_through_the_url_and_becomes_api_parameters() {
        let query = TransactionListQuery {
            show: "finished".into(),
            tag: "DRIVER".into(),
            from: "2026-11-01".into(),
            page: 3,
            ..Default::default()
        };
        let url = query.to_url();
        let back = TransactionListQuery::from_url(|key| {
            url.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
        });
        assert_eq!(back, query);
        assert_eq!(
            query.api_params(),
            vec![
                ("tag", "DRIVER".to_owned()),
                ("from", "2026-11-01".to_owned()),
                ("active", "false".to_owned()),
                ("offset", "100".to_owned()),
                ("limit", "50".to_owned()),
            ]
        );
        let default = TransactionListQuery::from_url(|_| None);
        assert_eq!(default.active(), Some(true));
        assert!(default.shows_new("CP", "T"));
        assert!(!query.shows_new("CP", "DRIVER"), "finished, third page");
    }
}
