//! Meter values: written through one group-commit writer, read per transaction.

use super::backend::{Conn, Pool, Row, on, on_conn};
use super::{GROUP_COMMIT, Store, connector_of};
use crate::EngineError;
use crate::model::{Sample, StoredSample};
use protocol::StationId;
use std::collections::HashMap;

/// One MeterValues message waiting for the writer.
#[derive(Debug)]
pub(super) struct SampleWrite {
    station: StationId,
    connector_id: u32,
    transaction_id: Option<i64>,
    samples: Vec<Sample>,
    reply: tokio::sync::oneshot::Sender<Result<Option<i64>, EngineError>>,
}

/// Writes meter values with group commit: whatever messages are waiting (up to
/// [`GROUP_COMMIT`]) go into one transaction (a faulty one fails alone, see `commit_group`),
/// and each is answered once the transaction is committed. Under load a commit covers
/// many stations; alone, a message is committed at once.
pub(super) async fn write_samples(pool: Pool, mut queue: tokio::sync::mpsc::Receiver<SampleWrite>) {
    let mut group = Vec::with_capacity(GROUP_COMMIT);
    while queue.recv_many(&mut group, GROUP_COMMIT).await > 0 {
        match commit_group(&pool, &group).await {
            Ok(results) => {
                for (write, result) in group.drain(..).zip(results) {
                    let _ = write.reply.send(result);
                }
            }
            Err(e) => {
                let message = e.to_string();
                for write in group.drain(..) {
                    let _ = write
                        .reply
                        .send(Err(EngineError::GroupCommit(message.clone())));
                }
            }
        }
    }
}

async fn commit_group(
    pool: &Pool,
    group: &[SampleWrite],
) -> Result<Vec<Result<Option<i64>, EngineError>>, EngineError> {
    on!(pool, |db| {
        // Fast path: the whole group in one transaction, a few statements for all of it.
        // Nothing in a well-formed message can fail here; if something does, the group is
        // written again one message per transaction, so only the faulty one fails.
        let mut tx = db.begin().await?;
        if let Ok(running) = write_group(Conn::from(&mut *tx), group).await {
            tx.commit().await?;
            return Ok(running.into_iter().map(Ok).collect());
        }
        tx.rollback().await?;
        let mut results = Vec::with_capacity(group.len());
        for write in group {
            let mut tx = db.begin().await?;
            match write_group(Conn::from(&mut *tx), std::slice::from_ref(write)).await {
                Ok(running) => {
                    tx.commit().await?;
                    results.push(Ok(running.into_iter().next().flatten()));
                }
                Err(e) => {
                    tx.rollback().await?;
                    results.push(Err(e));
                }
            }
        }
        Ok(results)
    })
}

/// MeterValues messages: their samples, then the meter start of each message's transaction if
/// it is still running. Where statements cost round trips, all messages at once (multi-row
/// inserts across messages, one query for the meter starts); otherwise one message after the
/// other.
async fn write_group(
    mut conn: Conn<'_>,
    group: &[SampleWrite],
) -> Result<Vec<Option<i64>>, EngineError> {
    if !conn.pays_round_trips() {
        let mut running = Vec::with_capacity(group.len());
        for write in group {
            insert_samples(conn.reborrow(), &rows_of(std::slice::from_ref(write))).await?;
            running.push(match write.transaction_id {
                Some(id) => on_conn!(conn.reborrow(), |c: _Db| {
                    sqlx::query_scalar(
                        "SELECT meter_start FROM transactions WHERE id = $1 AND meter_stop IS NULL",
                    )
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await?
                }),
                None => None,
            });
        }
        return Ok(running);
    }
    insert_samples(conn.reborrow(), &rows_of(group)).await?;
    let mut ids: Vec<i64> = group.iter().filter_map(|w| w.transaction_id).collect();
    ids.sort_unstable();
    ids.dedup();
    // Padded to a power of two (repeating an id changes nothing): a few statement shapes,
    // each prepared once per connection.
    if let Some(&last) = ids.last() {
        ids.resize(ids.len().next_power_of_two(), last);
    }
    let running: HashMap<i64, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        on_conn!(conn, |c: Db| {
            let mut query = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, meter_start FROM transactions WHERE meter_stop IS NULL AND id IN (",
            );
            let mut list = query.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            list.push_unseparated(")");
            query
                .build_query_as::<(i64, i64)>()
                .fetch_all(&mut *c)
                .await?
                .into_iter()
                .collect()
        })
    };
    Ok(group
        .iter()
        .map(|w| w.transaction_id.and_then(|id| running.get(&id).copied()))
        .collect())
}

/// The samples of `group`, each with what it belongs to.
fn rows_of(group: &[SampleWrite]) -> Vec<SampleRow<'_>> {
    group
        .iter()
        .flat_map(|w| {
            w.samples.iter().map(move |sample| SampleRow {
                station: &w.station,
                connector_id: w.connector_id,
                transaction_id: w.transaction_id,
                sample,
            })
        })
        .collect()
}

/// One sampled value with what it belongs to.
pub(super) struct SampleRow<'a> {
    pub station: &'a StationId,
    pub connector_id: u32,
    pub transaction_id: Option<i64>,
    pub sample: &'a Sample,
}

/// The most rows one statement inserts (11 parameters each, within both backends' limits).
const MAX_ROWS: usize = 512;
/// Below this many rows, one statement takes them all.
const MIN_CHUNK: usize = 16;

/// How many of `n` rows the next statement inserts: a power of two from [`MIN_CHUNK`] to
/// [`MAX_ROWS`], or all of fewer than [`MIN_CHUNK`]. So a few statement shapes (SQL texts)
/// serve every group size, each prepared once per connection and then reused; a group is
/// still a few statements (one for a typical single message).
fn chunk_len(n: usize) -> usize {
    if n < MIN_CHUNK {
        n
    } else {
        1 << (usize::BITS - 1 - n.min(MAX_ROWS).leading_zeros())
    }
}

/// Inserts samples, many rows per statement.
pub(super) async fn insert_samples(
    conn: Conn<'_>,
    rows: &[SampleRow<'_>],
) -> Result<(), EngineError> {
    on_conn!(conn, |c: Db| {
        let mut rest = rows;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(chunk_len(rest.len()));
            rest = tail;
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO meter_values (station_id, connector_id, transaction_id, sampled_at, \
                 value, measurand, unit, phase, context, location, format) ",
            );
            insert.push_values(chunk, |mut row, r| {
                row.push_bind(r.station.as_str())
                    .push_bind(i64::from(r.connector_id))
                    .push_bind(r.transaction_id)
                    .push_bind(r.sample.timestamp)
                    .push_bind(&r.sample.value)
                    .push_bind(&r.sample.measurand)
                    .push_bind(&r.sample.unit)
                    .push_bind(&r.sample.phase)
                    .push_bind(&r.sample.context)
                    .push_bind(&r.sample.location)
                    .push_bind(&r.sample.format);
            });
            insert.build().execute(&mut *c).await?;
        }
    });
    Ok(())
}

impl Store {
    /// Keeps meter values a station sent for a connector (and transaction, if any), through the
    /// group-commit writer: returns once they are committed. Returns the meter start of that
    /// transaction if it is still running, read in the same transaction.
    pub async fn add_samples(
        &self,
        station: &StationId,
        connector_id: u32,
        transaction_id: Option<i64>,
        samples: Vec<Sample>,
    ) -> Result<Option<i64>, EngineError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write = SampleWrite {
            station: station.clone(),
            connector_id,
            transaction_id,
            samples,
            reply,
        };
        let gone = || EngineError::GroupCommit("the meter values writer has stopped".to_owned());
        self.samples.send(write).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// The meter values of a transaction, in time order.
    pub async fn transaction_samples(&self, id: i64) -> Result<Vec<StoredSample>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT connector_id, transaction_id, sampled_at, value, measurand, unit, phase, \
                 context, location FROM meter_values WHERE transaction_id = $1 \
                 ORDER BY sampled_at, id",
            )
            .bind(id)
            .fetch_all(db)
            .await?
            .iter()
            .map(stored_sample_from_row)
            .collect()
        })
    }

    /// The latest station-level energy register and power readings of a transaction, newest
    /// first: (measurand, value, unit).
    pub async fn latest_readings(
        &self,
        transaction_id: i64,
    ) -> Result<Vec<(String, String, Option<String>)>, EngineError> {
        Ok(on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT measurand, value, unit FROM meter_values \
                 WHERE transaction_id = $1 AND phase IS NULL AND measurand IN ($2, $3) \
                 ORDER BY sampled_at DESC, id DESC LIMIT 8",
            )
            .bind(transaction_id)
            .bind(crate::model::ENERGY_REGISTER)
            .bind(crate::model::ACTIVE_POWER)
            .fetch_all(db)
            .await?
        }))
    }
}

fn stored_sample_from_row(row: &impl Row) -> Result<StoredSample, EngineError> {
    Ok(StoredSample {
        connector_id: connector_of(row)?,
        transaction_id: row.get("transaction_id")?,
        timestamp: row.get("sampled_at")?,
        value: row.get("value")?,
        measurand: row.get("measurand")?,
        unit: row.get("unit")?,
        phase: row.get("phase")?,
        context: row.get("context")?,
        location: row.get("location")?,
    })
}

#[cfg(test)]
mod tests {
    use super::chunk_len;

    #[test]
    fn groups_split_into_few_statement_shapes() {
        let split = |mut n: usize| {
            let mut sizes = Vec::new();
            while n > 0 {
                let k = chunk_len(n);
                sizes.push(k);
                n -= k;
            }
            sizes
        };
        assert_eq!(split(10), vec![10]);
        assert_eq!(split(16), vec![16]);
        assert_eq!(split(370), vec![256, 64, 32, 16, 2]);
        assert_eq!(split(2560), vec![512, 512, 512, 512, 512]);
        assert!(split(0).is_empty());
    }
}
