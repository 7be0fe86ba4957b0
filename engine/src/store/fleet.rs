//! The stations list at fleet scale: a page filtered, sorted and counted by the database, and
//! the fleet's counters.

use super::backend::{Row, on};
use super::stations::{CONNECTOR_VIEW_COLUMNS, STATION_COLUMNS, with_connectors};
use super::{Store, connector_of, count};
use crate::EngineError;
use crate::fleet::overview::{Fault, Offline};
use crate::fleet::{Connection, FleetCounters, STATUS_RANK, StationQuery, StationSort};
use sqlx::{Database, Encode, QueryBuilder, Type};
use time::OffsetDateTime;

impl Store {
    /// The page of stations `query` asks for (connectors included; `connected` left to the
    /// caller), and how many stations match it in all.
    pub async fn station_page(
        &self,
        query: &StationQuery,
    ) -> Result<(Vec<crate::model::StationView>, u64), EngineError> {
        let filter = Filter::of(query);
        let order = order_by(query.sort, query.descending);
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        on!(&self.reads, |db| {
            let mut counting = QueryBuilder::new("SELECT COUNT(*) FROM stations s");
            filter.push(&mut counting);
            let matching: i64 = counting.build_query_scalar().fetch_one(db).await?;

            let mut page = QueryBuilder::new(format!("SELECT {STATION_COLUMNS} FROM stations s"));
            filter.push(&mut page);
            page.push(format!(" ORDER BY {order} LIMIT "))
                .push_bind(query.limit.map_or(i64::MAX, i64::from))
                .push(" OFFSET ")
                .push_bind(offset);
            let rows = page.build().fetch_all(db).await?;

            let connectors = if rows.is_empty() {
                Vec::new()
            } else {
                let mut connectors = QueryBuilder::new(format!(
                    "SELECT {CONNECTOR_VIEW_COLUMNS} FROM connectors WHERE station_id IN ("
                ));
                let mut ids = connectors.separated(", ");
                for row in &rows {
                    ids.push_bind(Row::get::<String>(row, "id")?);
                }
                ids.push_unseparated(") ORDER BY station_id, connector_id");
                connectors.build().fetch_all(db).await?
            };
            Ok((with_connectors(&rows, &connectors)?, count(matching)))
        })
    }

    /// Counters of the whole fleet, in one pass over the stations.
    pub async fn fleet_counters(&self) -> Result<FleetCounters, EngineError> {
        let has = |condition: &str| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM connectors c \
                 WHERE c.station_id = s.id AND {condition}) THEN 1 ELSE 0 END), 0) AS BIGINT)"
            )
        };
        // Charging: online, and a connector says so (1.6's `Charging`) or a transaction runs
        // (2.0.1's EVSEs say `Occupied` while they charge; a 1.6 session suspended by the EV
        // still counts). An offline station's last word is not taken for charging now.
        let charging = "CAST(COALESCE(SUM(CASE WHEN s.online_session IS NOT NULL AND (\
             EXISTS (SELECT 1 FROM connectors c WHERE c.station_id = s.id \
             AND c.connector_id > 0 AND c.status = 'Charging') \
             OR EXISTS (SELECT 1 FROM transactions t WHERE t.station_id = s.id \
             AND t.stopped_at IS NULL)) THEN 1 ELSE 0 END), 0) AS BIGINT)";
        let sql = format!(
            "SELECT COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN s.online_session IS NOT NULL THEN 1 ELSE 0 END), 0) \
             AS BIGINT), {charging}, {}, \
             CAST(COALESCE(SUM(CASE WHEN s.registration = 'Pending' THEN 1 ELSE 0 END), 0) \
             AS BIGINT) FROM stations s",
            has("c.status = 'Faulted'"),
        );
        let (stations, online, charging, faulted, pending): (i64, i64, i64, i64, i64) =
            on!(&self.reads, |db| {
                sqlx::query_as(&sql).fetch_one(db).await?
            });
        Ok(FleetCounters {
            stations: count(stations),
            online: count(online),
            charging: count(charging),
            faulted: count(faulted),
            pending: count(pending),
        })
    }
}

impl Store {
    /// Writes down the fleet's power at `at`.
    pub async fn add_fleet_power(
        &self,
        at: OffsetDateTime,
        watts: i64,
        connectors: u64,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("INSERT INTO fleet_power (at, watts, connectors) VALUES ($1, $2, $3)")
                .bind(at)
                .bind(watts)
                .bind(i64::try_from(connectors).unwrap_or(i64::MAX))
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// The fleet's power as written down since `since`, oldest first: (when, W).
    pub async fn fleet_power_since(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<(OffsetDateTime, i64)>, EngineError> {
        Ok(on!(&self.reads, |db| {
            sqlx::query_as("SELECT at, watts FROM fleet_power WHERE at >= $1 ORDER BY at")
                .bind(since)
                .fetch_all(db)
                .await?
        }))
    }

    /// Per day between consecutive `bounds`: the energy (Wh) of the sessions that ended in it
    /// and how many sessions started in it. One statement, each day two index range scans.
    pub async fn daily_totals(
        &self,
        bounds: &[OffsetDateTime],
    ) -> Result<Vec<(i64, u64)>, EngineError> {
        if bounds.len() < 2 {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, i64, i64)> = on!(&self.reads, |db| {
            let mut query = QueryBuilder::new(
                "SELECT d.n, (SELECT CAST(COALESCE(SUM(t.meter_stop - t.meter_start), 0) AS BIGINT)                  FROM transactions t WHERE t.stopped_at >= d.lo AND t.stopped_at < d.hi                  AND t.meter_stop >= t.meter_start),                  (SELECT COUNT(*) FROM transactions t WHERE t.started_at >= d.lo                  AND t.started_at < d.hi) FROM (",
            );
            for (n, day) in bounds.windows(2).enumerate() {
                if n > 0 {
                    query.push(" UNION ALL ");
                }
                query
                    .push("SELECT ")
                    .push_bind(i64::try_from(n).unwrap_or(i64::MAX))
                    .push(" AS n, ")
                    .push_bind(day[0])
                    .push(" AS lo, ")
                    .push_bind(day[1])
                    .push(" AS hi");
            }
            query.push(") d ORDER BY d.n");
            query.build_query_as().fetch_all(db).await?
        });
        Ok(rows
            .into_iter()
            .map(|(_, energy, sessions)| (energy, count(sessions)))
            .collect())
    }

    /// Connectors faulted now, the latest first.
    pub async fn current_faults(&self, limit: u32) -> Result<Vec<Fault>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT station_id, connector_id, error_code, info, vendor_error_code, updated_at                  FROM connectors WHERE status = 'Faulted'                  ORDER BY updated_at DESC, station_id, connector_id LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                Ok(Fault {
                    station_id: row.get("station_id")?,
                    connector_id: connector_of(row)?,
                    error_code: row.get("error_code")?,
                    info: row.get("info")?,
                    vendor_error_code: row.get("vendor_error_code")?,
                    since: row.get("updated_at")?,
                })
            })
            .collect()
        })
    }

    /// The stations offline longest (ones never seen left out), the longest first.
    pub async fn longest_offline(&self, limit: u32) -> Result<Vec<Offline>, EngineError> {
        let rows: Vec<(String, OffsetDateTime)> = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT id, last_seen_at FROM stations                  WHERE online_session IS NULL AND last_seen_at IS NOT NULL                  ORDER BY last_seen_at, id LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(station_id, last_seen)| Offline {
                station_id,
                last_seen,
            })
            .collect())
    }
}

/// A query's conditions, with their values ready to bind.
struct Filter {
    /// A `LIKE` pattern, lower case, its wildcards escaped.
    text: Option<String>,
    connection: Option<Connection>,
    status: Option<String>,
    registration: Option<&'static str>,
    version: Option<&'static str>,
}

impl Filter {
    fn of(query: &StationQuery) -> Filter {
        Filter {
            text: query
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| format!("%{}%", escape_like(&t.to_lowercase()))),
            connection: query.connection,
            status: query.status.clone(),
            registration: query.registration.map(|r| r.as_str()),
            version: query.version.map(|v| v.subprotocol()),
        }
    }

    /// Appends ` WHERE ...` (always, `TRUE` when nothing is asked).
    fn push<'a, DB>(&'a self, query: &mut QueryBuilder<'a, DB>)
    where
        DB: Database,
        &'a str: Encode<'a, DB> + Type<DB>,
    {
        query.push(" WHERE TRUE");
        if let Some(pattern) = &self.text {
            // Id, vendor and model as one text: "acme wall" finds vendor Acme, model Wallbox.
            query
                .push(
                    " AND LOWER(s.id || ' ' || COALESCE(s.vendor, '') || ' ' || \
                     COALESCE(s.model, '')) LIKE ",
                )
                .push_bind(pattern.as_str())
                .push(" ESCAPE '\\'");
        }
        match self.connection {
            Some(Connection::Online) => {
                query.push(" AND s.online_session IS NOT NULL");
            }
            Some(Connection::Offline) => {
                query.push(" AND s.online_session IS NULL");
            }
            None => {}
        }
        if let Some(status) = &self.status {
            query
                .push(
                    " AND EXISTS (SELECT 1 FROM connectors c WHERE c.station_id = s.id \
                     AND c.status = ",
                )
                .push_bind(status.as_str())
                .push(")");
        }
        if let Some(registration) = self.registration {
            query.push(" AND s.registration = ").push_bind(registration);
        }
        if let Some(version) = self.version {
            query.push(" AND s.protocol = ").push_bind(version);
        }
    }
}

/// `text` with `LIKE`'s wildcards and the escape character escaped (by `\`).
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The `ORDER BY` list of a sort; the id last, so the order is total and pages never overlap.
/// Unknown values (`NULL`) come last in both directions for status, model and version.
fn order_by(sort: StationSort, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    let last = |column: &str| format!("CASE WHEN {column} IS NULL THEN 1 ELSE 0 END");
    match sort {
        StationSort::Id => format!("s.id {dir}"),
        StationSort::Status => {
            let ranks: String = STATUS_RANK
                .iter()
                .enumerate()
                .map(|(rank, status)| format!(" WHEN '{status}' THEN {rank}"))
                .collect();
            let rank = format!(
                "(SELECT MIN(CASE c.status{ranks} ELSE {} END) FROM connectors c \
                 WHERE c.station_id = s.id)",
                STATUS_RANK.len()
            );
            format!("{}, {rank} {dir}, s.id {dir}", last(&rank))
        }
        // Online first when descending: (online, seen at all, last seen) as one key.
        StationSort::LastSeen => format!(
            "CASE WHEN s.online_session IS NULL THEN 0 ELSE 1 END {dir}, \
             CASE WHEN s.last_seen_at IS NULL THEN 0 ELSE 1 END {dir}, s.last_seen_at {dir}, \
             s.id {dir}"
        ),
        StationSort::Model => format!(
            "{}, LOWER(s.vendor) {dir}, {}, LOWER(s.model) {dir}, s.id {dir}",
            last("s.vendor"),
            last("s.model")
        ),
        StationSort::Version => format!("{}, s.protocol {dir}, s.id {dir}", last("s.protocol")),
    }
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_taken_literally() {
        assert_eq!(escape_like("a%b_c\\d"), "a\\%b\\_c\\\\d");
        assert_eq!(escape_like("plain"), "plain");
    }
}
