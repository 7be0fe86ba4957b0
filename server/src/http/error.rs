//! The one error type of the HTTP API.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An API error, answered as `{"error": "<message>"}`.
///
/// | variant | status |
/// |---|---|
/// | `BadRequest` | 400: the request is malformed or invalid; nothing was changed |
/// | `Unauthorized` | 401: no credentials, or wrong ones |
/// | `Forbidden` | 403: signed in, but the role does not allow this |
/// | `NotFound` | 404: no such resource |
/// | `Conflict` | 409: the resource exists already, or the station is not connected |
/// | `TooManyRequests` | 429: too many calls wait for this station |
/// | `BadGateway` | 502: the station refused the call or answered invalidly (body as given) |
/// | `GatewayTimeout` | 504: the station did not answer in time |
/// | `Unavailable` | 503: Centrale cannot serve this now (e.g. the database is unreachable) |
/// | `Internal` | 500: a bug or an unexpected failure; the cause is logged, not sent |
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    BadGateway(serde_json::Value),
    #[error("{0}")]
    GatewayTimeout(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::BadGateway(body) = self {
            return (StatusCode::BAD_GATEWAY, Json(body)).into_response();
        }
        let status = match &self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error answering a request");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// A list's query parameter it cannot read: 400, naming the parameter.
impl From<engine::listing::BadQuery> for ApiError {
    fn from(e: engine::listing::BadQuery) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}
