//! Stations, their connectors and what they report about themselves.

use super::backend::{Conn, Row, on};
use super::outbox::{Reports, note, noting};
use super::{Store, connector_of, count};
use crate::EngineError;
use crate::model::{BootInfo, ConnectorStatus, ConnectorView, Registration, Report, StationView};
use protocol::{OcppVersion, StationId};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// The columns [`connector_view_from_row`] reads, with the station's id.
pub(super) const CONNECTOR_VIEW_COLUMNS: &str = "station_id, connector_id, status, error_code, \
     info, vendor_id, vendor_error_code, updated_at";

/// The columns [`station_from_row`] reads, of `stations s`.
pub(super) const STATION_COLUMNS: &str = "s.id, s.registration, s.protocol, s.vendor, s.model, \
     s.serial_number, s.firmware_version, s.last_seen_at, s.firmware_status, \
     s.diagnostics_status, s.local_list_version, s.security_profile, \
     s.password_hash IS NOT NULL AS has_password, s.lenient, s.online_node";

/// What holds a station while it is connected: a connection, on a node.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub connection: Uuid,
    pub node: &'a str,
}

impl Store {
    /// Records that `station` connected now, `held` by a connection of a node, creating it (with registration
    /// `initial`) on its first connection. Returns its registration and whether it is in
    /// lenient mode. A connection that replaces one still holding the station keeps its
    /// `online_since`: the station was online all along.
    pub async fn station_connected(
        &self,
        station: &StationId,
        held: Holder<'_>,
        protocol: OcppVersion,
        at: OffsetDateTime,
        initial: Registration,
        reports: Reports<'_, ()>,
    ) -> Result<(Registration, bool), EngineError> {
        let (registration, lenient): (String, bool) = on!(&self.writes, |db| {
            noting!(
                self,
                db,
                |c| row = {
                    let row: (String, bool) = sqlx::query_as(
                    "INSERT INTO stations (id, protocol, created_at, last_seen_at, registration, \
                     online_session, online_since, online_node) \
                     VALUES ($1, $2, $3, $3, $4, $5, $3, $6) \
                     ON CONFLICT (id) DO UPDATE SET protocol = excluded.protocol, \
                     last_seen_at = excluded.last_seen_at, \
                     online_session = excluded.online_session, \
                     online_node = excluded.online_node, \
                     online_since = CASE WHEN stations.online_session IS NULL \
                     THEN excluded.online_since \
                     ELSE COALESCE(stations.online_since, excluded.online_since) END \
                     RETURNING registration, lenient",
                )
                .bind(station.as_str())
                .bind(protocol.subprotocol())
                .bind(at)
                .bind(initial.as_str())
                .bind(held.connection.to_string())
                .bind(held.node)
                .fetch_one(c)
                .await?;
                    row
                },
                reports,
                about & ()
            )
        });
        Ok((registration.parse()?, lenient))
    }

    /// The registration of a known station, `None` for an unknown one.
    pub async fn registration(
        &self,
        station: &StationId,
    ) -> Result<Option<Registration>, EngineError> {
        let found: Option<String> = on!(&self.reads, |db| {
            sqlx::query_scalar("SELECT registration FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(db)
                .await?
        });
        Ok(found.map(|r| r.parse()).transpose()?)
    }

    /// Sets a station's registration; false if there is no such station.
    pub async fn set_registration(
        &self,
        station: &StationId,
        registration: Registration,
        reports: Reports<'_, bool>,
    ) -> Result<bool, EngineError> {
        Ok(on!(&self.writes, |db| {
            noting!(
                self,
                db,
                |c| found = {
                    sqlx::query("UPDATE stations SET registration = $2 WHERE id = $1")
                        .bind(station.as_str())
                        .bind(registration.as_str())
                        .execute(c)
                        .await?
                        .rows_affected()
                        == 1
                },
                reports,
                about & found
            )
        }))
    }

    /// Keeps what a station said in its BootNotification; answers the station's registration
    /// (read in the same statement), `None` for an unknown station.
    pub async fn record_boot(
        &self,
        station: &StationId,
        boot: &BootInfo,
        at: OffsetDateTime,
    ) -> Result<Option<Registration>, EngineError> {
        let registration: Option<String> = on!(&self.writes, |db| {
            sqlx::query_scalar(
                "UPDATE stations SET vendor = $2, model = $3, serial_number = $4, \
                 charge_box_serial_number = $5, firmware_version = $6, iccid = $7, imsi = $8, \
                 meter_type = $9, meter_serial_number = $10, booted_at = $11, last_seen_at = $11, \
                 boot_reason = $12 WHERE id = $1 RETURNING registration",
            )
            .bind(station.as_str())
            .bind(&boot.vendor)
            .bind(&boot.model)
            .bind(&boot.serial_number)
            .bind(&boot.charge_box_serial_number)
            .bind(&boot.firmware_version)
            .bind(&boot.iccid)
            .bind(&boot.imsi)
            .bind(&boot.meter_type)
            .bind(&boot.meter_serial_number)
            .bind(at)
            .bind(&boot.reason)
            .fetch_optional(db)
            .await?
        });
        Ok(registration.map(|r| r.parse()).transpose()?)
    }

    /// The OCPP version of a station's last connection.
    pub async fn station_protocol(
        &self,
        station: &StationId,
    ) -> Result<Option<OcppVersion>, EngineError> {
        let protocol: Option<Option<String>> = on!(&self.reads, |db| {
            sqlx::query_scalar("SELECT protocol FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(db)
                .await?
        });
        Ok(protocol
            .flatten()
            .and_then(|p| OcppVersion::from_subprotocol(&p)))
    }

    /// Keeps the latest status a station reported for one of its processes.
    pub async fn set_report(
        &self,
        station: &StationId,
        report: Report,
        status: &str,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let sql = match report {
            Report::Firmware => {
                "UPDATE stations SET firmware_status = $2, firmware_status_at = $3 WHERE id = $1"
            }
            Report::Diagnostics => {
                "UPDATE stations SET diagnostics_status = $2, diagnostics_status_at = $3 \
                 WHERE id = $1"
            }
            Report::Log => "UPDATE stations SET log_status = $2, log_status_at = $3 WHERE id = $1",
        };
        on!(&self.writes, |db| {
            sqlx::query(sql)
                .bind(station.as_str())
                .bind(status)
                .bind(at)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Keeps a connector's latest status, and notes it in its history if it changed; what it
    /// `reports` goes to the webhook outbox in the same transaction.
    pub async fn set_connector_status(
        &self,
        station: &StationId,
        status: &ConnectorStatus,
        at: OffsetDateTime,
        reports: Reports<'_, ()>,
    ) -> Result<(), EngineError> {
        let noted = self.noted(reports, &());
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            note(Conn::from(&mut *tx), &noted).await?;
            sqlx::query(super::history::NOTE_STATUS_CHANGE)
                .bind(station.as_str())
                .bind(i64::from(status.connector_id))
                .bind(&status.status)
                .bind(&status.error_code)
                .bind(&status.info)
                .bind(&status.vendor_error_code)
                .bind(status.timestamp)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO connectors (station_id, connector_id, status, error_code, info, \
                 vendor_id, vendor_error_code, status_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (station_id, connector_id) DO UPDATE SET status = excluded.status, \
                 error_code = excluded.error_code, info = excluded.info, \
                 vendor_id = excluded.vendor_id, vendor_error_code = excluded.vendor_error_code, \
                 status_at = excluded.status_at, updated_at = excluded.updated_at",
            )
            .bind(station.as_str())
            .bind(i64::from(status.connector_id))
            .bind(&status.status)
            .bind(&status.error_code)
            .bind(&status.info)
            .bind(&status.vendor_id)
            .bind(&status.vendor_error_code)
            .bind(status.timestamp)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        self.noted_committed(&noted);
        Ok(())
    }

    /// The connectors of a station, by id.
    pub async fn connectors(
        &self,
        station: &StationId,
    ) -> Result<Vec<ConnectorStatus>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT connector_id, status, error_code, info, vendor_id, vendor_error_code, \
                 status_at FROM connectors WHERE station_id = $1 ORDER BY connector_id",
            )
            .bind(station.as_str())
            .fetch_all(db)
            .await?
            .iter()
            .map(connector_status_from_row)
            .collect()
        })
    }

    /// One station with its connectors (`connected` is filled by the caller).
    pub async fn station(&self, station: &StationId) -> Result<Option<StationView>, EngineError> {
        on!(&self.reads, |db| {
            let rows = sqlx::query(&format!(
                "SELECT {STATION_COLUMNS} FROM stations s WHERE id = $1"
            ))
            .bind(station.as_str())
            .fetch_all(db)
            .await?;
            let connectors = sqlx::query(&format!(
                "SELECT {CONNECTOR_VIEW_COLUMNS} FROM connectors WHERE station_id = $1 \
                 ORDER BY connector_id"
            ))
            .bind(station.as_str())
            .fetch_all(db)
            .await?;
            Ok(with_connectors(&rows, &connectors)?.pop())
        })
    }

    /// Removes a station with its connectors and configuration (transactions stay, as history).
    pub async fn delete_station(&self, station: &StationId) -> Result<bool, EngineError> {
        let done = on!(&self.writes, |db| {
            sqlx::query("DELETE FROM stations WHERE id = $1")
                .bind(station.as_str())
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Pre-registers a station (an operator adding it before it connects). False if it exists.
    pub async fn add_station(
        &self,
        station: &StationId,
        registration: Registration,
        at: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        let done = on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO stations (id, created_at, registration) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(station.as_str())
            .bind(at)
            .bind(registration.as_str())
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Records that `connection` of `station` ended at `at` (its last-seen time); the station
    /// is offline unless a newer connection already holds it.
    pub async fn station_disconnected(
        &self,
        station: &StationId,
        connection: Uuid,
        at: OffsetDateTime,
        reports: Reports<'_, ()>,
    ) -> Result<(), EngineError> {
        let noted = self.noted(reports, &());
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            note(Conn::from(&mut *tx), &noted).await?;
            sqlx::query(
                "INSERT INTO station_connections (station_id, connected_at, disconnected_at) \
                 SELECT id, online_since, $2 FROM stations WHERE id = $1 \
                 AND online_session = $3 AND online_since IS NOT NULL",
            )
            .bind(station.as_str())
            .bind(at)
            .bind(connection.to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE stations SET last_seen_at = $2, \
                 online_since = CASE WHEN online_session = $3 THEN NULL ELSE online_since END, \
                 online_node = CASE WHEN online_session = $3 THEN NULL ELSE online_node END, \
                 online_session = CASE WHEN online_session = $3 THEN NULL ELSE online_session END \
                 WHERE id = $1",
            )
            .bind(station.as_str())
            .bind(at)
            .bind(connection.to_string())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        self.noted_committed(&noted);
        Ok(())
    }

    /// Marks every station offline: at a server's start no connection is left from before.
    /// A station a stopped server left online was online until that server stopped: as far as
    /// is known, the latest of its own last-seen time and the fleet's last power sample (the
    /// server writes one a minute); that connection is kept with its end marked estimated.
    pub async fn all_offline(&self) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            // Ends at the latest of: since, last seen, the last power sample (NULLs aside).
            sqlx::query(
                "INSERT INTO station_connections (station_id, connected_at, disconnected_at, \
                 estimated) \
                 SELECT s.id, s.online_since, CASE WHEN p.alive > s.seen THEN p.alive \
                 ELSE s.seen END, TRUE \
                 FROM (SELECT id, online_since, CASE WHEN last_seen_at > online_since \
                 THEN last_seen_at ELSE online_since END AS seen FROM stations \
                 WHERE online_session IS NOT NULL AND online_since IS NOT NULL) s \
                 CROSS JOIN (SELECT MAX(at) AS alive FROM fleet_power) p",
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE stations SET online_session = NULL, online_since = NULL, \
                 online_node = NULL WHERE online_session IS NOT NULL",
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// How many stations the database knows.
    pub async fn count_stations(&self) -> Result<u64, EngineError> {
        let n: i64 = on!(&self.reads, |db| {
            sqlx::query_scalar("SELECT COUNT(*) FROM stations")
                .fetch_one(db)
                .await?
        });
        Ok(count(n))
    }
}

fn connector_status_from_row(row: &impl Row) -> Result<ConnectorStatus, EngineError> {
    Ok(ConnectorStatus {
        connector_id: connector_of(row)?,
        status: row.get("status")?,
        error_code: row.get("error_code")?,
        info: row.get("info")?,
        vendor_id: row.get("vendor_id")?,
        vendor_error_code: row.get("vendor_error_code")?,
        timestamp: row.get("status_at")?,
    })
}

/// Stations from their rows (of [`STATION_COLUMNS`]), each with its connectors from
/// `connectors` (rows of [`CONNECTOR_VIEW_COLUMNS`], in connector order).
pub(super) fn with_connectors(
    rows: &[impl Row],
    connectors: &[impl Row],
) -> Result<Vec<StationView>, EngineError> {
    let mut by_station: HashMap<String, Vec<ConnectorView>> = HashMap::new();
    for row in connectors {
        by_station
            .entry(row.get("station_id")?)
            .or_default()
            .push(connector_view_from_row(row)?);
    }
    rows.iter()
        .map(|row| station_from_row(row, &mut by_station))
        .collect()
}

fn connector_view_from_row(row: &impl Row) -> Result<ConnectorView, EngineError> {
    Ok(ConnectorView {
        connector_id: connector_of(row)?,
        status: row.get("status")?,
        error_code: row.get("error_code")?,
        info: row.get("info")?,
        vendor_id: row.get("vendor_id")?,
        vendor_error_code: row.get("vendor_error_code")?,
        updated_at: row.get("updated_at")?,
    })
}

fn station_from_row(
    row: &impl Row,
    connectors: &mut HashMap<String, Vec<ConnectorView>>,
) -> Result<StationView, EngineError> {
    let id: String = row.get("id")?;
    let registration: String = row.get("registration")?;
    Ok(StationView {
        connectors: connectors.remove(&id).unwrap_or_default(),
        id,
        registration: registration.parse()?,
        connected: false,
        node: row.get("online_node")?,
        protocol: row.get("protocol")?,
        vendor: row.get("vendor")?,
        model: row.get("model")?,
        serial_number: row.get("serial_number")?,
        firmware_version: row.get("firmware_version")?,
        last_seen: row.get("last_seen_at")?,
        firmware_status: row.get("firmware_status")?,
        diagnostics_status: row.get("diagnostics_status")?,
        local_list_version: row.get("local_list_version")?,
        security_profile: super::security::profile_of(row.get("security_profile")?)?,
        has_password: row.get("has_password")?,
        lenient: row.get("lenient")?,
    })
}
