//! The people who run the central system: users with roles, their login sessions and API
//! tokens, and the audit log of what they sent to stations.
//!
//! | role | may |
//! |---|---|
//! | `viewer` | read everything but the users, tokens and audit log |
//! | `operator` | also send commands, manage id tags, accept/reject/add/remove stations |
//! | `admin` | everything: users, API tokens, station security, the audit log |
//!
//! Passwords are argon2id hashes. Session and API tokens are random (192 bits) and stored as
//! BLAKE2b digests, so the database never holds a usable secret. A login session also has a
//! CSRF token that every state-changing request made with its cookie must repeat.

use crate::cluster::bus::SignedIn;
use crate::{Engine, EngineError, secret};
use blake2::Digest;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// How long a login lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Length of session tokens, API tokens and CSRF tokens (6 random bits per character).
const TOKEN_LEN: usize = 32;

/// What a user may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the fleet, transactions, messages.
    Read,
    /// Send commands, change id tags and stations' registration.
    Operate,
    /// Users, tokens, station security, the audit log.
    Administer,
}

impl Permission {
    /// What sending `action` with `payload` to a station needs: operating, except a station's
    /// password (ChangeConfiguration of AuthorizationKey), an admin's business.
    pub fn to_send(action: &str, payload: &serde_json::Value) -> Permission {
        if crate::calls::changes_station_password(action, payload) {
            Permission::Administer
        } else {
            Permission::Operate
        }
    }
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::Operate => self >= Role::Operator,
            Permission::Administer => self == Role::Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a role: use admin, operator or viewer"))
    }
}

/// Someone signed in: by a login session (the dashboard) or an API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: String,
    pub role: Role,
    pub via: Via,
}

/// How a principal signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A login session; state-changing requests must repeat its CSRF token.
    Session { csrf_token: String },
    /// An API token (`Authorization: Bearer`), with its id.
    Token { id: i64 },
}

impl Principal {
    pub fn may(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// The name the audit log records: the user, and the token if one was used.
    pub fn actor(&self) -> String {
        match self.via {
            Via::Session { .. } => self.username.clone(),
            Via::Token { id } => format!("{} (token {id})", self.username),
        }
    }
}

/// A user as the admin pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub username: String,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub username: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One call sent to a station, with who sent it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub station_id: String,
    pub action: String,
    pub payload: serde_json::Value,
    /// `Answered ...`, the error, or none (no answer recorded).
    pub outcome: Option<String>,
}

/// Why a user change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error(
        "a user name is 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit"
    )]
    BadName,
    #[error("a password needs at least 12 characters")]
    WeakPassword,
    #[error("the user {0} exists already")]
    Exists(String),
    #[error("there is no user {0}")]
    NoSuchUser(String),
    #[error("the last admin cannot be removed or demoted")]
    LastAdmin,
    #[error("an API token cannot have more rights than its user ({0})")]
    AboveUser(Role),
}

fn validate_name(name: &str) -> Result<(), UserError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok { Ok(()) } else { Err(UserError::BadName) }
}

fn validate_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() >= 12 {
        Ok(())
    } else {
        Err(UserError::WeakPassword)
    }
}

/// The stored digest of a session or API token.
pub(crate) fn token_digest(token: &str) -> String {
    let digest = blake2::Blake2b::<blake2::digest::consts::U32>::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Principals found by token recently, so a busy API client or dashboard does not cost a
/// database read per request. Any change to users, tokens or sessions clears it; entries
/// expire after [`Principals::TTL`] in any case.
#[derive(Debug, Default)]
pub(crate) struct Principals {
    by_digest: std::sync::Mutex<std::collections::HashMap<String, (Principal, std::time::Instant)>>,
}

impl Principals {
    const TTL: Duration = Duration::from_secs(10);
    const CAPACITY: usize = 10_000;

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (Principal, std::time::Instant)>>
    {
        self.by_digest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, digest: &str) -> Option<Principal> {
        let all = self.lock();
        let (who, at) = all.get(digest)?;
        (at.elapsed() < Self::TTL).then(|| who.clone())
    }

    fn put(&self, digest: String, who: Principal) {
        let mut all = self.lock();
        if all.len() >= Self::CAPACITY {
            all.clear();
        }
        all.insert(digest, (who, std::time::Instant::now()));
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// Why a sign-in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    /// No such user, or the wrong password.
    Wrong,
    /// Too many failures in a row: wait this long.
    Locked(Duration),
}

/// A new login: the cookie's token and the CSRF token pages must send back.
#[derive(Debug, Clone)]
pub struct Login {
    pub token: String,
    pub csrf_token: String,
    pub principal: Principal,
}

impl Engine {
    /// Whether any user exists (none on a fresh database).
    pub async fn has_users(&self) -> Result<bool, EngineError> {
        self.inner.store.count_users().await.map(|n| n > 0)
    }

    /// Adds a user.
    pub async fn add_user(
        &self,
        username: &str,
        password: &str,
        role: Role,
    ) -> Result<Result<(), UserError>, EngineError> {
        if let Err(e) = validate_name(username).and_then(|()| validate_password(password)) {
            return Ok(Err(e));
        }
        let phc = secret::hash(password.to_owned()).await?;
        let added = self
            .inner
            .store
            .add_user(username, &phc, role, OffsetDateTime::now_utc())
            .await?;
        Ok(if added {
            Ok(())
        } else {
            Err(UserError::Exists(username.to_owned()))
        })
    }

    /// Makes the first admin on a fresh database, with a random password: answers the
    /// password, to be shown once. Nothing if a user exists.
    pub async fn first_admin(&self, username: &str) -> Result<Option<String>, EngineError> {
        if self.has_users().await? {
            return Ok(None);
        }
        let password = secret::random_secret(20);
        match self.add_user(username, &password, Role::Admin).await? {
            Ok(()) => Ok(Some(password)),
            Err(_) => Ok(None),
        }
    }

    pub async fn users(&self) -> Result<Vec<UserView>, EngineError> {
        self.inner.store.users().await
    }

    /// Changes a user's role or password (whichever is given). The last admin stays admin.
    pub async fn change_user(
        &self,
        username: &str,
        role: Option<Role>,
        password: Option<&str>,
    ) -> Result<Result<(), UserError>, EngineError> {
        if let Some(Err(e)) = password.map(validate_password) {
            return Ok(Err(e));
        }
        let Some(current) = self.inner.store.user_role(username).await? else {
            return Ok(Err(UserError::NoSuchUser(username.to_owned())));
        };
        if current == Role::Admin
            && role.is_some_and(|r| r != Role::Admin)
            && self.inner.store.count_admins().await? <= 1
        {
            return Ok(Err(UserError::LastAdmin));
        }
        let phc = match password {
            Some(p) => Some(secret::hash(p.to_owned()).await?),
            None => None,
        };
        self.inner
            .store
            .change_user(username, role, phc.as_deref())
            .await?;
        self.forget_principals().await;
        Ok(Ok(()))
    }

    /// Removes a user with their sessions and tokens. The last admin stays.
    pub async fn delete_user(&self, username: &str) -> Result<Result<(), UserError>, EngineError> {
        let Some(role) = self.inner.store.user_role(username).await? else {
            return Ok(Err(UserError::NoSuchUser(username.to_owned())));
        };
        if role == Role::Admin && self.inner.store.count_admins().await? <= 1 {
            return Ok(Err(UserError::LastAdmin));
        }
        self.inner.store.delete_user(username).await?;
        self.forget_principals().await;
        Ok(Ok(()))
    }

    /// Checks a user's password; a new login session if it is right. Takes as long for an
    /// unknown user as for a wrong password. After a few failures in a row the name is locked
    /// for a while (see [`secret::Backoff`]), known or not.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Result<Login, LoginRefused>, EngineError> {
        if let Some(wait) = self.inner.login_failures.locked(username) {
            return Ok(Err(LoginRefused::Locked(wait)));
        }
        let found = self.inner.store.user_secret(username).await?;
        let right = match &found {
            Some((phc, _)) => secret::verify(password.to_owned(), phc.clone()).await,
            None => {
                secret::verify_nothing(password.to_owned()).await;
                false
            }
        };
        let Some((_, role)) = found.filter(|_| right) else {
            let locked = self.signed_in(SignedIn::User, username, false).await;
            return Ok(Err(match locked {
                Some(wait) => LoginRefused::Locked(wait),
                None => LoginRefused::Wrong,
            }));
        };
        self.signed_in(SignedIn::User, username, true).await;
        let token = secret::random_secret(TOKEN_LEN);
        let csrf_token = secret::random_secret(TOKEN_LEN);
        let now = OffsetDateTime::now_utc();
        self.inner
            .store
            .add_login_session(
                &token_digest(&token),
                username,
                &csrf_token,
                now,
                now + SESSION_LIFETIME,
            )
            .await?;
        Ok(Ok(Login {
            token,
            principal: Principal {
                username: username.to_owned(),
                role,
                via: Via::Session {
                    csrf_token: csrf_token.clone(),
                },
            },
            csrf_token,
        }))
    }

    /// Who holds this session token, if it is live.
    pub async fn session(&self, token: &str) -> Result<Option<Principal>, EngineError> {
        let digest = token_digest(token);
        if let Some(who) = self.inner.principals.get(&digest) {
            return Ok(Some(who));
        }
        let found = self
            .inner
            .store
            .login_session(&digest, OffsetDateTime::now_utc())
            .await?;
        let who = found.map(|(username, role, csrf_token)| Principal {
            username,
            role,
            via: Via::Session { csrf_token },
        });
        if let Some(who) = &who {
            self.inner.principals.put(digest, who.clone());
        }
        Ok(who)
    }

    /// Ends a login session.
    pub async fn logout(&self, token: &str) -> Result<(), EngineError> {
        self.forget_principals().await;
        self.inner
            .store
            .delete_login_session(&token_digest(token))
            .await
    }

    /// Makes an API token for a user, with at most the user's role: answers its id and the
    /// token (shown once).
    pub async fn add_api_token(
        &self,
        username: &str,
        name: &str,
        role: Role,
    ) -> Result<Result<(i64, String), UserError>, EngineError> {
        let Some(user_role) = self.inner.store.user_role(username).await? else {
            return Ok(Err(UserError::NoSuchUser(username.to_owned())));
        };
        if role > user_role {
            return Ok(Err(UserError::AboveUser(user_role)));
        }
        let token = format!("cnt_{}", secret::random_secret(TOKEN_LEN));
        let id = self
            .inner
            .store
            .add_api_token(
                &token_digest(&token),
                name,
                role,
                username,
                OffsetDateTime::now_utc(),
            )
            .await?;
        Ok(Ok((id, token)))
    }

    /// Who holds this API token. Its role is capped by its user's current role.
    pub async fn api_token(&self, token: &str) -> Result<Option<Principal>, EngineError> {
        let digest = token_digest(token);
        if let Some(who) = self.inner.principals.get(&digest) {
            return Ok(Some(who));
        }
        let found = self.inner.store.api_token(&digest).await?;
        let who = found.map(|(id, username, role, user_role)| Principal {
            username,
            role: role.min(user_role),
            via: Via::Token { id },
        });
        if let Some(who) = &who {
            self.inner.principals.put(digest, who.clone());
        }
        Ok(who)
    }

    pub async fn api_tokens(&self) -> Result<Vec<TokenView>, EngineError> {
        self.inner.store.api_tokens().await
    }

    /// Revokes an API token; false if there is none with this id.
    pub async fn revoke_api_token(&self, id: i64) -> Result<bool, EngineError> {
        let revoked = self.inner.store.delete_api_token(id).await?;
        self.forget_principals().await;
        Ok(revoked)
    }

    /// Calls sent to stations, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, EngineError> {
        self.inner.store.audit_log(limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_what_they_allow() {
        assert!(Role::Viewer.allows(Permission::Read));
        assert!(!Role::Viewer.allows(Permission::Operate));
        assert!(Role::Operator.allows(Permission::Operate));
        assert!(!Role::Operator.allows(Permission::Administer));
        assert!(Role::Admin.allows(Permission::Administer));
        assert_eq!("operator".parse::<Role>(), Ok(Role::Operator));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn names_and_passwords_are_checked() {
        assert!(validate_name("ops.team-1@site").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("-x").is_err());
        assert!(validate_name("a b").is_err());
        assert!(validate_password("twelve chars").is_ok());
        assert!(validate_password("eleven char").is_err());
    }

    #[test]
    fn token_digests_are_stable_hex() {
        let d = token_digest("abc");
        assert_eq!(d.len(), 64);
        assert_eq!(d, token_digest("abc"));
        assert_ne!(d, token_digest("abd"));
    }
}
