//! Station security: profiles, password hashes, security events.

use super::Store;
use super::backend::{Row, on};
use super::outbox::{Reports, noting};
use crate::EngineError;
use crate::model::{EventSource, Registration, SecurityEventView, UnknownValue};
use crate::security::SecurityProfile;
use protocol::StationId;
use time::OffsetDateTime;

impl Store {
    /// Keeps a security event a station reported, or one the central system recorded.
    // The event's own fields, when it was kept, and what it reports.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_security_event(
        &self,
        station: &StationId,
        event_type: &str,
        tech_info: Option<&str>,
        occurred_at: OffsetDateTime,
        at: OffsetDateTime,
        source: EventSource,
        reports: Reports<'_, ()>,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            noting!(
                self,
                db,
                |c| done = {
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
                    .execute(c)
                    .await?;
                },
                reports,
                about & ()
            )
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
        Ok(self
            .station_security_with_pending(station)
            .await?
            .map(|(profile, phc, _)| (profile, phc)))
    }

    /// [`Store::station_security`] with the higher profile the station agreed to move to.
    pub async fn station_security_with_pending(
        &self,
        station: &StationId,
    ) -> Result<Option<(SecurityProfile, Option<String>, Option<SecurityProfile>)>, EngineError>
    {
        let row: Option<(i64, Option<String>, Option<i64>)> = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT security_profile, password_hash, pending_security_profile FROM stations \
                 WHERE id = $1",
            )
            .bind(station.as_str())
            .fetch_optional(db)
            .await?
        });
        row.map(|(profile, phc, pending)| {
            Ok((
                profile_of(profile)?,
                phc,
                pending.map(profile_of).transpose()?,
            ))
        })
        .transpose()
    }

    /// Records the higher profile a station agreed to move to (`None`: forget it).
    pub async fn set_pending_security_profile(
        &self,
        station: &StationId,
        profile: Option<SecurityProfile>,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("UPDATE stations SET pending_security_profile = $2 WHERE id = $1")
                .bind(station.as_str())
                .bind(profile.map(|p| i64::from(p.number())))
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Makes the pending profile the station's own, if it is still pending and higher; answers
    /// whether it did.
    pub async fn raise_to_pending_profile(
        &self,
        station: &StationId,
        profile: SecurityProfile,
    ) -> Result<bool, EngineError> {
        let changed = on!(&self.writes, |db| {
            sqlx::query(
                "UPDATE stations SET security_profile = $2, pending_security_profile = NULL \
                 WHERE id = $1 AND pending_security_profile = $2 AND security_profile < $2",
            )
            .bind(station.as_str())
            .bind(i64::from(profile.number()))
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Keeps the security profile of a network connection profile a 2.0.1 station accepted.
    pub async fn set_network_profile_slot(
        &self,
        station: &StationId,
        slot: i64,
        profile: SecurityProfile,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO station_network_profiles (station_id, slot, security_profile) \
                 VALUES ($1, $2, $3) ON CONFLICT (station_id, slot) \
                 DO UPDATE SET security_profile = excluded.security_profile",
            )
            .bind(station.as_str())
            .bind(slot)
            .bind(i64::from(profile.number()))
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// The security profile of a 2.0.1 station's network connection profile slot, if known.
    pub async fn network_profile_slot(
        &self,
        station: &StationId,
        slot: i64,
    ) -> Result<Option<SecurityProfile>, EngineError> {
        let profile: Option<i64> = on!(&self.reads, |db| {
            sqlx::query_scalar(
                "SELECT security_profile FROM station_network_profiles \
                 WHERE station_id = $1 AND slot = $2",
            )
            .bind(station.as_str())
            .bind(slot)
            .fetch_optional(db)
            .await?
        });
        Ok(profile.map(profile_of).transpose()?)
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
