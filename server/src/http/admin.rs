//! Admin routes of the REST API: users, API tokens, the audit log (described in
//! `GET /api/openapi.json` with every other route).

use super::api::{body, unavailable};
use super::openapi::ErrorBody;
use super::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::operators::{AuditEntry, TokenView, UserView};
use engine::operators::{Principal, Role, UserError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn user_error(e: UserError) -> ApiError {
    match e {
        UserError::NoSuchUser(_) => ApiError::NotFound(e.to_string()),
        UserError::Exists(_) | UserError::LastAdmin => ApiError::Conflict(e.to_string()),
        UserError::BadName | UserError::WeakPassword | UserError::AboveUser(_) => {
            ApiError::BadRequest(e.to_string())
        }
    }
}

/// Every user with their role.
#[utoipa::path(get, path = "/users", tag = "Operators",
    responses((status = 200, description = "The users", body = Vec<UserView>)))]
pub async fn users(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.users().await.map_err(unavailable)?).into_response())
}

/// A user to add.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewUser {
    #[schema(example = "alice")]
    username: String,
    /// At least 12 characters.
    password: String,
    role: Role,
}

/// A user as added.
#[derive(Serialize, ToSchema)]
pub(super) struct AddedUser {
    username: String,
    role: Role,
}

/// An API token as made: the token itself is shown this once.
#[derive(Serialize, ToSchema)]
pub(super) struct AddedToken {
    id: i64,
    name: String,
    role: Role,
    /// Whose token it is.
    username: String,
    /// The bearer token: `Authorization: Bearer <token>`. Only its digest is stored.
    token: String,
}

/// Adds a user.
#[utoipa::path(post, path = "/users", tag = "Operators", request_body = NewUser,
    responses((status = 201, description = "Added", body = AddedUser),
        (status = 400, description = "A field is invalid (named), or the password is weak", body = ErrorBody),
        (status = 409, description = "The user exists already", body = ErrorBody)))]
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
        Json(AddedUser {
            username: new.username,
            role: new.role,
        }),
    )
        .into_response())
}

/// What to change of a user.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserChange {
    role: Option<Role>,
    /// A new password, at least 12 characters; the user's sessions end.
    password: Option<String>,
}

/// The user a route is about.
#[derive(IntoParams)]
#[into_params(names("username"), parameter_in = Path)]
pub(super) struct UserPath(
    #[param(example = "alice")]
    #[allow(dead_code)]
    String,
);

/// Changes a user's role or password.
#[utoipa::path(patch, path = "/users/{username}", tag = "Operators", params(UserPath), request_body = UserChange,
    responses((status = 204, description = "Changed"),
        (status = 400, description = "A field is invalid (named)", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "That would leave no admin", body = ErrorBody)))]
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

/// Removes a user, their sessions and tokens.
#[utoipa::path(delete, path = "/users/{username}", tag = "Operators", params(UserPath),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "That would leave no admin", body = ErrorBody)))]
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

/// Every API token (never the token itself).
#[utoipa::path(get, path = "/tokens", tag = "Operators",
    responses((status = 200, description = "The tokens", body = Vec<TokenView>)))]
pub async fn tokens(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.api_tokens().await.map_err(unavailable)?).into_response())
}

/// An API token to make.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewToken {
    /// What it is for (1 to 100 characters).
    #[schema(example = "billing export")]
    name: String,
    /// What it may do; not more than its user's role.
    role: Role,
    /// Whose token it is (default: the admin making it).
    username: Option<String>,
}

/// Makes an API token; the token is answered once.
#[utoipa::path(post, path = "/tokens", tag = "Operators", request_body = NewToken,
    responses((status = 201, description = "Made", body = AddedToken),
        (status = 400, description = "A field is invalid (named), or the role is above the user's", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)))]
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
        Json(AddedToken {
            id,
            name: new.name,
            role: new.role,
            username: owner,
            token,
        }),
    )
        .into_response())
}

/// Revokes an API token.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "Operators",
    params(("id" = i64, Path, description = "The token's id", example = 1)),
    responses((status = 204, description = "Revoked"),
        (status = 400, description = "Not a token id", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody)))]
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Limit {
    /// How many, newest first: 200 unless told, at most 1 000.
    #[param(minimum = 1, maximum = 1000, example = 50)]
    limit: Option<u32>,
}

impl Limit {
    /// The limit asked for, `default` unless told, within 1 to 1 000.
    pub(super) fn or(&self, default: u32) -> u32 {
        self.limit.unwrap_or(default).clamp(1, 1000)
    }
}

/// Calls sent to stations, with who sent them and the outcome, newest first.
#[utoipa::path(get, path = "/audit-log", tag = "Operators", params(Limit),
    responses((status = 200, description = "The entries", body = Vec<AuditEntry>),
        (status = 400, description = "A parameter is invalid (named)", body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    Query(limit): Query<Limit>,
) -> Result<Response, ApiError> {
    Ok(Json(
        state
            .engine
            .audit_log(limit.or(200))
            .await
            .map_err(unavailable)?,
    )
    .into_response())
}
