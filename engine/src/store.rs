//! Persistence: the only module that runs SQL.
//!
//! SQLite (WAL, one file) is the embedded default. The schema sticks to types and statements that
//! PostgreSQL shares, with migrations kept per backend under `engine/migrations/<backend>/` and
//! embedded in the binary, so a PostgreSQL store can follow by URL without touching the engine.

use crate::EngineError;
use futures_util::future::BoxFuture;
use protocol::{OcppVersion, StationId};
use sqlx::SqlitePool;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// The SQLite migrations, in order, embedded at compile time.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "stations",
    include_str!("../migrations/sqlite/0001_stations.sql"),
)];

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
    pool: SqlitePool,
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
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection; a file is shared by several.
            .max_connections(if in_memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        let migrator = Migrator::new(Embedded(SQLITE_MIGRATIONS)).await?;
        migrator.run(&pool).await?;
        Ok(Store { pool })
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Records that `station` connected now, creating the station on its first connection.
    pub async fn station_connected(
        &self,
        station: &StationId,
        protocol: OcppVersion,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        sqlx::query(
            "INSERT INTO stations (id, protocol, created_at, last_seen_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (id) DO UPDATE SET protocol = excluded.protocol, \
             last_seen_at = excluded.last_seen_at",
        )
        .bind(station.as_str())
        .bind(protocol.subprotocol())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
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
            .execute(&self.pool)
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
        store
            .station_connected(&id, OcppVersion::V16, now)
            .await
            .unwrap();
        store
            .station_connected(&id, OcppVersion::V16, now)
            .await
            .unwrap();
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
