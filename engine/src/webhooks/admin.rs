//! What an admin does with webhook endpoints: register (checked), list, switch, remove, read
//! their deliveries, replay one.

use super::{Delivery, KINDS, Webhook};
use crate::{Engine, EngineError};
use time::OffsetDateTime;

/// Why an endpoint was not registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("url: {0}")]
    BadUrl(String),
    #[error("kinds: {0:?} is not an event kind; the kinds are {kinds}", kinds = KINDS.join(", "))]
    UnknownKind(String),
    #[error("secret: at least 16 characters (or none, and one is made)")]
    WeakSecret,
}

/// The shortest secret taken.
const MIN_SECRET: usize = 16;

/// Checks an endpoint's URL: `http` or `https`, with a host.
fn check_url(url: &str) -> Result<(), WebhookError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| WebhookError::BadUrl(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(WebhookError::BadUrl(
            "expected an http or https URL".to_owned(),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(WebhookError::BadUrl("no host".to_owned()));
    }
    Ok(())
}

/// A webhook endpoint as registered, with its secret: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The secret deliveries are signed with (`Centrale-Signature`): keep it with the
    /// receiver; it is not shown again.
    pub secret: String,
}

impl Engine {
    /// Registers an endpoint (every kind when `kinds` is empty), signed with `secret` or with
    /// one made here.
    pub async fn add_webhook(
        &self,
        url: &str,
        secret: Option<String>,
        mut kinds: Vec<String>,
    ) -> Result<Result<AddedWebhook, WebhookError>, EngineError> {
        if let Err(e) = check_url(url) {
            return Ok(Err(e));
        }
        if let Some(unknown) = kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
            return Ok(Err(WebhookError::UnknownKind(unknown.clone())));
        }
        kinds.sort();
        kinds.dedup();
        let secret = match secret {
            Some(s) if s.chars().count() < MIN_SECRET => return Ok(Err(WebhookError::WeakSecret)),
            Some(s) => s,
            None => crate::secret::random_secret(32),
        };
        let store = &self.inner.store;
        let id = store
            .add_webhook(url, &secret, &kinds, OffsetDateTime::now_utc())
            .await?;
        self.webhooks_changed().await?;
        let webhook = self
            .webhook(id)
            .await?
            .ok_or(EngineError::Database(sqlx::Error::RowNotFound))?;
        Ok(Ok(AddedWebhook { webhook, secret }))
    }

    /// Every endpoint, with how its deliveries stand.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, EngineError> {
        self.inner.store.webhooks().await
    }

    /// One endpoint.
    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>, EngineError> {
        self.inner.store.webhook(id).await
    }

    /// Turns an endpoint on or off; whether it exists.
    pub async fn set_webhook_enabled(&self, id: i64, enabled: bool) -> Result<bool, EngineError> {
        let found = self.inner.store.set_webhook_enabled(id, enabled).await?;
        self.webhooks_changed().await?;
        Ok(found)
    }

    /// Removes an endpoint and its deliveries; whether it existed.
    pub async fn delete_webhook(&self, id: i64) -> Result<bool, EngineError> {
        let found = self.inner.store.delete_webhook(id).await?;
        self.webhooks_changed().await?;
        Ok(found)
    }

    /// An endpoint's latest deliveries, newest first (`None`: no such endpoint).
    pub async fn webhook_deliveries(
        &self,
        id: i64,
        limit: u32,
    ) -> Result<Option<Vec<Delivery>>, EngineError> {
        if self.webhook(id).await?.is_none() {
            return Ok(None);
        }
        self.inner.store.deliveries(id, limit).await.map(Some)
    }

    /// Sends a delivery again (given up, or delivered already), now; whether it exists.
    pub async fn replay_delivery(&self, webhook: i64, id: i64) -> Result<bool, EngineError> {
        let found = self
            .inner
            .store
            .replay_delivery(webhook, id, OffsetDateTime::now_utc())
            .await?;
        if found {
            self.inner.store.outbox_written();
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host_are_taken() {
        assert_eq!(check_url("https://billing.example/hooks/centrale"), Ok(()));
        assert_eq!(check_url("http://127.0.0.1:9000/"), Ok(()));
        assert!(matches!(
            check_url("ftp://example.com/"),
            Err(WebhookError::BadUrl(_))
        ));
        assert!(matches!(
            check_url("not a url"),
            Err(WebhookError::BadUrl(_))
        ));
    }
}
