//! Pruning what grows without end: meter values and the message log older than an age, and
//! the station histories (status changes, connections) and webhook deliveries with the message
//! log.
//! Transactions themselves are kept.
//!
//! Rows go oldest first in arrival (id) order, in chunks, so a large backlog never holds the
//! writer for long: the rows that arrived before the first one still young enough, and are
//! older than the cutoff, are deleted. A sample a station sent late (after buffering offline)
//! goes once everything that arrived before it is old enough. No extra index is needed (the
//! scan starts at the lowest id and stops at the first young row).

use super::Store;
use super::backend::on;
use crate::EngineError;
use time::OffsetDateTime;

/// Rows deleted per statement.
const CHUNK: i64 = 10_000;
/// Statements per table per run at most (the next run goes on).
const MAX_CHUNKS: usize = 100;

/// A table that is pruned by age: its name and the column that dates a row.
#[derive(Debug, Clone, Copy)]
pub enum Pruned {
    /// `meter_readings`, by when the values were sampled.
    MeterValues,
    /// `message_log`, by when the frame was logged.
    MessageLog,
    /// `fleet_power`, the fleet's power a minute, by when it was written down.
    FleetPower,
    /// `status_changes`, a station's connectors' statuses as they changed, by when heard.
    StatusChanges,
    /// `station_connections`, when stations were online, by when the connection ended.
    Connections,
    /// `webhook_deliveries`, by when the event happened.
    Deliveries,
}

impl Pruned {
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            Pruned::MeterValues => ("meter_readings", "sampled_at"),
            Pruned::MessageLog => ("message_log", "logged_at"),
            Pruned::FleetPower => ("fleet_power", "at"),
            Pruned::StatusChanges => ("status_changes", "at"),
            Pruned::Connections => ("station_connections", "disconnected_at"),
            Pruned::Deliveries => ("webhook_deliveries", "created_at"),
        }
    }

    /// What else a row must be to go: a webhook delivery still waiting stays (its queue counts
    /// it).
    fn and_only(self) -> &'static str {
        match self {
            Pruned::Deliveries => " AND (delivered_at IS NOT NULL OR failed_at IS NOT NULL)",
            _ => "",
        }
    }

    /// What one row counts for: the sampled values of a reading, or the frames of a logged row
    /// (a CALL and its answer share one).
    fn counted(self) -> &'static str {
        match self {
            Pruned::MeterValues => "sample_count",
            Pruned::MessageLog => "CASE WHEN reply_frame IS NULL THEN 1 ELSE 2 END",
            Pruned::FleetPower
            | Pruned::StatusChanges
            | Pruned::Connections
            | Pruned::Deliveries => "1",
        }
    }
}

impl Store {
    /// Deletes the rows of `what` dated before `before`; answers how many samples or frames
    /// went.
    pub async fn prune_older_than(
        &self,
        what: Pruned,
        before: OffsetDateTime,
    ) -> Result<u64, EngineError> {
        let (table, column) = what.table_and_column();
        // The first row (in arrival order) young enough to keep: nothing from it on goes.
        let first_young: Option<i64> = on!(&self.reads, |db| {
            sqlx::query_scalar(&format!(
                "SELECT id FROM {table} WHERE {column} >= $1 ORDER BY id LIMIT 1"
            ))
            .bind(before)
            .fetch_optional(db)
            .await?
        });
        let boundary = first_young.unwrap_or(i64::MAX);
        let counted = what.counted();
        let only = what.and_only();
        let delete = format!(
            "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} \
             WHERE id < $1 AND {column} < $2{only} ORDER BY id LIMIT $3) \
             RETURNING CAST({counted} AS BIGINT)"
        );
        let mut total = 0;
        for _ in 0..MAX_CHUNKS {
            let deleted: Vec<i64> = on!(&self.writes, |db| {
                sqlx::query_scalar(&delete)
                    .bind(boundary)
                    .bind(before)
                    .bind(CHUNK)
                    .fetch_all(db)
                    .await?
            });
            total += deleted
                .iter()
                .map(|n| u64::try_from(*n).unwrap_or(0))
                .sum::<u64>();
            if deleted.len() < CHUNK as usize {
                break;
            }
            // Let the stations' writes through between chunks.
            tokio::task::yield_now().await;
        }
        Ok(total)
    }
}
