//! Server functions of the Admin page's webhooks: endpoints, their deliveries, a replay.

use crate::dto::{AppError, DeliveryRow, WebhookRow};
use leptos::prelude::*;

/// Every endpoint (admins).
#[server(prefix = "/_app")]
pub async fn list_webhooks() -> Result<Vec<WebhookRow>, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    Ok(engine
        .webhooks()
        .await
        .map_err(ssr::unavailable("Could not read the webhooks."))?
        .into_iter()
        .map(|w| WebhookRow {
            id: w.id,
            url: w.url,
            kinds: w.kinds,
            enabled: w.enabled,
            waiting: w.waiting,
            given_up: w.given_up,
            last_delivered_at: w.last_delivered_at.map(ssr::rfc3339),
            last_error: w.last_error,
        })
        .collect())
}

/// Registers an endpoint (admins): `kinds` comma-separated (empty: every kind), `secret` empty
/// for one made here. Answers the secret, shown once.
#[server(prefix = "/_app")]
pub async fn add_webhook(url: String, kinds: String, secret: String) -> Result<String, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let who = ssr::require(engine::operators::Permission::Administer)?;
    let kinds = kinds
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    let secret = (!secret.is_empty()).then_some(secret);
    let added = engine
        .add_webhook(url.trim(), secret, kinds)
        .await
        .map_err(ssr::unavailable("Could not register the webhook."))?
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    tracing::info!(by = %who.actor(), webhook = added.webhook.id, url = %added.webhook.url, "webhook registered");
    Ok(added.secret)
}

/// Enables or disables an endpoint (admins).
#[server(prefix = "/_app")]
pub async fn set_webhook_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    if engine
        .set_webhook_enabled(id, enabled)
        .await
        .map_err(ssr::unavailable("Could not change the webhook."))?
    {
        Ok(())
    } else {
        Err(ssr::not_found(format!("There is no webhook {id}.")))
    }
}

/// Removes an endpoint and its deliveries (admins).
#[server(prefix = "/_app")]
pub async fn remove_webhook(id: i64) -> Result<(), AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    if engine
        .delete_webhook(id)
        .await
        .map_err(ssr::unavailable("Could not remove the webhook."))?
    {
        Ok(())
    } else {
        Err(ssr::not_found(format!("There is no webhook {id}.")))
    }
}

/// An endpoint's latest 50 deliveries, newest first (admins).
#[server(prefix = "/_app")]
pub async fn list_deliveries(id: i64) -> Result<Vec<DeliveryRow>, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Administer)?;
    let deliveries = engine
        .webhook_deliveries(id, 50)
        .await
        .map_err(ssr::unavailable("Could not read the deliveries."))?
        .ok_or_else(|| ssr::not_found(format!("There is no webhook {id}.")))?;
    Ok(deliveries
        .into_iter()
        .map(|d| DeliveryRow {
            id: d.id,
            station_id: d.station_id,
            kind: d.kind,
            created_at: ssr::rfc3339(d.created_at),
            attempts: d.attempts,
            state: if d.delivered_at.is_some() {
                "Delivered"
            } else if d.failed_at.is_some() {
                "Given up"
            } else {
                "Waiting"
            }
            .to_owned(),
            next_attempt_at: d.next_attempt_at.map(ssr::rfc3339),
            last_outcome: d
                .last_error
                .or_else(|| d.last_status.map(|s| format!("answered {s}"))),
        })
        .collect())
}

/// Sends a delivery again, now (admins).
#[server(prefix = "/_app")]
pub async fn replay_delivery(id: i64, delivery: i64) -> Result<(), AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let who = ssr::require(engine::operators::Permission::Administer)?;
    if engine
        .replay_delivery(id, delivery)
        .await
        .map_err(ssr::unavailable("Could not replay the delivery."))?
    {
        tracing::info!(by = %who.actor(), webhook = id, delivery, "webhook delivery replayed");
        Ok(())
    } else {
        Err(ssr::not_found(format!("There is no delivery {delivery}.")))
    }
}
