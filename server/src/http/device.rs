//! What a 2.0.1 station describes of itself: its device model, its monitors' alerts, the
//! connectors of its EVSEs; and what any station's messages deviated in (lenient mode).

use super::AppState;
use super::api::StationPath;
use super::api::{known_station, unavailable};
use super::error::ApiError;
use super::openapi::ErrorBody;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use engine::model::{DeviationCount, DeviceVariable, MonitorEvent};
use serde::Serialize;
use utoipa::ToSchema;

/// A connector of a 2.0.1 station's EVSE.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct EvseConnector {
    evse_id: u32,
    connector_id: u32,
    /// Its status, as the station spells it.
    status: String,
}

/// A 2.0.1 station's device model.
///
/// From its reports and the Get/SetVariables answers (a password is never shown).
#[utoipa::path(get, path = "/stations/{id}/variables", tag = "Stations", params(StationPath),
    responses((status = 200, description = "Its variables", body = Vec<DeviceVariable>),
        (status = 404, description = "No such station", body = ErrorBody)))]
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

/// The latest events a 2.0.1 station's monitors notified, newest first.
#[utoipa::path(get, path = "/stations/{id}/alerts", tag = "Stations", params(StationPath),
    responses((status = 200, description = "Its monitors' events (200 at most)", body = Vec<MonitorEvent>),
        (status = 404, description = "No such station", body = ErrorBody)))]
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

/// Each EVSE's connectors of a 2.0.1 station, with their own statuses.
#[utoipa::path(get, path = "/stations/{id}/evses", tag = "Stations", params(StationPath),
    responses((status = 200, description = "Its EVSEs' connectors", body = Vec<EvseConnector>),
        (status = 404, description = "No such station", body = ErrorBody)))]
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
        .map(|(evse_id, connector_id, status)| EvseConnector {
            evse_id,
            connector_id,
            status,
        })
        .collect();
    Ok(Json(rows).into_response())
}

/// What a station's messages deviated from the specification in, most frequent first.
///
/// Tolerated and counted in lenient mode.
#[utoipa::path(get, path = "/stations/{id}/deviations", tag = "Stations", params(StationPath),
    responses((status = 200, description = "Its deviations", body = Vec<DeviationCount>),
        (status = 404, description = "No such station", body = ErrorBody)))]
pub async fn deviations(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let deviations = state.engine.deviations(&id).await.map_err(unavailable)?;
    Ok(Json(deviations).into_response())
}
