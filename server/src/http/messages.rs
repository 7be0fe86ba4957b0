//! The message log through the REST API, a page at a time.

use super::api::unavailable;
use super::openapi::ErrorBody;
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use engine::message_log::{LoggedFrame, MessageQuery};

/// The most frames one request answers with.
const MESSAGES_LIMIT: u32 = 1000;
/// Frames a request answers with when it does not say.
const MESSAGES_DEFAULT: u32 = 200;

/// The message log, newest first, a page at a time.
///
/// Logged frames of one station, of one action (a CALL and its answer), only CALLERRORs
/// (`errors=true`), older than frame `before`; `limit` of them (200 unless told, at most
/// 1 000). When older frames match, `X-Next-Before` gives `before` of the next page.
#[utoipa::path(get, path = "/messages", tag = "Messages",
    params(
        ("station" = Option<String>, Query, description = "Only this station's frames", example = "CP-001"),
        ("action" = Option<String>, Query, description = "Only this action's frames (a CALL and its answer)", example = "BootNotification"),
        ("errors" = Option<bool>, Query, description = "Only CALLERRORs"),
        ("before" = Option<i64>, Query, description = "Only frames older than this frame id (from `X-Next-Before`)", minimum = 1),
        ("limit" = Option<u32>, Query, description = "How many (200 unless told)", minimum = 1, maximum = 1000, example = 100),
    ),
    responses((status = 200, description = "Frames, newest first", body = Vec<LoggedFrame>,
            headers(("X-Next-Before" = i64, description = "`before` of the next (older) page, when there is one"))),
        (status = 400, description = "A parameter is unknown or invalid (named)", body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let query = MessageQuery::from_params(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        MESSAGES_LIMIT,
    )?;
    let page = state
        .engine
        .message_page(&query, MESSAGES_DEFAULT)
        .await
        .map_err(unavailable)?;
    let mut response = Json(page.frames).into_response();
    if let Some(before) = page.next_before {
        response
            .headers_mut()
            .insert("x-next-before", HeaderValue::from(before));
    }
    Ok(response)
}
