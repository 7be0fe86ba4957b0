//! The audit log: every call sent to a station, written through its own group-commit writer.

use super::backend::{Conn, Pool, Row, on};
use super::outbox::{Noted, Reports, Wanted, note};
use super::{GROUP_COMMIT, Store};
use crate::EngineError;
use crate::operators::AuditEntry;
use protocol::StationId;
use time::OffsetDateTime;

/// A change to the audit log waiting for its writer.
#[derive(Debug)]
pub(super) enum AuditWrite {
    /// A call about to be sent: answered with its entry's id once committed.
    Start {
        actor: String,
        station: StationId,
        action: String,
        payload: String,
        at: OffsetDateTime,
        reply: tokio::sync::oneshot::Sender<Result<i64, EngineError>>,
    },
    /// How a call ended, with what it reports to the webhook outbox: answered once committed.
    Finish {
        id: i64,
        outcome: String,
        noted: Vec<Noted>,
        reply: tokio::sync::oneshot::Sender<Result<i64, EngineError>>,
    },
}

/// Writes the audit log with group commit, as the meter values writer does: a burst of
/// commands costs one commit, and each call is sent only once its entry is committed.
pub(super) async fn write_audit(
    pool: Pool,
    mut queue: tokio::sync::mpsc::Receiver<AuditWrite>,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    wanted: std::sync::Arc<Wanted>,
) {
    let mut group = Vec::with_capacity(GROUP_COMMIT);
    while queue.recv_many(&mut group, GROUP_COMMIT).await > 0 {
        let started = std::time::Instant::now();
        let committed = commit_audit(&pool, &group).await;
        if committed.is_ok() {
            for write in &group {
                if let AuditWrite::Finish { noted, .. } = write {
                    wanted.committed(noted);
                }
            }
        }
        metrics.commit(
            crate::metrics::Writer::Audit,
            group.len(),
            started.elapsed(),
        );
        let mut ids = match committed {
            Ok(ids) => ids.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => {
                tracing::error!(error = %e, "could not write the audit log");
                let message = e.to_string();
                group
                    .iter()
                    .map(|_| Err(EngineError::GroupCommit(message.clone())))
                    .collect()
            }
        }
        .into_iter();
        for (write, id) in group.drain(..).zip(ids.by_ref()) {
            let (AuditWrite::Start { reply, .. } | AuditWrite::Finish { reply, .. }) = write;
            let _ = reply.send(id);
        }
    }
}

/// One transaction for a group of audit writes; the id of each (0 for a finish).
async fn commit_audit(pool: &Pool, group: &[AuditWrite]) -> Result<Vec<i64>, EngineError> {
    on!(pool, |db| {
        let mut tx = db.begin().await?;
        let mut ids = Vec::with_capacity(group.len());
        for write in group {
            match write {
                AuditWrite::Start {
                    actor,
                    station,
                    action,
                    payload,
                    at,
                    ..
                } => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO audit_log (at, actor, station_id, action, payload) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(at)
                    .bind(actor)
                    .bind(station.as_str())
                    .bind(action)
                    .bind(payload)
                    .fetch_one(&mut *tx)
                    .await?;
                    ids.push(id);
                }
                AuditWrite::Finish {
                    id, outcome, noted, ..
                } => {
                    sqlx::query("UPDATE audit_log SET outcome = $2 WHERE id = $1")
                        .bind(id)
                        .bind(outcome)
                        .execute(&mut *tx)
                        .await?;
                    note(Conn::from(&mut *tx), noted).await?;
                    ids.push(0);
                }
            }
        }
        tx.commit().await?;
        Ok(ids)
    })
}

impl Store {
    /// Records a call about to be sent; answers its entry's id once it is committed.
    pub async fn audit_start(
        &self,
        actor: &str,
        station: &StationId,
        action: &str,
        payload: &serde_json::Value,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write = AuditWrite::Start {
            actor: actor.to_owned(),
            station: station.clone(),
            action: action.to_owned(),
            payload: payload.to_string(),
            at,
            reply,
        };
        self.audit.send(write).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    /// Records how a call ended, and puts what it `reports` in the webhook outbox in the same
    /// transaction; returns once it is committed.
    pub async fn audit_finish(
        &self,
        id: i64,
        outcome: &str,
        reports: Reports<'_, ()>,
    ) -> Result<(), EngineError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write = AuditWrite::Finish {
            id,
            outcome: outcome.to_owned(),
            noted: self.noted(reports, &()),
            reply,
        };
        self.audit.send(write).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?.map(|_| ())
    }

    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT id, at, actor, station_id, action, payload, outcome FROM audit_log \
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
            .iter()
            .map(entry_from_row)
            .collect()
        })
    }
}

fn writer_gone() -> EngineError {
    EngineError::GroupCommit("the audit log writer has stopped".to_owned())
}

fn entry_from_row(row: &impl Row) -> Result<AuditEntry, EngineError> {
    let payload: String = row.get("payload")?;
    Ok(AuditEntry {
        id: row.get("id")?,
        at: row.get("at")?,
        actor: row.get("actor")?,
        station_id: row.get("station_id")?,
        action: row.get("action")?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
        outcome: row.get("outcome")?,
    })
}
