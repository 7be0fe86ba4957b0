//! What differs between the backends, in one place: connecting, migrations, the pool type, and
//! reading a column. Everything else in the store is written once.
//!
//! A query is written once and compiled for each backend by [`on!`](crate::store::on): the
//! statement text is the same (`$n` placeholders, `ON CONFLICT`, `RETURNING`, timestamps bound
//! as UTC values), only the types sqlx infers differ.

use crate::EngineError;
use futures_util::future::BoxFuture;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Decode, PgPool, Postgres, Sqlite, SqlitePool, Type};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

/// How long opening a database may take before it is given up: an unreachable server must
/// fail in seconds with one clear line, not hang.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A pool on one of the backends. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One connection (inside a transaction, usually) on one of the backends.
pub enum Conn<'c> {
    Sqlite(&'c mut sqlx::SqliteConnection),
    Postgres(&'c mut sqlx::PgConnection),
}

impl Conn<'_> {
    /// The same connection, borrowed again (to pass it on and use it after).
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl<'c> From<&'c mut sqlx::SqliteConnection> for Conn<'c> {
    fn from(c: &'c mut sqlx::SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'c> From<&'c mut sqlx::PgConnection> for Conn<'c> {
    fn from(c: &'c mut sqlx::PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

/// Runs `$body` with `$db` bound to the backend's pool (`&SqlitePool` or `&PgPool`): the same
/// code, compiled once per backend. `$db:$ty` also names the backend's `sqlx::Database` type,
/// for a `QueryBuilder`.
macro_rules! on {
    ($pool:expr, |$db:ident| $body:expr) => {
        match $pool {
            $crate::store::backend::Pool::Sqlite($db) => $body,
            $crate::store::backend::Pool::Postgres($db) => $body,
        }
    };
}

/// [`on!`] for a [`Conn`](crate::store::backend::Conn); `$ty` names the backend's database type.
macro_rules! on_conn {
    ($conn:expr, |$db:ident: $ty:ident| $body:expr) => {
        match $conn {
            $crate::store::backend::Conn::Sqlite($db) => {
                #[allow(dead_code)]
                type $ty = sqlx::Sqlite;
                $body
            }
            $crate::store::backend::Conn::Postgres($db) => {
                #[allow(dead_code)]
                type $ty = sqlx::Postgres;
                $body
            }
        }
    };
}

pub(crate) use {on, on_conn};

/// A column value both backends can decode.
pub trait Value:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Value for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// A row of either backend, read by column name; lets row mappers be written once.
pub trait Row {
    fn get<T: Value>(&self, column: &str) -> Result<T, sqlx::Error>;
}

impl Row for sqlx::sqlite::SqliteRow {
    fn get<T: Value>(&self, column: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, column)
    }
}

impl Row for sqlx::postgres::PgRow {
    fn get<T: Value>(&self, column: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, column)
    }
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `url`, from its scheme.
    pub fn of(url: &str) -> Result<Backend, EngineError> {
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(EngineError::UnsupportedDatabase(redact(url))),
        }
    }
}

/// `url` without its password (for messages and logs): `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The authority ends at the first '/', '?' or '#'; its user info at the last '@' in it.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The pools of an open database: reads, and the writes (one connection on SQLite).
pub struct Opened {
    pub backend: Backend,
    pub reads: Pool,
    pub writes: Pool,
}

/// Opens (creating a SQLite file if needed) the database at `url` and brings its schema up to
/// date. Fails within [`CONNECT_TIMEOUT`] (plus the migrations' own time) with an error that
/// names the cause, never the password.
pub async fn open(url: &str) -> Result<Opened, EngineError> {
    match Backend::of(url)? {
        Backend::Sqlite => open_sqlite(url).await,
        Backend::Postgres => open_postgres(url).await,
    }
}

async fn open_sqlite(url: &str) -> Result<Opened, EngineError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| EngineError::BadDatabaseUrl(redact(url), e.to_string()))?
        .create_if_missing(true)
        // WAL + NORMAL: a commit survives the process being killed (the OS has the pages);
        // only a power cut can lose the last commits, and writers do not block readers.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Statement journals and temporary tables in memory: a multi-row insert inside a
        // transaction would otherwise create, write and delete a temporary file each time.
        .pragma("temp_store", "memory")
        .busy_timeout(Duration::from_secs(10))
        // sqlx would print a slow statement's whole text, which for a group commit is a
        // statement of thousands of parameters; commit times are in the metrics instead
        // (`centrale_commit_duration_seconds`). The same on PostgreSQL.
        .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(1));
    let in_memory = url.contains(":memory:");
    // Two processes opening a new file at once (a server starting, `centrale user add` beside
    // it) would both switch it to WAL (which cannot wait for a lock) and apply the first
    // migrations: they take turns until the file is ready.
    let _turn = OpenTurn::take(options.get_filename(), in_memory).await?;
    // Writes: one connection. SQLite has one writer at a time anyway; with several writing
    // connections they would wait for each other in SQLite's busy handler (sleeps of 1 ms and
    // more), which costs far more than taking turns here.
    // Its page cache holds a whole group commit (the message log writes thousands of rows at
    // once; SQLite's default 2 MB cache would spill to the file mid-transaction and read the
    // pages back).
    //
    // The checkpointer (see `checkpoints`) copies the WAL into the database file beside it;
    // the writer checkpoints only past 4 096 pages, and then finds most of the WAL copied
    // already. With SQLite's default (1 000 pages) the writer did it all itself: the commit
    // that crossed it copied the pages and waited for the file's sync, and every group commit
    // behind it waited too.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(
            options
                .clone()
                .pragma("cache_size", "-32768")
                .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string())
                .pragma("journal_size_limit", WAL_SIZE_LIMIT.to_string()),
        )
        .await
        .map_err(connect_error)?;
    migrate(&Pool::Sqlite(writer.clone())).await?;
    if !in_memory {
        let checkpointer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(connect_error)?;
        tokio::spawn(checkpoints(checkpointer, writer.clone()));
    }
    // An in-memory database lives in one connection: reads share the writer's.
    let reads = if in_memory {
        writer.clone()
    } else {
        SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(connect_error)?
    };
    Ok(Opened {
        backend: Backend::Sqlite,
        reads: Pool::Sqlite(reads),
        writes: Pool::Sqlite(writer),
    })
}

/// How many pages the WAL may grow to before the writer checkpoints it itself (16 MiB of 4 KiB
/// pages). Under writes that never pause, a checkpoint beside the writer never catches up with
/// the WAL's end, and only a complete one lets the next transaction start the WAL again from
/// its beginning: the writer's own checkpoint, which copies only what the checkpointer has not
/// yet, is what bounds the file. A larger value gave more throughput in five-second runs and a
/// worse ack p99 (BENCHMARKS.md, "third step"), and a WAL readers search through grows with it.
const WRITER_CHECKPOINT_PAGES: u32 = 4_096;

/// The size a WAL file is cut back to when it starts again (after a burst made it larger).
const WAL_SIZE_LIMIT: u64 = 32 << 20;

/// How often the checkpointer copies what the WAL holds to the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Copies the WAL's committed pages into the database file, on a connection of its own, so
/// that commits seldom wait for it: `PRAGMA wal_checkpoint(PASSIVE)` waits for neither readers
/// nor the writer. Ends when the writer's pool is closed; the last connection to close
/// checkpoints what is left and removes the WAL.
async fn checkpoints(checkpointer: SqlitePool, writer: SqlitePool) {
    let closed = writer.close_event();
    tokio::pin!(closed);
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut closed => break,
            _ = every.tick() => {}
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&checkpointer)
            .await
        {
            // The writer checkpoints by itself past WRITER_CHECKPOINT_PAGES: nothing is lost.
            tracing::warn!(error = %e, "checkpoint of the SQLite WAL failed");
        }
    }
    checkpointer.close().await;
}

/// An exclusive lock (`flock`) on a file beside the database, `PATH-lock`, while a process
/// opens it (WAL, migrations), so that processes open it one after the other. PostgreSQL's
/// migrations take an advisory lock instead. Released when dropped.
///
/// Never a descriptor of the database file itself: closing one would drop the POSIX locks
/// SQLite's connections in this process hold on it (SQLite's "how to corrupt" list, 2.2).
struct OpenTurn(Option<std::fs::File>);

impl OpenTurn {
    async fn take(path: &std::path::Path, in_memory: bool) -> Result<OpenTurn, EngineError> {
        if in_memory {
            return Ok(OpenTurn(None));
        }
        let mut name = path.as_os_str().to_owned();
        name.push("-lock");
        let lock = std::path::PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|e| {
                EngineError::Unreachable(format!(
                    "cannot create or open {}: {e}: does its folder exist, and may Centrale \
                     write there?",
                    lock.display()
                ))
            })?;
        let deadline = tokio::time::Instant::now() + 3 * CONNECT_TIMEOUT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(OpenTurn(Some(file))),
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => {
                    return Err(EngineError::Unreachable(format!(
                        "another process kept {} locked while opening the database: {e}",
                        lock.display()
                    )));
                }
            }
        }
    }
}

impl Drop for OpenTurn {
    fn drop(&mut self) {
        if let Some(file) = &self.0 {
            let _ = file.unlock();
        }
    }
}

async fn open_postgres(url: &str) -> Result<Opened, EngineError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| EngineError::BadDatabaseUrl(redact(url), e.to_string()))?
        .application_name("centrale")
        .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(1));
    // One connection first, without the pool's retries: a refused connection or a wrong
    // password is then said at once, with its cause.
    match tokio::time::timeout(CONNECT_TIMEOUT, sqlx::ConnectOptions::connect(&options)).await {
        Ok(Ok(conn)) => drop(conn),
        Ok(Err(e)) => return Err(connect_error(e)),
        Err(_) => return Err(connect_error(sqlx::Error::PoolTimedOut)),
    }
    // PostgreSQL takes concurrent writers itself: one pool serves reads and writes.
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(connect_error)?;
    let pool = Pool::Postgres(pool);
    migrate(&pool).await?;
    Ok(Opened {
        backend: Backend::Postgres,
        reads: pool.clone(),
        writes: pool,
    })
}

/// One clear line for a database that cannot be reached or entered: what went wrong and what
/// to do (the caller names the URL, without its password).
fn connect_error(e: sqlx::Error) -> EngineError {
    let cause = match &e {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => {
                "the server refused the user name or password: check them in the URL".to_owned()
            }
            Some("3D000") => {
                "the database does not exist: create it (createdb) or fix its name".to_owned()
            }
            Some("42501") => "the user may not connect to this database".to_owned(),
            // SQLite's SQLITE_CANTOPEN.
            Some("14") => format!(
                "{}: does the file's folder exist, and may Centrale write there?",
                db.message()
            ),
            _ => db.message().to_owned(),
        },
        sqlx::Error::Io(io) if io.to_string().contains("certificate") => format!(
            "the server's TLS certificate was not accepted ({io}): name its CA with \
             sslrootcert=PATH in the URL, or use sslmode=require to encrypt without verifying"
        ),
        sqlx::Error::Io(io) => format!(
            "cannot reach the server ({io}): is it running, and are the host and port right?"
        ),
        sqlx::Error::PoolTimedOut => format!(
            "no connection within {} s: is the server reachable?",
            CONNECT_TIMEOUT.as_secs()
        ),
        sqlx::Error::Tls(tls) => format!("TLS failed: {tls}"),
        other => other.to_string(),
    };
    EngineError::Unreachable(cause)
}

/// Runs the migrations the database lacks, in order, once. A database migrated by a newer
/// Centrale (a version this binary does not know) is refused, never touched.
pub async fn migrate(pool: &Pool) -> Result<(), EngineError> {
    let result = match pool {
        Pool::Sqlite(p) => Migrator::new(Embedded(SQLITE)).await?.run(p).await,
        Pool::Postgres(p) => Migrator::new(Embedded(POSTGRES)).await?.run(p).await,
    };
    result.map_err(|e| match e {
        sqlx::migrate::MigrateError::VersionMissing(v) => EngineError::NewerSchema(v, LATEST),
        other => EngineError::Migrate(other),
    })
}

/// For tests of a migration: brings a fresh database at `url` to schema version `version`
/// only, then runs `statements` on it (data as an older Centrale kept it).
#[cfg(test)]
pub async fn at_version(url: &str, version: usize, statements: &[String]) {
    let (pool, steps) = match Backend::of(url).unwrap() {
        Backend::Sqlite => {
            let options = SqliteConnectOptions::from_str(url)
                .unwrap()
                .create_if_missing(true);
            let pool = SqlitePool::connect_with(options).await.unwrap();
            (Pool::Sqlite(pool), SQLITE)
        }
        Backend::Postgres => (
            Pool::Postgres(PgPool::connect(url).await.unwrap()),
            POSTGRES,
        ),
    };
    let migrator = Migrator::new(Embedded(&steps[..version])).await.unwrap();
    on!(&pool, |db| {
        migrator.run(db).await.unwrap();
        for statement in statements {
            sqlx::raw_sql(statement).execute(db).await.unwrap();
        }
        db.close().await;
    });
}

/// The schema version this binary brings the database to.
pub const LATEST: i64 = SQLITE.len() as i64;

/// One migration: version, description, SQL.
type Step = (i64, &'static str, &'static str);

/// Both backends' migrations from one list: the same numbers and names, a file of the same
/// name under `migrations/sqlite/` and `migrations/postgres/` (a missing one does not compile).
macro_rules! migrations {
    ($(($n:literal, $name:literal, $file:literal)),* $(,)?) => {
        /// The SQLite migrations, in order, embedded at compile time.
        pub const SQLITE: &[Step] =
            &[$(($n, $name, include_str!(concat!("../../migrations/sqlite/", $file)))),*];
        /// The PostgreSQL migrations: the same tables and columns (a test compares them).
        pub const POSTGRES: &[Step] =
            &[$(($n, $name, include_str!(concat!("../../migrations/postgres/", $file)))),*];
    };
}

migrations!(
    (1, "stations", "0001_stations.sql"),
    (2, "central system", "0002_central_system.sql"),
    (3, "configuration", "0003_configuration.sql"),
    (4, "message log", "0004_message_log.sql"),
    (
        5,
        "reservations and profiles",
        "0005_reservations_profiles.sql"
    ),
    (6, "local list", "0006_local_list.sql"),
    (7, "station security", "0007_station_security.sql"),
    (8, "operators", "0008_operators.sql"),
    (9, "ocpp 2.0.1", "0009_ocpp201.sql"),
    (
        10,
        "security profile upgrade",
        "0010_security_profile_upgrade.sql"
    ),
    (11, "lenient mode", "0011_lenient_mode.sql"),
    (
        12,
        "message log exchanges",
        "0012_message_log_exchanges.sql"
    ),
    (13, "meter readings", "0013_meter_readings.sql"),
    (14, "station online", "0014_station_online.sql"),
    (15, "fleet power", "0015_fleet_power.sql"),
    (16, "station history", "0016_station_history.sql"),
    (17, "webhooks", "0017_webhooks.sql"),
    (18, "nodes", "0018_nodes.sql"),
);

/// Migrations compiled into the binary (no files needed at run time).
#[derive(Debug)]
struct Embedded(&'static [Step]);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://centrale:s3cret@db.example:5432/centrale?sslmode=require"),
            "postgres://centrale:***@db.example:5432/centrale?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://u:p@ss:w@h/db"),
            "postgresql://u:***@h/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://centrale.db"), "sqlite://centrale.db");
    }

    /// The writer leaves the WAL to the checkpointer: 8 MiB committed (2 000 pages, twice
    /// SQLite's default threshold, half the writer's own) reach the database file within a
    /// few checkpoints.
    #[tokio::test]
    async fn the_checkpointer_copies_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.db");
        let opened = open(&format!("sqlite://{}", file.display())).await.unwrap();
        let Pool::Sqlite(writes) = &opened.writes else {
            panic!("not SQLite");
        };
        let (threshold,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint")
            .fetch_one(writes)
            .await
            .unwrap();
        assert_eq!(threshold, i64::from(WRITER_CHECKPOINT_PAGES));
        let before = std::fs::metadata(&file).unwrap().len();
        sqlx::query("CREATE TABLE scratch (b BLOB)")
            .execute(writes)
            .await
            .unwrap();
        let mut tx = writes.begin().await.unwrap();
        for _ in 0..2_000 {
            sqlx::query("INSERT INTO scratch (b) VALUES (zeroblob(4000))")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let mut size = before;
        for _ in 0..100 {
            size = std::fs::metadata(&file).unwrap().len();
            if size >= before + 8_000_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(size >= before + 8_000_000, "{before} -> {size} bytes");
    }

    #[test]
    fn a_url_names_its_backend() {
        assert_eq!(Backend::of("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of("postgres://h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::of("postgresql://h/db").unwrap(), Backend::Postgres);
        let err = Backend::of("mysql://root:pw@h/db").unwrap_err().to_string();
        assert!(err.contains("mysql://root:***@h/db"), "{err}");
        assert!(!err.contains("pw"), "{err}");
    }
}
