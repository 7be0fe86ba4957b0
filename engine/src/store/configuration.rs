//! A station's configuration and its local authorization list, as the central system knows
//! them.

use super::Store;
use super::backend::{Row, on};
use super::id_tags::id_tag_from_row;
use crate::EngineError;
use crate::model::{ConfigurationKey, IdTag};
use protocol::StationId;
use time::OffsetDateTime;

impl Store {
    /// Replaces the stored configuration of a station with what GetConfiguration returned
    /// (when `complete`, keys not listed are removed; otherwise only the listed ones change).
    pub async fn put_configuration(
        &self,
        station: &StationId,
        keys: &[ConfigurationKey],
        complete: bool,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            if complete {
                sqlx::query("DELETE FROM station_configuration WHERE station_id = $1")
                    .bind(station.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            for key in keys {
                sqlx::query(
                    "INSERT INTO station_configuration (station_id, key, value, readonly, \
                     updated_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (station_id, key) DO UPDATE SET value = excluded.value, \
                     readonly = excluded.readonly, updated_at = excluded.updated_at",
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
        });
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
        on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO station_configuration (station_id, key, value, readonly, updated_at) \
                 VALUES ($1, $2, $3, FALSE, $4) ON CONFLICT (station_id, key) DO UPDATE SET \
                 value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(station.as_str())
            .bind(key)
            .bind(value)
            .bind(at)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// A station's configuration, by key.
    pub async fn configuration(
        &self,
        station: &StationId,
    ) -> Result<Vec<ConfigurationKey>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT key, value, readonly FROM station_configuration WHERE station_id = $1 \
                 ORDER BY key",
            )
            .bind(station.as_str())
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                Ok(ConfigurationKey {
                    key: row.get("key")?,
                    value: row.get("value")?,
                    readonly: row.get("readonly")?,
                })
            })
            .collect()
        })
    }

    /// Keeps the version of the station's local authorization list.
    pub async fn set_local_list_version(
        &self,
        station: &StationId,
        version: i64,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("UPDATE stations SET local_list_version = $2 WHERE id = $1")
                .bind(station.as_str())
                .bind(version)
                .execute(db)
                .await?;
        });
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
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
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
                            "INSERT INTO local_auth_list (station_id, id_tag, status, \
                             expiry_date, parent_id_tag) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (station_id, id_tag) DO UPDATE SET \
                             status = excluded.status, expiry_date = excluded.expiry_date, \
                             parent_id_tag = excluded.parent_id_tag",
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
        });
        Ok(())
    }

    /// The local authorization list of a station as last sent.
    pub async fn local_list(&self, station: &StationId) -> Result<Vec<IdTag>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT id_tag, status, expiry_date, parent_id_tag FROM local_auth_list \
                 WHERE station_id = $1 ORDER BY id_tag",
            )
            .bind(station.as_str())
            .fetch_all(db)
            .await?
            .iter()
            .map(id_tag_from_row)
            .collect()
        })
    }

    /// The version of the station's local authorization list, if known.
    pub async fn local_list_version(
        &self,
        station: &StationId,
    ) -> Result<Option<i64>, EngineError> {
        let v: Option<Option<i64>> = on!(&self.reads, |db| {
            sqlx::query_scalar("SELECT local_list_version FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(db)
                .await?
        });
        Ok(v.flatten())
    }
}
