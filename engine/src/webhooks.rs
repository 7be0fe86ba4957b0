//! Webhooks: what happens, told to an operator's systems as signed HTTP POSTs.
//!
//! An admin registers endpoints (URL, secret, the event kinds wanted). Each event of a wanted
//! kind is written to the outbox (`webhook_deliveries`, one row per endpoint) in the same
//! database transaction as the change it reports, then delivered by a background task: in id
//! order per endpoint and station, at least once (the row id is the event id a receiver uses to
//! drop a repeat), retried with exponential backoff for [`RETRY_FOR`], each POST signed with
//! HMAC-SHA256 over a timestamp and the body (see [`signature`]). A slow or dead receiver
//! delays only its own deliveries: stations are answered once the outbox row is committed.

mod admin;
mod deliver;

pub use admin::{AddedWebhook, WebhookError};
pub use deliver::{WebhookBody, start};

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::time::Duration;
use time::OffsetDateTime;

/// An endpoint an admin registered (its secret is never shown again), with how its deliveries
/// stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: i64,
    #[schema(example = "https://billing.example/hooks/centrale")]
    pub url: String,
    /// The event kinds it gets; empty: every kind.
    pub kinds: Vec<String>,
    /// A disabled endpoint gets no new event; what waits for it stays.
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Deliveries waiting: due now, or to be tried again (the backlog).
    pub waiting: u64,
    /// Deliveries given up after the retry period (each can be replayed).
    pub given_up: u64,
    /// When the latest delivery was answered 2xx.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_delivered_at: Option<OffsetDateTime>,
    /// Why the oldest waiting delivery failed last, if it did.
    pub last_error: Option<String>,
}

/// One event for one endpoint: delivered, waiting, or given up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The event id the receiver gets (`id` in the body).
    pub id: i64,
    pub webhook_id: i64,
    pub station_id: String,
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub failed_at: Option<OffsetDateTime>,
    /// The HTTP status of the latest attempt, if one was answered.
    pub last_status: Option<u16>,
    /// Why the latest attempt failed.
    pub last_error: Option<String>,
}

/// `kinds` as stored: `,a,b,` (a `LIKE '%,kind,%'` finds a kind), or `*` for every kind.
pub fn stored_kinds(kinds: &[String]) -> String {
    if kinds.is_empty() {
        "*".to_owned()
    } else {
        format!(",{},", kinds.join(","))
    }
}

/// The kinds `stored` lists (empty: every kind).
pub fn kinds_of(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|k| !k.is_empty() && *k != "*")
        .map(str::to_owned)
        .collect()
}

/// The event kinds an endpoint may ask for (the live feed's names).
pub const KINDS: &[&str] = &[
    "stationConnected",
    "stationDisconnected",
    "registrationChanged",
    "connectorStatusChanged",
    "transactionStarted",
    "transactionUpdated",
    "transactionStopped",
    "securityEvent",
    "stationAlert",
    "commandAnswered",
];

/// How long a delivery is retried before it is given up (it can be replayed then).
pub const RETRY_FOR: Duration = Duration::from_secs(48 * 3600);
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The wait after the `attempts`-th failed attempt: 1 s, 2 s, 4 s, … up to [`MAX_BACKOFF`].
pub fn backoff(attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(12);
    Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF)
}

/// The `Centrale-Signature` header of a delivery: `t=<unix seconds>,v1=<hex>`, where `<hex>` is
/// HMAC-SHA256 with the endpoint's secret over `<unix seconds>.<body>`. A receiver recomputes
/// it, compares in constant time, and refuses old timestamps (replays).
pub fn signature(secret: &str, unix_seconds: i64, body: &str) -> String {
    let hex = hmac_sha256_hex(secret, &format!("{unix_seconds}.{body}"));
    format!("t={unix_seconds},v1={hex}")
}

/// HMAC-SHA256 of `text` with `key`, in lowercase hex.
fn hmac_sha256_hex(key: &str, text: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        unreachable!("HMAC takes a key of any length");
    };
    mac.update(text.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn hmac_is_rfc_4231s() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let header = signature("s3cret", 1_764_000_000, r#"{"id":1}"#);
        assert_eq!(
            header,
            format!(
                "t=1764000000,v1={}",
                hmac_sha256_hex("s3cret", r#"1764000000.{"id":1}"#)
            )
        );
        assert_ne!(header, signature("s3cret", 1_764_000_001, r#"{"id":1}"#));
        assert_ne!(header, signature("s3cret", 1_764_000_000, r#"{"id":2}"#));
    }
}
