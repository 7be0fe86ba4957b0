//! The fleet at scale: stations listed a page at a time (filtered and sorted by the database,
//! so ten thousand stations cost the browser one page), counters of the whole fleet, what it
//! draws now ([`meter`]) and the overview's figures ([`overview`]).

pub mod meter;
pub mod overview;

use crate::listing::{BadQuery, limit_param, offset_param};
use crate::model::{Registration, StationView};
use crate::{Engine, EngineError};
use protocol::OcppVersion;
use serde::Serialize;

/// The most stations one page holds.
pub const MAX_PAGE: u32 = 500;

/// Which stations a page lists, in which order, and which slice of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StationQuery {
    /// Part of the id, vendor or model (any case).
    pub text: Option<String>,
    /// Online or offline only.
    pub connection: Option<Connection>,
    /// Stations with a connector (or the station itself, connector 0) in this status, as the
    /// station spelled it (`Faulted`, `Charging`, 2.0.1's `Occupied`...).
    pub status: Option<String>,
    pub registration: Option<Registration>,
    /// The OCPP version of the station's last connection.
    pub version: Option<OcppVersion>,
    pub sort: StationSort,
    pub descending: bool,
    /// Stations skipped before the page.
    pub offset: u64,
    /// The page's size, at most [`MAX_PAGE`]; `None`: every matching station.
    pub limit: Option<u32>,
}

impl StationQuery {
    /// Reads a query from URL parameters, as the REST API and the dashboard's address bar
    /// spell them: `q`, `connection` (`online`, `offline`), `status`, `registration`
    /// (`Accepted`, `Pending`, `Rejected`), `version` (`1.6`, `2.0.1`, or the subprotocol
    /// `ocpp1.6`...), `sort` (see [`StationSort::ALL`]), `order` (`asc`, `desc`), `offset`,
    /// `limit` (1 to [`MAX_PAGE`]). An empty value is the same as none; an unknown parameter
    /// is refused, so a misspelt filter is never silently ignored.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<StationQuery, BadQuery> {
        let bad = |field: &'static str, message: String| BadQuery { field, message };
        let mut query = StationQuery::default();
        for (key, value) in crate::listing::given(params) {
            match key {
                "q" => query.text = Some(value.to_owned()),
                "connection" => {
                    query.connection = Some(match value {
                        "online" => Connection::Online,
                        "offline" => Connection::Offline,
                        _ => return Err(bad("connection", "expected online or offline".into())),
                    })
                }
                "status" => query.status = Some(value.to_owned()),
                "registration" => {
                    query.registration = Some(value.parse().map_err(|_| {
                        bad(
                            "registration",
                            "expected Accepted, Pending or Rejected".into(),
                        )
                    })?)
                }
                "version" => {
                    let token = if value.starts_with("ocpp") {
                        value.to_owned()
                    } else {
                        format!("ocpp{value}")
                    };
                    query.version = Some(
                        OcppVersion::from_subprotocol(&token)
                            .ok_or_else(|| bad("version", "expected 1.6 or 2.0.1".into()))?,
                    )
                }
                "sort" => {
                    query.sort = StationSort::from_name(value).ok_or_else(|| {
                        let names: Vec<&str> = StationSort::ALL.iter().map(|(n, _)| *n).collect();
                        bad("sort", format!("expected one of {}", names.join(", ")))
                    })?
                }
                "order" => {
                    query.descending = match value {
                        "asc" => false,
                        "desc" => true,
                        _ => return Err(bad("order", "expected asc or desc".into())),
                    }
                }
                "offset" => query.offset = offset_param(value)?,
                "limit" => query.limit = Some(limit_param(value, MAX_PAGE)?),
                _ => return Err(BadQuery::unknown(key)),
            }
        }
        Ok(query)
    }
}

/// Online (a connection holds the station now) or offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Online,
    Offline,
}

/// What a page of stations is sorted by; ties are broken by id, so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StationSort {
    #[default]
    Id,
    /// The most pressing connector status first: Faulted, Unavailable, then charging states,
    /// then the idle ones; stations without a reported status last.
    Status,
    /// Online stations (seen now) first, then the most recently seen; descending reverses it
    /// (the longest offline first).
    LastSeen,
    /// Vendor, then model; unknown ones last.
    Model,
    /// The OCPP version of the last connection.
    Version,
}

impl StationSort {
    /// Every sort key by its name in URLs and the API.
    pub const ALL: [(&'static str, StationSort); 5] = [
        ("id", StationSort::Id),
        ("status", StationSort::Status),
        ("lastSeen", StationSort::LastSeen),
        ("model", StationSort::Model),
        ("version", StationSort::Version),
    ];

    /// The sort key named `name` (see [`StationSort::ALL`]).
    pub fn from_name(name: &str) -> Option<StationSort> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }
}

/// Connector statuses from the most pressing to the least; the rank orders [`StationSort::Status`].
pub(crate) const STATUS_RANK: &[&str] = &[
    "Faulted",
    "Unavailable",
    "Charging",
    "SuspendedEVSE",
    "SuspendedEV",
    "Occupied",
    "Preparing",
    "Finishing",
    "Reserved",
    "Available",
];

/// One page of stations, and how many match the query in all.
#[derive(Debug, Clone, PartialEq)]
pub struct StationPage {
    pub stations: Vec<StationView>,
    /// Stations matching the query, on every page.
    pub matching: u64,
}

/// Counters of the whole fleet, whatever a page shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FleetCounters {
    /// Stations the central system knows.
    pub stations: u64,
    /// Stations a connection holds now.
    pub online: u64,
    /// Stations online with a charging session: a connector says `Charging` or a transaction
    /// runs (both versions).
    pub charging: u64,
    /// Stations with a connector, or the station itself, faulted.
    pub faulted: u64,
    /// Stations waiting for an operator to accept them.
    pub pending: u64,
}

impl Engine {
    /// One page of stations as `query` asks, with their connectors.
    pub async fn station_page(&self, query: &StationQuery) -> Result<StationPage, EngineError> {
        let query = StationQuery {
            limit: query.limit.map(|n| n.clamp(1, MAX_PAGE)),
            ..query.clone()
        };
        let (mut stations, matching) = self.inner.store.station_page(&query).await?;
        // The database says who is online; the registry is the moment's truth (a station may
        // have gone since the read).
        self.with_live_state(&mut stations);
        Ok(StationPage { stations, matching })
    }

    /// Counters of the whole fleet.
    pub async fn fleet_counters(&self) -> Result<FleetCounters, EngineError> {
        self.inner.store.fleet_counters().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_read_from_url_parameters() {
        let query = StationQuery::from_params([
            ("q", " acme "),
            ("connection", "online"),
            ("status", "Faulted"),
            ("registration", "Pending"),
            ("version", "2.0.1"),
            ("sort", "lastSeen"),
            ("order", "desc"),
            ("offset", "100"),
            ("limit", "50"),
            ("unused-but-empty-is-fine", ""),
        ]);
        assert_eq!(
            query,
            Ok(StationQuery {
                text: Some("acme".into()),
                connection: Some(Connection::Online),
                status: Some("Faulted".into()),
                registration: Some(Registration::Pending),
                version: Some(OcppVersion::V201),
                sort: StationSort::LastSeen,
                descending: true,
                offset: 100,
                limit: Some(50),
            })
        );
        assert_eq!(StationQuery::from_params([]), Ok(StationQuery::default()));
        assert_eq!(
            StationQuery::from_params([("version", "ocpp1.6")]).map(|q| q.version),
            Ok(Some(OcppVersion::V16))
        );
    }

    #[test]
    fn a_bad_parameter_is_named() {
        for (key, value, field) in [
            ("connection", "maybe", "connection"),
            ("registration", "accepted?", "registration"),
            ("version", "3.0", "version"),
            ("sort", "vendor", "sort"),
            ("order", "up", "order"),
            ("offset", "-1", "offset"),
            ("limit", "0", "limit"),
            ("limit", "501", "limit"),
            ("stauts", "Faulted", "query"),
        ] {
            let error = StationQuery::from_params([(key, value)]).unwrap_err();
            assert_eq!(error.field, field, "{key}={value}: {error}");
        }
    }
}
