//! A station's history: when it was online (`station_connections`, written as each connection
//! ends), how its connectors' statuses changed (`status_changes`, a row per change, not per
//! notification), and its power readings of the last hours. Each read is an indexed range of
//! one station's rows.

use super::backend::{Row, on};
use super::samples::{holding, station_level};
use super::{Store, connector_of};
use crate::EngineError;
use crate::history::{Connections, Reading, StatusChange};
use crate::model::{ACTIVE_POWER, ENERGY_REGISTER, scaled};
use protocol::StationId;
use time::OffsetDateTime;

/// Notes a connector's status in `status_changes` when it differs (status or error code) from
/// the one `connectors` holds, or the connector is new: run in the same database transaction
/// as the write of the `connectors` row, just before it. Binds: station, connector, status,
/// error code, info, vendor error code, the station's time, when heard.
pub(super) const NOTE_STATUS_CHANGE: &str = "INSERT INTO status_changes (station_id, \
     connector_id, status, error_code, info, vendor_error_code, status_at, at) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE NOT EXISTS (SELECT 1 FROM connectors \
     WHERE station_id = $1 AND connector_id = $2 AND status = $3 AND error_code = $4)";

impl Store {
    /// The latest `limit` status changes of a station's connectors, the latest first.
    pub async fn status_changes(
        &self,
        station: &StationId,
        limit: u32,
    ) -> Result<Vec<StatusChange>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT connector_id, status, error_code, info, vendor_error_code, status_at, \
                 at FROM status_changes WHERE station_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(station.as_str())
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
            .iter()
            .map(status_change_from_row)
            .collect()
        })
    }

    /// When a station was online from `from` on: the connections that ended since, the one
    /// that holds it now, and the earliest time anything is known.
    pub async fn connections_since(
        &self,
        station: &StationId,
        from: OffsetDateTime,
    ) -> Result<Connections, EngineError> {
        on!(&self.reads, |db| {
            let ended: Vec<(OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
                "SELECT connected_at, disconnected_at FROM station_connections \
                 WHERE station_id = $1 AND disconnected_at >= $2 ORDER BY disconnected_at",
            )
            .bind(station.as_str())
            .bind(from)
            .fetch_all(db)
            .await?;
            let first: Option<OffsetDateTime> = sqlx::query_scalar(
                "SELECT connected_at FROM station_connections WHERE station_id = $1 \
                 ORDER BY disconnected_at LIMIT 1",
            )
            .bind(station.as_str())
            .fetch_optional(db)
            .await?;
            let since: Option<Option<OffsetDateTime>> = sqlx::query_scalar(
                "SELECT online_since FROM stations WHERE id = $1 AND online_session IS NOT NULL",
            )
            .bind(station.as_str())
            .fetch_optional(db)
            .await?;
            let online_since = since.flatten();
            Ok(Connections {
                ended,
                online_since,
                known_from: match (first, online_since) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
            })
        })
    }

    /// A station's readings of power and of the energy register (station level, no phase)
    /// sampled from `from` on, per connector (connector 0, the station's own meter, left out)
    /// and in time order.
    pub async fn station_readings(
        &self,
        station: &StationId,
        from: OffsetDateTime,
    ) -> Result<Vec<Reading>, EngineError> {
        let rows = on!(&self.reads, |db| {
            // The connectors the station reported, so each is an indexed range of time.
            let rows = sqlx::query(
                "SELECT connector_id, sampled_at, samples FROM meter_readings \
                 WHERE station_id = $1 AND connector_id IN (SELECT connector_id FROM connectors \
                 WHERE station_id = $1 AND connector_id > 0) AND sampled_at >= $2 \
                 AND (samples LIKE $3 OR samples LIKE $4) ORDER BY connector_id, sampled_at, id",
            )
            .bind(station.as_str())
            .bind(from)
            .bind(holding(ENERGY_REGISTER))
            .bind(holding(ACTIVE_POWER))
            .fetch_all(db)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok((
                        connector_of(row)?,
                        row.get::<OffsetDateTime>("sampled_at")?,
                        row.get::<String>("samples")?,
                    ))
                })
                .collect::<Result<Vec<_>, EngineError>>()?
        });
        let mut readings = Vec::with_capacity(rows.len());
        for (connector_id, at, packed) in rows {
            let values = station_level(
                std::slice::from_ref(&packed),
                &[ENERGY_REGISTER, ACTIVE_POWER],
                false,
            )?;
            let find = |measurand: &str| {
                values
                    .iter()
                    .filter(|p| p.measurand == measurand)
                    .find_map(|p| scaled(&p.value, p.unit.as_deref()))
            };
            readings.push(Reading {
                connector_id,
                at,
                power_w: find(ACTIVE_POWER),
                energy_wh: find(ENERGY_REGISTER),
            });
        }
        Ok(readings)
    }

    /// When each of a station's transactions that ran at some time from `from` on started
    /// and stopped (`None`: still running).
    pub async fn session_spans(
        &self,
        station: &StationId,
        from: OffsetDateTime,
    ) -> Result<Vec<(OffsetDateTime, Option<OffsetDateTime>)>, EngineError> {
        let spans = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT started_at, stopped_at FROM transactions WHERE station_id = $1 \
                 AND (stopped_at IS NULL OR stopped_at >= $2) ORDER BY started_at",
            )
            .bind(station.as_str())
            .bind(from)
            .fetch_all(db)
            .await?
        });
        Ok(spans)
    }
}

fn status_change_from_row(row: &impl Row) -> Result<StatusChange, EngineError> {
    Ok(StatusChange {
        connector_id: connector_of(row)?,
        status: row.get("status")?,
        error_code: row.get("error_code")?,
        info: row.get("info")?,
        vendor_error_code: row.get("vendor_error_code")?,
        status_at: row.get("status_at")?,
        at: row.get("at")?,
    })
}
