//! Webhook routes of the REST API (admins only): endpoints, their deliveries, a replay.
//! What a receiver gets is described in README ("Webhooks") and in the `WebhookBody` schema.

use super::admin::Limit;
use super::api::{body, unavailable};
use super::openapi::ErrorBody;
use super::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::operators::Principal;
use engine::webhooks::{AddedWebhook, Delivery, Webhook, WebhookError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Every endpoint, with its backlog, deliveries given up and latest delivery.
#[utoipa::path(get, path = "/webhooks", tag = "Webhooks",
    responses((status = 200, description = "The endpoints", body = Vec<Webhook>)))]
pub async fn webhooks(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.engine.webhooks().await.map_err(unavailable)?).into_response())
}

/// An endpoint to register.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewWebhook {
    /// Where events are POSTed: an `http` or `https` URL.
    #[schema(example = "https://billing.example/hooks/centrale")]
    url: String,
    /// Signs each delivery: at least 16 characters; none, and one is made (and answered).
    secret: Option<String>,
    /// The event kinds it gets (none or empty: every kind): `stationConnected`,
    /// `stationDisconnected`, `registrationChanged`, `connectorStatusChanged`,
    /// `transactionStarted`, `transactionUpdated`, `transactionStopped`, `securityEvent`,
    /// `stationAlert`, `commandAnswered`.
    #[schema(example = json!(["transactionStarted", "transactionStopped"]))]
    kinds: Option<Vec<String>>,
}

/// Registers an endpoint; its secret is answered this once.
#[utoipa::path(post, path = "/webhooks", tag = "Webhooks", request_body = NewWebhook,
    responses((status = 201, description = "Registered", body = AddedWebhook),
        (status = 400, description = "A field is invalid (named)", body = ErrorBody)))]
pub async fn add_webhook(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let new: NewWebhook = body(&bytes)?;
    let added = state
        .engine
        .add_webhook(&new.url, new.secret, new.kinds.unwrap_or_default())
        .await
        .map_err(unavailable)?
        .map_err(|e: WebhookError| ApiError::BadRequest(e.to_string()))?;
    tracing::info!(by = %who.actor(), webhook = added.webhook.id, url = %added.webhook.url, "webhook registered");
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// The endpoint a route is about.
#[derive(IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub(super) struct WebhookPath(
    #[param(example = 1)]
    #[allow(dead_code)]
    i64,
);

/// What to change of an endpoint.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WebhookChange {
    /// A disabled endpoint gets no new event; what waits for it is sent once it is enabled.
    enabled: bool,
}

fn no_webhook(id: i64) -> ApiError {
    ApiError::NotFound(format!("no webhook {id}"))
}

/// Enables or disables an endpoint.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "Webhooks", params(WebhookPath), request_body = WebhookChange,
    responses((status = 204, description = "Changed"),
        (status = 400, description = "A field is invalid (named)", body = ErrorBody),
        (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn change_webhook(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<StatusCode, ApiError> {
    let change: WebhookChange = body(&bytes)?;
    if !state
        .engine
        .set_webhook_enabled(id, change.enabled)
        .await
        .map_err(unavailable)?
    {
        return Err(no_webhook(id));
    }
    tracing::info!(by = %who.actor(), webhook = id, enabled = change.enabled, "webhook changed");
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an endpoint with its deliveries.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "Webhooks", params(WebhookPath),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if !state.engine.delete_webhook(id).await.map_err(unavailable)? {
        return Err(no_webhook(id));
    }
    tracing::info!(by = %who.actor(), webhook = id, "webhook removed");
    Ok(StatusCode::NO_CONTENT)
}

/// An endpoint's latest deliveries, newest first: delivered, waiting or given up.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "Webhooks", params(WebhookPath, Limit),
    responses((status = 200, description = "The deliveries", body = Vec<Delivery>),
        (status = 400, description = "A parameter is invalid (named)", body = ErrorBody),
        (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(limit): Query<Limit>,
) -> Result<Response, ApiError> {
    let found = state
        .engine
        .webhook_deliveries(id, limit.or(200))
        .await
        .map_err(unavailable)?
        .ok_or_else(|| no_webhook(id))?;
    Ok(Json(found).into_response())
}

/// The delivery a route is about.
#[derive(IntoParams)]
#[into_params(names("id", "delivery"), parameter_in = Path)]
pub(super) struct DeliveryPath(
    #[param(example = 1)]
    #[allow(dead_code)]
    i64,
    #[param(example = 1)]
    #[allow(dead_code)]
    i64,
);

/// Sends a delivery again, now (one given up, or one delivered that the receiver lost). Later
/// events of its station wait for it, so their order holds.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery}/replay", tag = "Webhooks", params(DeliveryPath),
    responses((status = 204, description = "Due now"),
        (status = 404, description = "No such delivery of that endpoint", body = ErrorBody)))]
pub async fn replay(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path((id, delivery)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    if !state
        .engine
        .replay_delivery(id, delivery)
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::NotFound(format!(
            "no delivery {delivery} of webhook {id}"
        )));
    }
    tracing::info!(by = %who.actor(), webhook = id, delivery, "webhook delivery replayed");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_dashboard_offers_the_kinds_the_engine_delivers() {
        assert_eq!(app::dto::WEBHOOK_KINDS.as_slice(), engine::webhooks::KINDS);
    }
}
