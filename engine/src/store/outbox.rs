//! The webhook outbox as the writes see it: which kinds enabled endpoints want (kept in
//! memory), the events a write reports ([`Reports`]), and [`note`], which puts them in the
//! outbox in the write's own database transaction. The endpoints and the delivery side are in
//! [`super::webhooks`].

use super::Store;
use super::backend::{Conn, on_conn};
use crate::webhooks::KINDS;
use crate::{EngineError, Event};
use std::collections::HashSet;
use std::sync::RwLock;
use time::OffsetDateTime;

/// The event kinds enabled endpoints want, kept in memory so that an event nobody wants costs
/// no statement. Read again after every change of the endpoints.
#[derive(Debug, Default)]
pub struct Wanted {
    kinds: RwLock<HashSet<String>>,
    /// Woken when rows were written to the outbox (the delivery task waits on it).
    wake: tokio::sync::Notify,
}

impl Wanted {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashSet<String>> {
        self.kinds
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes the delivery task once a transaction that wrote `noted` is committed.
    pub(super) fn committed(&self, noted: &[Noted]) {
        if !noted.is_empty() {
            self.wake.notify_one();
        }
    }
}

/// `events` as the outbox takes them: those of the kinds an endpoint may want (the outbox
/// statement then picks the endpoints that want each).
pub(super) fn to_noted<'a>(events: impl Iterator<Item = &'a Event>) -> Vec<Noted> {
    let at = OffsetDateTime::now_utc();
    events
        .filter(|e| KINDS.contains(&e.kind()))
        .filter_map(|event| {
            Some(Noted {
                station_id: event.station_id().to_owned(),
                kind: event.kind(),
                data: serde_json::to_string(event).ok()?,
                at,
            })
        })
        .collect()
}

/// An event as the outbox takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Noted {
    pub station_id: String,
    pub kind: &'static str,
    /// The event as JSON.
    pub data: String,
    pub at: OffsetDateTime,
}

/// The events a write reports, made from its outcome: those an enabled endpoint wants go to
/// the outbox in the write's own database transaction, and the engine emits them all on the
/// live feed once it is committed (calling the same function again).
pub type Reports<'a, R> = &'a (dyn Fn(&R) -> Vec<Event> + Send + Sync);

/// Puts events in the outbox of every enabled endpoint that wants their kind, on `conn` (in the
/// transaction of the change they report), in order; and counts them in their stations' queues
/// at those endpoints (due now if a queue was empty, else when its oldest is). Many events
/// cost two statements (a group commit's), not two each.
pub(crate) async fn note(mut conn: Conn<'_>, noted: &[Noted]) -> Result<(), EngineError> {
    let mut rest = noted;
    let mut first = 0i64;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(super::samples::chunk_len(rest.len()));
        rest = tail;
        on_conn!(conn.reborrow(), |c: Db| {
            // `v`: station, kind, data, time, the `LIKE` pattern of the kind, the order.
            let values = |query: &mut sqlx::QueryBuilder<'_, Db>| {
                query.push_values(chunk.iter().zip(first..), |mut row, (n, order)| {
                    row.push_bind(n.station_id.clone())
                        .push_bind(n.kind)
                        .push_bind(n.data.clone())
                        .push_bind(n.at)
                        .push_bind(format!("%,{},%", n.kind))
                        .push_bind(order);
                });
            };
            let mut deliveries = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO webhook_deliveries (webhook_id, station_id, kind, data, created_at, \
                 next_attempt_at) SELECT w.id, v.column1, v.column2, v.column3, v.column4, \
                 v.column4 FROM (",
            );
            values(&mut deliveries);
            deliveries.push(
                ") AS v, webhooks w WHERE w.enabled = TRUE \
                 AND (w.kinds = '*' OR w.kinds LIKE v.column5) ORDER BY v.column6, w.id",
            );
            deliveries.build().execute(&mut *c).await?;
            let mut queues = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO webhook_queues (webhook_id, station_id, waiting, next_attempt_at) \
                 SELECT w.id, v.column1, COUNT(*), MIN(v.column4) FROM (",
            );
            values(&mut queues);
            queues.push(
                ") AS v, webhooks w WHERE w.enabled = TRUE \
                 AND (w.kinds = '*' OR w.kinds LIKE v.column5) GROUP BY w.id, v.column1 \
                 ON CONFLICT (webhook_id, station_id) DO UPDATE SET \
                 waiting = webhook_queues.waiting + excluded.waiting, \
                 next_attempt_at = CASE WHEN webhook_queues.waiting = 0 \
                 THEN excluded.next_attempt_at ELSE webhook_queues.next_attempt_at END",
            );
            queues.build().execute(&mut *c).await?;
        });
        first += chunk.len() as i64;
    }
    Ok(())
}

/// Runs `$write` (an expression on the executor `$c`, its outcome named `$out`) and puts in
/// the outbox, in the same transaction, the events `$reports` makes of `$of` (an expression that
/// may use `$out`): the write alone, with no transaction of its own, while no endpoint is
/// enabled. Yields the write's outcome.
macro_rules! noting {
    ($store:expr, $db:ident, |$c:ident| $out:ident = $write:expr, $reports:expr, about $of:expr) => {{
        if $store.any_wanted() {
            let mut tx = $db.begin().await?;
            let $out = {
                let $c = &mut *tx;
                $write
            };
            let noted = $store.noted($reports, $of);
            $crate::store::outbox::note($crate::store::backend::Conn::from(&mut *tx), &noted)
                .await?;
            tx.commit().await?;
            $store.noted_committed(&noted);
            $out
        } else {
            let $c = $db;
            $write
        }
    }};
}
pub(super) use noting;

/// Reports nothing: for a write whose events are told elsewhere (and tests).
pub fn nothing<R>(_: &R) -> Vec<Event> {
    Vec::new()
}

impl Store {
    /// The events `reports` makes of `outcome` that an enabled endpoint wants, for the outbox
    /// (none, and `reports` is not called, when no endpoint is enabled).
    pub(crate) fn noted<R>(&self, reports: Reports<'_, R>, outcome: &R) -> Vec<Noted> {
        if !self.any_wanted() {
            return Vec::new();
        }
        let events = reports(outcome);
        let wanted = self.wanted.read();
        to_noted(
            events
                .iter()
                .filter(|e| wanted.contains("*") || wanted.contains(e.kind())),
        )
    }

    /// Whether an enabled endpoint wants events of `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        let wanted = self.wanted.read();
        KINDS.contains(&kind) && (wanted.contains("*") || wanted.contains(kind))
    }

    /// Wakes the delivery task once a transaction that wrote `noted` is committed.
    pub(crate) fn noted_committed(&self, noted: &[Noted]) {
        self.wanted.committed(noted);
    }

    /// Whether any enabled endpoint wants anything (else the outbox is not read).
    pub fn any_wanted(&self) -> bool {
        !self.wanted.read().is_empty()
    }

    /// Wakes the delivery task after a commit that wrote to the outbox.
    pub fn outbox_written(&self) {
        self.wanted.wake.notify_one();
    }

    /// Waits until something is written to the outbox.
    pub async fn outbox_waits(&self) {
        self.wanted.wake.notified().await;
    }

    /// Reads again which kinds enabled endpoints want.
    pub async fn refresh_wanted(&self) -> Result<(), EngineError> {
        let kinds = self.wanted_kinds().await?;
        *self
            .wanted
            .kinds
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = kinds.into_iter().collect();
        self.outbox_written();
        Ok(())
    }
}
