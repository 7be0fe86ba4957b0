//! Meter values: written through one group-commit writer, read per transaction.

use super::backend::{Conn, Pool, Row, on, on_conn};
use super::outbox::{Noted, Wanted, note, to_noted};
use super::{GROUP_COMMIT, Store, connector_of};
use crate::EngineError;
use crate::model::{Sample, StoredSample, UnknownValue};
use protocol::StationId;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;

/// One MeterValues message waiting for the writer.
#[derive(Debug)]
pub(super) struct SampleWrite {
    station: StationId,
    connector_id: u32,
    transaction_id: Option<i64>,
    samples: Vec<Sample>,
    /// What the message reports, given its transaction's meter start if it is still running
    /// (see [`SampleReports`]).
    reports: Option<SampleReports>,
    reply: tokio::sync::oneshot::Sender<Result<Option<i64>, EngineError>>,
}

/// What a MeterValues message reports to the webhook outbox, made of its transaction's meter
/// start if that transaction is still running: written in the transaction that commits it.
#[derive(Clone)]
pub struct SampleReports(pub std::sync::Arc<SampleReport>);

/// See [`SampleReports`].
pub type SampleReport = dyn Fn(&Option<i64>) -> Vec<crate::Event> + Send + Sync;

impl std::fmt::Debug for SampleReports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SampleReports")
    }
}

/// Writes meter values with group commit: whatever messages are waiting (up to
/// [`GROUP_COMMIT`]) go into one transaction (a faulty one fails alone, see `commit_group`),
/// and each is answered once the transaction is committed. Under load a commit covers
/// many stations; alone, a message is committed at once.
pub(super) async fn write_samples(
    pool: Pool,
    mut queue: tokio::sync::mpsc::Receiver<SampleWrite>,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    wanted: std::sync::Arc<Wanted>,
) {
    let mut group = Vec::with_capacity(GROUP_COMMIT);
    while queue.recv_many(&mut group, GROUP_COMMIT).await > 0 {
        let started = std::time::Instant::now();
        let committed = commit_group(&pool, &group, &wanted).await;
        metrics.commit(
            crate::metrics::Writer::MeterValues,
            group.len(),
            started.elapsed(),
        );
        match committed {
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
    wanted: &Wanted,
) -> Result<Vec<Result<Option<i64>, EngineError>>, EngineError> {
    on!(pool, |db| {
        // Fast path: the whole group in one transaction, a few statements for all of it.
        // Nothing in a well-formed message can fail here; if something does, the group is
        // written again one message per transaction, so only the faulty one fails.
        let mut tx = db.begin().await?;
        if let Ok((running, noted)) = write_group(Conn::from(&mut *tx), group).await {
            tx.commit().await?;
            wanted.committed(&noted);
            return Ok(running.into_iter().map(Ok).collect());
        }
        tx.rollback().await?;
        let mut results = Vec::with_capacity(group.len());
        for write in group {
            let mut tx = db.begin().await?;
            match write_group(Conn::from(&mut *tx), std::slice::from_ref(write)).await {
                Ok((running, noted)) => {
                    tx.commit().await?;
                    wanted.committed(&noted);
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
/// it is still running; all messages at once (multi-row inserts across messages, one query for
/// the meter starts). Few statements matter on both backends: each is a round trip, to the
/// PostgreSQL server or to SQLite's worker thread (measured: BENCHMARKS.md, scenario 4).
/// Then what the messages report goes to the webhook outbox: answers the meter starts and it.
async fn write_group(
    mut conn: Conn<'_>,
    group: &[SampleWrite],
) -> Result<(Vec<Option<i64>>, Vec<Noted>), EngineError> {
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
        on_conn!(conn.reborrow(), |c: Db| {
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
    let running: Vec<Option<i64>> = group
        .iter()
        .map(|w| w.transaction_id.and_then(|id| running.get(&id).copied()))
        .collect();
    let events: Vec<crate::Event> = group
        .iter()
        .zip(&running)
        .filter_map(|(w, running)| Some((w.reports.as_ref()?.0)(running)))
        .flatten()
        .collect();
    let noted = to_noted(events.iter());
    note(conn, &noted).await?;
    Ok((running, noted))
}

/// The samples of `group`, each message's with what they belong to.
fn rows_of(group: &[SampleWrite]) -> Vec<Samples<'_>> {
    group
        .iter()
        .map(|w| Samples {
            station: &w.station,
            connector_id: w.connector_id,
            transaction_id: w.transaction_id,
            samples: &w.samples,
        })
        .collect()
}

/// Sampled values and what they belong to: a station's connector, and its transaction if any.
pub(super) struct Samples<'a> {
    pub station: &'a StationId,
    pub connector_id: u32,
    pub transaction_id: Option<i64>,
    pub samples: &'a [Sample],
}

/// One stored row: the values a connector sampled at one time, packed as a JSON array (one
/// row per reading, not per value: a MeterValue of ten values costs one row and its index
/// entries, not ten).
struct Reading<'a> {
    of: &'a Samples<'a>,
    sampled_at: time::OffsetDateTime,
    count: i64,
    packed: String,
}

/// A sampled value as it is packed in its reading (the reading holds the time).
#[derive(Serialize, Deserialize)]
pub(super) struct Packed<'a> {
    #[serde(borrow)]
    pub value: Cow<'a, str>,
    #[serde(borrow)]
    pub measurand: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Cow<'a, str>>,
}

impl<'a> From<&'a Sample> for Packed<'a> {
    fn from(s: &'a Sample) -> Packed<'a> {
        let text = |t: &'a Option<String>| t.as_deref().map(Cow::Borrowed);
        Packed {
            value: Cow::Borrowed(&s.value),
            measurand: Cow::Borrowed(&s.measurand),
            unit: text(&s.unit),
            phase: text(&s.phase),
            context: text(&s.context),
            location: text(&s.location),
            format: text(&s.format),
        }
    }
}

/// The readings of `batches`: each run of values sampled at the same time is one reading.
fn readings<'a>(batches: &'a [Samples<'a>]) -> Result<Vec<Reading<'a>>, EngineError> {
    let mut readings = Vec::new();
    for of in batches {
        for run in of.samples.chunk_by(|a, b| a.timestamp == b.timestamp) {
            let packed: Vec<Packed<'_>> = run.iter().map(Packed::from).collect();
            readings.push(Reading {
                of,
                sampled_at: run[0].timestamp,
                count: i64::try_from(run.len()).unwrap_or(i64::MAX),
                packed: serde_json::to_string(&packed).map_err(bad_reading)?,
            });
        }
    }
    Ok(readings)
}

/// The sampled values packed in a reading, in the order they were sent.
fn unpack(packed: &str) -> Result<Vec<Packed<'_>>, EngineError> {
    serde_json::from_str(packed).map_err(bad_reading)
}

/// The station-level values (no phase) of `measurands` in packed readings, reading after
/// reading; within each, the last sent first when `newest_first`.
pub(super) fn station_level<'a>(
    readings: &'a [String],
    measurands: &[&str],
    newest_first: bool,
) -> Result<Vec<Packed<'a>>, EngineError> {
    let mut found = Vec::new();
    for packed in readings {
        let mut values: Vec<Packed<'a>> = unpack(packed)?
            .into_iter()
            .filter(|p| p.phase.is_none() && measurands.contains(&p.measurand.as_ref()))
            .collect();
        if newest_first {
            values.reverse();
        }
        found.append(&mut values);
    }
    Ok(found)
}

fn bad_reading(e: serde_json::Error) -> EngineError {
    EngineError::Corrupt(UnknownValue(format!("meter reading ({e})")))
}

/// The most rows one statement inserts (6 parameters each, within both backends' limits).
const MAX_ROWS: usize = 512;
/// Below this many rows, one statement takes them all.
const MIN_CHUNK: usize = 16;

/// How many of `n` rows the next statement inserts: a power of two from [`MIN_CHUNK`] to
/// [`MAX_ROWS`], or all of fewer than [`MIN_CHUNK`]. So a few statement shapes (SQL texts)
/// serve every group size, each prepared once per connection and then reused; a group is
/// still a few statements (one for a typical single message).
pub(super) fn chunk_len(n: usize) -> usize {
    if n < MIN_CHUNK {
        n
    } else {
        1 << (usize::BITS - 1 - n.min(MAX_ROWS).leading_zeros())
    }
}

/// Inserts samples, one row per reading, many rows per statement.
pub(super) async fn insert_samples(
    conn: Conn<'_>,
    batches: &[Samples<'_>],
) -> Result<(), EngineError> {
    let rows = readings(batches)?;
    on_conn!(conn, |c: Db| {
        let mut rest = &rows[..];
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(chunk_len(rest.len()));
            rest = tail;
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO meter_readings (station_id, connector_id, transaction_id, \
                 sampled_at, sample_count, samples) ",
            );
            insert.push_values(chunk, |mut row, r| {
                row.push_bind(r.of.station.as_str())
                    .push_bind(i64::from(r.of.connector_id))
                    .push_bind(r.of.transaction_id)
                    .push_bind(r.sampled_at)
                    .push_bind(r.count)
                    .push_bind(&r.packed);
            });
            insert.build().execute(&mut *c).await?;
        }
    });
    Ok(())
}

impl Store {
    /// Keeps meter values a station sent for a connector (and transaction, if any), through the
    /// group-commit writer: returns once they are committed. Returns the meter start of that
    /// transaction if it is still running, read in the same transaction, where what `reports`
    /// makes of it goes to the webhook outbox.
    pub async fn add_samples(
        &self,
        station: &StationId,
        connector_id: u32,
        transaction_id: Option<i64>,
        samples: Vec<Sample>,
        reports: Option<SampleReports>,
    ) -> Result<Option<i64>, EngineError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let write = SampleWrite {
            station: station.clone(),
            connector_id,
            transaction_id,
            samples,
            reports,
            reply,
        };
        let gone = || EngineError::GroupCommit("the meter values writer has stopped".to_owned());
        self.samples.send(write).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// The meter values of a transaction, in time order.
    pub async fn transaction_samples(&self, id: i64) -> Result<Vec<StoredSample>, EngineError> {
        on!(&self.reads, |db| {
            let rows = sqlx::query(
                "SELECT connector_id, transaction_id, sampled_at, samples FROM meter_readings \
                 WHERE transaction_id = $1 ORDER BY sampled_at, id",
            )
            .bind(id)
            .fetch_all(db)
            .await?;
            let mut samples = Vec::with_capacity(rows.len());
            for row in &rows {
                add_stored_samples(row, &mut samples)?;
            }
            Ok(samples)
        })
    }

    /// The latest station-level energy register and power readings of a transaction, newest
    /// first: (measurand, value, unit).
    pub async fn latest_readings(
        &self,
        transaction_id: i64,
    ) -> Result<Vec<(String, String, Option<String>)>, EngineError> {
        let rows: Vec<String> = on!(&self.reads, |db| {
            sqlx::query_scalar(
                "SELECT samples FROM meter_readings \
                 WHERE transaction_id = $1 AND (samples LIKE $2 OR samples LIKE $3) \
                 ORDER BY sampled_at DESC, id DESC LIMIT 8",
            )
            .bind(transaction_id)
            .bind(holding(crate::model::ENERGY_REGISTER))
            .bind(holding(crate::model::ACTIVE_POWER))
            .fetch_all(db)
            .await?
        });
        let measurands = [crate::model::ENERGY_REGISTER, crate::model::ACTIVE_POWER];
        Ok(station_level(&rows, &measurands, true)?
            .into_iter()
            .map(|p| {
                (
                    p.measurand.into_owned(),
                    p.value.into_owned(),
                    p.unit.map(Cow::into_owned),
                )
            })
            .collect())
    }
}

/// The values of a stored reading, each with what it belongs to, onto `samples`.
fn add_stored_samples(row: &impl Row, samples: &mut Vec<StoredSample>) -> Result<(), EngineError> {
    let connector_id = connector_of(row)?;
    let transaction_id: Option<i64> = row.get("transaction_id")?;
    let timestamp: time::OffsetDateTime = row.get("sampled_at")?;
    let packed: String = row.get("samples")?;
    samples.extend(unpack(&packed)?.into_iter().map(|p| StoredSample {
        connector_id,
        transaction_id,
        timestamp,
        value: p.value.into_owned(),
        measurand: p.measurand.into_owned(),
        unit: p.unit.map(Cow::into_owned),
        phase: p.phase.map(Cow::into_owned),
        context: p.context.map(Cow::into_owned),
        location: p.location.map(Cow::into_owned),
    }));
    Ok(())
}

/// A LIKE pattern that matches the packed readings holding a measurand (as a JSON string; the
/// rows it selects are then read whole, so a stray match costs a row, never a wrong answer).
pub(super) fn holding(measurand: &str) -> String {
    format!("%\"{measurand}\"%")
}

#[cfg(test)]
mod tests {
    use super::{Store, chunk_len};

    /// Migration 13 packs the meter values kept one row per value into one row per reading:
    /// the same values come back, in the same order, and pruning still counts values.
    #[tokio::test]
    async fn meter_values_kept_before_migration_13_are_packed_into_readings() {
        let dir = tempfile::tempdir().unwrap();
        let url = super::super::testing::fresh_database(dir.path())
            .await
            .unwrap();
        let old = |n: i64,
                   at: &str,
                   value: &str,
                   measurand: &str,
                   unit: Option<&str>,
                   phase: Option<&str>| {
            format!(
                "INSERT INTO meter_values (id, station_id, connector_id, transaction_id, \
                 sampled_at, value, measurand, unit, phase) VALUES ({n}, 'CP1', 1, {tx}, \
                 {at}, '{value}', '{measurand}', {unit}, {phase})",
                tx = if n == 4 {
                    "NULL".to_owned()
                } else {
                    "7".to_owned()
                },
                unit = unit.map_or("NULL".to_owned(), |u| format!("'{u}'")),
                phase = phase.map_or("NULL".to_owned(), |p| format!("'{p}'")),
            )
        };
        let ten = "'2026-11-20T10:00:00Z'";
        let eleven = "'2026-11-20T11:00:00Z'";
        let rows = [
            old(
                1,
                ten,
                "100",
                "Energy.Active.Import.Register",
                Some("Wh"),
                None,
            ),
            old(2, ten, "16.0", "Current.Import", Some("A"), Some("L1")),
            old(
                3,
                eleven,
                "1.5",
                "Energy.Active.Import.Register",
                Some("kWh"),
                None,
            ),
            old(4, eleven, "49.9", "Frequency", None, None),
            old(5, ten, "7000", "Power.Active.Import", Some("W"), None),
        ];
        super::super::backend::at_version(&url, 12, &rows).await;
        let store = Store::open(&url).await.unwrap();
        let samples = store.transaction_samples(7).await.unwrap();
        let seen: Vec<(&str, &str, Option<&str>, Option<&str>)> = samples
            .iter()
            .map(|s| {
                (
                    s.measurand.as_str(),
                    s.value.as_str(),
                    s.unit.as_deref(),
                    s.phase.as_deref(),
                )
            })
            .collect();
        // Time order, then arrival order within a time (the late power reading of 10:00 too).
        assert_eq!(
            seen,
            [
                ("Energy.Active.Import.Register", "100", Some("Wh"), None),
                ("Current.Import", "16.0", Some("A"), Some("L1")),
                ("Power.Active.Import", "7000", Some("W"), None),
                ("Energy.Active.Import.Register", "1.5", Some("kWh"), None),
            ]
        );
        assert!(
            samples
                .iter()
                .all(|s| s.connector_id == 1 && s.transaction_id == Some(7))
        );
        assert_eq!(samples[0].timestamp.hour(), 10);
        let latest = store.latest_readings(7).await.unwrap();
        assert_eq!(
            latest[0],
            (
                "Energy.Active.Import.Register".to_owned(),
                "1.5".to_owned(),
                Some("kWh".to_owned())
            )
        );
        let at = time::OffsetDateTime::from_unix_timestamp(1_795_219_200).unwrap();
        let pruned = store
            .prune_older_than(super::super::retention::Pruned::MeterValues, at)
            .await
            .unwrap();
        assert_eq!(pruned, 5, "every value counted once");
        assert!(store.transaction_samples(7).await.unwrap().is_empty());
    }

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
