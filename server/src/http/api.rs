//! The REST API's stations, commands, id tags, reservations, profiles and security routes:
//! JSON in camelCase, errors as `{"error": "..."}` (see [`ApiError`]). Each handler's
//! `#[utoipa::path]` describes its route in `GET /api/openapi.json` (see `openapi.rs`), where
//! every route, its parameters and its answers are listed.

use super::openapi::ErrorBody;
use super::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::EngineError;
use engine::calls::CallError;
use engine::model::{
    ChargingProfileRecord, ConfigurationKey, IdTagView, Reservation, SecurityEventView, StationView,
};
use engine::model::{IdTag, Registration, TokenStatus};
use engine::operators::{Permission, Principal};
use engine::security::{SecurityProfile, StationSecurity};
use protocol::StationId;
use protocol::types::StoredIdToken;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

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

/// One station: its registration, identity, connection and connectors.
#[utoipa::path(get, path = "/stations/{id}", tag = "Stations", params(StationPath),
    responses((status = 200, description = "The station", body = StationView),
        (status = 400, description = "Not a station id", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody)))]
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

/// A station to register before it first connects.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewStation {
    /// Its identity, as in its URL (`/ocpp/{id}`).
    #[schema(example = "CP-001")]
    id: String,
    /// Accepted unless told.
    registration: Option<Registration>,
}

/// Registers a station before it first connects.
#[utoipa::path(post, path = "/stations", tag = "Stations", request_body = NewStation,
    responses((status = 201, description = "The station, registered", body = StationView),
        (status = 400, description = "A field is missing or invalid (named)", body = ErrorBody),
        (status = 409, description = "The station exists already", body = ErrorBody)))]
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

/// What to change of a station: its registration, its lenient mode, or both.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StationChange {
    /// Accepted, Pending or Rejected: what the station's next BootNotification is answered.
    registration: Option<Registration>,
    /// Lenient mode: the station's known deviations tolerated and counted.
    lenient: Option<bool>,
}

/// Accepts or rejects a station, or turns its lenient mode on or off.
#[utoipa::path(patch, path = "/stations/{id}", tag = "Stations", params(StationPath),
    request_body = StationChange,
    responses((status = 200, description = "The station, changed", body = StationView),
        (status = 400, description = "A field is invalid (named), or none is given", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody)))]
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

/// Removes a station (its transactions stay).
#[utoipa::path(delete, path = "/stations/{id}", tag = "Stations", params(StationPath),
    responses((status = 204, description = "Removed; its transactions stay"),
        (status = 404, description = "No such station", body = ErrorBody)))]
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
#[utoipa::path(post, path = "/stations/{id}/commands/{action}", tag = "Commands",
    params(StationPath, ("action" = String, Path, description = "The OCPP action, e.g. Reset; each has its own operation below with its schemas")),
    request_body(content = Object, description = "The call's payload (an empty body is `{}`)"),
    responses((status = 200, description = "The station's response payload", body = Object),
        (status = 400, description = "The payload is invalid for the action in the station's version, or the action is not one a central system sends", body = ErrorBody),
        (status = 404, description = "No such station", body = ErrorBody),
        (status = 409, description = "The station is not connected", body = ErrorBody),
        (status = 429, description = "Too many calls wait for this station", body = ErrorBody),
        (status = 502, description = "The station answered with a CALLERROR (its code and description given) or an invalid response, or closed", body = ErrorBody),
        (status = 504, description = "The station did not answer in time", body = ErrorBody)))]
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

/// A 1.6 station's configuration as last read (GetConfiguration) or changed.
#[utoipa::path(get, path = "/stations/{id}/configuration", tag = "Stations", params(StationPath),
    responses((status = 200, description = "Its configuration keys as last read or changed (1.6)", body = Vec<ConfigurationKey>),
        (status = 404, description = "No such station", body = ErrorBody)))]
pub async fn configuration(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = known_station(&state, id).await?;
    let keys = state.engine.configuration(&id).await.map_err(unavailable)?;
    Ok(Json(keys).into_response())
}

/// Every id tag Centrale authorizes by.
#[utoipa::path(get, path = "/id-tags", tag = "Authorization",
    responses((status = 200, description = "Every id tag", body = Vec<IdTagView>)))]
pub async fn id_tags(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.id_tags().await.map_err(unavailable)?).into_response())
}

/// An id tag's authorization.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdTagBody {
    /// Accepted, Blocked or Expired.
    status: TokenStatus,
    /// RFC 3339; the tag is Expired after it.
    #[schema(format = DateTime, example = "2027-12-31T23:59:59Z")]
    expiry_date: Option<String>,
    /// Its group (up to 20 characters).
    parent_id_tag: Option<String>,
}

/// A station's local authorization list as last sent.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct LocalList {
    /// The version the station was sent with the list.
    list_version: Option<i64>,
    entries: Vec<IdTag>,
}

/// A live connection, as SpringOcpp (the project Centrale grew from) listed them.
#[derive(Serialize, ToSchema)]
pub(super) struct Connection {
    /// The connection's uuid.
    id: String,
    /// The URL the station connected to.
    session: String,
    /// Always `ok`.
    client: &'static str,
}

/// A station's security settings, with the password Centrale made, once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct SecurityAnswer {
    #[serde(flatten)]
    security: StationSecurity,
    /// The password Centrale made, shown this once (when profile 1 or 2 needed one and none
    /// was given or kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

/// The station a route is about.
#[derive(IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub(super) struct StationPath(
    /// The station's identity, as in its URL (`/ocpp/{id}`).
    #[param(example = "CP-001")]
    #[allow(dead_code)]
    String,
);

/// Adds an id tag, or changes one.
#[utoipa::path(put, path = "/id-tags/{idTag}", tag = "Authorization",
    params(("idTag" = String, Path, description = "The tag (up to 20 characters)", example = "04A1B2C3D4")),
    request_body = IdTagBody,
    responses((status = 200, description = "The tag as stored", body = IdTag),
        (status = 400, description = "A field is invalid (named)", body = ErrorBody)))]
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
    Ok(Json(stored).into_response())
}

/// Removes an id tag.
#[utoipa::path(delete, path = "/id-tags/{idTag}", tag = "Authorization",
    params(("idTag" = String, Path, description = "The tag")),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "No such tag", body = ErrorBody)))]
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

/// Reservations stations accepted.
#[utoipa::path(get, path = "/reservations", tag = "Authorization",
    responses((status = 200, description = "Reservations stations accepted (Active, Expired, Cancelled, Used)", body = Vec<Reservation>)))]
pub async fn reservations(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.reservations().await.map_err(unavailable)?).into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StationFilter {
    /// Only this station's.
    station: Option<String>,
}

/// Charging profiles stations accepted, of every station or one.
#[utoipa::path(get, path = "/charging-profiles", tag = "Authorization", params(StationFilter),
    responses((status = 200, description = "Charging profiles stations accepted", body = Vec<ChargingProfileRecord>),
        (status = 400, description = "A parameter is invalid (named)", body = ErrorBody)))]
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
#[utoipa::path(get, path = "/connect", tag = "Service",
    responses((status = 200, description = "The live connections", body = Vec<Connection>)))]
pub async fn connections(State(state): State<AppState>) -> Response {
    let list: Vec<Connection> = state
        .engine
        .connections()
        .into_iter()
        .map(|(_, uuid, url)| Connection {
            id: uuid.to_string(),
            session: url,
            client: "ok",
        })
        .collect();
    Json(list).into_response()
}

/// The local authorization list a station was last sent, with its version.
#[utoipa::path(get, path = "/stations/{id}/local-list", tag = "Authorization", params(StationPath),
    responses((status = 200, description = "The local authorization list last sent, with its version", body = LocalList),
        (status = 404, description = "No such station", body = ErrorBody)))]
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
    let entries = state.engine.local_list(&id).await.map_err(unavailable)?;
    Ok(Json(LocalList {
        list_version: version,
        entries,
    })
    .into_response())
}

/// How a station must prove who it is.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SecurityChange {
    security_profile: SecurityProfile,
    /// Its HTTP Basic password (profiles 1 and 2): 16 to 40 printable ASCII characters.
    password: Option<String>,
}

/// `PUT /api/stations/{id}/security` `{securityProfile, password?}`: how the station must prove
/// who it is. The station is created (Accepted) if it is new, so it can be provisioned before it
/// first connects. Profiles 1 and 2 need a password: without one given or kept, a random one is
/// made and answered once, as `password`.
#[utoipa::path(put, path = "/stations/{id}/security", tag = "Security", params(StationPath),
    request_body = SecurityChange,
    responses((status = 200, description = "Its security settings; `password` when one was made", body = SecurityAnswer),
        (status = 400, description = "A field is invalid (named)", body = ErrorBody)))]
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
    Ok(Json(SecurityAnswer {
        security,
        password: generated,
    })
    .into_response())
}

/// The most security events one request answers with.
const SECURITY_EVENTS_LIMIT: u32 = 1000;

/// `?station=ID&limit=N` of the lists of what happened lately.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecentFilter {
    /// Only this station's.
    station: Option<String>,
    /// How many, newest first: 200 unless told, at most 1 000.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// `GET /api/security-events?station=ID&limit=N`: newest first, from stations
/// (SecurityEventNotification) and from Centrale (refused connections).
#[utoipa::path(get, path = "/security-events", tag = "Security", params(RecentFilter),
    responses((status = 200, description = "Security events, newest first", body = Vec<SecurityEventView>),
        (status = 400, description = "A parameter is invalid (named)", body = ErrorBody)))]
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
