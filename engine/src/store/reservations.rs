//! Reservations and charging profiles, as stations accepted them.

use super::backend::{Row, on};
use super::{Store, connector_of};
use crate::EngineError;
use crate::model::{ChargingProfileRecord, Reservation};
use protocol::StationId;
use time::OffsetDateTime;

impl Store {
    /// Keeps a reservation a station accepted (the same id replaces the earlier one).
    pub async fn put_reservation(
        &self,
        r: &Reservation,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO reservations (station_id, reservation_id, connector_id, id_tag, \
                 parent_id_tag, expires_at, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'Active', $7, $7) \
                 ON CONFLICT (station_id, reservation_id) DO UPDATE SET \
                 connector_id = excluded.connector_id, id_tag = excluded.id_tag, \
                 parent_id_tag = excluded.parent_id_tag, expires_at = excluded.expires_at, \
                 status = 'Active', transaction_id = NULL, updated_at = excluded.updated_at",
            )
            .bind(&r.station_id)
            .bind(r.reservation_id)
            .bind(i64::from(r.connector_id))
            .bind(&r.id_tag)
            .bind(&r.parent_id_tag)
            .bind(r.expires_at)
            .bind(at)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// Sets a reservation's status (Cancelled, or Used by a transaction).
    pub async fn set_reservation_status(
        &self,
        station: &StationId,
        reservation_id: i64,
        status: &str,
        transaction_id: Option<i64>,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "UPDATE reservations SET status = $3, \
                 transaction_id = COALESCE($4, transaction_id), updated_at = $5 \
                 WHERE station_id = $1 AND reservation_id = $2",
            )
            .bind(station.as_str())
            .bind(reservation_id)
            .bind(status)
            .bind(transaction_id)
            .bind(at)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// Reservations, newest first; an active one past its expiry shows as Expired.
    pub async fn reservations(&self, now: OffsetDateTime) -> Result<Vec<Reservation>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT station_id, reservation_id, connector_id, id_tag, parent_id_tag, \
                 expires_at, status, transaction_id FROM reservations ORDER BY created_at DESC",
            )
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| reservation_from_row(row, now))
            .collect()
        })
    }

    /// Keeps a charging profile a station accepted. A profile with the same id, or with the same
    /// connector, stack level and purpose, is replaced, as the station does.
    pub async fn put_charging_profile(&self, p: &ChargingProfileRecord) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            sqlx::query(
                "DELETE FROM charging_profiles WHERE station_id = $1 AND (profile_id = $2 OR \
                 (connector_id = $3 AND stack_level = $4 AND purpose = $5))",
            )
            .bind(&p.station_id)
            .bind(p.profile_id)
            .bind(i64::from(p.connector_id))
            .bind(p.stack_level)
            .bind(&p.purpose)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO charging_profiles (station_id, profile_id, connector_id, \
                 stack_level, purpose, transaction_id, profile, set_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&p.station_id)
            .bind(p.profile_id)
            .bind(i64::from(p.connector_id))
            .bind(p.stack_level)
            .bind(&p.purpose)
            .bind(p.transaction_id)
            .bind(p.profile.to_string())
            .bind(p.set_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes the profiles a ClearChargingProfile matched: by id, or by every criterion given
    /// (none given: all of the station's profiles).
    pub async fn clear_charging_profiles(
        &self,
        station: &StationId,
        profile_id: Option<i64>,
        connector_id: Option<u32>,
        purpose: Option<&str>,
        stack_level: Option<i64>,
    ) -> Result<u64, EngineError> {
        Ok(on!(&self.writes, |db| {
            sqlx::query(
                "DELETE FROM charging_profiles WHERE station_id = $1 AND \
                 (($2 IS NOT NULL AND profile_id = $2) OR ($2 IS NULL AND \
                 ($3 IS NULL OR connector_id = $3) AND ($4 IS NULL OR purpose = $4) AND \
                 ($5 IS NULL OR stack_level = $5)))",
            )
            .bind(station.as_str())
            .bind(profile_id)
            .bind(connector_id.map(i64::from))
            .bind(purpose)
            .bind(stack_level)
            .execute(db)
            .await?
            .rows_affected()
        }))
    }

    /// Charging profiles, of one station or all.
    pub async fn charging_profiles(
        &self,
        station: Option<&StationId>,
    ) -> Result<Vec<ChargingProfileRecord>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT station_id, profile_id, connector_id, stack_level, purpose, \
                 transaction_id, profile, set_at FROM charging_profiles \
                 WHERE ($1 IS NULL OR station_id = $1) \
                 ORDER BY station_id, connector_id, stack_level DESC",
            )
            .bind(station.map(StationId::as_str))
            .fetch_all(db)
            .await?
            .iter()
            .map(profile_from_row)
            .collect()
        })
    }
}

fn reservation_from_row(row: &impl Row, now: OffsetDateTime) -> Result<Reservation, EngineError> {
    let expires_at: OffsetDateTime = row.get("expires_at")?;
    let status: String = row.get("status")?;
    Ok(Reservation {
        station_id: row.get("station_id")?,
        reservation_id: row.get("reservation_id")?,
        connector_id: connector_of(row)?,
        id_tag: row.get("id_tag")?,
        parent_id_tag: row.get("parent_id_tag")?,
        status: if status == "Active" && expires_at <= now {
            "Expired".to_owned()
        } else {
            status
        },
        expires_at,
        transaction_id: row.get("transaction_id")?,
    })
}

fn profile_from_row(row: &impl Row) -> Result<ChargingProfileRecord, EngineError> {
    let profile: String = row.get("profile")?;
    Ok(ChargingProfileRecord {
        station_id: row.get("station_id")?,
        connector_id: connector_of(row)?,
        profile_id: row.get("profile_id")?,
        stack_level: row.get("stack_level")?,
        purpose: row.get("purpose")?,
        transaction_id: row.get("transaction_id")?,
        profile: serde_json::from_str(&profile).unwrap_or(serde_json::Value::Null),
        set_at: row.get("set_at")?,
    })
}
