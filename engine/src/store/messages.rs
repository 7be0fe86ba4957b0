//! The message log: every frame in and out, appended in batches.

use super::Store;
use super::backend::{Row, on};
use crate::EngineError;
use crate::message_log::{Direction, FrameStore, LoggedFrame};
use protocol::StationId;

impl Store {
    /// Appends logged frames in one transaction.
    pub async fn append_messages(&self, frames: &[LoggedFrame]) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            // The writer's full batches (500 frames) are one statement of one shape, prepared
            // once; each statement costs a hand-off to SQLite's worker thread or a round trip
            // to PostgreSQL, so fewer, larger ones are cheaper than power-of-two chunks.
            for chunk in frames.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::new(
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
        });
        Ok(())
    }

    /// Keeps only the newest `keep` logged frames.
    pub async fn prune_messages(&self, keep: u64) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "DELETE FROM message_log \
                 WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM message_log) - $1",
            )
            .bind(i64::try_from(keep).unwrap_or(i64::MAX))
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// The newest logged frames, newest first.
    pub async fn messages(
        &self,
        station: Option<&StationId>,
        limit: u32,
    ) -> Result<Vec<LoggedFrame>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT id, station_id, direction, message_type, message_id, action, frame, \
                 logged_at FROM message_log WHERE ($1 IS NULL OR station_id = $1) \
                 ORDER BY id DESC LIMIT $2",
            )
            .bind(station.map(StationId::as_str))
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
            .iter()
            .map(frame_from_row)
            .collect()
        })
    }
}

impl FrameStore for Store {
    async fn append(&self, frames: &[LoggedFrame]) -> Result<(), EngineError> {
        self.append_messages(frames).await
    }

    async fn prune(&self, keep: u64) -> Result<(), EngineError> {
        self.prune_messages(keep).await
    }
}

fn frame_from_row(row: &impl Row) -> Result<LoggedFrame, EngineError> {
    let direction: String = row.get("direction")?;
    Ok(LoggedFrame {
        id: row.get("id")?,
        station_id: row.get("station_id")?,
        direction: if direction == "in" {
            Direction::In
        } else {
            Direction::Out
        },
        message_type: row
            .get::<Option<i64>>("message_type")?
            .and_then(|t| u8::try_from(t).ok()),
        message_id: row.get("message_id")?,
        action: row.get("action")?,
        frame: row.get("frame")?,
        at: row.get("logged_at")?,
    })
}
