//! Webhooks: the endpoints, their deliveries (`webhook_deliveries`, one row per event and
//! endpoint, written by [`super::outbox`] with the change it reports) and queues (one per
//! endpoint and station: how many wait, when the oldest is due), as the delivery task and the
//! admin use them.

use super::Store;
use super::backend::{Row, on};
use crate::EngineError;
use crate::webhooks::{Delivery, Webhook, kinds_of, stored_kinds};
use time::OffsetDateTime;

const DELIVERY_COLUMNS: &str = "id, webhook_id, station_id, kind, created_at, attempts, \
     next_attempt_at, delivered_at, failed_at, last_status, last_error";

/// A delivery waiting to be sent: what the sender needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret: String,
    pub station_id: String,
    pub kind: String,
    pub data: String,
    pub created_at: OffsetDateTime,
    pub attempts: u32,
}

impl Store {
    /// At a start: every waiting delivery is due now (what a stopped or killed process left
    /// goes out at once, whatever its backoff said), and the kinds wanted are read.
    pub async fn outbox_restarted(&self, now: OffsetDateTime) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "UPDATE webhook_queues SET next_attempt_at = $1 \
                 WHERE waiting > 0 AND next_attempt_at > $1",
            )
            .bind(now)
            .execute(db)
            .await?;
        });
        self.refresh_wanted().await
    }

    /// How many deliveries wait (due now, or to be tried again later).
    pub async fn deliveries_waiting(&self) -> Result<u64, EngineError> {
        let n: i64 = on!(&self.reads, |db| {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(waiting), 0) AS BIGINT) FROM webhook_queues",
            )
            .fetch_one(db)
            .await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Registers an endpoint; its id.
    pub async fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        kinds: &[String],
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        let kinds = stored_kinds(kinds);
        on!(&self.writes, |db| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO webhooks (url, secret, kinds, enabled, created_at) \
                 VALUES ($1, $2, $3, TRUE, $4) RETURNING id",
            )
            .bind(url)
            .bind(secret)
            .bind(&kinds)
            .bind(at)
            .fetch_one(db)
            .await?;
            Ok(id)
        })
    }

    /// Every endpoint, by id.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, EngineError> {
        self.webhooks_of(None).await
    }

    /// One endpoint, with how its deliveries stand.
    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>, EngineError> {
        Ok(self.webhooks_of(Some(id)).await?.into_iter().next())
    }

    /// Every endpoint, or only the one `only` names.
    async fn webhooks_of(&self, only: Option<i64>) -> Result<Vec<Webhook>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT w.id, w.url, w.kinds, w.enabled, w.created_at, \
                 (SELECT CAST(COALESCE(SUM(q.waiting), 0) AS BIGINT) FROM webhook_queues q \
                  WHERE q.webhook_id = w.id) AS waiting, \
                 (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id \
                  AND d.failed_at IS NOT NULL) AS given_up, \
                 (SELECT d.delivered_at FROM webhook_deliveries d WHERE d.webhook_id = w.id \
                  AND d.delivered_at IS NOT NULL ORDER BY d.id DESC LIMIT 1) AS last_delivered_at, \
                 (SELECT d.last_error FROM webhook_deliveries d WHERE d.webhook_id = w.id \
                  AND d.delivered_at IS NULL AND d.failed_at IS NULL \
                  AND d.last_error IS NOT NULL ORDER BY d.id LIMIT 1) AS last_error \
                 FROM webhooks w WHERE ($1 IS NULL OR w.id = $1) ORDER BY w.id",
            )
            .bind(only)
            .fetch_all(db)
            .await?
            .iter()
            .map(webhook_from_row)
            .collect()
        })
    }

    /// Turns an endpoint on or off; whether it exists.
    pub async fn set_webhook_enabled(&self, id: i64, enabled: bool) -> Result<bool, EngineError> {
        on!(&self.writes, |db| {
            let done = sqlx::query("UPDATE webhooks SET enabled = $2 WHERE id = $1")
                .bind(id)
                .bind(enabled)
                .execute(db)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Removes an endpoint and its deliveries; whether it existed.
    pub async fn delete_webhook(&self, id: i64) -> Result<bool, EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            for table in ["webhook_deliveries", "webhook_queues"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE webhook_id = $1"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// The kinds enabled endpoints want (`*` among them: every kind).
    pub async fn wanted_kinds(&self) -> Result<Vec<String>, EngineError> {
        on!(&self.reads, |db| {
            let rows: Vec<(String,)> =
                sqlx::query_as("SELECT DISTINCT kinds FROM webhooks WHERE enabled = TRUE")
                    .fetch_all(db)
                    .await?;
            let mut kinds: Vec<String> = rows
                .into_iter()
                .flat_map(|(k,)| {
                    if k == "*" {
                        vec!["*".to_owned()]
                    } else {
                        kinds_of(&k)
                    }
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            Ok(kinds)
        })
    }

    /// Up to `limit` deliveries due at `now`: the oldest waiting one of each due queue (an
    /// endpoint and station) of the enabled endpoints, the longest due first.
    pub async fn due_deliveries(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Due>, EngineError> {
        self.due_of(now, limit, None).await
    }

    /// The next delivery of one queue (endpoint and station), if one is due at `now`.
    pub async fn next_due(
        &self,
        now: OffsetDateTime,
        (webhook, station): (i64, &str),
    ) -> Result<Option<Due>, EngineError> {
        Ok(self
            .due_of(now, 1, Some((webhook, station)))
            .await?
            .into_iter()
            .next())
    }

    /// [`Store::due_deliveries`], of one queue only when `only` says which.
    async fn due_of(
        &self,
        now: OffsetDateTime,
        limit: u32,
        only: Option<(i64, &str)>,
    ) -> Result<Vec<Due>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT d.id, d.webhook_id, w.url, w.secret, d.station_id, d.kind, d.data, \
                 d.created_at, d.attempts FROM webhook_queues q \
                 JOIN webhooks w ON w.id = q.webhook_id \
                 JOIN webhook_deliveries d ON d.id = (SELECT MIN(o.id) FROM webhook_deliveries o \
                 WHERE o.webhook_id = q.webhook_id AND o.station_id = q.station_id \
                 AND o.delivered_at IS NULL AND o.failed_at IS NULL) \
                 WHERE q.waiting > 0 AND q.next_attempt_at <= $1 AND w.enabled = TRUE \
                 AND ($3 IS NULL OR (q.webhook_id = $3 AND q.station_id = $4)) \
                 ORDER BY q.next_attempt_at LIMIT $2",
            )
            .bind(now)
            .bind(i64::from(limit))
            .bind(only.map(|(webhook, _)| webhook))
            .bind(only.map(|(_, station)| station))
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                Ok(Due {
                    id: row.get("id")?,
                    webhook_id: row.get("webhook_id")?,
                    url: row.get("url")?,
                    secret: row.get("secret")?,
                    station_id: row.get("station_id")?,
                    kind: row.get("kind")?,
                    data: row.get("data")?,
                    created_at: row.get("created_at")?,
                    attempts: u32::try_from(row.get::<i64>("attempts")?).unwrap_or(u32::MAX),
                })
            })
            .collect()
        })
    }

    /// Notes an attempt's outcome: delivered, or failed and tried again at `retry` (or given
    /// up when `retry` is none); the delivery's queue follows in the same transaction.
    pub async fn delivery_attempted(
        &self,
        due: &Due,
        at: OffsetDateTime,
        status: Option<u16>,
        outcome: Result<(), (String, Option<OffsetDateTime>)>,
    ) -> Result<(), EngineError> {
        let status = status.map(i64::from);
        let (error, retry) = match &outcome {
            Ok(()) => (None, None),
            Err((error, retry)) => (Some(error.as_str()), *retry),
        };
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                 delivered_at = CASE WHEN $3 IS NULL THEN $2 END, \
                 next_attempt_at = COALESCE($4, next_attempt_at), \
                 failed_at = CASE WHEN $3 IS NOT NULL AND $4 IS NULL THEN $2 END, \
                 last_status = $5, last_error = $3 WHERE id = $1",
            )
            .bind(due.id)
            .bind(at)
            .bind(error)
            .bind(retry)
            .bind(status)
            .execute(&mut *tx)
            .await?;
            // Done with (delivered or given up): one fewer waiting, the next one due now.
            // Tried again later: the queue waits until then.
            sqlx::query(
                "UPDATE webhook_queues SET \
                 waiting = waiting - CASE WHEN $3 IS NULL THEN 1 ELSE 0 END, \
                 next_attempt_at = COALESCE($3, $4) WHERE webhook_id = $1 AND station_id = $2",
            )
            .bind(due.webhook_id)
            .bind(&due.station_id)
            .bind(retry)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sends a delivery again, now: one delivered or given up waits again (its attempts kept);
    /// one still waiting is due now. Whether it exists.
    pub async fn replay_delivery(
        &self,
        webhook: i64,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            let station: Option<(String, bool)> = sqlx::query_as(
                "SELECT station_id, delivered_at IS NULL AND failed_at IS NULL AS waiting \
                 FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2",
            )
            .bind(id)
            .bind(webhook)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((station, waiting)) = station else {
                return Ok(false);
            };
            if !waiting {
                sqlx::query(
                    "UPDATE webhook_deliveries SET delivered_at = NULL, failed_at = NULL, \
                     next_attempt_at = $2 WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO webhook_queues (webhook_id, station_id, waiting, next_attempt_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (webhook_id, station_id) DO UPDATE SET \
                 waiting = webhook_queues.waiting + excluded.waiting, \
                 next_attempt_at = excluded.next_attempt_at",
            )
            .bind(webhook)
            .bind(&station)
            .bind(i64::from(!waiting))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// An endpoint's latest `limit` deliveries, newest first.
    pub async fn deliveries(&self, webhook: i64, limit: u32) -> Result<Vec<Delivery>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 \
                 ORDER BY id DESC LIMIT $2"
            ))
            .bind(webhook)
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
            .iter()
            .map(delivery_from_row)
            .collect()
        })
    }
}

fn webhook_from_row(row: &impl Row) -> Result<Webhook, EngineError> {
    Ok(Webhook {
        id: row.get("id")?,
        url: row.get("url")?,
        kinds: kinds_of(&row.get::<String>("kinds")?),
        enabled: row.get("enabled")?,
        created_at: row.get("created_at")?,
        waiting: u64::try_from(row.get::<i64>("waiting")?).unwrap_or(0),
        given_up: u64::try_from(row.get::<i64>("given_up")?).unwrap_or(0),
        last_delivered_at: row.get("last_delivered_at")?,
        last_error: row.get("last_error")?,
    })
}

fn delivery_from_row(row: &impl Row) -> Result<Delivery, EngineError> {
    let waiting = row.get::<Option<OffsetDateTime>>("delivered_at")?.is_none()
        && row.get::<Option<OffsetDateTime>>("failed_at")?.is_none();
    Ok(Delivery {
        id: row.get("id")?,
        webhook_id: row.get("webhook_id")?,
        station_id: row.get("station_id")?,
        kind: row.get("kind")?,
        created_at: row.get("created_at")?,
        attempts: u32::try_from(row.get::<i64>("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: if waiting {
            row.get("next_attempt_at")?
        } else {
            None
        },
        delivered_at: row.get("delivered_at")?,
        failed_at: row.get("failed_at")?,
        last_status: row
            .get::<Option<i64>>("last_status")?
            .and_then(|s| u16::try_from(s).ok()),
        last_error: row.get("last_error")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::backend::Conn;
    use crate::store::outbox::{Noted, note};
    use crate::store::retention::Pruned;
    use time::Duration;

    /// `n` events for each of `stations` stations, in the outbox of every wanting endpoint.
    async fn fill(store: &Store, stations: usize, n: usize, at: OffsetDateTime) {
        let noted: Vec<Noted> = (0..n)
            .flat_map(|i| {
                (0..stations).map(move |s| Noted {
                    station_id: format!("CP-{s}"),
                    kind: "connectorStatusChanged",
                    data: format!(r#"{{"n":{i}}}"#),
                    at,
                })
            })
            .collect();
        on!(&store.writes, |db| {
            let mut tx = db.begin().await.unwrap();
            note(Conn::from(&mut *tx), &noted).await.unwrap();
            tx.commit().await.unwrap();
        });
    }

    #[tokio::test]
    async fn a_long_backlog_is_read_by_its_queues_in_order_and_retention_keeps_what_waits() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::testing::fresh_database(dir.path())
            .await
            .unwrap();
        let store = Store::open(&url).await.unwrap();
        let now = OffsetDateTime::now_utc() - Duration::days(40);
        let id = store
            .add_webhook("http://127.0.0.1:9/", "0123456789abcdef", &[], now)
            .await
            .unwrap();
        fill(&store, 10, 100, now).await;
        assert_eq!(store.deliveries_waiting().await.unwrap(), 1000);

        // One due per station: its oldest.
        let due = store.due_deliveries(now, 256).await.unwrap();
        assert_eq!(due.len(), 10);
        assert!(due.iter().all(|d| d.data == r#"{"n":0}"#), "{due:?}");
        assert!(due.iter().all(|d| d.webhook_id == id));

        // A failure holds its station's queue until the retry; the others stay due.
        let failing = &due[0];
        let retry = now + Duration::hours(1);
        store
            .delivery_attempted(
                failing,
                now,
                Some(503),
                Err(("answered 503".to_owned(), Some(retry))),
            )
            .await
            .unwrap();
        let due = store.due_deliveries(now, 256).await.unwrap();
        assert_eq!(due.len(), 9);
        assert!(due.iter().all(|d| d.station_id != failing.station_id));
        assert_eq!(store.due_deliveries(retry, 256).await.unwrap().len(), 10);

        // Delivered: the station's next one is due, one fewer waits.
        let delivered = &due[0];
        store
            .delivery_attempted(delivered, now, Some(204), Ok(()))
            .await
            .unwrap();
        assert_eq!(store.deliveries_waiting().await.unwrap(), 999);
        let next = store.due_deliveries(now, 256).await.unwrap();
        let of_station = next
            .iter()
            .find(|d| d.station_id == delivered.station_id)
            .unwrap();
        assert_eq!(of_station.data, r#"{"n":1}"#);
        assert!(of_station.id > delivered.id);

        // Given up: done with, counted, replayable.
        store
            .delivery_attempted(
                of_station,
                now,
                None,
                Err(("could not connect".to_owned(), None)),
            )
            .await
            .unwrap();
        assert_eq!(store.deliveries_waiting().await.unwrap(), 998);
        assert_eq!(store.webhooks().await.unwrap()[0].given_up, 1);

        // Retention takes what is done with, never what waits.
        let pruned = store
            .prune_older_than(Pruned::Deliveries, now + Duration::days(1))
            .await
            .unwrap();
        assert_eq!(pruned, 2);
        assert_eq!(store.deliveries_waiting().await.unwrap(), 998);
        assert_eq!(store.due_deliveries(retry, 256).await.unwrap().len(), 10);

        // A replay of a delivery that is gone: nothing; of one waiting: due now.
        assert!(!store.replay_delivery(id, delivered.id, now).await.unwrap());
        assert!(store.replay_delivery(id, failing.id, now).await.unwrap());
        assert_eq!(store.due_deliveries(now, 256).await.unwrap().len(), 10);
        assert_eq!(store.deliveries_waiting().await.unwrap(), 998);
    }
}
