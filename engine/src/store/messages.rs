//! The message log: every frame in and out, appended in batches.

use super::Store;
use super::backend::{Row, on};
use crate::EngineError;
use crate::message_log::{Direction, FrameStore, LogEntry, LoggedFrame, MessageQuery, Reply};
use sqlx::QueryBuilder;

impl Store {
    /// Appends log entries in one transaction: a row per entry (a CALL and its answer are one).
    pub(crate) async fn append_messages(&self, entries: &[LogEntry]) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            // Statements of a few shapes only (chunks of 1 024 rows, then powers of two), so
            // each is prepared once and stays in the connection's statement cache.
            for chunk in chunks(entries) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO message_log (station_id, direction, message_type, message_id, \
                     action, frame, logged_at, reply_type, reply_frame, reply_at) ",
                );
                insert.push_values(chunk, |mut row, e| {
                    let f = &e.frame;
                    let reply = e.reply.as_ref();
                    row.push_bind(&f.station_id)
                        .push_bind(f.direction.as_str())
                        .push_bind(f.message_type.map(i64::from))
                        .push_bind(&f.message_id)
                        .push_bind(&f.action)
                        .push_bind(&f.frame)
                        .push_bind(f.at)
                        .push_bind(reply.map(|r| i64::from(r.message_type)))
                        .push_bind(reply.map(|r| r.frame.as_str()))
                        .push_bind(reply.map(|r| r.at));
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Keeps about the newest `keep` logged frames: the newest `keep / 2` rows, most of which
    /// hold a CALL and its answer.
    pub(crate) async fn prune_messages(&self, keep: u64) -> Result<(), EngineError> {
        let rows = keep.div_ceil(2);
        on!(&self.writes, |db| {
            sqlx::query(
                "DELETE FROM message_log \
                 WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM message_log) - $1",
            )
            .bind(i64::try_from(rows).unwrap_or(i64::MAX))
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// The newest logged frames `query` selects, newest first (a row's answer before its
    /// CALL), at most `limit`. Each row holds a frame that matches, but the one `before` cuts.
    pub async fn messages(
        &self,
        query: &MessageQuery,
        limit: u32,
    ) -> Result<Vec<LoggedFrame>, EngineError> {
        let entries: Vec<(i64, LogEntry)> = on!(&self.reads, |db| {
            let mut select = QueryBuilder::new(
                "SELECT id, station_id, direction, message_type, message_id, action, frame, \
                 logged_at, reply_type, reply_frame, reply_at FROM message_log WHERE TRUE",
            );
            if let Some(station) = &query.station {
                select
                    .push(" AND station_id = ")
                    .push_bind(station.as_str());
            }
            if let Some(action) = &query.action {
                select.push(" AND action = ").push_bind(action.as_str());
            }
            if query.errors {
                select.push(" AND (message_type = 4 OR reply_type = 4)");
            }
            if let Some(before) = query.before {
                // Row r holds frames 2r and 2r + 1.
                select.push(" AND id <= ").push_bind(before / 2);
            }
            // One row more: the row `before` cuts may hold no frame that is wanted.
            select
                .push(" ORDER BY id DESC LIMIT ")
                .push_bind(i64::from(limit) + 1);
            select
                .build()
                .fetch_all(db)
                .await?
                .iter()
                .map(entry_from_row)
                .collect::<Result<_, _>>()?
        });
        let wanted = |frame: &LoggedFrame| {
            query.before.is_none_or(|before| frame.id < before)
                && (!query.errors || frame.message_type == Some(4))
        };
        let mut frames = Vec::with_capacity(entries.len() * 2);
        for (row, entry) in entries {
            // Each row's frames get ids of their own, in the order they went.
            if let Some(mut reply) = entry.reply_frame() {
                reply.id = row * 2 + 1;
                frames.push(reply);
            }
            frames.push(LoggedFrame {
                id: row * 2,
                ..entry.frame
            });
        }
        frames.retain(wanted);
        frames.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(frames)
    }
}

/// `entries` in chunks of [`CHUNK`] rows, then of decreasing powers of two.
fn chunks(entries: &[LogEntry]) -> impl Iterator<Item = &[LogEntry]> {
    const CHUNK: usize = 1024;
    let mut rest = entries;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = if rest.len() >= CHUNK {
            CHUNK
        } else {
            1 << rest.len().ilog2()
        };
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        Some(chunk)
    })
}

impl FrameStore for Store {
    async fn append(&self, entries: &[LogEntry]) -> Result<(), EngineError> {
        self.append_messages(entries).await
    }

    async fn prune(&self, keep: u64) -> Result<(), EngineError> {
        self.prune_messages(keep).await
    }
}

/// A row: its id and its entry (the frame's id left 0).
fn entry_from_row(row: &impl Row) -> Result<(i64, LogEntry), EngineError> {
    let direction: String = row.get("direction")?;
    let message_type = |column| -> Result<Option<u8>, EngineError> {
        Ok(row
            .get::<Option<i64>>(column)?
            .and_then(|t| u8::try_from(t).ok()))
    };
    let reply = match (
        message_type("reply_type")?,
        row.get::<Option<String>>("reply_frame")?,
        row.get::<Option<time::OffsetDateTime>>("reply_at")?,
    ) {
        (Some(message_type), Some(frame), Some(at)) => Some(Reply {
            message_type,
            frame,
            at,
        }),
        _ => None,
    };
    let entry = LogEntry {
        frame: LoggedFrame {
            id: 0,
            station_id: row.get("station_id")?,
            direction: if direction == "in" {
                Direction::In
            } else {
                Direction::Out
            },
            message_type: message_type("message_type")?,
            message_id: row.get("message_id")?,
            action: row.get("action")?,
            frame: row.get("frame")?,
            at: row.get("logged_at")?,
        },
        reply,
    };
    Ok((row.get("id")?, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_have_few_shapes_and_cover_everything() {
        let entry = LogEntry {
            frame: LoggedFrame {
                id: 0,
                station_id: "S".to_owned(),
                direction: Direction::In,
                message_type: None,
                message_id: None,
                action: None,
                frame: String::new(),
                at: time::OffsetDateTime::UNIX_EPOCH,
            },
            reply: None,
        };
        for n in [0, 1, 2, 3, 1023, 1024, 1025, 3000, 8192] {
            let entries = vec![entry.clone(); n];
            let sizes: Vec<usize> = chunks(&entries).map(<[LogEntry]>::len).collect();
            assert_eq!(sizes.iter().sum::<usize>(), n, "{n}: {sizes:?}");
            assert!(
                sizes.iter().all(|s| *s == 1024 || s.is_power_of_two()),
                "{n}: {sizes:?}"
            );
        }
    }
}
