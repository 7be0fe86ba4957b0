//! The fleet at scale: `GET /api/stations` a page at a time, `GET /api/fleet` the counters,
//! `GET /api/fleet/overview` the overview's figures, `GET /api/nodes` the cluster's nodes,
//! `GET /api/stations/{id}/history` one station's history.

use super::api::StationPath;
use super::api::{station_id, unavailable};
use super::openapi::ErrorBody;
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use engine::cluster::NodeView;
use engine::fleet::overview::FleetOverview;
use engine::fleet::{FleetCounters, StationQuery};
use engine::history::StationHistory;
use engine::model::{Registration, StationView};

/// `response` with how many items match in all, on every page (`X-Total-Count`).
pub(super) fn with_total(mut response: Response, total: u64) -> Response {
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(total));
    response
}

/// The stations, filtered, sorted and a page at a time.
///
/// The stations matching the filters, sorted (by id unless told), `limit` of them from
/// `offset` (every one when no limit is given). How many match in all is in `X-Total-Count`.
/// A parameter the API does not know, or a value it cannot read, is a 400 naming it.
#[utoipa::path(get, path = "/stations", tag = "Stations",
    params(
        ("q" = Option<String>, Query, description = "Text in the id, vendor, model or serial number", example = "CP-0"),
        ("connection" = Option<String>, Query, description = "online or offline", example = "online"),
        ("status" = Option<String>, Query, description = "A connector status, as the station spells it", example = "Available"),
        ("registration" = Option<Registration>, Query, description = "Accepted, Pending or Rejected"),
        ("version" = Option<String>, Query, description = "1.6 or 2.0.1", example = "1.6"),
        ("sort" = Option<String>, Query, description = "id, status, lastSeen, model or version", example = "lastSeen"),
        ("order" = Option<String>, Query, description = "asc or desc", example = "desc"),
        ("offset" = Option<u64>, Query, description = "How many matching stations to skip"),
        ("limit" = Option<u32>, Query, description = "How many to answer (1 to 500)", minimum = 1, maximum = 500, example = 50),
    ),
    responses((status = 200, description = "A page of stations", body = Vec<StationView>,
            headers(("X-Total-Count" = u64, description = "How many stations match in all"))),
        (status = 400, description = "A parameter is unknown or invalid (named)", body = ErrorBody)))]
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

/// Counters of the whole fleet: stations, online, charging, faulted, pending.
#[utoipa::path(get, path = "/fleet", tag = "Fleet",
    responses((status = 200, description = "The counters", body = FleetCounters)))]
pub async fn counters(State(state): State<AppState>) -> Result<Response, ApiError> {
    let counters = state.engine.fleet_counters().await.map_err(unavailable)?;
    Ok(Json(counters).into_response())
}

/// The nodes of the cluster.
///
/// Every Centrale process on this database (PostgreSQL), with when it started, when it was
/// last seen (each says so every second; one unseen for 5 s is dead and its stations offline)
/// and how many stations it holds. On SQLite, the one node.
#[utoipa::path(get, path = "/nodes", tag = "Fleet",
    responses((status = 200, description = "The nodes, by name", body = Vec<NodeView>)))]
pub async fn nodes(State(state): State<AppState>) -> Result<Response, ApiError> {
    let nodes = state.engine.nodes().await.map_err(unavailable)?;
    Ok(Json(nodes).into_response())
}

/// The overview's figures.
///
/// Counters, power now, energy today, the power of the last hours (a point a minute), energy
/// and sessions per day for 30 days, the connectors faulted now and the stations offline
/// longest.
#[utoipa::path(get, path = "/fleet/overview", tag = "Fleet",
    responses((status = 200, description = "The figures", body = FleetOverview)))]
pub async fn overview(State(state): State<AppState>) -> Result<Response, ApiError> {
    let overview = state
        .engine
        .fleet_overview(time::OffsetDateTime::now_utc())
        .await
        .map_err(unavailable)?;
    Ok(Json(overview).into_response())
}

/// A station's history.
///
/// Its power over the last 24 hours (a point per 5 minutes), uptime per day over the last
/// 7 days, its latest sessions and status changes.
#[utoipa::path(get, path = "/stations/{id}/history", tag = "Stations", params(StationPath),
    responses((status = 200, description = "Its history", body = StationHistory),
        (status = 400, description = "Not a station id", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody)))]
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
