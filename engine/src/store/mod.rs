//! Persistence: the only module that runs SQL.
//!
//! SQLite (WAL, one file) is the embedded default; PostgreSQL (15 and newer) serves bigger
//! fleets. Each query is written once, in SQL both accept, and compiled for each backend by
//! [`backend::on!`]; what differs (connecting, migrations, column types) lives in [`backend`].
//!
//! One module per aggregate, each an `impl Store` block:
//! - [`stations`]: stations, their connectors and what they report;
//! - [`fleet`]: the stations list a page at a time, the fleet's counters;
//! - [`history`]: a station's connections, status changes and recent readings;
//! - [`id_tags`]: id tags;
//! - [`transactions`]: transactions, remote starts and stops;
//! - [`transaction_events`]: transactions reported as events (2.0.1), each event once;
//! - [`device_model`]: what 2.0.1 stations describe and notify: device model, EVSE
//!   connectors, monitoring events, other reports;
//! - [`samples`]: meter values (the group-commit writer);
//! - [`reservations`]: reservations and charging profiles;
//! - [`configuration`]: station configuration and local authorization lists;
//! - [`messages`]: the message log;
//! - [`security`]: station security profiles and passwords, security events;
//! - [`deviations`]: lenient mode, and what each station's messages deviated in;
//! - [`operators`]: users, login sessions, API tokens;
//! - [`audit`]: the audit log (its group-commit writer);
//! - [`retention`]: pruning old meter values and message log frames;
//! - [`copy`]: moving every row to PostgreSQL (`centrale migrate-data`), SQLite backups;
//! - [`outbox`]: what writes report to webhooks, written in their own transactions;
//! - [`webhooks`]: webhook endpoints, their deliveries and queues;

//!
//! The dependency runs one way: the store uses the model's types; nothing outside the store
//! names its internals.

mod audit;
pub mod backend;
mod configuration;
pub mod copy;
mod deviations;
mod device_model;
mod fleet;
mod history;
mod id_tags;
mod messages;
pub mod nodes;
mod operators;
pub mod outbox;
mod reservations;
pub mod retention;
mod samples;
mod security;
mod stations;
pub use stations::Holder;
#[doc(hidden)]
pub mod testing;
mod transaction_events;
mod transactions;
pub mod webhooks;

pub use samples::SampleReports;

use crate::EngineError;
use backend::{Backend, Pool, Row};

/// A handle on the database: its pools and group-commit writers, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// Reads (the dashboard, the API, lookups). On SQLite several connections, never blocked
    /// by a write (WAL).
    reads: Pool,
    /// Writes. On SQLite one connection (one writer at a time anyway; taking turns here costs
    /// far less than SQLite's busy handler); on PostgreSQL the same pool as reads.
    writes: Pool,
    /// The meter values writer (see [`Store::add_samples`]).
    samples: tokio::sync::mpsc::Sender<samples::SampleWrite>,
    /// The audit log writer (see [`Store::audit_start`]).
    audit: tokio::sync::mpsc::Sender<audit::AuditWrite>,
    /// What the writers count (commit times, batch sizes), shared with the engine.
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// The event kinds enabled webhooks want: an event of another kind is not written to the
    /// outbox (see [`Store::noted`]).
    wanted: std::sync::Arc<outbox::Wanted>,
}

/// How many messages one group commit takes at most (meter values, the audit log).
const GROUP_COMMIT: usize = 256;

impl Store {
    /// Opens the database at `url` and brings its schema up to date: `sqlite://PATH` (a file,
    /// created if missing, relative to the working directory), `sqlite::memory:`, or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (also `postgresql://`).
    pub async fn open(url: &str) -> Result<Store, EngineError> {
        let opened = backend::open(url).await?;
        let metrics = std::sync::Arc::new(crate::metrics::Metrics::default());
        let wanted = std::sync::Arc::<outbox::Wanted>::default();
        let (samples, queue) = tokio::sync::mpsc::channel(4 * GROUP_COMMIT);
        // Each writer ends when the last `Store` handle (and so the last sender) is dropped.
        tokio::spawn(samples::write_samples(
            opened.writes.clone(),
            queue,
            metrics.clone(),
            wanted.clone(),
        ));
        let (audit, queue) = tokio::sync::mpsc::channel(4 * GROUP_COMMIT);
        tokio::spawn(audit::write_audit(
            opened.writes.clone(),
            queue,
            metrics.clone(),
            wanted.clone(),
        ));
        Ok(Store {
            backend: opened.backend,
            reads: opened.reads,
            writes: opened.writes,
            samples,
            audit,
            metrics,
            wanted,
        })
    }

    /// What this store's writers, and the engine on it, count.
    pub fn metrics(&self) -> &std::sync::Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        for pool in [&self.reads, &self.writes] {
            match pool {
                Pool::Sqlite(p) => p.close().await,
                Pool::Postgres(p) => p.close().await,
            }
        }
    }
}

/// The `connector_id` column (stored from a `u32`).
fn connector_of(row: &impl Row) -> Result<u32, EngineError> {
    let id: i64 = row.get("connector_id")?;
    Ok(u32::try_from(id).unwrap_or_default())
}

/// A count as stored (`COUNT(*)` is a 64-bit integer on both backends).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Registration;
    use protocol::{OcppVersion, StationId};
    use time::OffsetDateTime;

    #[tokio::test]
    async fn opens_migrates_and_counts_a_file_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.count_stations().await.unwrap(), 0);
        let id = StationId::parse("CP1").unwrap();
        let now = OffsetDateTime::now_utc();
        let (first, _) = store
            .station_connected(
                &id,
                Holder {
                    connection: uuid::Uuid::new_v4(),
                    node: "test",
                },
                OcppVersion::V16,
                now,
                Registration::Pending,
                &outbox::nothing,
            )
            .await
            .unwrap();
        assert_eq!(first, Registration::Pending);
        assert!(
            store
                .set_registration(&id, Registration::Accepted, &outbox::nothing)
                .await
                .unwrap()
        );
        // A known station keeps its registration whatever the policy would give a new one.
        let (again, _) = store
            .station_connected(
                &id,
                Holder {
                    connection: uuid::Uuid::new_v4(),
                    node: "test",
                },
                OcppVersion::V16,
                now,
                Registration::Pending,
                &outbox::nothing,
            )
            .await
            .unwrap();
        assert_eq!(again, Registration::Accepted);
        assert_eq!(store.count_stations().await.unwrap(), 1);
        store.close().await;

        // Reopening runs no migration twice and keeps the data.
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.count_stations().await.unwrap(), 1);
    }

    /// The tables and columns of a database, sorted.
    async fn columns(store: &Store) -> Vec<(String, String)> {
        let sql = match store.backend() {
            Backend::Sqlite => {
                "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
                 AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' ORDER BY t, c"
            }
            Backend::Postgres => {
                "SELECT table_name::TEXT AS t, column_name::TEXT AS c \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name <> '_sqlx_migrations' ORDER BY t, c"
            }
        };
        backend::on!(&store.reads, |db| sqlx::query_as(sql)
            .fetch_all(db)
            .await
            .unwrap())
    }

    #[tokio::test]
    async fn both_backends_make_the_same_tables_and_columns() {
        let Some(admin) = testing::postgres_or_say_why() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Store::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
            .await
            .unwrap();
        let url = testing::fresh_postgres_database(&admin).await.unwrap();
        let postgres = Store::open(&url).await.unwrap();
        assert_eq!(postgres.backend(), Backend::Postgres);
        let (a, b) = (columns(&sqlite).await, columns(&postgres).await);
        assert!(a.len() > 50, "{a:?}");
        assert_eq!(a, b);
    }

    #[tokio::test]
    async fn a_role_that_only_owns_its_database_migrates_it_once() {
        let Some(admin) = testing::postgres_or_say_why() else {
            return;
        };
        let url = testing::fresh_postgres_database(&admin).await.unwrap();
        let store = Store::open(&url).await.unwrap();
        let id = StationId::parse("CP1").unwrap();
        let now = OffsetDateTime::now_utc();
        store
            .station_connected(
                &id,
                Holder {
                    connection: uuid::Uuid::new_v4(),
                    node: "test",
                },
                OcppVersion::V16,
                now,
                Registration::Pending,
                &outbox::nothing,
            )
            .await
            .unwrap();
        store.close().await;
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.count_stations().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn postgres_is_reached_over_tls_when_the_url_asks() {
        let Some(admin) = testing::postgres_or_say_why() else {
            return;
        };
        let url = testing::fresh_postgres_database(&admin).await.unwrap();
        let plain = Store::open(&url).await.unwrap();
        let on: String = backend::on!(&plain.reads, |db| {
            sqlx::query_scalar("SHOW ssl").fetch_one(db).await.unwrap()
        });
        plain.close().await;
        if on != "on" {
            eprintln!("not run here: the test server has ssl off (make test's has it on)");
            return;
        }
        let store = Store::open(&format!("{url}?sslmode=require"))
            .await
            .unwrap();
        let ssl: bool = backend::on!(&store.reads, |db| {
            sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .fetch_one(db)
                .await
                .unwrap()
        });
        assert!(ssl);
        // A certificate that cannot be verified is refused when the URL asks for verification.
        let err = Store::open(&format!("{url}?sslmode=verify-full"))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("certificate was not accepted"), "{err}");
        assert!(!err.contains("centrale-test-app-password"), "{err}");
    }

    #[tokio::test]
    async fn a_database_of_a_newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let url = testing::fresh_database(dir.path()).await.unwrap();
        let store = Store::open(&url).await.unwrap();
        let newer = backend::LATEST + 1;
        backend::on!(&store.writes, |db| {
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
                 execution_time) VALUES ($1, 'from a newer Centrale', TRUE, $2, 0)",
            )
            .bind(newer)
            .bind(vec![0u8; 48])
            .execute(db)
            .await
            .unwrap();
        });
        store.close().await;
        let err = Store::open(&url).await.unwrap_err();
        assert!(
            matches!(err, EngineError::NewerSchema(v, l) if v == newer && l == backend::LATEST),
            "{err}"
        );
        assert!(
            err.to_string().contains("newer than this Centrale"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn refuses_other_databases_with_a_clear_error() {
        let err = Store::open("mysql://x").await.unwrap_err();
        assert!(err.to_string().contains("mysql://x"), "{err}");
    }
}
