//! Lenient mode: which stations are in it, and the deviations each one's messages needed.

use super::backend::{Row, on};
use super::{Store, count};
use crate::EngineError;
use crate::model::DeviationCount;
use protocol::StationId;
use protocol::lenient::Deviation;
use time::OffsetDateTime;

impl Store {
    /// Puts a known station in lenient mode or back in strict mode; false if it is unknown.
    pub async fn set_lenient(
        &self,
        station: &StationId,
        lenient: bool,
    ) -> Result<bool, EngineError> {
        let changed = on!(&self.writes, |db| {
            sqlx::query("UPDATE stations SET lenient = $2 WHERE id = $1")
                .bind(station.as_str())
                .bind(lenient)
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Counts the deviations one message of `action` needed.
    pub async fn add_deviations(
        &self,
        station: &StationId,
        action: &str,
        deviations: &[Deviation],
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            for d in deviations {
                sqlx::query(
                    "INSERT INTO station_deviations (station_id, action, kind, field, count, \
                     last_at) VALUES ($1, $2, $3, $4, 1, $5) \
                     ON CONFLICT (station_id, action, kind, field) DO UPDATE SET \
                     count = station_deviations.count + 1, last_at = excluded.last_at",
                )
                .bind(station.as_str())
                .bind(action)
                .bind(d.kind.as_str())
                .bind(&d.field)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// What a station's messages deviated in, most frequent first.
    pub async fn deviations(
        &self,
        station: &StationId,
    ) -> Result<Vec<DeviationCount>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT action, kind, field, count, last_at FROM station_deviations \
                 WHERE station_id = $1 ORDER BY count DESC, action, field",
            )
            .bind(station.as_str())
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                let n: i64 = row.get("count")?;
                Ok(DeviationCount {
                    action: row.get("action")?,
                    kind: row.get("kind")?,
                    field: row.get("field")?,
                    count: count(n),
                    last_at: row.get("last_at")?,
                })
            })
            .collect()
        })
    }
}
