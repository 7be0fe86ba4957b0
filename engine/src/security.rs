//! Who may connect as a station: the security profiles of the OCPP 1.6 security whitepaper (and
//! OCPP 2.0.1, which has the same three).
//!
//! | profile | transport | the station proves its identity with |
//! |---|---|---|
//! | 0 | ws or wss | nothing (unsecured; for labs) |
//! | 1 | ws | HTTP Basic auth: user = station id, password (16-40 characters) |
//! | 2 | wss (TLS) | HTTP Basic auth |
//! | 3 | wss (TLS) | a client certificate from the configured CA whose CN is the station id |
//!
//! A station needs at least the higher of its own profile and the central system's minimum
//! (`EngineConfig::security_profile`); a connection that proves less is refused (no downgrade),
//! and so is one with a wrong password or another station's certificate. Each refusal is kept as
//! a security event. Passwords are stored as argon2id hashes; a password that verified is
//! remembered (as a keyed digest, with its hash) so a reconnecting fleet does not pay argon2 per
//! connection.

use crate::cluster::bus::SignedIn;
use crate::{Engine, EngineError, secret};
use blake2::digest::{FixedOutput, KeyInit, Update};
use protocol::StationId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use time::OffsetDateTime;

/// A security profile, 0 (unsecured) to 3.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "u8", into = "u8")]
pub enum SecurityProfile {
    #[default]
    Unsecured,
    /// HTTP Basic auth over plain WebSocket.
    Basic,
    /// HTTP Basic auth over TLS.
    TlsBasic,
    /// TLS with a client certificate.
    TlsClientCertificate,
}

impl utoipa::PartialSchema for SecurityProfile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(0))
            .maximum(Some(3))
            .description(Some(
                "The OCPP security profile: 0 unsecured, 1 HTTP Basic, 2 HTTP Basic over TLS, \
                 3 TLS with a client certificate",
            ))
            .into()
    }
}

impl utoipa::ToSchema for SecurityProfile {}

impl SecurityProfile {
    pub const ALL: [SecurityProfile; 4] = [
        SecurityProfile::Unsecured,
        SecurityProfile::Basic,
        SecurityProfile::TlsBasic,
        SecurityProfile::TlsClientCertificate,
    ];

    pub fn number(self) -> u8 {
        match self {
            SecurityProfile::Unsecured => 0,
            SecurityProfile::Basic => 1,
            SecurityProfile::TlsBasic => 2,
            SecurityProfile::TlsClientCertificate => 3,
        }
    }

    /// Whether a station of this profile signs in with a password.
    pub fn uses_password(self) -> bool {
        matches!(self, SecurityProfile::Basic | SecurityProfile::TlsBasic)
    }
}

impl TryFrom<u8> for SecurityProfile {
    type Error = String;
    fn try_from(n: u8) -> Result<SecurityProfile, String> {
        SecurityProfile::ALL
            .get(usize::from(n))
            .copied()
            .ok_or_else(|| format!("security profile {n} does not exist: use 0, 1, 2 or 3"))
    }
}

impl From<SecurityProfile> for u8 {
    fn from(p: SecurityProfile) -> u8 {
        p.number()
    }
}

impl fmt::Display for SecurityProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// What a connection showed at its WebSocket upgrade.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The connection is TLS (wss).
    pub tls: bool,
    /// The common name of the client certificate the TLS layer verified against the CA.
    pub certificate_cn: Option<String>,
    /// HTTP Basic auth: user and password.
    pub basic: Option<(String, String)>,
}

/// Why a connection was refused. The station is told only 401; this goes to the security log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Credentials were needed and none were given.
    MissingCredentials { required: SecurityProfile },
    /// The user was not the station id, or the password was wrong (or the station has none).
    WrongPassword,
    /// A client certificate of another identity.
    CertificateMismatch { common_name: String },
    /// Valid credentials, but less than the station's profile asks (a downgrade).
    BelowProfile {
        required: SecurityProfile,
        offered: SecurityProfile,
    },
    /// Too many wrong passwords in a row: no password is checked for a while.
    Locked(std::time::Duration),
}

impl Refusal {
    /// The security event type it is logged as.
    pub fn event_type(&self) -> &'static str {
        match self {
            Refusal::MissingCredentials { .. } | Refusal::WrongPassword | Refusal::Locked(_) => {
                "InvalidStationCredentials"
            }
            Refusal::CertificateMismatch { .. } => "InvalidStationCertificate",
            Refusal::BelowProfile { .. } => "SecurityProfileDowngrade",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::MissingCredentials { required } => {
                write!(f, "no credentials; security profile {required} is required")
            }
            Refusal::WrongPassword => f.write_str("wrong user or password (HTTP Basic auth)"),
            Refusal::CertificateMismatch { common_name } => {
                write!(f, "client certificate issued to {common_name:?}")
            }
            Refusal::BelowProfile { required, offered } => write!(
                f,
                "connected with security profile {offered}, below the required {required}"
            ),
            Refusal::Locked(wait) => write!(
                f,
                "too many wrong passwords in a row; none is checked for {} s",
                wait.as_secs().max(1)
            ),
        }
    }
}

/// A station's security settings as the API shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StationSecurity {
    pub security_profile: SecurityProfile,
    pub has_password: bool,
}

/// Why new security settings were not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityError {
    #[error(
        "the password must be 16 to 40 printable ASCII characters without spaces (OCPP security whitepaper)"
    )]
    BadPassword,
}

/// Checks a station password against the whitepaper's rule: 16 to 40 characters; Centrale asks
/// for printable ASCII without spaces, as an HTTP Basic header carries it unambiguously.
pub fn validate_password(password: &str) -> Result<(), SecurityError> {
    let ok = (16..=40).contains(&password.len()) && password.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(SecurityError::BadPassword)
    }
}

/// Passwords that verified, per station: the hash they verified against and a keyed digest of
/// the password (never the password itself). The key is random per process.
#[derive(Debug, Default)]
pub(crate) struct VerifiedPasswords {
    by_station: Mutex<HashMap<StationId, (String, [u8; 32])>>,
}

type Mac = blake2::Blake2bMac<blake2::digest::consts::U32>;

fn digest(password: &str) -> [u8; 32] {
    static KEY: OnceLock<String> = OnceLock::new();
    let key = KEY.get_or_init(|| secret::random_secret(32));
    // A 32-byte key is within Blake2b's limit (64), so this cannot fail; an empty digest would
    // only ever miss the cache.
    let Ok(mut mac) = <Mac as KeyInit>::new_from_slice(key.as_bytes()) else {
        return [0; 32];
    };
    mac.update(password.as_bytes());
    mac.finalize_fixed().into()
}

impl VerifiedPasswords {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StationId, (String, [u8; 32])>> {
        self.by_station
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn knows(&self, station: &StationId, phc: &str, password: &str) -> bool {
        self.lock()
            .get(station)
            .is_some_and(|(hash, d)| hash == phc && *d == digest(password))
    }

    fn remember(&self, station: &StationId, phc: &str, password: &str) {
        self.lock()
            .insert(station.clone(), (phc.to_owned(), digest(password)));
    }

    pub(crate) fn forget(&self, station: &StationId) {
        self.lock().remove(station);
    }
}

impl Engine {
    /// Checks what a connection showed against what the station needs. `Ok(None)`: let it in.
    pub(crate) async fn check_credentials(
        &self,
        station: &StationId,
        credentials: &Credentials,
    ) -> Result<Option<Refusal>, EngineError> {
        let stored = self
            .inner
            .store
            .station_security_with_pending(station)
            .await?;
        let (profile, phc, pending) = stored.unwrap_or_default();
        let required = profile.max(self.inner.config.security_profile);

        let mut offered = SecurityProfile::Unsecured;
        if let Some(cn) = &credentials.certificate_cn {
            if cn != station.as_str() {
                return Ok(Some(Refusal::CertificateMismatch {
                    common_name: cn.clone(),
                }));
            }
            offered = SecurityProfile::TlsClientCertificate;
        }
        if let Some((user, password)) = &credentials.basic {
            if let Some(wait) = self.inner.station_failures.locked(station.as_str()) {
                return Ok(Some(Refusal::Locked(wait)));
            }
            let right = match &phc {
                Some(phc) if user == station.as_str() => {
                    self.password_matches(station, phc, password).await
                }
                Some(_) | None => {
                    secret::verify_nothing(password.clone()).await;
                    false
                }
            };
            if !right {
                // A wrong password is refused even where none is needed: whoever sent it is
                // not who they claim to be.
                if phc.is_some() || required > SecurityProfile::Unsecured {
                    self.signed_in(SignedIn::Station, station.as_str(), false)
                        .await;
                    return Ok(Some(Refusal::WrongPassword));
                }
            } else {
                self.signed_in(SignedIn::Station, station.as_str(), true)
                    .await;
                offered = offered.max(if credentials.tls {
                    SecurityProfile::TlsBasic
                } else {
                    SecurityProfile::Basic
                });
            }
        }
        if offered >= required {
            // Back at the higher profile it agreed to move to: from now on it is its profile,
            // and nothing below it gets in.
            if let Some(pending) = pending
                && offered >= pending
                && pending > profile
                && self
                    .inner
                    .store
                    .raise_to_pending_profile(station, pending)
                    .await?
            {
                tracing::info!(station_id = %station, profile = pending.number(), "station moved to a higher security profile");
                self.central_security_event(
                    station,
                    "SecurityProfileRaised",
                    &format!(
                        "connected with profile {}; profile {} is now required",
                        offered.number(),
                        pending.number()
                    ),
                )
                .await?;
            }
            return Ok(None);
        }
        Ok(Some(
            if credentials.basic.is_none() && credentials.certificate_cn.is_none() {
                Refusal::MissingCredentials { required }
            } else {
                Refusal::BelowProfile { required, offered }
            },
        ))
    }

    async fn password_matches(&self, station: &StationId, phc: &str, password: &str) -> bool {
        let cache = &self.inner.verified_passwords;
        if cache.knows(station, phc, password) {
            return true;
        }
        let right = secret::verify(password.to_owned(), phc.to_owned()).await;
        if right {
            cache.remember(station, phc, password);
        }
        right
    }

    /// Keeps what the central system saw as a security event (source: central) and announces
    /// it on the feed.
    pub(crate) async fn central_security_event(
        &self,
        station: &StationId,
        event_type: &str,
        info: &str,
    ) -> Result<(), EngineError> {
        let now = OffsetDateTime::now_utc();
        self.keep_security_event(
            station,
            event_type,
            Some(info),
            now,
            crate::model::EventSource::Central,
        )
        .await
    }

    /// Keeps a refused connection as a security event.
    pub(crate) async fn record_refusal(
        &self,
        station: &StationId,
        refusal: &Refusal,
    ) -> Result<(), EngineError> {
        self.central_security_event(station, refusal.event_type(), &refusal.to_string())
            .await
    }

    /// A station went over its message rate: kept once per connection as a security event.
    pub(crate) async fn rate_exceeded(&self, station: &StationId, rate: f64) {
        tracing::warn!(rate, "station over its message rate: its messages wait");
        self.metrics().rate_limited();
        let info = format!("more than {rate} messages per second; reading slowed to that rate");
        if let Err(e) = self
            .central_security_event(station, "MessageRateExceeded", &info)
            .await
        {
            tracing::warn!(error = %e, "could not keep a security event");
        }
    }

    /// The station accepted a new AuthorizationKey: it is its password from now on. Kept as a
    /// security event (without the password).
    pub(crate) async fn station_password_changed(
        &self,
        station: &StationId,
        password: &str,
    ) -> Result<(), EngineError> {
        let phc = secret::hash(password.to_owned()).await?;
        self.inner.store.set_station_password(station, &phc).await?;
        self.forget_station_password(station).await;
        self.central_security_event(
            station,
            "StationPasswordChanged",
            "the station accepted a new AuthorizationKey",
        )
        .await?;
        Ok(())
    }

    /// A station's security settings; `None` if there is no such station.
    pub async fn station_security(
        &self,
        station: &StationId,
    ) -> Result<Option<StationSecurity>, EngineError> {
        Ok(self
            .inner
            .store
            .station_security(station)
            .await?
            .map(|(profile, phc)| StationSecurity {
                security_profile: profile,
                has_password: phc.is_some(),
            }))
    }

    /// Sets a station's security profile and, if given, its password (a new station is created,
    /// Accepted: an operator provisioned it). A password profile without a password, given or kept, gets a new random one:
    /// it is returned, to be shown once and set on the station (AuthorizationKey).
    pub async fn set_station_security(
        &self,
        station: &StationId,
        profile: SecurityProfile,
        password: Option<String>,
    ) -> Result<Result<Option<String>, SecurityError>, EngineError> {
        if let Some(Err(e)) = password.as_deref().map(validate_password) {
            return Ok(Err(e));
        }
        let has_password = self
            .inner
            .store
            .station_security(station)
            .await?
            .is_some_and(|(_, phc)| phc.is_some());
        let generated = (password.is_none() && profile.uses_password() && !has_password)
            .then(|| secret::random_secret(24));
        let new_password = password.or_else(|| generated.clone());
        let phc = match new_password {
            Some(p) => Some(secret::hash(p).await?),
            None => None,
        };
        self.inner
            .store
            .set_station_security(station, profile, phc.as_deref(), OffsetDateTime::now_utc())
            .await?;
        self.forget_station_password(station).await;
        Ok(Ok(generated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_the_whitepaper_length() {
        assert!(validate_password("0123456789abcdef").is_ok());
        assert!(validate_password(&"x".repeat(40)).is_ok());
        assert!(validate_password("0123456789abcde").is_err(), "15");
        assert!(validate_password(&"x".repeat(41)).is_err(), "41");
        assert!(validate_password("0123456789 abcdef").is_err(), "space");
        assert!(validate_password("0123456789abcdéf").is_err(), "non-ASCII");
    }

    #[test]
    fn profiles_are_numbers_0_to_3() {
        assert_eq!(
            serde_json::to_string(&SecurityProfile::TlsBasic).unwrap(),
            "2"
        );
        assert_eq!(
            serde_json::from_str::<SecurityProfile>("3").unwrap(),
            SecurityProfile::TlsClientCertificate
        );
        assert!(serde_json::from_str::<SecurityProfile>("4").is_err());
        assert!(SecurityProfile::Basic < SecurityProfile::TlsBasic);
    }
}
