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
/// | `NotFound` | 404: no such resource |
/// | `Unavailable` | 503: Centrale cannot serve this now (e.g. the database is unreachable) |
/// | `Internal` | 500: a bug or an unexpected failure; the cause is logged, not sent |
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error answering a request");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}
