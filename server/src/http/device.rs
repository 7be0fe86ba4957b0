//! What a 2.0.1 station describes of itself: its device model, its monitors' alerts, the
//! connectors of its EVSEs; and what any station's messages deviated in (lenient mode).

use super::AppState;
use super::api::{known_station, unavailable};
use super::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `GET /api/stations/{id}/variables`: the station's device model, from its reports and the
/// Get/SetVariables answers (a password is never shown).
pub async fn variables(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let variables = state
        .engine
        .device_variables(&id)
        .await
        .map_err(unavailable)?;
    Ok(Json(variables).into_response())
}

/// `GET /api/stations/{id}/alerts`: the latest events its monitors notified, newest first.
pub async fn alerts(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let alerts = state
        .engine
        .station_alerts(&id, 200)
        .await
        .map_err(unavailable)?;
    Ok(Json(alerts).into_response())
}

/// `GET /api/stations/{id}/evses`: each EVSE's connectors with their own statuses.
pub async fn evses(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let connectors = state
        .engine
        .evse_connectors(&id)
        .await
        .map_err(unavailable)?;
    let rows: Vec<_> = connectors
        .into_iter()
        .map(|(evse, connector, status)| {
            json!({"evseId": evse, "connectorId": connector, "status": status})
        })
        .collect();
    Ok(Json(rows).into_response())
}

/// `GET /api/stations/{id}/deviations`: what the station's messages deviated in, tolerated in
/// lenient mode, most frequent first.
pub async fn deviations(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let deviations = state.engine.deviations(&id).await.map_err(unavailable)?;
    Ok(Json(deviations).into_response())
}
