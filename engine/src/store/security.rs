//! Station security: profiles, password hashes, security events.

use super::Store;
use super::backend::{Row, on};
use crate::EngineError;
use crate::model::{EventSource, Registration, SecurityEventView, UnknownValue};
use crate::security::SecurityProfile;
use protocol::StationId;
use time::OffsetDateTime;

impl Store {
    /// Keeps a security event a station reported, or one the central system recorded.
    pub async fn add_security_event(
        &self,
        station: &StationId,
        event_type: &str,
        tech_info: Option<&str>,
        occurred_at: OffsetDateTime,
        at: OffsetDateTime,
        source: EventSource,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO security_events \
                 (station_id, event_type, tech_info, occurred_at, received_at, source) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(station.as_str())
            .bind(event_type)
            .bind(tech_info)
            .bind(occurred_at)
            .bind(at)
            .bind(source.as_str())
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// Security events, newest first: of one station or all.
    pub async fn security_events(
        &self,
        station: Option<&StationId>,
        limit: u32,
    ) -> Result<Vec<SecurityEventView>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT id, station_id, event_type, tech_info, occurred_at, received_at, source \
                 FROM security_events WHERE ($1 IS NULL OR station_id = $1) \
                 ORDER BY id DESC LIMIT $2",
            )
            .bind(station.map(StationId::as_str))
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
            .iter()
            .map(event_from_row)
            .collect()
        })
    }

    /// A station's security profile and password hash; `None` if the station is unknown.
    pub async fn station_security(
        &self,
        station: &StationId,
    ) -> Result<Option<(SecurityProfile, Option<String>)>, EngineError> {
        let row: Option<(i64, Option<String>)> = on!(&self.reads, |db| {
            sqlx::query_as("SELECT security_profile, password_hash FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(db)
                .await?
        });
        row.map(|(profile, phc)| Ok((profile_of(profile)?, phc)))
            .transpose()
    }

    /// Sets a known station's password hash.
    pub async fn set_station_password(
        &self,
        station: &StationId,
        phc: &str,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("UPDATE stations SET password_hash = $2 WHERE id = $1")
                .bind(station.as_str())
                .bind(phc)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Sets a station's security profile, and its password hash if `phc` is given. A new
    /// station is created Accepted: an operator provisioned it.
    pub async fn set_station_security(
        &self,
        station: &StationId,
        profile: SecurityProfile,
        phc: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO stations (id, created_at, registration, security_profile, \
                 password_hash) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET security_profile = excluded.security_profile, \
                 password_hash = COALESCE(excluded.password_hash, stations.password_hash)",
            )
            .bind(station.as_str())
            .bind(at)
            .bind(Registration::Accepted.as_str())
            .bind(i64::from(profile.number()))
            .bind(phc)
            .execute(db)
            .await?;
        });
        Ok(())
    }
}

/// A security profile as stored (its number).
pub(super) fn profile_of(stored: i64) -> Result<SecurityProfile, UnknownValue> {
    u8::try_from(stored)
        .ok()
        .and_then(|n| SecurityProfile::try_from(n).ok())
        .ok_or_else(|| UnknownValue(format!("security profile {stored}")))
}

fn event_from_row(row: &impl Row) -> Result<SecurityEventView, EngineError> {
    Ok(SecurityEventView {
        id: row.get("id")?,
        station_id: row.get("station_id")?,
        event_type: row.get("event_type")?,
        tech_info: row.get("tech_info")?,
        occurred_at: row.get("occurred_at")?,
        received_at: row.get("received_at")?,
        source: row.get("source")?,
    })
}
