//! The stations list at fleet scale: what the page asks for (its state, kept in the URL) and
//! what it gets (one page of rows, how many match, the fleet's counters).

use super::StationRow;
use serde::{Deserialize, Serialize};

/// Stations per page.
pub const PAGE_SIZE: u32 = 50;

/// What the Stations page shows, as its URL says: `/stations?q=&connection=&status=
/// &registration=&version=&sort=&order=&page=`. Empty means "any" (or the default order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationListQuery {
    pub q: String,
    /// `online`, `offline`.
    pub connection: String,
    /// A connector status (`Faulted`, `Charging`...).
    pub status: String,
    /// `Accepted`, `Pending`, `Rejected`.
    pub registration: String,
    /// `1.6`, `2.0.1`.
    pub version: String,
    /// `id`, `status`, `lastSeen`, `model`, `version`.
    pub sort: String,
    /// `asc`, `desc`.
    pub order: String,
    /// 1, 2, ...
    pub page: u32,
}

/// A list page's URL parameters: those with a value, in the order given; page 1 is no
/// parameter.
pub fn url_params<const N: usize>(
    params: [(&'static str, String); N],
    page: u32,
) -> Vec<(&'static str, String)> {
    let page = if page > 1 {
        page.to_string()
    } else {
        String::new()
    };
    params
        .into_iter()
        .chain([("page", page)])
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// The page number a URL says; no number is the first page.
pub fn page_number(text: Option<String>) -> u32 {
    text.and_then(|t| t.parse().ok()).unwrap_or(1).max(1)
}

impl StationListQuery {
    /// Reads the page's state from URL parameters (`get` answers one by name); a page number
    /// that is no number is the first page.
    pub fn from_url(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| get(key).unwrap_or_default();
        StationListQuery {
            q: text("q"),
            connection: text("connection"),
            status: text("status"),
            registration: text("registration"),
            version: text("version"),
            sort: text("sort"),
            order: text("order"),
            page: page_number(get("page")),
        }
    }

    /// The URL parameters that differ from the default, as `(name, value)`.
    pub fn to_url(&self) -> Vec<(&'static str, String)> {
        url_params(
            [
                ("q", self.q.clone()),
                ("connection", self.connection.clone()),
                ("status", self.status.clone()),
                ("registration", self.registration.clone()),
                ("version", self.version.clone()),
                ("sort", self.sort.clone()),
                ("order", self.order.clone()),
            ],
            self.page,
        )
    }

    /// The parameters of `GET /api/stations` for this page (the same names, `offset` and
    /// `limit` for the page number).
    pub fn api_params(&self) -> Vec<(&'static str, String)> {
        let mut params: Vec<_> = self
            .to_url()
            .into_iter()
            .filter(|(key, _)| *key != "page")
            .collect();
        params.extend(page_params(self.page, PAGE_SIZE));
        params
    }

    /// The sort in effect, `id` by default.
    pub fn sort_key(&self) -> &str {
        if self.sort.is_empty() {
            "id"
        } else {
            &self.sort
        }
    }

    /// Whether the sort is descending.
    pub fn descending(&self) -> bool {
        self.order == "desc"
    }

    /// This query sorted by `key`: the same key again flips the order; a new key starts in its
    /// natural order (the most recent first for `lastSeen`). Back to the first page.
    pub fn sorted_by(&self, key: &str) -> Self {
        let descending = if self.sort_key() == key {
            !self.descending()
        } else {
            key == "lastSeen"
        };
        StationListQuery {
            sort: if key == "id" {
                String::new()
            } else {
                key.to_owned()
            },
            order: if descending {
                "desc".into()
            } else {
                String::new()
            },
            page: 1,
            ..self.clone()
        }
    }
}

/// `offset` and `limit` of page `page` (from 1) of `size` items, as the REST API spells them.
pub fn page_params(page: u32, size: u32) -> [(&'static str, String); 2] {
    let offset = u64::from(page.max(1) - 1) * u64::from(size);
    [("offset", offset.to_string()), ("limit", size.to_string())]
}

/// One page of the Stations list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StationListing {
    pub rows: Vec<StationRow>,
    /// Stations matching the filters, on every page.
    pub matching: u64,
}

/// Counters of the whole fleet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetCounters {
    pub stations: u64,
    pub online: u64,
    pub charging: u64,
    pub faulted: u64,
    pub pending: u64,
}

/// The fleet at a glance, for the Overview.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub counters: FleetCounters,
    /// Power drawn now (W), by how many connectors.
    pub power_w: f64,
    pub charging_connectors: u64,
    /// Energy delivered today (UTC), Wh.
    pub energy_today_wh: f64,
    /// The fleet's power over the last hours: (seconds since 1970, W), the last one now.
    pub power: Vec<(f64, f64)>,
    /// Seconds since 1970 when the chart's window starts and ends.
    pub power_from: f64,
    pub power_to: f64,
    /// The last 30 days, oldest first.
    pub days: Vec<DayTotal>,
    /// Connectors faulted now, the latest first.
    pub faults: Vec<FaultRow>,
    /// The stations offline longest.
    pub offline: Vec<OfflineRow>,
    /// The nodes serving the fleet (one on SQLite), by name.
    pub nodes: Vec<NodeRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayTotal {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub energy_wh: i64,
    pub sessions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRow {
    pub station_id: String,
    pub connector_id: u32,
    pub error_code: String,
    pub info: Option<String>,
    /// RFC 3339.
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfflineRow {
    pub station_id: String,
    /// RFC 3339.
    pub last_seen: String,
}

/// A node of the cluster, as the overview lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRow {
    pub name: String,
    pub alive: bool,
    /// The node that served this page.
    pub this_node: bool,
    pub stations: u64,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub last_seen_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_state_goes_through_the_url_unchanged() {
        let query = StationListQuery {
            q: "acme wall".into(),
            status: "Faulted".into(),
            sort: "lastSeen".into(),
            order: "desc".into(),
            page: 3,
            ..Default::default()
        };
        let url = query.to_url();
        let back = StationListQuery::from_url(|key| {
            url.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
        });
        assert_eq!(back, query);
        assert_eq!(StationListQuery::from_url(|_| None).to_url(), vec![]);
        assert_eq!(StationListQuery::from_url(|_| None).page, 1);
    }

    #[test]
    fn a_page_number_becomes_an_offset() {
        let query = StationListQuery {
            page: 3,
            ..Default::default()
        };
        assert_eq!(
            query.api_params(),
            vec![("offset", "100".to_owned()), ("limit", "50".to_owned())]
        );
    }

    #[test]
    fn sorting_by_the_same_column_flips_the_order() {
        let query = StationListQuery {
            page: 4,
            ..Default::default()
        };
        let seen = query.sorted_by("lastSeen");
        assert_eq!(
            (seen.sort_key(), seen.descending(), seen.page),
            ("lastSeen", true, 1)
        );
        let flipped = seen.sorted_by("lastSeen");
        assert_eq!(
            (flipped.sort_key(), flipped.descending()),
            ("lastSeen", false)
        );
        let by_id = flipped.sorted_by("id");
        assert_eq!(by_id.to_url(), vec![]);
        assert!(by_id.sorted_by("id").descending());
    }
}
