//! The delivery task: sends what is due from the outbox, each POST in its own task, so a
//! receiver that hangs holds only its own deliveries (and, per station, the ones after them).

use super::{RETRY_FOR, backoff, signature};
use crate::metrics::Delivery;
use crate::store::Store;
use crate::store::webhooks::Due;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long one POST may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries in flight at once, all endpoints together.
const IN_FLIGHT: usize = 256;
/// How often the outbox is read when nothing wakes the task.
const POLL: Duration = Duration::from_secs(1);
/// The shortest time between two reads of the outbox.
const READ_EVERY: Duration = Duration::from_millis(20);

/// The body of a delivery: the event id, its kind and time, the station, and the event as the
/// live feed has it (`data`).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody<'a> {
    /// The event id, the same on every attempt and replay: a receiver drops a repeat by it.
    #[schema(example = 42)]
    pub id: i64,
    /// The event's kind (as `data.type`).
    #[serde(rename = "type")]
    #[schema(example = "transactionStopped")]
    pub kind: &'a str,
    /// When the event happened (was committed), RFC 3339 UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(example = "CP-0001")]
    pub station_id: &'a str,
    /// The event, as `GET /api/events` streams it.
    #[schema(value_type = crate::Event)]
    pub data: &'a serde_json::value::RawValue,
}

/// The body `due` is delivered with.
fn body(due: &Due) -> String {
    let data =
        serde_json::value::RawValue::from_string(due.data.clone()).unwrap_or_else(|_| raw_null());
    let body = WebhookBody {
        id: due.id,
        kind: &due.kind,
        created_at: due.created_at,
        station_id: &due.station_id,
        data: &data,
    };
    serde_json::to_string(&body).unwrap_or_default()
}

fn raw_null() -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(&serde_json::Value::Null)
        .unwrap_or_else(|_| unreachable!("null is valid JSON"))
}

/// Starts the task; it ends with `shutdown` (deliveries in flight are abandoned and sent again
/// at the next start: at least once).
pub fn start(store: Store, shutdown: CancellationToken, tasks: &TaskTracker) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Centrale/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: webhooks are not delivered");
            return;
        }
    };
    // The queues (endpoint, station) a task is sending from: it sends their deliveries one
    // after the other, in order, as long as one is due. A queue whose task ended is noted in
    // `finished` and leaves `sending` only at the top of the loop, before the next read of the
    // outbox: a read that began before an outcome was committed cannot have it sent again.
    let mut sending: HashSet<Queue> = HashSet::new();
    let finished: Arc<Mutex<Vec<Queue>>> = Arc::default();
    let spawner = tasks.clone();
    tasks.spawn(async move {
        let mut counted: Option<std::time::Instant> = None;
        loop {
            for queue in lock(&finished).drain(..) {
                sending.remove(&queue);
            }
            if store.any_wanted() && counted.is_none_or(|at| at.elapsed() >= POLL) {
                counted = Some(std::time::Instant::now());
                match store.deliveries_waiting().await {
                    Ok(waiting) => store.metrics().webhook_backlog(waiting),
                    Err(e) => tracing::warn!(error = %e, "could not count the webhook backlog"),
                }
            }
            let busy = sending.len();
            let room = IN_FLIGHT.saturating_sub(busy);
            let due = if room == 0 || !store.any_wanted() {
                Vec::new()
            } else {
                // The queues being sent from are among those due: read past them.
                let limit = u32::try_from(room + busy).unwrap_or(u32::MAX);
                match store.due_deliveries(OffsetDateTime::now_utc(), limit).await {
                    Ok(due) => due,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read the webhook outbox");
                        Vec::new()
                    }
                }
            };
            for due in due {
                let queue = (due.webhook_id, due.station_id.clone());
                if sending.len() >= IN_FLIGHT || !sending.insert(queue.clone()) {
                    continue;
                }
                let (client, store, finished) = (client.clone(), store.clone(), finished.clone());
                let stop = shutdown.clone();
                spawner.spawn(async move {
                    tokio::select! {
                        () = stop.cancelled() => {}
                        () = send_queue(&client, &store, due) => {}
                    }
                    lock(&finished).push(queue);
                    store.outbox_written();
                });
            }
            // Nobody wants anything: no polling until an endpoint is enabled (which wakes it).
            let poll = if store.any_wanted() {
                POLL
            } else {
                Duration::from_secs(3600)
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = store.outbox_waits() => {}
                () = tokio::time::sleep(poll) => {}
            }
            // Events come by the thousand a second: the outbox is read at most every
            // READ_EVERY (a queue being sent from follows on by itself).
            tokio::time::sleep(READ_EVERY).await;
        }
    });
}

/// An endpoint and a station: what is delivered in order.
type Queue = (i64, String);

/// Sends `first`, then the queue's next deliveries while one is due (each after the one before
/// it is answered).
async fn send_queue(client: &reqwest::Client, store: &Store, first: Due) {
    let mut due = first;
    loop {
        deliver(client, store, &due).await;
        match store
            .next_due(OffsetDateTime::now_utc(), (due.webhook_id, &due.station_id))
            .await
        {
            Ok(Some(next)) => due = next,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the webhook outbox");
                return;
            }
        }
    }
}

fn lock(queues: &Mutex<Vec<Queue>>) -> std::sync::MutexGuard<'_, Vec<Queue>> {
    queues
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One attempt, and its outcome noted.
async fn deliver(client: &reqwest::Client, store: &Store, due: &Due) {
    let body = body(due);
    let now = OffsetDateTime::now_utc();
    let sent = client
        .post(&due.url)
        .header("content-type", "application/json")
        .header("centrale-event-id", due.id)
        .header("centrale-event-type", &due.kind)
        .header(
            "centrale-signature",
            signature(&due.secret, now.unix_timestamp(), &body),
        )
        .body(body)
        .send()
        .await;
    let (status, outcome) = match sent {
        Ok(answer) if answer.status().is_success() => (Some(answer.status().as_u16()), Ok(())),
        Ok(answer) => (
            Some(answer.status().as_u16()),
            Err(format!("answered {}", answer.status())),
        ),
        Err(e) => (None, Err(reason(&e))),
    };
    let outcome = outcome.map_err(|error| {
        let attempts = due.attempts.saturating_add(1);
        let retry = now + backoff(attempts);
        let gave_up = retry > due.created_at + RETRY_FOR;
        (error, (!gave_up).then_some(retry))
    });
    let done = OffsetDateTime::now_utc();
    let result = match &outcome {
        Ok(()) => Delivery::Delivered,
        Err((_, Some(_))) => Delivery::Failed,
        Err((_, None)) => Delivery::GaveUp,
    };
    let delay = (done - due.created_at).try_into().ok();
    store
        .metrics()
        .webhook(result, outcome.is_ok().then_some(delay).flatten());
    if let Err((error, retry)) = &outcome {
        tracing::debug!(delivery = due.id, url = %due.url, %error, ?retry, "webhook delivery failed");
    }
    if let Err(e) = store.delivery_attempted(due, done, status, outcome).await {
        tracing::warn!(error = %e, delivery = due.id, "could not note a webhook delivery");
    }
}

fn reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    }
}
