//! Operators: users, their login sessions and API tokens.

use super::Store;
use super::backend::on;
use crate::EngineError;
use crate::model::UnknownValue;
use crate::operators::{Role, TokenView, UserView};
use time::OffsetDateTime;

fn role_of(stored: &str) -> Result<Role, UnknownValue> {
    stored
        .parse()
        .map_err(|_| UnknownValue(format!("role {stored}")))
}

impl Store {
    pub async fn count_users(&self) -> Result<i64, EngineError> {
        Ok(on!(&self.reads, |db| {
            sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(db)
                .await?
        }))
    }

    pub async fn count_admins(&self) -> Result<i64, EngineError> {
        Ok(on!(&self.writes, |db| {
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1")
                .bind(Role::Admin.as_str())
                .fetch_one(db)
                .await?
        }))
    }

    /// Adds a user; false if the name is taken.
    pub async fn add_user(
        &self,
        username: &str,
        phc: &str,
        role: Role,
        at: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        let done = on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO users (username, password_hash, role, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING",
            )
            .bind(username)
            .bind(phc)
            .bind(role.as_str())
            .bind(at)
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn users(&self) -> Result<Vec<UserView>, EngineError> {
        let rows: Vec<(String, String, OffsetDateTime)> = on!(&self.reads, |db| {
            sqlx::query_as("SELECT username, role, created_at FROM users ORDER BY username")
                .fetch_all(db)
                .await?
        });
        rows.into_iter()
            .map(|(username, role, created_at)| {
                Ok(UserView {
                    username,
                    role: role_of(&role)?,
                    created_at,
                })
            })
            .collect()
    }

    pub async fn user_role(&self, username: &str) -> Result<Option<Role>, EngineError> {
        let role: Option<String> = on!(&self.writes, |db| {
            sqlx::query_scalar("SELECT role FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(db)
                .await?
        });
        Ok(role.as_deref().map(role_of).transpose()?)
    }

    /// A user's password hash and role.
    pub async fn user_secret(&self, username: &str) -> Result<Option<(String, Role)>, EngineError> {
        let row: Option<(String, String)> = on!(&self.reads, |db| {
            sqlx::query_as("SELECT password_hash, role FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(db)
                .await?
        });
        row.map(|(phc, role)| Ok((phc, role_of(&role)?)))
            .transpose()
    }

    /// Sets a user's role and/or password hash. A new password ends the user's sessions.
    pub async fn change_user(
        &self,
        username: &str,
        role: Option<Role>,
        phc: Option<&str>,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            sqlx::query(
                "UPDATE users SET role = COALESCE($2, role), \
                 password_hash = COALESCE($3, password_hash) WHERE username = $1",
            )
            .bind(username)
            .bind(role.map(Role::as_str))
            .bind(phc)
            .execute(&mut *tx)
            .await?;
            if phc.is_some() {
                sqlx::query("DELETE FROM login_sessions WHERE username = $1")
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn delete_user(&self, username: &str) -> Result<bool, EngineError> {
        let done = on!(&self.writes, |db| {
            sqlx::query("DELETE FROM users WHERE username = $1")
                .bind(username)
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Keeps a new login session (and drops the expired ones).
    pub async fn add_login_session(
        &self,
        digest: &str,
        username: &str,
        csrf_token: &str,
        at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            sqlx::query("DELETE FROM login_sessions WHERE expires_at < $1")
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO login_sessions (token_hash, username, csrf_token, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(digest)
            .bind(username)
            .bind(csrf_token)
            .bind(at)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user, role and CSRF token of a login session that has not expired at `now`.
    pub async fn login_session(
        &self,
        digest: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(String, Role, String)>, EngineError> {
        let row: Option<(String, String, String, OffsetDateTime)> = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT s.username, u.role, s.csrf_token, s.expires_at FROM login_sessions s \
                 JOIN users u ON u.username = s.username WHERE s.token_hash = $1",
            )
            .bind(digest)
            .fetch_optional(db)
            .await?
        });
        row.filter(|(.., expires_at)| *expires_at > now)
            .map(|(username, role, csrf, _)| Ok((username, role_of(&role)?, csrf)))
            .transpose()
    }

    pub async fn delete_login_session(&self, digest: &str) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("DELETE FROM login_sessions WHERE token_hash = $1")
                .bind(digest)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    pub async fn add_api_token(
        &self,
        digest: &str,
        name: &str,
        role: Role,
        username: &str,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        Ok(on!(&self.writes, |db| {
            sqlx::query_scalar(
                "INSERT INTO api_tokens (token_hash, name, role, username, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(digest)
            .bind(name)
            .bind(role.as_str())
            .bind(username)
            .bind(at)
            .fetch_one(db)
            .await?
        }))
    }

    /// An API token's id, user, role and its user's role.
    pub async fn api_token(
        &self,
        digest: &str,
    ) -> Result<Option<(i64, String, Role, Role)>, EngineError> {
        let row: Option<(i64, String, String, String)> = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT t.id, t.username, t.role, u.role FROM api_tokens t \
                 JOIN users u ON u.username = t.username WHERE t.token_hash = $1",
            )
            .bind(digest)
            .fetch_optional(db)
            .await?
        });
        row.map(|(id, username, role, user_role)| {
            Ok((id, username, role_of(&role)?, role_of(&user_role)?))
        })
        .transpose()
    }

    pub async fn api_tokens(&self) -> Result<Vec<TokenView>, EngineError> {
        let rows: Vec<(i64, String, String, String, OffsetDateTime)> = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT id, name, role, username, created_at FROM api_tokens ORDER BY id",
            )
            .fetch_all(db)
            .await?
        });
        rows.into_iter()
            .map(|(id, name, role, username, created_at)| {
                Ok(TokenView {
                    id,
                    name,
                    role: role_of(&role)?,
                    username,
                    created_at,
                })
            })
            .collect()
    }

    pub async fn delete_api_token(&self, id: i64) -> Result<bool, EngineError> {
        let done = on!(&self.writes, |db| {
            sqlx::query("DELETE FROM api_tokens WHERE id = $1")
                .bind(id)
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }
}
