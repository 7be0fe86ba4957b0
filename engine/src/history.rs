//! A station's history: its power over the last day, its sessions, how its connectors' statuses
//! changed (faults among them), and how much of each of the last days it was online.
//!
//! Power comes from the station's own readings of the last [`POWER_WINDOW`] (an indexed range
//! per connector), averaged per [`BUCKET`]: a reading's power when it has one, otherwise the
//! energy register's rise since the connector's previous reading. A bucket without readings is
//! 0 W when no session ran then (nothing can be drawn without one) and unknown (a gap) when one
//! did. Uptime comes from the connections written as they end (`station_connections`) and the
//! one that holds the station now.

use crate::fleet::meter::power_between;
use crate::fleet::overview::PowerPoint;
use crate::model::Transaction;
use crate::{Engine, EngineError};
use protocol::StationId;
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime, Time};

/// How far back the power chart goes.
pub const POWER_WINDOW: Duration = Duration::hours(24);
/// The power chart's step.
pub const BUCKET: Duration = Duration::minutes(5);
/// Days of uptime (today included).
pub const UPTIME_DAYS: usize = 7;
/// How many status changes and sessions the history lists.
pub const STATUS_CHANGES: u32 = 50;
pub const SESSIONS: u32 = 10;
/// Two energy readings further apart than this say nothing about the power between them.
const ENERGY_SPAN: Duration = Duration::minutes(15);

/// What a station's history page shows.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StationHistory {
    pub station_id: String,
    /// The power chart's window.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    /// The station's power, a point per [`BUCKET`] (at its start) where it is known.
    pub power: Vec<PowerPoint>,
    /// The last [`UPTIME_DAYS`] days (UTC), oldest first.
    pub uptime: Vec<DayUptime>,
    /// Online time over known time across those days; `None` before the station ever connected.
    pub uptime_ratio: Option<f64>,
    /// Since when the connection that holds it now has held it; `None` while offline.
    #[serde(with = "time::serde::rfc3339::option")]
    pub online_since: Option<OffsetDateTime>,
    /// The latest [`SESSIONS`] sessions, the latest first, and how many there are in all.
    pub sessions: Vec<Transaction>,
    pub session_count: u64,
    /// The latest [`STATUS_CHANGES`] status changes, the latest first.
    pub status_changes: Vec<StatusChange>,
}

/// How long a station was online on one day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayUptime {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Seconds online.
    pub online_s: f64,
    /// Seconds of the day Centrale knows about: from the station's first connection, up to now.
    pub known_s: f64,
}

/// A connector's status as it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub connector_id: u32,
    pub status: String,
    pub error_code: String,
    pub info: Option<String>,
    pub vendor_error_code: Option<String>,
    /// The station's own time, when it gave one.
    #[serde(with = "time::serde::rfc3339::option")]
    pub status_at: Option<OffsetDateTime>,
    /// When Centrale heard it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl StatusChange {
    /// A fault: the connector says Faulted, or reports an error.
    pub fn is_fault(&self) -> bool {
        self.status == "Faulted" || self.error_code != "NoError"
    }
}

/// A station's connections over a window (see [`crate::store::Store::connections_since`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Connections {
    /// Connections that ended in the window: (connected, disconnected).
    pub ended: Vec<(OffsetDateTime, OffsetDateTime)>,
    /// Since when the connection that holds it now has held it.
    pub online_since: Option<OffsetDateTime>,
    /// The earliest time anything is known of its connections.
    pub known_from: Option<OffsetDateTime>,
}

/// A connector's power and energy register at one time (either may be missing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub connector_id: u32,
    pub at: OffsetDateTime,
    pub power_w: Option<f64>,
    pub energy_wh: Option<f64>,
}

impl Engine {
    /// A station's history as of `now`; `None` for an unknown station.
    pub async fn station_history(
        &self,
        station: &StationId,
        now: OffsetDateTime,
    ) -> Result<Option<StationHistory>, EngineError> {
        let store = &self.inner.store;
        if store.registration(station).await?.is_none() {
            return Ok(None);
        }
        let from = now - POWER_WINDOW;
        let readings = store.station_readings(station, from - ENERGY_SPAN).await?;
        let spans = store.session_spans(station, from).await?;
        let first_day = now.replace_time(Time::MIDNIGHT) - Duration::days(UPTIME_DAYS as i64 - 1);
        let connections = store.connections_since(station, first_day).await?;
        let uptime = uptime_days(&connections, first_day, now);
        let (online, known) = uptime
            .iter()
            .fold((0.0, 0.0), |(o, k), d| (o + d.online_s, k + d.known_s));
        let query = crate::listing::TransactionQuery {
            station: Some(station.clone()),
            ..Default::default()
        };
        Ok(Some(StationHistory {
            station_id: station.to_string(),
            from,
            to: now,
            power: power_buckets(&readings, &spans, from, now),
            uptime_ratio: (known > 0.0).then(|| online / known),
            uptime,
            online_since: connections.online_since,
            sessions: store.transactions(&query, SESSIONS).await?,
            session_count: store.count_transactions(&query).await?,
            status_changes: store.status_changes(station, STATUS_CHANGES).await?,
        }))
    }
}

/// The station's power per [`BUCKET`] from `from` to `to`: each connector's mean over the
/// bucket, summed; 0 W where nothing was read and no session ran, left out where a session
/// ran unmeasured. `readings` per connector in time order (a little before `from`, so the first
/// energy rise in the window is known).
pub fn power_buckets(
    readings: &[Reading],
    spans: &[(OffsetDateTime, Option<OffsetDateTime>)],
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Vec<PowerPoint> {
    let step = BUCKET.whole_seconds();
    let bucket_of = |at: OffsetDateTime| (at - from).whole_seconds() / step;
    // The last bucket may be partial (it holds now).
    let buckets = ((to - from).whole_seconds() + step - 1) / step;
    // (bucket, connector) → (sum, count)
    let mut sums: BTreeMap<(i64, u32), (f64, u32)> = BTreeMap::new();
    let mut previous: Option<&Reading> = None;
    for r in readings {
        let before = previous.filter(|p| p.connector_id == r.connector_id);
        previous = Some(r);
        let derived = || {
            let p = before.filter(|p| r.at - p.at <= ENERGY_SPAN)?;
            power_between((p.at, p.energy_wh?), (r.at, r.energy_wh?))
        };
        let Some(watts) = r.power_w.or_else(derived) else {
            continue;
        };
        if r.at < from || r.at > to {
            continue;
        }
        let sum = sums.entry((bucket_of(r.at), r.connector_id)).or_default();
        *sum = (sum.0 + watts, sum.1 + 1);
    }
    let mut per_bucket: BTreeMap<i64, f64> = BTreeMap::new();
    for ((bucket, _), (sum, n)) in sums {
        *per_bucket.entry(bucket).or_default() += sum / f64::from(n);
    }
    (0..buckets)
        .filter_map(|b| {
            let start = from + BUCKET * b as i32;
            let end = start + BUCKET;
            let watts = match per_bucket.get(&b) {
                Some(w) => *w,
                None if spans
                    .iter()
                    .any(|(s, e)| *s < end && e.is_none_or(|e| e > start)) =>
                {
                    return None;
                }
                None => 0.0,
            };
            Some(PowerPoint { at: start, watts })
        })
        .collect()
}

/// Seconds online and seconds known on each of [`UPTIME_DAYS`] UTC days from `first_day`, up
/// to `now`.
pub fn uptime_days(
    connections: &Connections,
    first_day: OffsetDateTime,
    now: OffsetDateTime,
) -> Vec<DayUptime> {
    let open = connections.online_since.map(|since| (since, now));
    let intervals: Vec<(OffsetDateTime, OffsetDateTime)> =
        connections.ended.iter().copied().chain(open).collect();
    let overlap = |a: (OffsetDateTime, OffsetDateTime), b: (OffsetDateTime, OffsetDateTime)| {
        let (start, end) = (a.0.max(b.0), a.1.min(b.1));
        (end - start).as_seconds_f64().max(0.0)
    };
    (0..UPTIME_DAYS)
        .map(|n| {
            let start = first_day + Duration::days(n as i64);
            let day = (start, (start + Duration::days(1)).min(now));
            let known = connections
                .known_from
                .map_or(0.0, |known_from| overlap(day, (known_from, now)));
            // Connections may overlap (a replaced one ends after its successor began).
            let mut online: Vec<(OffsetDateTime, OffsetDateTime)> = intervals
                .iter()
                .map(|i| (i.0.max(day.0), i.1.min(day.1)))
                .filter(|(s, e)| s < e)
                .collect();
            online.sort();
            let mut seconds = 0.0;
            let mut reached = day.0;
            for (s, e) in online {
                let s = s.max(reached);
                if e > s {
                    seconds += (e - s).as_seconds_f64();
                    reached = e;
                }
            }
            DayUptime {
                day: start.date().to_string(),
                online_s: seconds.min(known),
                known_s: known,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn reading(
        connector_id: u32,
        at: OffsetDateTime,
        power: Option<f64>,
        wh: Option<f64>,
    ) -> Reading {
        Reading {
            connector_id,
            at,
            power_w: power,
            energy_wh: wh,
        }
    }

    #[test]
    fn power_is_averaged_per_bucket_summed_over_connectors_and_derived_from_energy() {
        let from = datetime!(2026-12-01 00:00 UTC);
        let to = from + Duration::minutes(20);
        let m = |minutes: i64| from + Duration::minutes(minutes);
        let readings = [
            // Connector 1 reports power: 7 and 9 kW in the first bucket.
            reading(1, m(1), Some(7_000.0), None),
            reading(1, m(3), Some(9_000.0), None),
            // Connector 2 only its register: 183.33 Wh a minute is 11 kW.
            reading(2, m(0), None, Some(1_000.0)),
            reading(2, m(1), None, Some(1_183.333)),
            // A reading after a long silence says nothing about power.
            reading(2, m(19), None, Some(5_000.0)),
        ];
        // A session runs on connector 1 from minute 8 to 12, unmeasured.
        let spans = [(m(8), Some(m(12)))];
        let power = power_buckets(&readings, &spans, from, to);
        let at: Vec<i64> = power
            .iter()
            .map(|p| (p.at - from).whole_minutes())
            .collect();
        assert_eq!(at, [0, 15], "5 and 10 ran a session unmeasured: gaps");
        assert!((power[0].watts - 19_000.0).abs() < 1.0, "{power:?}");
        assert_eq!(power[1].watts, 0.0);
    }

    #[test]
    fn uptime_counts_each_day_from_the_first_connection_merging_overlaps() {
        let first = datetime!(2026-11-25 00:00 UTC);
        let now = datetime!(2026-12-01 12:00 UTC);
        let connections = Connections {
            // Known from noon on the 26th; online 12:00-18:00 that day, and across midnight
            // of the 28th into the 29th; a replaced connection overlapping its successor.
            ended: vec![
                (
                    datetime!(2026-11-26 12:00 UTC),
                    datetime!(2026-11-26 18:00 UTC),
                ),
                (
                    datetime!(2026-11-28 22:00 UTC),
                    datetime!(2026-11-29 02:00 UTC),
                ),
                (
                    datetime!(2026-11-29 01:00 UTC),
                    datetime!(2026-11-29 03:00 UTC),
                ),
            ],
            online_since: Some(datetime!(2026-12-01 06:00 UTC)),
            known_from: Some(datetime!(2026-11-26 12:00 UTC)),
        };
        let days = uptime_days(&connections, first, now);
        let hours: Vec<(f64, f64)> = days
            .iter()
            .map(|d| (d.online_s / 3600.0, d.known_s / 3600.0))
            .collect();
        assert_eq!(
            hours,
            [
                (0.0, 0.0),
                (6.0, 12.0),
                (0.0, 24.0),
                (2.0, 24.0),
                (3.0, 24.0),
                (0.0, 24.0),
                (6.0, 12.0)
            ]
        );
        assert_eq!(days[6].day, "2026-12-01");
    }
}
