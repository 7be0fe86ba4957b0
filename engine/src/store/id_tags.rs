//! Id tags: who may charge.

use super::Store;
use super::backend::{Row, on};
use crate::EngineError;
use crate::model::{IdTag, IdTagView};
use protocol::StationId;
use time::OffsetDateTime;

impl Store {
    /// An id tag, if the store knows it.
    pub async fn id_tag(&self, id_tag: &str) -> Result<Option<IdTag>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT id_tag, status, expiry_date, parent_id_tag FROM id_tags WHERE id_tag = $1",
            )
            .bind(id_tag)
            .fetch_optional(db)
            .await?
            .as_ref()
            .map(id_tag_from_row)
            .transpose()
        })
    }

    /// Creates or replaces an id tag.
    pub async fn put_id_tag(&self, tag: &IdTag, at: OffsetDateTime) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO id_tags (id_tag, status, expiry_date, parent_id_tag, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (id_tag) DO UPDATE SET status = excluded.status, \
                 expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag, \
                 updated_at = excluded.updated_at",
            )
            .bind(&tag.id_tag)
            .bind(tag.status.as_str())
            .bind(tag.expiry_date)
            .bind(&tag.parent_id_tag)
            .bind(at)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// Whether `id_tag` is in an active transaction anywhere but on `except` (station,
    /// connector).
    pub async fn tag_busy_elsewhere(
        &self,
        id_tag: &str,
        except: (&StationId, u32),
    ) -> Result<bool, EngineError> {
        let n: i64 = on!(&self.reads, |db| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM transactions WHERE id_tag = $1 AND stopped_at IS NULL \
                 AND NOT (station_id = $2 AND connector_id = $3)",
            )
            .bind(id_tag)
            .bind(except.0.as_str())
            .bind(i64::from(except.1))
            .fetch_one(db)
            .await?
        });
        Ok(n > 0)
    }

    /// Every id tag, with whether it is in a transaction now.
    pub async fn id_tags(&self) -> Result<Vec<IdTagView>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT t.id_tag, t.status, t.expiry_date, t.parent_id_tag, \
                 EXISTS (SELECT 1 FROM transactions x WHERE x.id_tag = t.id_tag \
                 AND x.stopped_at IS NULL) AS in_transaction FROM id_tags t ORDER BY t.id_tag",
            )
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                let tag = id_tag_from_row(row)?;
                Ok(IdTagView {
                    id_tag: tag.id_tag,
                    status: tag.status,
                    expiry_date: tag.expiry_date,
                    parent_id_tag: tag.parent_id_tag,
                    in_transaction: row.get("in_transaction")?,
                })
            })
            .collect()
        })
    }

    /// Removes an id tag; false if there was none.
    pub async fn delete_id_tag(&self, id_tag: &str) -> Result<bool, EngineError> {
        let done = on!(&self.writes, |db| {
            sqlx::query("DELETE FROM id_tags WHERE id_tag = $1")
                .bind(id_tag)
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }
}

/// An id tag from a row of `id_tags` or `local_auth_list`.
pub(super) fn id_tag_from_row(row: &impl Row) -> Result<IdTag, EngineError> {
    let status: String = row.get("status")?;
    Ok(IdTag {
        id_tag: row.get("id_tag")?,
        status: status.parse()?,
        expiry_date: row.get("expiry_date")?,
        parent_id_tag: row.get("parent_id_tag")?,
    })
}
