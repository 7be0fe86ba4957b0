//! Admin routes of the REST API: users, API tokens, the audit log.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/me` | who the credentials belong to |
//! | `GET /api/users`, `POST /api/users` `{username, password, role}` | users |
//! | `PATCH /api/users/{name}` `{role?, password?}`, `DELETE /api/users/{name}` | change, remove |
//! | `GET /api/tokens`, `POST /api/tokens` `{name, role, username?}` | API tokens (the token is answered once) |
//! | `DELETE /api/tokens/{id}` | revoke a token |
//! | `GET /api/audit-log?limit=N` | calls sent to stations, with who sent them |

use super::api::{body, unavailable};
use super::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::operators::{Principal, Role, UserError};
use serde::Deserialize;
use serde_json::json;

fn user_error(e: UserError) -> ApiError {
    match e {
        UserError::NoSuchUser(_) => ApiError::NotFound(e.to_string()),
        UserError::Exists(_) | UserError::LastAdmin => ApiError::Conflict(e.to_string()),
        UserError::BadName | UserError::WeakPassword | UserError::AboveUser(_) => {
            ApiError::BadRequest(e.to_string())
        }
    }
}

pub async fn users(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.users().await.map_err(unavailable)?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewUser {
    username: String,
    password: String,
    role: Role,
}

pub async fn add_user(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let new: NewUser = body(&bytes)?;
    state
        .engine
        .add_user(&new.username, &new.password, new.role)
        .await
        .map_err(unavailable)?
        .map_err(user_error)?;
    tracing::info!(by = %who.actor(), user = %new.username, role = %new.role, "user added");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "username": new.username, "role": new.role })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserChange {
    role: Option<Role>,
    password: Option<String>,
}

pub async fn change_user(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(username): Path<String>,
    bytes: Bytes,
) -> Result<StatusCode, ApiError> {
    let change: UserChange = body(&bytes)?;
    state
        .engine
        .change_user(&username, change.role, change.password.as_deref())
        .await
        .map_err(unavailable)?
        .map_err(user_error)?;
    tracing::info!(by = %who.actor(), user = %username, role = ?change.role, password = change.password.is_some(), "user changed");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_user(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .engine
        .delete_user(&username)
        .await
        .map_err(unavailable)?
        .map_err(user_error)?;
    tracing::info!(by = %who.actor(), user = %username, "user removed");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn tokens(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.api_tokens().await.map_err(unavailable)?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewToken {
    name: String,
    role: Role,
    /// Whose token it is (default: the admin making it).
    username: Option<String>,
}

pub async fn add_token(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let new: NewToken = body(&bytes)?;
    if new.name.trim().is_empty() || new.name.len() > 100 {
        return Err(ApiError::BadRequest(
            "a token needs a name of 1 to 100 characters".to_owned(),
        ));
    }
    let owner = new.username.unwrap_or_else(|| who.username.clone());
    let (id, token) = state
        .engine
        .add_api_token(&owner, &new.name, new.role)
        .await
        .map_err(unavailable)?
        .map_err(user_error)?;
    tracing::info!(by = %who.actor(), token = id, user = %owner, role = %new.role, "API token made");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": new.name, "role": new.role, "username": owner, "token": token })),
    )
        .into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if state
        .engine
        .revoke_api_token(id)
        .await
        .map_err(unavailable)?
    {
        tracing::info!(by = %who.actor(), token = id, "API token revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no API token {id}")))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    limit: Option<u32>,
}

pub async fn audit_log(
    State(state): State<AppState>,
    Query(limit): Query<Limit>,
) -> Result<Response, ApiError> {
    let limit = limit.limit.unwrap_or(200).clamp(1, 1000);
    Ok(Json(state.engine.audit_log(limit).await.map_err(unavailable)?).into_response())
}
