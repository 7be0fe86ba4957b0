//! Moving a whole database to PostgreSQL (`centrale migrate-data`), and backups of SQLite
//! (`centrale backup`).
//!
//! The copy reads the source in one read transaction (one consistent snapshot, even while a
//! server runs on it) and writes the target in one transaction: it lands whole or not at all,
//! so a failed run leaves the target as it was and can simply be run again. Ids are kept, so
//! links survive; the target's id sequences are then moved past them, so new rows get fresh
//! ids. Each table's rows are counted on both sides before the commit.

use super::Store;
use super::backend::{self, Backend, Pool, Row, on};
use crate::EngineError;
use sqlx::postgres::Postgres;
use time::OffsetDateTime;

/// The tables not copied: the nodes of a cluster running on the source, and what they tell
/// each other, are processes, not data (stations they held are marked offline by the first
/// node started on the target).
pub const NOT_COPIED: &[&str] = &["nodes", "node_messages"];

/// Every table, parents before the tables that refer to them.
pub const TABLES: &[&str] = &[
    "stations",
    "connectors",
    "station_connections",
    "status_changes",
    "evse_connectors",
    "station_configuration",
    "local_auth_list",
    "id_tags",
    "transactions",
    "transaction_events",
    "unmatched_stops",
    "meter_readings",
    "security_events",
    "station_network_profiles",
    "station_deviations",
    "station_events",
    "station_reports",
    "device_variables",
    "reservations",
    "charging_profiles",
    "remote_starts",
    "users",
    "login_sessions",
    "api_tokens",
    "audit_log",
    "message_log",
    "fleet_power",
    "webhooks",
    "webhook_deliveries",
    "webhook_queues",
];

/// What to copy, and whether a target that holds data may be emptied first.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyOptions {
    /// Copy the message log too (a trace; often large).
    pub message_log: bool,
    /// Empty a target that already holds rows, instead of refusing it.
    pub replace: bool,
}

/// Where a copy is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A table is about to be copied: how many rows it has.
    Table { table: &'static str, rows: u64 },
    /// Rows copied so far in the current table.
    Rows { table: &'static str, copied: u64 },
    /// The table is copied and counted on both sides.
    Counted {
        table: &'static str,
        source: u64,
        target: u64,
    },
}

/// How a column is typed on PostgreSQL, and so how its values are read and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Bool,
    Time,
}

/// One value on its way.
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Time(Option<OffsetDateTime>),
}

impl Value {
    fn read(row: &impl Row, column: &str, kind: Kind) -> Result<Value, sqlx::Error> {
        Ok(match kind {
            Kind::Text => Value::Text(row.get(column)?),
            Kind::Int => Value::Int(row.get(column)?),
            Kind::Bool => Value::Bool(row.get(column)?),
            Kind::Time => Value::Time(row.get(column)?),
        })
    }
}

/// Rows per INSERT (PostgreSQL takes at most 65,535 parameters per statement).
const BATCH: usize = 500;

/// Copies every row of `from` into the PostgreSQL database `to`, creating its schema; answers
/// the rows copied per table. Refuses a target with rows unless `options.replace`.
pub async fn migrate_data(
    from: &str,
    to: &str,
    options: CopyOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<(&'static str, u64)>, EngineError> {
    if Backend::of(to)? != Backend::Postgres {
        return Err(EngineError::Copy(
            "the target must be a PostgreSQL database (postgres://...); to copy a SQLite \
             database to a file, use `centrale backup`"
                .to_owned(),
        ));
    }
    let source = Store::open(from).await?;
    let target = Store::open(to).await?;
    let result = copy_all(&source, &target, options, progress).await;
    source.close().await;
    target.close().await;
    result
}

async fn copy_all(
    source: &Store,
    target: &Store,
    options: CopyOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<(&'static str, u64)>, EngineError> {
    let Pool::Postgres(pg) = &target.writes else {
        return Err(EngineError::Copy(
            "the target must be PostgreSQL".to_owned(),
        ));
    };
    let tables: Vec<&'static str> = TABLES
        .iter()
        .copied()
        .filter(|t| options.message_log || *t != "message_log")
        .collect();
    let mut out = pg.begin().await?;
    let columns = target_columns(&mut out).await?;
    for table in TABLES {
        if !columns.iter().any(|(t, _, _)| t == table) {
            return Err(EngineError::Copy(format!(
                "the target has no table {table}"
            )));
        }
    }
    if let Some((t, _, _)) = columns
        .iter()
        .find(|(t, _, _)| !TABLES.contains(&t.as_str()) && !NOT_COPIED.contains(&t.as_str()))
    {
        return Err(EngineError::Copy(format!(
            "the target has a table this Centrale does not know how to copy: {t}"
        )));
    }
    let mut held = 0;
    for table in &tables {
        held += count_pg(&mut out, table).await?;
    }
    if held > 0 {
        if !options.replace {
            return Err(EngineError::Copy(format!(
                "the target already holds {held} rows: give --replace to empty it first, or \
                 name an empty database"
            )));
        }
        let list = TABLES.join(", ");
        sqlx::raw_sql(&format!("TRUNCATE {list} RESTART IDENTITY"))
            .execute(&mut *out)
            .await?;
    }
    let mut copied = Vec::with_capacity(tables.len());
    on!(&source.reads, |db| {
        // One read transaction: every table from the same snapshot.
        let mut input = db.begin().await?;
        for &table in &tables {
            let kinds: Vec<(String, Kind)> = columns
                .iter()
                .filter(|(t, _, _)| t == table)
                .map(|(_, c, k)| (c.clone(), *k))
                .collect();
            let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&mut *input)
                .await?;
            let rows = super::count(rows);
            progress(Progress::Table { table, rows });
            let names = kinds
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let order = if kinds.iter().any(|(c, _)| c == "id") {
                " ORDER BY id"
            } else {
                ""
            };
            let select = format!("SELECT {names} FROM {table}{order}");
            let mut stream = sqlx::query(&select).fetch(&mut *input);
            let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
            let mut done = 0u64;
            while let Some(row) = futures_util::TryStreamExt::try_next(&mut stream).await? {
                batch.push(
                    kinds
                        .iter()
                        .map(|(c, k)| Value::read(&row, c, *k))
                        .collect::<Result<_, _>>()?,
                );
                if batch.len() == BATCH {
                    insert(&mut out, table, &names, &mut batch).await?;
                    done += BATCH as u64;
                    progress(Progress::Rows {
                        table,
                        copied: done,
                    });
                }
            }
            drop(stream);
            done += batch.len() as u64;
            insert(&mut out, table, &names, &mut batch).await?;
            if kinds.iter().any(|(c, k)| c == "id" && *k == Kind::Int) {
                // Identity columns: new rows after the move get ids past the copied ones.
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .execute(&mut *out)
                .await?;
            }
            let written = count_pg(&mut out, table).await?;
            progress(Progress::Counted {
                table,
                source: rows,
                target: written,
            });
            if written != rows || done != rows {
                return Err(EngineError::Copy(format!(
                    "{table}: {rows} rows in the source, {written} in the target; nothing was \
                     committed"
                )));
            }
            copied.push((table, rows));
        }
        input.rollback().await?;
    });
    out.commit().await?;
    Ok(copied)
}

/// Inserts a batch of rows and empties it.
async fn insert(
    out: &mut sqlx::PgConnection,
    table: &str,
    names: &str,
    batch: &mut Vec<Vec<Value>>,
) -> Result<(), EngineError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut insert = sqlx::QueryBuilder::<Postgres>::new(format!(
        "INSERT INTO {table} ({names}) OVERRIDING SYSTEM VALUE "
    ));
    insert.push_values(batch.drain(..), |mut row, values| {
        for value in values {
            match value {
                Value::Text(v) => row.push_bind(v),
                Value::Int(v) => row.push_bind(v),
                Value::Bool(v) => row.push_bind(v),
                Value::Time(v) => row.push_bind(v),
            };
        }
    });
    insert.build().execute(out).await?;
    Ok(())
}

/// The target's tables and columns with their kinds, in column order.
async fn target_columns(
    out: &mut sqlx::PgConnection,
) -> Result<Vec<(String, String, Kind)>, EngineError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name <> '_sqlx_migrations' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(out)
    .await?;
    rows.into_iter()
        .map(|(table, column, data_type)| {
            let kind = match data_type.as_str() {
                "text" => Kind::Text,
                "bigint" => Kind::Int,
                "boolean" => Kind::Bool,
                "timestamp with time zone" => Kind::Time,
                other => {
                    return Err(EngineError::Copy(format!(
                        "{table}.{column} has type {other}, which the copy does not know"
                    )));
                }
            };
            Ok((table, column, kind))
        })
        .collect()
}

async fn count_pg(out: &mut sqlx::PgConnection, table: &str) -> Result<u64, EngineError> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(out)
        .await?;
    Ok(super::count(n))
}

/// Writes a consistent copy of the SQLite database `from` to the new file `to`, while a server
/// may be running on it (`VACUUM INTO`: one read transaction, compacted). PostgreSQL databases
/// are backed up with `pg_dump` (see the README).
pub async fn backup(from: &str, to: &std::path::Path) -> Result<u64, EngineError> {
    if Backend::of(from)? != Backend::Sqlite {
        return Err(EngineError::Copy(format!(
            "{} is a PostgreSQL database: back it up with pg_dump (see README, Databases)",
            backend::redact(from)
        )));
    }
    if to.exists() {
        return Err(EngineError::Copy(format!(
            "{} exists already: name a new file",
            to.display()
        )));
    }
    let path = to
        .to_str()
        .ok_or_else(|| EngineError::Copy(format!("{} is not a UTF-8 path", to.display())))?;
    let store = Store::open(from).await?;
    let result = async {
        on!(&store.reads, |db| {
            sqlx::query("VACUUM INTO $1").bind(path).execute(db).await?;
        });
        Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or(0))
    }
    .await;
    store.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_table_of_the_schema_is_copied_but_the_nodes() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut tables: Vec<String> = on!(&store.reads, |db| {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
            )
            .fetch_all(db)
            .await
            .unwrap()
        });
        tables.sort();
        let mut known: Vec<String> = TABLES
            .iter()
            .chain(NOT_COPIED)
            .map(|t| t.to_string())
            .collect();
        known.sort();
        assert_eq!(tables, known);
    }
}
