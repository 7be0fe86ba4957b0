//! The REST API: JSON in camelCase, errors as `{"error": "..."}` (see [`ApiError`]).
//!
//! | route | what |
//! |---|---|
//! | `GET /api/stations?q=&connection=&status=&registration=&version=&sort=&order=&offset=&limit=` | stations with connectors and connection state, filtered, sorted, paged (`X-Total-Count`); see `fleet.rs` |
//! | `GET /api/stations/{id}` | one station |
//! | `GET /api/stations/{id}/history` | its power over 24 hours, uptime per day over 7, latest sessions and status changes; see `fleet.rs` |
//! | `GET /api/fleet`, `GET /api/fleet/overview` | counters of the whole fleet; the overview's figures |
//! | `POST /api/stations` `{id, registration?}` | pre-register a station (Accepted unless told) |
//! | `PATCH /api/stations/{id}` `{registration}` | accept or reject a station |
//! | `DELETE /api/stations/{id}` | remove a station (its transactions stay) |
//! | `POST /api/stations/{id}/commands/{Action}` | send an OCPP call; the body is its payload |
//! | `GET /api/stations/{id}/configuration` | the configuration last read or changed |
//! | `GET /api/stations/{id}/local-list` | the local authorization list last sent, with its version |
//! | `GET /api/transactions?station=&tag=&active=&from=&to=&offset=&limit=`, `GET /api/transactions/{id}` | transactions, newest first, paged (`X-Total-Count`); see `transactions.rs` |
//! | `GET /api/id-tags`, `PUT /api/id-tags/{idTag}`, `DELETE /api/id-tags/{idTag}` | id tags |
//! | `GET /api/messages?station=&action=&errors=&before=&limit=` | the message log, newest first, a page at a time (`X-Next-Before`); see `messages.rs` |
//! | `GET /api/reservations` | reservations stations accepted (Active, Expired, Cancelled, Used) |
//! | `GET /api/charging-profiles?station=ID` | charging profiles stations accepted |
//! | `PUT /api/stations/{id}/security` `{securityProfile, password?}` | how a station proves who it is |
//! | `GET /api/security-events?station=ID&limit=N` | security events, from stations and Centrale |
//! | `GET /connect` | the live connections, as SpringOcpp showed them |

use super::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::EngineError;
use engine::calls::CallError;
use engine::model::{IdTag, Registration, TokenStatus};
use engine::operators::{Permission, Principal};
use engine::security::SecurityProfile;
use protocol::StationId;
use protocol::types::StoredIdToken;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Logs an engine failure and answers 503 without its details.
pub(super) fn unavailable(e: EngineError) -> ApiError {
    tracing::error!(error = %e, "engine failure answering an API request");
    ApiError::Unavailable("the central system cannot answer now; retry shortly".to_owned())
}

/// A JSON body, with a 400 that says what is wrong (axum's own rejection is plain text).
pub(super) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// A station id that names a known station (404 otherwise).
pub(super) async fn known_station(state: &AppState, raw: String) -> Result<StationId, ApiError> {
    let id = station_id(raw)?;
    match state.engine.registration(&id).await.map_err(unavailable)? {
        Some(_) => Ok(id),
        None => Err(ApiError::NotFound(format!("no station {id}"))),
    }
}

pub(super) fn station_id(raw: String) -> Result<StationId, ApiError> {
    StationId::parse(raw).map_err(|e| ApiError::BadRequest(format!("invalid station id: {e}")))
}

pub async fn station(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = station_id(id)?;
    match state.engine.station(&id).await.map_err(unavailable)? {
        Some(station) => Ok(Json(station).into_response()),
        None => Err(ApiError::NotFound(format!("no station {id}"))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewStation {
    id: String,
    registration: Option<Registration>,
}

pub async fn add_station(
    State(state): State<AppState>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let new: NewStation = body(&bytes)?;
    let id = station_id(new.id)?;
    let registration = new.registration.unwrap_or(Registration::Accepted);
    if !state
        .engine
        .add_station(&id, registration)
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::Conflict(format!("station {id} exists already")));
    }
    let created = state.engine.station(&id).await.map_err(unavailable)?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StationChange {
    registration: Option<Registration>,
    /// Lenient mode: the station's known deviations tolerated and counted.
    lenient: Option<bool>,
}

pub async fn change_station(
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let id = station_id(id)?;
    let change: StationChange = body(&bytes)?;
    if change.registration.is_none() && change.lenient.is_none() {
        return Err(ApiError::BadRequest(
            "give registration, lenient, or both".to_owned(),
        ));
    }
    let mut found = true;
    if let Some(registration) = change.registration {
        found &= state
            .engine
            .set_registration(&id, registration)
            .await
            .map_err(unavailable)?;
    }
    if let Some(lenient) = change.lenient {
        found &= state
            .engine
            .set_lenient(&id, lenient)
            .await
            .map_err(unavailable)?;
    }
    if !found {
        return Err(ApiError::NotFound(format!("no station {id}")));
    }
    let changed = state.engine.station(&id).await.map_err(unavailable)?;
    Ok(Json(changed).into_response())
}

pub async fn delete_station(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = station_id(id)?;
    if state
        .engine
        .delete_station(&id)
        .await
        .map_err(unavailable)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no station {id}")))
    }
}

/// `POST /api/stations/{id}/commands/{Action}`: the body is the OCPP payload, validated before
/// anything is sent; the answer is the station's response payload.
pub async fn command(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((id, action)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let id = station_id(id)?;
    let payload = if bytes.iter().all(u8::is_ascii_whitespace) {
        "{}".to_owned()
    } else {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::BadRequest("the body must be UTF-8 JSON".to_owned()))?
    };
    let Ok(object) = serde_json::from_str::<Value>(&payload) else {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object: the OCPP payload".to_owned(),
        ));
    };
    if !object.is_object() {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object: the OCPP payload".to_owned(),
        ));
    }
    let needed = Permission::to_send(&action, &object);
    if !who.may(needed) {
        return Err(super::auth::forbidden(&who, needed));
    }
    match state
        .engine
        .call_json(&who.actor(), &id, &action, &payload)
        .await
    {
        Ok(answer) => Ok(Json(answer).into_response()),
        Err(e) => Err(call_error(e)),
    }
}

/// The status of each way a call can fail.
fn call_error(e: CallError) -> ApiError {
    match e {
        CallError::InvalidRequest(reason) => ApiError::BadRequest(reason.to_string()),
        CallError::NotAllowed(_) | CallError::WrongVersion { .. } => {
            ApiError::BadRequest(e.to_string())
        }
        CallError::UnknownStation(_) => ApiError::NotFound(e.to_string()),
        CallError::NotConnected(_) => ApiError::Conflict(e.to_string()),
        CallError::Busy(_) => ApiError::TooManyRequests(e.to_string()),
        CallError::Timeout(_) => ApiError::GatewayTimeout(e.to_string()),
        CallError::Rejected { code, description } => ApiError::BadGateway(json!({
            "error": format!("the station answered {code}: {description}"),
            "code": code,
            "description": description,
        })),
        CallError::InvalidResponse(_) | CallError::Closed => {
            ApiError::BadGateway(json!({ "error": e.to_string() }))
        }
        CallError::Unrecorded => ApiError::Unavailable(e.to_string()),
    }
}

pub async fn configuration(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let keys = state.engine.configuration(&id).await.map_err(unavailable)?;
    Ok(Json(keys).into_response())
}

pub async fn id_tags(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.id_tags().await.map_err(unavailable)?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdTagBody {
    status: TokenStatus,
    expiry_date: Option<String>,
    parent_id_tag: Option<String>,
}

pub async fn put_id_tag(
    State(state): State<AppState>,
    Path(tag): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let tag = StoredIdToken::parse(tag)
        .map_err(|e| ApiError::BadRequest(format!("invalid idTag: {e}")))?;
    let body: IdTagBody = body(&bytes)?;
    if !TokenStatus::STORED.contains(&body.status) {
        return Err(ApiError::BadRequest(format!(
            "status: {} is an answer, not a status a tag can have",
            body.status
        )));
    }
    let expiry_date = body
        .expiry_date
        .map(|d| {
            OffsetDateTime::parse(&d, &Rfc3339).map_err(|_| {
                ApiError::BadRequest(format!("expiryDate {d:?} is not an RFC 3339 date-time"))
            })
        })
        .transpose()?;
    let parent_id_tag = body
        .parent_id_tag
        .map(|p| {
            StoredIdToken::parse(p)
                .map_err(|e| ApiError::BadRequest(format!("invalid parentIdTag: {e}")))
        })
        .transpose()?
        .map(StoredIdToken::into_string);
    let stored = IdTag {
        id_tag: tag.into_string(),
        status: body.status,
        expiry_date,
        parent_id_tag,
    };
    state
        .engine
        .put_id_tag(stored.clone())
        .await
        .map_err(unavailable)?;
    Ok(Json(json!({
        "idTag": stored.id_tag,
        "status": stored.status,
        "expiryDate": stored.expiry_date.and_then(|d| d.format(&Rfc3339).ok()),
        "parentIdTag": stored.parent_id_tag,
    }))
    .into_response())
}

pub async fn delete_id_tag(
    State(state): State<AppState>,
    Path(tag): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state
        .engine
        .delete_id_tag(&tag)
        .await
        .map_err(unavailable)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no id tag {tag}")))
    }
}

pub async fn reservations(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.reservations().await.map_err(unavailable)?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationFilter {
    station: Option<String>,
}

pub async fn charging_profiles(
    State(state): State<AppState>,
    Query(filter): Query<StationFilter>,
) -> Result<Response, ApiError> {
    let station = filter.station.map(station_id).transpose()?;
    let profiles = state
        .engine
        .charging_profiles(station.as_ref())
        .await
        .map_err(unavailable)?;
    Ok(Json(profiles).into_response())
}

/// `GET /connect`: one object per live connection, as SpringOcpp (the project Centrale grew
/// from) answered: `{"id": <connection uuid>, "session": <the URL the station used>, "client": "ok"}`.
pub async fn connections(State(state): State<AppState>) -> Response {
    let list: Vec<Value> = state
        .engine
        .connections()
        .into_iter()
        .map(|(_, uuid, url)| json!({ "id": uuid.to_string(), "session": url, "client": "ok" }))
        .collect();
    Json(list).into_response()
}

pub async fn local_list(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let version = state
        .engine
        .local_list_version(&id)
        .await
        .map_err(unavailable)?;
    let entries: Vec<Value> = state
        .engine
        .local_list(&id)
        .await
        .map_err(unavailable)?
        .into_iter()
        .map(|tag| {
            json!({
                "idTag": tag.id_tag,
                "status": tag.status,
                "expiryDate": tag.expiry_date.and_then(|d| d.format(&Rfc3339).ok()),
                "parentIdTag": tag.parent_id_tag,
            })
        })
        .collect();
    Ok(Json(json!({ "listVersion": version, "entries": entries })).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SecurityChange {
    security_profile: SecurityProfile,
    password: Option<String>,
}

/// `PUT /api/stations/{id}/security` `{securityProfile, password?}`: how the station must prove
/// who it is. The station is created (Accepted) if it is new, so it can be provisioned before it
/// first connects. Profiles 1 and 2 need a password: without one given or kept, a random one is
/// made and answered once, as `password`.
pub async fn put_station_security(
    State(state): State<AppState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let id = station_id(id)?;
    let change: SecurityChange = body(&bytes)?;
    let generated = state
        .engine
        .set_station_security(&id, change.security_profile, change.password)
        .await
        .map_err(unavailable)?
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let security = state
        .engine
        .station_security(&id)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| ApiError::NotFound(format!("no station {id}")))?;
    let mut answer = json!(security);
    if let (Some(password), Some(object)) = (generated, answer.as_object_mut()) {
        object.insert("password".to_owned(), Value::String(password));
    }
    Ok(Json(answer).into_response())
}

/// The most security events one request answers with.
const SECURITY_EVENTS_LIMIT: u32 = 1000;

/// `?station=ID&limit=N` of the lists of what happened lately.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecentFilter {
    station: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/security-events?station=ID&limit=N`: newest first, from stations
/// (SecurityEventNotification) and from Centrale (refused connections).
pub async fn security_events(
    State(state): State<AppState>,
    Query(filter): Query<RecentFilter>,
) -> Result<Response, ApiError> {
    let station = filter.station.map(station_id).transpose()?;
    let limit = filter.limit.unwrap_or(200).clamp(1, SECURITY_EVENTS_LIMIT);
    let events = state
        .engine
        .security_events(station.as_ref(), limit)
        .await
        .map_err(unavailable)?;
    Ok(Json(events).into_response())
}
