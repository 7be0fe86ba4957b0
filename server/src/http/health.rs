use super::{ApiError, AppState};
use axum::extract::State;

/// `GET /healthz`: 200 `ok` when the engine answers from its database, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match state.engine.count_stations().await {
        Ok(_) => Ok("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            Err(ApiError::Unavailable("database unavailable".to_owned()))
        }
    }
}
