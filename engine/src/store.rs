//! Persistence: the only module that runs SQL.
//!
//! SQLite (WAL, one file) is the embedded default. The schema sticks to types and statements that
//! PostgreSQL shares, with migrations kept per backend under `engine/migrations/<backend>/` and
//! embedded in the binary, so a PostgreSQL store can follow by URL without touching the engine.

use crate::EngineError;
use crate::message_log::{Direction, LoggedFrame};
use crate::model::{
    BootInfo, ChargingProfileRecord, ConfigurationKey, ConnectorStatus, ConnectorView, IdTag,
    IdTagView, Registration, Reservation, Sample, SecurityEventView, StationView, StopOutcome,
    StoredSample, TokenStatus, Transaction, TransactionStart, TransactionStop, UnknownValue,
};
use crate::operators::{AuditEntry, Role, TokenView, UserView};
use crate::security::SecurityProfile;
use futures_util::future::BoxFuture;
use protocol::{OcppVersion, StationId};
use sqlx::Row;
use sqlx::SqlitePool;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// The SQLite migrations, in order, embedded at compile time.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "stations",
        include_str!("../migrations/sqlite/0001_stations.sql"),
    ),
    (
        2,
        "central system",
        include_str!("../migrations/sqlite/0002_central_system.sql"),
    ),
    (
        3,
        "configuration",
        include_str!("../migrations/sqlite/0003_configuration.sql"),
    ),
    (
        4,
        "message log",
        include_str!("../migrations/sqlite/0004_message_log.sql"),
    ),
    (
        5,
        "reservations and profiles",
        include_str!("../migrations/sqlite/0005_reservations_profiles.sql"),
    ),
    (
        6,
        "local list",
        include_str!("../migrations/sqlite/0006_local_list.sql"),
    ),
    (
        7,
        "station security",
        include_str!("../migrations/sqlite/0007_station_security.sql"),
    ),
    (
        8,
        "operators",
        include_str!("../migrations/sqlite/0008_operators.sql"),
    ),
];

/// Migrations compiled into the binary (no files needed at run time).
#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, sqlx::error::BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// A handle on the database: a connection pool, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads (the dashboard, the API, lookups): several connections, never blocked by a write
    /// (WAL).
    pool: SqlitePool,
    /// Writes: one connection. SQLite has one writer at a time anyway; with several writing
    /// connections they would wait for each other in SQLite's busy handler (sleeps of 1 ms and
    /// more), which costs far more than taking turns here.
    writer: SqlitePool,
    /// The meter values writer (see [`Store::add_samples`]).
    samples: tokio::sync::mpsc::Sender<SampleWrite>,
    /// The audit log writer (see [`Store::audit_start`]).
    audit: tokio::sync::mpsc::Sender<AuditWrite>,
}

/// A change to the audit log waiting for its writer.
#[derive(Debug)]
enum AuditWrite {
    /// A call about to be sent: answered with its entry's id once committed.
    Start {
        actor: String,
        station: StationId,
        action: String,
        payload: String,
        at: OffsetDateTime,
        reply: tokio::sync::oneshot::Sender<Result<i64, EngineError>>,
    },
    /// How a call ended: answered once committed.
    Finish {
        id: i64,
        outcome: String,
        reply: tokio::sync::oneshot::Sender<Result<i64, EngineError>>,
    },
}

/// Writes the audit log with group commit, as [`write_samples`] does: a burst of commands
/// costs one commit, and each call is sent only once its entry is committed.
async fn write_audit(pool: SqlitePool, mut queue: tokio::sync::mpsc::Receiver<AuditWrite>) {
    let mut group = Vec::with_capacity(GROUP_COMMIT);
    while queue.recv_many(&mut group, GROUP_COMMIT).await > 0 {
        let mut ids = match commit_audit(&pool, &group).await {
            Ok(ids) => ids.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => {
                tracing::error!(error = %e, "could not write the audit log");
                let message = e.to_string();
                group
                    .iter()
                    .map(|_| Err(EngineError::GroupCommit(message.clone())))
                    .collect()
            }
        }
        .into_iter();
        for (write, id) in group.drain(..).zip(ids.by_ref()) {
            let (AuditWrite::Start { reply, .. } | AuditWrite::Finish { reply, .. }) = write;
            let _ = reply.send(id);
        }
    }
}

/// One transaction for a group of audit writes; the id of each (0 for a finish).
async fn commit_audit(pool: &SqlitePool, group: &[AuditWrite]) -> Result<Vec<i64>, EngineError> {
    let mut tx = pool.begin().await?;
    let mut ids = Vec::with_capacity(group.len());
    for write in group {
        match write {
            AuditWrite::Start {
                actor,
                station,
                action,
                payload,
                at,
                ..
            } => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO audit_log (at, actor, station_id, action, payload) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(at)
                .bind(actor)
                .bind(station.as_str())
                .bind(action)
                .bind(payload)
                .fetch_one(&mut *tx)
                .await?;
                ids.push(id);
            }
            AuditWrite::Finish { id, outcome, .. } => {
                sqlx::query("UPDATE audit_log SET outcome = $2 WHERE id = $1")
                    .bind(id)
                    .bind(outcome)
                    .execute(&mut *tx)
                    .await?;
                ids.push(0);
            }
        }
    }
    tx.commit().await?;
    Ok(ids)
}

/// How many MeterValues messages one commit takes at most.
const GROUP_COMMIT: usize = 256;

/// One MeterValues message waiting for the writer.
#[derive(Debug)]
struct SampleWrite {
    station: StationId,
    connector_id: u32,
    transaction_id: Option<i64>,
    samples: Vec<Sample>,
    reply: tokio::sync::oneshot::Sender<Result<Option<i64>, EngineError>>,
}

/// Writes meter values with group commit: whatever messages are waiting (up to
/// [`GROUP_COMMIT`]) go into one transaction (a faulty one fails alone, see `commit_group`),
/// and each is answered once the transaction is committed. Under load a commit covers
/// many stations; alone, a message is committed at once.
async fn write_samples(pool: SqlitePool, mut queue: tokio::sync::mpsc::Receiver<SampleWrite>) {
    let mut group = Vec::with_capacity(GROUP_COMMIT);
    while queue.recv_many(&mut group, GROUP_COMMIT).await > 0 {
        match commit_group(&pool, &group).await {
            Ok(results) => {
                for (write, result) in group.drain(..).zip(results) {
                    let _ = write.reply.send(result);
                }
            }
            Err(e) => {
                let message = e.to_string();
                for write in group.drain(..) {
                    let _ = write
                        .reply
                        .send(Err(EngineError::GroupCommit(message.clone())));
                }
            }
        }
    }
}

async fn commit_group(
    pool: &SqlitePool,
    group: &[SampleWrite],
) -> Result<Vec<Result<Option<i64>, EngineError>>, EngineError> {
    // Fast path: all in one transaction. Nothing in a well-formed message can fail here; if
    // something does, the group is written again one message per transaction, so only the
    // faulty one fails.
    let mut tx = pool.begin().await?;
    let mut results = Vec::with_capacity(group.len());
    let mut failed = false;
    for write in group {
        match write_one(&mut tx, write).await {
            Ok(running) => results.push(Ok(running)),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    if !failed {
        tx.commit().await?;
        return Ok(results);
    }
    tx.rollback().await?;
    let mut results = Vec::with_capacity(group.len());
    for write in group {
        let mut tx = pool.begin().await?;
        match write_one(&mut tx, write).await {
            Ok(running) => {
                tx.commit().await?;
                results.push(Ok(running));
            }
            Err(e) => {
                tx.rollback().await?;
                results.push(Err(e));
            }
        }
    }
    Ok(results)
}

/// One MeterValues message: its samples, and the meter start of its transaction if running.
async fn write_one(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    write: &SampleWrite,
) -> Result<Option<i64>, EngineError> {
    insert_samples(
        tx,
        &write.station,
        write.connector_id,
        write.transaction_id,
        &write.samples,
    )
    .await?;
    match write.transaction_id {
        Some(id) => Ok(sqlx::query_scalar(
            "SELECT meter_start FROM transactions WHERE id = $1 AND meter_stop IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?),
        None => Ok(None),
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// `sqlite://PATH` opens a file relative to the working directory, `sqlite::memory:` a
    /// private in-memory database.
    pub async fn open(url: &str) -> Result<Store, EngineError> {
        if !url.starts_with("sqlite:") {
            return Err(EngineError::UnsupportedDatabase(url.to_owned()));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| EngineError::BadDatabaseUrl(url.to_owned(), e.to_string()))?
            .create_if_missing(true)
            // WAL + NORMAL: a commit survives the process being killed (the OS has the pages);
            // only a power cut can lose the last commits, and writers do not block readers.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let in_memory = url.contains(":memory:");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let migrator = Migrator::new(Embedded(SQLITE_MIGRATIONS)).await?;
        migrator.run(&writer).await?;
        // An in-memory database lives in one connection: reads share the writer's.
        let pool = if in_memory {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?
        };
        let (samples, queue) = tokio::sync::mpsc::channel(4 * GROUP_COMMIT);
        // Ends when the last `Store` handle (and so the last sender) is dropped.
        tokio::spawn(write_samples(writer.clone(), queue));
        let (audit, queue) = tokio::sync::mpsc::channel(4 * GROUP_COMMIT);
        tokio::spawn(write_audit(writer.clone(), queue));
        Ok(Store {
            pool,
            writer,
            samples,
            audit,
        })
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Records that `station` connected now, creating it (with registration `initial`) on its
    /// first connection. Returns its registration.
    pub async fn station_connected(
        &self,
        station: &StationId,
        protocol: OcppVersion,
        at: OffsetDateTime,
        initial: Registration,
    ) -> Result<Registration, EngineError> {
        let registration: String = sqlx::query_scalar(
            "INSERT INTO stations (id, protocol, created_at, last_seen_at, registration) \
             VALUES ($1, $2, $3, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET protocol = excluded.protocol, \
             last_seen_at = excluded.last_seen_at \
             RETURNING registration",
        )
        .bind(station.as_str())
        .bind(protocol.subprotocol())
        .bind(at)
        .bind(initial.as_str())
        .fetch_one(&self.writer)
        .await?;
        Ok(registration.parse()?)
    }

    /// The registration of a known station, `None` for an unknown one.
    pub async fn registration(
        &self,
        station: &StationId,
    ) -> Result<Option<Registration>, EngineError> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT registration FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.map(|r| r.parse()).transpose()?)
    }

    /// Sets a station's registration; false if there is no such station.
    pub async fn set_registration(
        &self,
        station: &StationId,
        registration: Registration,
    ) -> Result<bool, EngineError> {
        let done = sqlx::query("UPDATE stations SET registration = $2 WHERE id = $1")
            .bind(station.as_str())
            .bind(registration.as_str())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps what a station said in its BootNotification.
    pub async fn record_boot(
        &self,
        station: &StationId,
        boot: &BootInfo,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "UPDATE stations SET vendor = $2, model = $3, serial_number = $4, \
             charge_box_serial_number = $5, firmware_version = $6, iccid = $7, imsi = $8, \
             meter_type = $9, meter_serial_number = $10, booted_at = $11, last_seen_at = $11 \
             WHERE id = $1",
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
        .execute(&self.writer)
        .await?;
        Ok(())
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
        sqlx::query(sql)
            .bind(station.as_str())
            .bind(status)
            .bind(at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Keeps a connector's latest status.
    pub async fn set_connector_status(
        &self,
        station: &StationId,
        status: &ConnectorStatus,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
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
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The connectors of a station, by id.
    pub async fn connectors(
        &self,
        station: &StationId,
    ) -> Result<Vec<ConnectorStatus>, EngineError> {
        let rows = sqlx::query(
            "SELECT connector_id, status, error_code, info, vendor_id, vendor_error_code, status_at \
             FROM connectors WHERE station_id = $1 ORDER BY connector_id",
        )
        .bind(station.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ConnectorStatus {
                    connector_id: connector_of(row)?,
                    status: row.try_get("status")?,
                    error_code: row.try_get("error_code")?,
                    info: row.try_get("info")?,
                    vendor_id: row.try_get("vendor_id")?,
                    vendor_error_code: row.try_get("vendor_error_code")?,
                    timestamp: row.try_get("status_at")?,
                })
            })
            .collect()
    }

    /// An id tag, if the store knows it.
    pub async fn id_tag(&self, id_tag: &str) -> Result<Option<IdTag>, EngineError> {
        let row = sqlx::query(
            "SELECT id_tag, status, expiry_date, parent_id_tag FROM id_tags WHERE id_tag = $1",
        )
        .bind(id_tag)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(id_tag_from_row).transpose()
    }

    /// Creates or replaces an id tag.
    pub async fn put_id_tag(&self, tag: &IdTag, at: OffsetDateTime) -> Result<(), EngineError> {
        sqlx::query(
            "INSERT INTO id_tags (id_tag, status, expiry_date, parent_id_tag, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (id_tag) DO UPDATE SET status = excluded.status, \
             expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag, \
             updated_at = excluded.updated_at",
        )
        .bind(&tag.id_tag)
        .bind(tag.status.as_str())
        .bind(tag.expiry_date)
        .bind(&tag.parent_id_tag)
        .bind(at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Whether `id_tag` is in an active transaction anywhere but on `except` (station,
    /// connector).
    pub async fn tag_busy_elsewhere(
        &self,
        id_tag: &str,
        except: (&StationId, u32),
    ) -> Result<bool, EngineError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM transactions WHERE id_tag = $1 AND stopped_at IS NULL \
             AND NOT (station_id = $2 AND connector_id = $3)",
        )
        .bind(id_tag)
        .bind(except.0.as_str())
        .bind(i64::from(except.1))
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Records a StartTransaction; a retransmission of one already recorded returns the same
    /// transaction id with `new` false.
    pub async fn start_transaction(
        &self,
        station: &StationId,
        start: &TransactionStart,
        status: TokenStatus,
        at: OffsetDateTime,
    ) -> Result<(i64, bool), EngineError> {
        let mut tx = self.writer.begin().await?;
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO transactions (station_id, connector_id, id_tag, start_status, meter_start, \
             started_at, reservation_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (station_id, connector_id, id_tag, meter_start, started_at) DO NOTHING \
             RETURNING id",
        )
        .bind(station.as_str())
        .bind(i64::from(start.connector_id))
        .bind(&start.id_tag)
        .bind(status.as_str())
        .bind(start.meter_start)
        .bind(start.timestamp)
        .bind(start.reservation_id)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let result = match inserted {
            Some(id) => (id, true),
            None => {
                let id: i64 = sqlx::query_scalar(
                    "SELECT id FROM transactions WHERE station_id = $1 AND connector_id = $2 \
                     AND id_tag = $3 AND meter_start = $4 AND started_at = $5",
                )
                .bind(station.as_str())
                .bind(i64::from(start.connector_id))
                .bind(&start.id_tag)
                .bind(start.meter_start)
                .bind(start.timestamp)
                .fetch_one(&mut *tx)
                .await?;
                (id, false)
            }
        };
        tx.commit().await?;
        Ok(result)
    }

    /// Records a StopTransaction with its meter values, whatever it matches.
    pub async fn stop_transaction(
        &self,
        station: &StationId,
        stop: &TransactionStop,
        at: OffsetDateTime,
    ) -> Result<StopRecorded, EngineError> {
        let mut tx = self.writer.begin().await?;
        let found = sqlx::query(
            "SELECT connector_id, meter_start, stopped_at FROM transactions \
             WHERE id = $1 AND station_id = $2",
        )
        .bind(stop.transaction_id)
        .bind(station.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let meter_start: Option<i64> = found
            .as_ref()
            .map(|row| row.try_get("meter_start"))
            .transpose()?;
        let (outcome, connector) = match found {
            None => {
                sqlx::query(
                    "INSERT INTO unmatched_stops (station_id, transaction_id, id_tag, meter_stop, \
                     stopped_at, stop_reason, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(station.as_str())
                .bind(stop.transaction_id)
                .bind(&stop.id_tag)
                .bind(stop.meter_stop)
                .bind(stop.timestamp)
                .bind(&stop.reason)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                (StopOutcome::Unknown, None)
            }
            Some(row) => {
                let connector = u32::try_from(row.try_get::<i64, _>("connector_id")?).ok();
                let stopped: Option<OffsetDateTime> = row.try_get("stopped_at")?;
                if stopped.is_some() {
                    (StopOutcome::Duplicate, connector)
                } else {
                    sqlx::query(
                        "UPDATE transactions SET meter_stop = $2, stopped_at = $3, \
                         stop_reason = $4, stop_id_tag = $5, stop_received = 1 WHERE id = $1",
                    )
                    .bind(stop.transaction_id)
                    .bind(stop.meter_stop)
                    .bind(stop.timestamp)
                    .bind(&stop.reason)
                    .bind(&stop.id_tag)
                    .execute(&mut *tx)
                    .await?;
                    (StopOutcome::Stopped, connector)
                }
            }
        };
        if outcome != StopOutcome::Duplicate {
            let linked = (outcome == StopOutcome::Stopped).then_some(stop.transaction_id);
            insert_samples(
                &mut tx,
                station,
                connector.unwrap_or(0),
                linked,
                &stop.samples,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(StopRecorded {
            outcome,
            connector_id: connector,
            meter_start,
        })
    }

    /// Keeps meter values a station sent for a connector (and transaction, if any), through the
    /// group-commit writer: returns once they are committed. Returns the meter start of that
    /// transaction if it is still running, read in the same transaction.
    pub async fn add_samples(
        &self,
        station: &StationId,
        connector_id: u32,
        transaction_id: Option<i64>,
        samples: Vec<Sample>,
    ) -> Result<Option<i64>, EngineError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write = SampleWrite {
            station: station.clone(),
            connector_id,
            transaction_id,
            samples,
            reply,
        };
        let gone = || EngineError::GroupCommit("the meter values writer has stopped".to_owned());
        self.samples.send(write).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Keeps a security event a station reported.
    pub async fn add_security_event(
        &self,
        station: &StationId,
        event_type: &str,
        tech_info: Option<&str>,
        occurred_at: OffsetDateTime,
        at: OffsetDateTime,
        source: EventSource,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "INSERT INTO security_events \
             (station_id, event_type, tech_info, occurred_at, received_at, source) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(station.as_str())
        .bind(event_type)
        .bind(tech_info)
        .bind(occurred_at)
        .bind(at)
        .bind(source.as_str())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Security events, newest first: of one station or all.
    pub async fn security_events(
        &self,
        station: Option<&StationId>,
        limit: u32,
    ) -> Result<Vec<SecurityEventView>, EngineError> {
        let rows = sqlx::query(
            "SELECT id, station_id, event_type, tech_info, occurred_at, received_at, source \
             FROM security_events WHERE ($1 IS NULL OR station_id = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(station.map(StationId::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SecurityEventView {
                    id: row.try_get("id")?,
                    station_id: row.try_get("station_id")?,
                    event_type: row.try_get("event_type")?,
                    tech_info: row.try_get("tech_info")?,
                    occurred_at: row.try_get("occurred_at")?,
                    received_at: row.try_get("received_at")?,
                    source: row.try_get("source")?,
                })
            })
            .collect()
    }

    /// A station's security profile and password hash; `None` if the station is unknown.
    pub async fn station_security(
        &self,
        station: &StationId,
    ) -> Result<Option<(SecurityProfile, Option<String>)>, EngineError> {
        let row: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT security_profile, password_hash FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(profile, phc)| Ok((profile_of(profile)?, phc)))
            .transpose()
    }

    /// Sets a known station's password hash.
    pub async fn set_station_password(
        &self,
        station: &StationId,
        phc: &str,
    ) -> Result<(), EngineError> {
        sqlx::query("UPDATE stations SET password_hash = $2 WHERE id = $1")
            .bind(station.as_str())
            .bind(phc)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Sets a station's security profile, and its password hash if `phc` is given. A new
    /// station is created Accepted: an operator provisioned it.
    pub async fn set_station_security(
        &self,
        station: &StationId,
        profile: SecurityProfile,
        phc: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "INSERT INTO stations (id, created_at, registration, security_profile, password_hash) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET security_profile = excluded.security_profile, \
             password_hash = COALESCE(excluded.password_hash, stations.password_hash)",
        )
        .bind(station.as_str())
        .bind(at)
        .bind(Registration::Accepted.as_str())
        .bind(i64::from(profile.number()))
        .bind(phc)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Stations (one, or all by id) with their connectors; `connected` is filled by the caller.
    pub async fn stations(
        &self,
        only: Option<&StationId>,
    ) -> Result<Vec<StationView>, EngineError> {
        let rows = sqlx::query(
            "SELECT id, registration, protocol, vendor, model, serial_number, firmware_version, \
             last_seen_at, firmware_status, diagnostics_status, local_list_version, \
             security_profile, password_hash IS NOT NULL AS has_password FROM stations \
             WHERE ($1 IS NULL OR id = $1) ORDER BY id",
        )
        .bind(only.map(StationId::as_str))
        .fetch_all(&self.pool)
        .await?;
        let connectors = sqlx::query(
            "SELECT station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, \
             updated_at FROM connectors WHERE ($1 IS NULL OR station_id = $1) \
             ORDER BY station_id, connector_id",
        )
        .bind(only.map(StationId::as_str))
        .fetch_all(&self.pool)
        .await?;
        let mut by_station: std::collections::HashMap<String, Vec<ConnectorView>> =
            std::collections::HashMap::new();
        for row in &connectors {
            by_station
                .entry(row.try_get("station_id")?)
                .or_default()
                .push(ConnectorView {
                    connector_id: connector_of(row)?,
                    status: row.try_get("status")?,
                    error_code: row.try_get("error_code")?,
                    info: row.try_get("info")?,
                    vendor_id: row.try_get("vendor_id")?,
                    vendor_error_code: row.try_get("vendor_error_code")?,
                    updated_at: row.try_get("updated_at")?,
                });
        }
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let registration: String = row.try_get("registration")?;
                Ok(StationView {
                    connectors: by_station.remove(&id).unwrap_or_default(),
                    id,
                    registration: registration.parse()?,
                    connected: false,
                    protocol: row.try_get("protocol")?,
                    vendor: row.try_get("vendor")?,
                    model: row.try_get("model")?,
                    serial_number: row.try_get("serial_number")?,
                    firmware_version: row.try_get("firmware_version")?,
                    last_seen: row.try_get("last_seen_at")?,
                    firmware_status: row.try_get("firmware_status")?,
                    diagnostics_status: row.try_get("diagnostics_status")?,
                    local_list_version: row.try_get("local_list_version")?,
                    security_profile: profile_of(row.try_get("security_profile")?)?,
                    has_password: row.try_get("has_password")?,
                })
            })
            .collect()
    }

    /// Removes a station with its connectors and configuration (transactions stay, as history).
    pub async fn delete_station(&self, station: &StationId) -> Result<bool, EngineError> {
        let done = sqlx::query("DELETE FROM stations WHERE id = $1")
            .bind(station.as_str())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every id tag, with whether it is in a transaction now.
    pub async fn id_tags(&self) -> Result<Vec<IdTagView>, EngineError> {
        let rows = sqlx::query(
            "SELECT t.id_tag, t.status, t.expiry_date, t.parent_id_tag, \
             EXISTS (SELECT 1 FROM transactions x WHERE x.id_tag = t.id_tag \
             AND x.stopped_at IS NULL) AS in_transaction FROM id_tags t ORDER BY t.id_tag",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok(IdTagView {
                    id_tag: row.try_get("id_tag")?,
                    status: status.parse()?,
                    expiry_date: row.try_get("expiry_date")?,
                    parent_id_tag: row.try_get("parent_id_tag")?,
                    in_transaction: row.try_get("in_transaction")?,
                })
            })
            .collect()
    }

    /// Removes an id tag; false if there was none.
    pub async fn delete_id_tag(&self, id_tag: &str) -> Result<bool, EngineError> {
        let done = sqlx::query("DELETE FROM id_tags WHERE id_tag = $1")
            .bind(id_tag)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Appends logged frames in one transaction.
    pub async fn append_messages(&self, frames: &[LoggedFrame]) -> Result<(), EngineError> {
        let mut tx = self.writer.begin().await?;
        for chunk in frames.chunks(1000) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO message_log (station_id, direction, message_type, message_id, \
                 action, frame, logged_at) ",
            );
            insert.push_values(chunk, |mut row, f| {
                row.push_bind(&f.station_id)
                    .push_bind(f.direction.as_str())
                    .push_bind(f.message_type.map(i64::from))
                    .push_bind(&f.message_id)
                    .push_bind(&f.action)
                    .push_bind(&f.frame)
                    .push_bind(f.at);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Keeps only the newest `keep` logged frames.
    pub async fn prune_messages(&self, keep: u64) -> Result<(), EngineError> {
        sqlx::query(
            "DELETE FROM message_log WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM message_log) - $1",
        )
        .bind(i64::try_from(keep).unwrap_or(i64::MAX))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The newest logged frames, newest first.
    pub async fn messages(
        &self,
        station: Option<&StationId>,
        limit: u32,
    ) -> Result<Vec<LoggedFrame>, EngineError> {
        let rows = sqlx::query(
            "SELECT id, station_id, direction, message_type, message_id, action, frame, logged_at \
             FROM message_log WHERE ($1 IS NULL OR station_id = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(station.map(StationId::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let direction: String = row.try_get("direction")?;
                Ok(LoggedFrame {
                    id: row.try_get("id")?,
                    station_id: row.try_get("station_id")?,
                    direction: if direction == "in" {
                        Direction::In
                    } else {
                        Direction::Out
                    },
                    message_type: row
                        .try_get::<Option<i64>, _>("message_type")?
                        .and_then(|t| u8::try_from(t).ok()),
                    message_id: row.try_get("message_id")?,
                    action: row.try_get("action")?,
                    frame: row.try_get("frame")?,
                    at: row.try_get("logged_at")?,
                })
            })
            .collect()
    }

    /// Keeps a reservation a station accepted (the same id replaces the earlier one).
    pub async fn put_reservation(
        &self,
        r: &Reservation,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "INSERT INTO reservations (station_id, reservation_id, connector_id, id_tag, \
             parent_id_tag, expires_at, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'Active', $7, $7) \
             ON CONFLICT (station_id, reservation_id) DO UPDATE SET \
             connector_id = excluded.connector_id, id_tag = excluded.id_tag, \
             parent_id_tag = excluded.parent_id_tag, expires_at = excluded.expires_at, \
             status = 'Active', transaction_id = NULL, updated_at = excluded.updated_at",
        )
        .bind(&r.station_id)
        .bind(r.reservation_id)
        .bind(i64::from(r.connector_id))
        .bind(&r.id_tag)
        .bind(&r.parent_id_tag)
        .bind(r.expires_at)
        .bind(at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Sets a reservation's status (Cancelled, or Used by a transaction).
    pub async fn set_reservation_status(
        &self,
        station: &StationId,
        reservation_id: i64,
        status: &str,
        transaction_id: Option<i64>,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "UPDATE reservations SET status = $3, transaction_id = COALESCE($4, transaction_id), \
             updated_at = $5 WHERE station_id = $1 AND reservation_id = $2",
        )
        .bind(station.as_str())
        .bind(reservation_id)
        .bind(status)
        .bind(transaction_id)
        .bind(at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Reservations, newest first; an active one past its expiry shows as Expired.
    pub async fn reservations(&self, now: OffsetDateTime) -> Result<Vec<Reservation>, EngineError> {
        let rows = sqlx::query(
            "SELECT station_id, reservation_id, connector_id, id_tag, parent_id_tag, expires_at, \
             status, transaction_id FROM reservations ORDER BY created_at DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let expires_at: OffsetDateTime = row.try_get("expires_at")?;
                let status: String = row.try_get("status")?;
                Ok(Reservation {
                    station_id: row.try_get("station_id")?,
                    reservation_id: row.try_get("reservation_id")?,
                    connector_id: connector_of(row)?,
                    id_tag: row.try_get("id_tag")?,
                    parent_id_tag: row.try_get("parent_id_tag")?,
                    status: if status == "Active" && expires_at <= now {
                        "Expired".to_owned()
                    } else {
                        status
                    },
                    expires_at,
                    transaction_id: row.try_get("transaction_id")?,
                })
            })
            .collect()
    }

    /// Keeps a charging profile a station accepted. A profile with the same id, or with the same
    /// connector, stack level and purpose, is replaced, as the station does.
    pub async fn put_charging_profile(&self, p: &ChargingProfileRecord) -> Result<(), EngineError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "DELETE FROM charging_profiles WHERE station_id = $1 AND (profile_id = $2 OR \
             (connector_id = $3 AND stack_level = $4 AND purpose = $5))",
        )
        .bind(&p.station_id)
        .bind(p.profile_id)
        .bind(i64::from(p.connector_id))
        .bind(p.stack_level)
        .bind(&p.purpose)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO charging_profiles (station_id, profile_id, connector_id, stack_level, \
             purpose, transaction_id, profile, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&p.station_id)
        .bind(p.profile_id)
        .bind(i64::from(p.connector_id))
        .bind(p.stack_level)
        .bind(&p.purpose)
        .bind(p.transaction_id)
        .bind(p.profile.to_string())
        .bind(p.set_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the profiles a ClearChargingProfile matched: by id, or by every criterion given
    /// (none given: all of the station's profiles).
    pub async fn clear_charging_profiles(
        &self,
        station: &StationId,
        profile_id: Option<i64>,
        connector_id: Option<u32>,
        purpose: Option<&str>,
        stack_level: Option<i64>,
    ) -> Result<u64, EngineError> {
        let done = sqlx::query(
            "DELETE FROM charging_profiles WHERE station_id = $1 AND \
             (($2 IS NOT NULL AND profile_id = $2) OR ($2 IS NULL AND \
             ($3 IS NULL OR connector_id = $3) AND ($4 IS NULL OR purpose = $4) AND \
             ($5 IS NULL OR stack_level = $5)))",
        )
        .bind(station.as_str())
        .bind(profile_id)
        .bind(connector_id.map(i64::from))
        .bind(purpose)
        .bind(stack_level)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// Charging profiles, of one station or all.
    pub async fn charging_profiles(
        &self,
        station: Option<&StationId>,
    ) -> Result<Vec<ChargingProfileRecord>, EngineError> {
        let rows = sqlx::query(
            "SELECT station_id, profile_id, connector_id, stack_level, purpose, transaction_id, \
             profile, set_at FROM charging_profiles WHERE ($1 IS NULL OR station_id = $1) \
             ORDER BY station_id, connector_id, stack_level DESC",
        )
        .bind(station.map(StationId::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let profile: String = row.try_get("profile")?;
                Ok(ChargingProfileRecord {
                    station_id: row.try_get("station_id")?,
                    connector_id: connector_of(row)?,
                    profile_id: row.try_get("profile_id")?,
                    stack_level: row.try_get("stack_level")?,
                    purpose: row.try_get("purpose")?,
                    transaction_id: row.try_get("transaction_id")?,
                    profile: serde_json::from_str(&profile).unwrap_or(serde_json::Value::Null),
                    set_at: row.try_get("set_at")?,
                })
            })
            .collect()
    }

    /// Records a RemoteStartTransaction about to be sent; answers its id.
    pub async fn add_remote_start(
        &self,
        station: &StationId,
        connector_id: Option<u32>,
        id_tag: &str,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO remote_starts (station_id, connector_id, id_tag, requested_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(station.as_str())
        .bind(connector_id.map(i64::from))
        .bind(id_tag)
        .bind(at)
        .fetch_one(&self.writer)
        .await?)
    }

    /// Forgets a remote start the station did not accept (unless a transaction took it).
    pub async fn drop_remote_start(&self, id: i64) -> Result<(), EngineError> {
        sqlx::query("DELETE FROM remote_starts WHERE id = $1 AND transaction_id IS NULL")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Links a new transaction to the oldest open remote start that asked for it (same station
    /// and id tag, and connector if the request named one), and uses its reservation if any.
    pub async fn link_transaction(
        &self,
        station: &StationId,
        transaction_id: i64,
        start: &TransactionStart,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let mut tx = self.writer.begin().await?;
        let remote: Option<(i64, OffsetDateTime)> = sqlx::query_as(
            "SELECT id, requested_at FROM remote_starts WHERE station_id = $1 AND id_tag = $2 \
             AND transaction_id IS NULL AND (connector_id IS NULL OR connector_id = $3) \
             ORDER BY id LIMIT 1",
        )
        .bind(station.as_str())
        .bind(&start.id_tag)
        .bind(i64::from(start.connector_id))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((remote_id, requested_at)) = remote {
            sqlx::query("UPDATE remote_starts SET transaction_id = $2 WHERE id = $1")
                .bind(remote_id)
                .bind(transaction_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE transactions SET remote_start_requested_at = $2 WHERE id = $1")
                .bind(transaction_id)
                .bind(requested_at)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(reservation_id) = start.reservation_id {
            sqlx::query(
                "UPDATE reservations SET status = 'Used', transaction_id = $3, updated_at = $4 \
                 WHERE station_id = $1 AND reservation_id = $2",
            )
            .bind(station.as_str())
            .bind(reservation_id)
            .bind(transaction_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that an operator asked a station to stop a transaction.
    pub async fn remote_stop_requested(
        &self,
        station: &StationId,
        transaction_id: i64,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "UPDATE transactions SET remote_stop_requested_at = $3 WHERE id = $1 AND station_id = $2",
        )
        .bind(transaction_id)
        .bind(station.as_str())
        .bind(at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Pre-registers a station (an operator adding it before it connects). False if it exists.
    pub async fn add_station(
        &self,
        station: &StationId,
        registration: Registration,
        at: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        let done = sqlx::query(
            "INSERT INTO stations (id, created_at, registration) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(station.as_str())
        .bind(at)
        .bind(registration.as_str())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One transaction.
    pub async fn transaction(&self, id: i64) -> Result<Option<Transaction>, EngineError> {
        let row = sqlx::query(&format!("{TRANSACTION_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(transaction_from_row).transpose()
    }

    /// Transactions, newest first, optionally of one station and only active or finished ones.
    pub async fn transactions(
        &self,
        station: Option<&StationId>,
        active: Option<bool>,
        limit: u32,
    ) -> Result<Vec<Transaction>, EngineError> {
        let rows = sqlx::query(&format!(
            "{TRANSACTION_COLUMNS} WHERE ($1 IS NULL OR station_id = $1) \
             AND ($2 IS NULL OR (stopped_at IS NULL) = $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(station.map(StationId::as_str))
        .bind(active)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(transaction_from_row).collect()
    }

    /// The meter values of a transaction, in time order.
    pub async fn transaction_samples(&self, id: i64) -> Result<Vec<StoredSample>, EngineError> {
        let rows = sqlx::query(
            "SELECT connector_id, transaction_id, sampled_at, value, measurand, unit, phase, \
             context, location FROM meter_values WHERE transaction_id = $1 \
             ORDER BY sampled_at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredSample {
                    connector_id: connector_of(row)?,
                    transaction_id: row.try_get("transaction_id")?,
                    timestamp: row.try_get("sampled_at")?,
                    value: row.try_get("value")?,
                    measurand: row.try_get("measurand")?,
                    unit: row.try_get("unit")?,
                    phase: row.try_get("phase")?,
                    context: row.try_get("context")?,
                    location: row.try_get("location")?,
                })
            })
            .collect()
    }

    /// The latest station-level energy register and power readings of a transaction, newest
    /// first: (measurand, value, unit).
    pub async fn latest_readings(
        &self,
        transaction_id: i64,
    ) -> Result<Vec<(String, String, Option<String>)>, EngineError> {
        let rows = sqlx::query(
            "SELECT measurand, value, unit FROM meter_values \
             WHERE transaction_id = $1 AND phase IS NULL AND measurand IN ($2, $3) \
             ORDER BY sampled_at DESC, id DESC LIMIT 8",
        )
        .bind(transaction_id)
        .bind(crate::model::ENERGY_REGISTER)
        .bind(crate::model::ACTIVE_POWER)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("measurand")?,
                    row.try_get("value")?,
                    row.try_get("unit")?,
                ))
            })
            .collect()
    }

    /// How many StopTransactions for unknown transactions a station sent.
    pub async fn unmatched_stops(&self, station: &StationId) -> Result<u64, EngineError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM unmatched_stops WHERE station_id = $1")
                .bind(station.as_str())
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Replaces the stored configuration of a station with what GetConfiguration returned
    /// (when `complete`, keys not listed are removed; otherwise only the listed ones change).
    pub async fn put_configuration(
        &self,
        station: &StationId,
        keys: &[ConfigurationKey],
        complete: bool,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let mut tx = self.writer.begin().await?;
        if complete {
            sqlx::query("DELETE FROM station_configuration WHERE station_id = $1")
                .bind(station.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for key in keys {
            sqlx::query(
                "INSERT INTO station_configuration (station_id, key, value, readonly, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (station_id, key) DO UPDATE SET \
                 value = excluded.value, readonly = excluded.readonly, updated_at = excluded.updated_at",
            )
            .bind(station.as_str())
            .bind(&key.key)
            .bind(&key.value)
            .bind(key.readonly)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets one configuration value (after an accepted ChangeConfiguration).
    pub async fn set_configuration_value(
        &self,
        station: &StationId,
        key: &str,
        value: &str,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "INSERT INTO station_configuration (station_id, key, value, readonly, updated_at) \
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (station_id, key) DO UPDATE SET \
             value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(station.as_str())
        .bind(key)
        .bind(value)
        .bind(at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// A station's configuration, by key.
    pub async fn configuration(
        &self,
        station: &StationId,
    ) -> Result<Vec<ConfigurationKey>, EngineError> {
        let rows = sqlx::query(
            "SELECT key, value, readonly FROM station_configuration WHERE station_id = $1 ORDER BY key",
        )
        .bind(station.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ConfigurationKey {
                    key: row.try_get("key")?,
                    value: row.try_get("value")?,
                    readonly: row.try_get("readonly")?,
                })
            })
            .collect()
    }

    /// Keeps the version of the station's local authorization list.
    pub async fn set_local_list_version(
        &self,
        station: &StationId,
        version: i64,
    ) -> Result<(), EngineError> {
        sqlx::query("UPDATE stations SET local_list_version = $2 WHERE id = $1")
            .bind(station.as_str())
            .bind(version)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Applies a SendLocalList the station accepted: a full update replaces the list, a
    /// differential one adds or replaces entries and removes those sent without a status.
    pub async fn apply_local_list(
        &self,
        station: &StationId,
        version: i64,
        full: bool,
        entries: &[(String, Option<IdTag>)],
    ) -> Result<(), EngineError> {
        let mut tx = self.writer.begin().await?;
        if full {
            sqlx::query("DELETE FROM local_auth_list WHERE station_id = $1")
                .bind(station.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for (id_tag, info) in entries {
            match info {
                Some(tag) => {
                    sqlx::query(
                        "INSERT INTO local_auth_list (station_id, id_tag, status, expiry_date, \
                         parent_id_tag) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (station_id, id_tag) DO UPDATE SET status = excluded.status, \
                         expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag",
                    )
                    .bind(station.as_str())
                    .bind(id_tag)
                    .bind(tag.status.as_str())
                    .bind(tag.expiry_date)
                    .bind(&tag.parent_id_tag)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "DELETE FROM local_auth_list WHERE station_id = $1 AND id_tag = $2",
                    )
                    .bind(station.as_str())
                    .bind(id_tag)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        sqlx::query("UPDATE stations SET local_list_version = $2 WHERE id = $1")
            .bind(station.as_str())
            .bind(version)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The local authorization list of a station as last sent.
    pub async fn local_list(&self, station: &StationId) -> Result<Vec<IdTag>, EngineError> {
        let rows = sqlx::query(
            "SELECT id_tag, status, expiry_date, parent_id_tag FROM local_auth_list \
             WHERE station_id = $1 ORDER BY id_tag",
        )
        .bind(station.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(id_tag_from_row).collect()
    }

    /// The version of the station's local authorization list, if known.
    pub async fn local_list_version(
        &self,
        station: &StationId,
    ) -> Result<Option<i64>, EngineError> {
        let v: Option<Option<i64>> =
            sqlx::query_scalar("SELECT local_list_version FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.flatten())
    }

    /// Records the last time `station` was heard from.
    pub async fn station_seen(
        &self,
        station: &StationId,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query("UPDATE stations SET last_seen_at = $2 WHERE id = $1")
            .bind(station.as_str())
            .bind(at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// How many stations the database knows.
    pub async fn count_stations(&self) -> Result<u64, EngineError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stations")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

const TRANSACTION_COLUMNS: &str = "SELECT id, station_id, connector_id, id_tag, start_status, \
     meter_start, started_at, meter_stop, stopped_at, stop_reason, remote_start_requested_at, \
     remote_stop_requested_at FROM transactions";

/// The `connector_id` column (stored from a `u32`).
fn connector_of(row: &sqlx::sqlite::SqliteRow) -> Result<u32, EngineError> {
    let id: i64 = row.try_get("connector_id")?;
    Ok(u32::try_from(id).unwrap_or_default())
}

fn id_tag_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<IdTag, EngineError> {
    let status: String = row.try_get("status")?;
    Ok(IdTag {
        id_tag: row.try_get("id_tag")?,
        status: status.parse()?,
        expiry_date: row.try_get("expiry_date")?,
        parent_id_tag: row.try_get("parent_id_tag")?,
    })
}

fn transaction_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Transaction, EngineError> {
    let meter_start: i64 = row.try_get("meter_start")?;
    let meter_stop: Option<i64> = row.try_get("meter_stop")?;
    Ok(Transaction {
        id: row.try_get("id")?,
        station_id: row.try_get("station_id")?,
        connector_id: connector_of(row)?,
        id_tag: row.try_get("id_tag")?,
        start_status: row.try_get("start_status")?,
        meter_start,
        started_at: row.try_get("started_at")?,
        meter_stop,
        stopped_at: row.try_get("stopped_at")?,
        stop_reason: row.try_get("stop_reason")?,
        energy_wh: meter_stop.map(|stop| stop - meter_start),
        remote_start_requested_at: row.try_get("remote_start_requested_at")?,
        remote_stop_requested_at: row.try_get("remote_stop_requested_at")?,
    })
}

/// How a StopTransaction was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopRecorded {
    pub outcome: StopOutcome,
    /// The transaction's connector, when the transaction is known.
    pub connector_id: Option<u32>,
    /// The transaction's meter start, when the transaction is known.
    pub meter_start: Option<i64>,
}

fn role_of(stored: &str) -> Result<Role, UnknownValue> {
    stored
        .parse()
        .map_err(|_| UnknownValue(format!("role {stored}")))
}

/// Users, sessions, API tokens and the audit log.
impl Store {
    pub async fn count_users(&self) -> Result<i64, EngineError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn count_admins(&self) -> Result<i64, EngineError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1")
                .bind(Role::Admin.as_str())
                .fetch_one(&self.writer)
                .await?,
        )
    }

    /// Adds a user; false if the name is taken.
    pub async fn add_user(
        &self,
        username: &str,
        phc: &str,
        role: Role,
        at: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        let done = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(phc)
        .bind(role.as_str())
        .bind(at)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn users(&self) -> Result<Vec<UserView>, EngineError> {
        let rows: Vec<(String, String, OffsetDateTime)> =
            sqlx::query_as("SELECT username, role, created_at FROM users ORDER BY username")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(username, role, created_at)| {
                Ok(UserView {
                    username,
                    role: role_of(&role)?,
                    created_at,
                })
            })
            .collect()
    }

    pub async fn user_role(&self, username: &str) -> Result<Option<Role>, EngineError> {
        let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.writer)
            .await?;
        Ok(role.as_deref().map(role_of).transpose()?)
    }

    /// A user's password hash and role.
    pub async fn user_secret(&self, username: &str) -> Result<Option<(String, Role)>, EngineError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT password_hash, role FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(phc, role)| Ok((phc, role_of(&role)?)))
            .transpose()
    }

    /// Sets a user's role and/or password hash. A new password ends the user's sessions.
    pub async fn change_user(
        &self,
        username: &str,
        role: Option<Role>,
        phc: Option<&str>,
    ) -> Result<(), EngineError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "UPDATE users SET role = COALESCE($2, role), password_hash = COALESCE($3, password_hash) \
             WHERE username = $1",
        )
        .bind(username)
        .bind(role.map(Role::as_str))
        .bind(phc)
        .execute(&mut *tx)
        .await?;
        if phc.is_some() {
            sqlx::query("DELETE FROM login_sessions WHERE username = $1")
                .bind(username)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_user(&self, username: &str) -> Result<bool, EngineError> {
        let done = sqlx::query("DELETE FROM users WHERE username = $1")
            .bind(username)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps a new login session (and drops the expired ones).
    pub async fn add_login_session(
        &self,
        digest: &str,
        username: &str,
        csrf_token: &str,
        at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM login_sessions WHERE expires_at < $1")
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO login_sessions (token_hash, username, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(digest)
        .bind(username)
        .bind(csrf_token)
        .bind(at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user, role and CSRF token of a login session that has not expired at `now`.
    pub async fn login_session(
        &self,
        digest: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(String, Role, String)>, EngineError> {
        let row: Option<(String, String, String, OffsetDateTime)> = sqlx::query_as(
            "SELECT s.username, u.role, s.csrf_token, s.expires_at FROM login_sessions s \
             JOIN users u ON u.username = s.username WHERE s.token_hash = $1",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        row.filter(|(.., expires_at)| *expires_at > now)
            .map(|(username, role, csrf, _)| Ok((username, role_of(&role)?, csrf)))
            .transpose()
    }

    pub async fn delete_login_session(&self, digest: &str) -> Result<(), EngineError> {
        sqlx::query("DELETE FROM login_sessions WHERE token_hash = $1")
            .bind(digest)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn add_api_token(
        &self,
        digest: &str,
        name: &str,
        role: Role,
        username: &str,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (token_hash, name, role, username, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(digest)
        .bind(name)
        .bind(role.as_str())
        .bind(username)
        .bind(at)
        .fetch_one(&self.writer)
        .await?)
    }

    /// An API token's id, user, role and its user's role.
    pub async fn api_token(
        &self,
        digest: &str,
    ) -> Result<Option<(i64, String, Role, Role)>, EngineError> {
        let row: Option<(i64, String, String, String)> = sqlx::query_as(
            "SELECT t.id, t.username, t.role, u.role FROM api_tokens t \
             JOIN users u ON u.username = t.username WHERE t.token_hash = $1",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, username, role, user_role)| {
            Ok((id, username, role_of(&role)?, role_of(&user_role)?))
        })
        .transpose()
    }

    pub async fn api_tokens(&self) -> Result<Vec<TokenView>, EngineError> {
        let rows: Vec<(i64, String, String, String, OffsetDateTime)> = sqlx::query_as(
            "SELECT id, name, role, username, created_at FROM api_tokens ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name, role, username, created_at)| {
                Ok(TokenView {
                    id,
                    name,
                    role: role_of(&role)?,
                    username,
                    created_at,
                })
            })
            .collect()
    }

    pub async fn delete_api_token(&self, id: i64) -> Result<bool, EngineError> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a call about to be sent; answers its entry's id once it is committed.
    pub async fn audit_start(
        &self,
        actor: &str,
        station: &StationId,
        action: &str,
        payload: &serde_json::Value,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write = AuditWrite::Start {
            actor: actor.to_owned(),
            station: station.clone(),
            action: action.to_owned(),
            payload: payload.to_string(),
            at,
            reply,
        };
        let gone = || EngineError::GroupCommit("the audit log writer has stopped".to_owned());
        self.audit.send(write).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Records how a call ended; returns once it is committed.
    pub async fn audit_finish(&self, id: i64, outcome: &str) -> Result<(), EngineError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write = AuditWrite::Finish {
            id,
            outcome: outcome.to_owned(),
            reply,
        };
        let gone = || EngineError::GroupCommit("the audit log writer has stopped".to_owned());
        self.audit.send(write).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?.map(|_| ())
    }

    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, EngineError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, station_id, action, payload, outcome FROM audit_log \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let payload: String = row.try_get("payload")?;
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    station_id: row.try_get("station_id")?,
                    action: row.try_get("action")?,
                    payload: serde_json::from_str(&payload)
                        .unwrap_or(serde_json::Value::String(payload)),
                    outcome: row.try_get("outcome")?,
                })
            })
            .collect()
    }
}

fn profile_of(stored: i64) -> Result<SecurityProfile, UnknownValue> {
    u8::try_from(stored)
        .ok()
        .and_then(|n| SecurityProfile::try_from(n).ok())
        .ok_or_else(|| UnknownValue(format!("security profile {stored}")))
}

/// Who reported a security event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// The station (SecurityEventNotification).
    Station,
    /// The central system (a refused connection).
    Central,
}

impl EventSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Station => "station",
            EventSource::Central => "central",
        }
    }
}

/// The processes whose latest status a station reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Firmware,
    Diagnostics,
    Log,
}

async fn insert_samples(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    station: &StationId,
    connector_id: u32,
    transaction_id: Option<i64>,
    samples: &[Sample],
) -> Result<(), EngineError> {
    // One statement for many rows (within the bind-parameter limit).
    for chunk in samples.chunks(1000) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO meter_values (station_id, connector_id, transaction_id, sampled_at, \
             value, measurand, unit, phase, context, location, format) ",
        );
        insert.push_values(chunk, |mut row, sample| {
            row.push_bind(station.as_str())
                .push_bind(i64::from(connector_id))
                .push_bind(transaction_id)
                .push_bind(sample.timestamp)
                .push_bind(&sample.value)
                .push_bind(&sample.measurand)
                .push_bind(&sample.unit)
                .push_bind(&sample.phase)
                .push_bind(&sample.context)
                .push_bind(&sample.location)
                .push_bind(&sample.format);
        });
        insert.build().execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_migrates_and_counts_a_file_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.count_stations().await.unwrap(), 0);
        let id = StationId::parse("CP1").unwrap();
        let now = OffsetDateTime::now_utc();
        let first = store
            .station_connected(&id, OcppVersion::V16, now, Registration::Pending)
            .await
            .unwrap();
        assert_eq!(first, Registration::Pending);
        assert!(
            store
                .set_registration(&id, Registration::Accepted)
                .await
                .unwrap()
        );
        // A known station keeps its registration whatever the policy would give a new one.
        let again = store
            .station_connected(&id, OcppVersion::V16, now, Registration::Pending)
            .await
            .unwrap();
        assert_eq!(again, Registration::Accepted);
        assert_eq!(store.count_stations().await.unwrap(), 1);
        store.close().await;

        // Reopening runs no migration twice and keeps the data.
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.count_stations().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn refuses_other_databases_with_a_clear_error() {
        let err = Store::open("mysql://x").await.unwrap_err();
        assert!(err.to_string().contains("mysql://x"), "{err}");
    }
}
