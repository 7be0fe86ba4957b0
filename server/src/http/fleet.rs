//! The fleet at scale: `GET /api/stations` a page at a time, `GET /api/fleet` the counters,
//! `GET /api/fleet/overview` the overview's figures, `GET /api/stations/{id}/history` one
//! station's history.

use super::api::{station_id, unavailable};
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use engine::fleet::StationQuery;

/// `response` with how many items match in all, on every page (`X-Total-Count`).
pub(super) fn with_total(mut response: Response, total: u64) -> Response {
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(total));
    response
}

/// `GET /api/stations?q=&connection=&status=&registration=&version=&sort=&order=&offset=&limit=`:
/// the stations matching the filters, sorted (by id unless told), `limit` of them from
/// `offset` (every one when no limit is given). How many match in all is in `X-Total-Count`.
/// A parameter the API does not know, or a value it cannot read, is a 400 naming it.
pub async fn stations(
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let query = StationQuery::from_params(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let page = state
        .engine
        .station_page(&query)
        .await
        .map_err(unavailable)?;
    Ok(with_total(
        Json(page.stations).into_response(),
        page.matching,
    ))
}

/// `GET /api/fleet`: counters of the whole fleet (stations, online, charging, faulted, pending).
pub async fn counters(State(state): State<AppState>) -> Result<Response, ApiError> {
    let counters = state.engine.fleet_counters().await.map_err(unavailable)?;
    Ok(Json(counters).into_response())
}

/// `GET /api/fleet/overview`: the overview's figures: counters, power now, energy today, the
/// power of the last hours (a point a minute), energy and sessions per day for 30 days, the
/// connectors faulted now and the stations offline longest.
pub async fn overview(State(state): State<AppState>) -> Result<Response, ApiError> {
    let overview = state
        .engine
        .fleet_overview(time::OffsetDateTime::now_utc())
        .await
        .map_err(unavailable)?;
    Ok(Json(overview).into_response())
}

/// `GET /api/stations/{id}/history`: a station's power over the last 24 hours (a point per
/// 5 minutes), uptime per day over the last 7 days, its latest sessions and status changes.
pub async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = station_id(id)?;
    let now = time::OffsetDateTime::now_utc();
    match state
        .engine
        .station_history(&id, now)
        .await
        .map_err(unavailable)?
    {
        Some(history) => Ok(Json(history).into_response()),
        None => Err(ApiError::NotFound(format!("no station {id}"))),
    }
}
