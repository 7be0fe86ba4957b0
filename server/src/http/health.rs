use super::{ApiError, AppState};
use axum::extract::State;

/// Whether Centrale serves: `ok` when its database answers.
///
/// Open to anyone, for load balancers and service managers.
#[utoipa::path(get, path = "/healthz", tag = "Service", security(()),
    responses((status = 200, description = "Serving", content_type = "text/plain", body = String, example = "ok"),
        (status = 503, description = "The database is unavailable", body = super::openapi::ErrorBody)))]
pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match state.engine.count_stations().await {
        Ok(_) => Ok("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            Err(ApiError::Unavailable("database unavailable".to_owned()))
        }
    }
}
