//! Transactions: started, stopped (matched or not), linked to the remote start that asked for
//! them, and read back.

use super::backend::{Conn, Row, on};
use super::outbox::{Reports, note};
use super::{Store, connector_of, count, samples};
use crate::EngineError;
use crate::listing::TransactionQuery;
use crate::model::{
    StopOutcome, StopRecorded, TokenStatus, Transaction, TransactionStart, TransactionStop,
};
use protocol::StationId;
use sqlx::{Database, Encode, QueryBuilder, Type};
use time::OffsetDateTime;

const TRANSACTION_COLUMNS: &str = "SELECT id, station_id, connector_id, id_tag, start_status, \
     meter_start, started_at, meter_stop, stopped_at, stop_reason, remote_start_requested_at, \
     remote_stop_requested_at, station_transaction_id, charging_state FROM transactions";

impl Store {
    /// Records a StartTransaction; a retransmission of one already recorded returns the same
    /// transaction id with `new` false. A new transaction is linked, in the same database
    /// transaction (so nobody sees it unlinked), to the oldest open remote start that asked
    /// for it (same station and id tag, and connector if the request named one), and uses its
    /// reservation if any.
    pub async fn start_transaction(
        &self,
        station: &StationId,
        start: &TransactionStart,
        status: TokenStatus,
        at: OffsetDateTime,
        reports: Reports<'_, (i64, bool)>,
    ) -> Result<(i64, bool), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO transactions (station_id, connector_id, id_tag, start_status, \
                 meter_start, started_at, reservation_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (station_id, connector_id, id_tag, meter_start, started_at) \
                 DO NOTHING RETURNING id",
            )
            .bind(station.as_str())
            .bind(i64::from(start.connector_id))
            .bind(&start.id_tag)
            .bind(status.as_str())
            .bind(start.meter_start)
            .bind(start.timestamp)
            .bind(start.reservation_id)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let result = match inserted {
                Some(id) => {
                    let remote: Option<(i64, OffsetDateTime)> = sqlx::query_as(
                        "SELECT id, requested_at FROM remote_starts WHERE station_id = $1 \
                         AND id_tag = $2 AND transaction_id IS NULL \
                         AND (connector_id IS NULL OR connector_id = $3) ORDER BY id LIMIT 1",
                    )
                    .bind(station.as_str())
                    .bind(&start.id_tag)
                    .bind(i64::from(start.connector_id))
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some((remote_id, requested_at)) = remote {
                        sqlx::query("UPDATE remote_starts SET transaction_id = $2 WHERE id = $1")
                            .bind(remote_id)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(
                            "UPDATE transactions SET remote_start_requested_at = $2 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(requested_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    if let Some(reservation_id) = start.reservation_id {
                        sqlx::query(
                            "UPDATE reservations SET status = 'Used', transaction_id = $3, \
                             updated_at = $4 WHERE station_id = $1 AND reservation_id = $2",
                        )
                        .bind(station.as_str())
                        .bind(reservation_id)
                        .bind(id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    (id, true)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "SELECT id FROM transactions WHERE station_id = $1 AND connector_id = $2 \
                         AND id_tag = $3 AND meter_start = $4 AND started_at = $5",
                    )
                    .bind(station.as_str())
                    .bind(i64::from(start.connector_id))
                    .bind(&start.id_tag)
                    .bind(start.meter_start)
                    .bind(start.timestamp)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, false)
                }
            };
            let noted = self.noted(reports, &result);
            note(Conn::from(&mut *tx), &noted).await?;
            tx.commit().await?;
            self.noted_committed(&noted);
            Ok(result)
        })
    }

    /// Records a StopTransaction with its meter values, whatever it matches.
    pub async fn stop_transaction(
        &self,
        station: &StationId,
        stop: &TransactionStop,
        at: OffsetDateTime,
        reports: Reports<'_, StopRecorded>,
    ) -> Result<StopRecorded, EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            let found = sqlx::query(
                "SELECT connector_id, meter_start, stopped_at FROM transactions \
                 WHERE id = $1 AND station_id = $2",
            )
            .bind(stop.transaction_id)
            .bind(station.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let (outcome, connector, meter_start) = match found {
                None => {
                    sqlx::query(
                        "INSERT INTO unmatched_stops (station_id, transaction_id, id_tag, \
                         meter_stop, stopped_at, stop_reason, received_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(station.as_str())
                    .bind(stop.transaction_id)
                    .bind(&stop.id_tag)
                    .bind(stop.meter_stop)
                    .bind(stop.timestamp)
                    .bind(&stop.reason)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    (StopOutcome::Unknown, None, None)
                }
                Some(row) => {
                    let connector = Some(connector_of(&row)?);
                    let meter_start: i64 = row.get("meter_start")?;
                    let stopped: Option<OffsetDateTime> = row.get("stopped_at")?;
                    if stopped.is_some() {
                        (StopOutcome::Duplicate, connector, Some(meter_start))
                    } else {
                        sqlx::query(
                            "UPDATE transactions SET meter_stop = $2, stopped_at = $3, \
                             stop_reason = $4, stop_id_tag = $5, stop_received = TRUE \
                             WHERE id = $1",
                        )
                        .bind(stop.transaction_id)
                        .bind(stop.meter_stop)
                        .bind(stop.timestamp)
                        .bind(&stop.reason)
                        .bind(&stop.id_tag)
                        .execute(&mut *tx)
                        .await?;
                        (StopOutcome::Stopped, connector, Some(meter_start))
                    }
                }
            };
            if outcome != StopOutcome::Duplicate {
                let linked = (outcome == StopOutcome::Stopped).then_some(stop.transaction_id);
                let batch = samples::Samples {
                    station,
                    connector_id: connector.unwrap_or(0),
                    transaction_id: linked,
                    samples: &stop.samples,
                };
                samples::insert_samples(Conn::from(&mut *tx), &[batch]).await?;
            }
            let recorded = StopRecorded {
                outcome,
                connector_id: connector,
                meter_start,
            };
            let noted = self.noted(reports, &recorded);
            note(Conn::from(&mut *tx), &noted).await?;
            tx.commit().await?;
            self.noted_committed(&noted);
            Ok(recorded)
        })
    }

    /// Records a RemoteStartTransaction about to be sent; answers its id.
    pub async fn add_remote_start(
        &self,
        station: &StationId,
        connector_id: Option<u32>,
        id_tag: &str,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        Ok(on!(&self.writes, |db| {
            sqlx::query_scalar(
                "INSERT INTO remote_starts (station_id, connector_id, id_tag, requested_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(station.as_str())
            .bind(connector_id.map(i64::from))
            .bind(id_tag)
            .bind(at)
            .fetch_one(db)
            .await?
        }))
    }

    /// Forgets a remote start the station did not accept (unless a transaction took it).
    pub async fn drop_remote_start(&self, id: i64) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("DELETE FROM remote_starts WHERE id = $1 AND transaction_id IS NULL")
                .bind(id)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Records that an operator asked a station to stop a transaction.
    pub async fn remote_stop_requested(
        &self,
        station: &StationId,
        transaction_id: i64,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "UPDATE transactions SET remote_stop_requested_at = $3 \
                 WHERE id = $1 AND station_id = $2",
            )
            .bind(transaction_id)
            .bind(station.as_str())
            .bind(at)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// One transaction.
    pub async fn transaction(&self, id: i64) -> Result<Option<Transaction>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(&format!("{TRANSACTION_COLUMNS} WHERE id = $1"))
                .bind(id)
                .fetch_optional(db)
                .await?
                .as_ref()
                .map(transaction_from_row)
                .transpose()
        })
    }

    /// The transactions `query` selects, newest first: `limit` of them from its offset.
    pub async fn transactions(
        &self,
        query: &TransactionQuery,
        limit: u32,
    ) -> Result<Vec<Transaction>, EngineError> {
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        on!(&self.reads, |db| {
            let mut page = QueryBuilder::new(TRANSACTION_COLUMNS);
            push_conditions(&mut page, query);
            page.push(" ORDER BY id DESC LIMIT ")
                .push_bind(i64::from(limit))
                .push(" OFFSET ")
                .push_bind(offset);
            page.build()
                .fetch_all(db)
                .await?
                .iter()
                .map(transaction_from_row)
                .collect()
        })
    }

    /// How many transactions `query` selects, on every page.
    pub async fn count_transactions(&self, query: &TransactionQuery) -> Result<u64, EngineError> {
        let n: i64 = on!(&self.reads, |db| {
            let mut counting = QueryBuilder::new("SELECT COUNT(*) FROM transactions");
            push_conditions(&mut counting, query);
            counting.build_query_scalar().fetch_one(db).await?
        });
        Ok(count(n))
    }

    /// How many StopTransactions for unknown transactions a station sent.
    pub async fn unmatched_stops(&self, station: &StationId) -> Result<u64, EngineError> {
        let n: i64 = on!(&self.reads, |db| {
            sqlx::query_scalar("SELECT COUNT(*) FROM unmatched_stops WHERE station_id = $1")
                .bind(station.as_str())
                .fetch_one(db)
                .await?
        });
        Ok(count(n))
    }
}

/// Appends ` WHERE ...` for what `query` selects (always, `TRUE` when nothing).
fn push_conditions<'a, DB>(q: &mut QueryBuilder<'a, DB>, query: &'a TransactionQuery)
where
    DB: Database,
    &'a str: Encode<'a, DB> + Type<DB>,
    OffsetDateTime: Encode<'a, DB> + Type<DB>,
{
    q.push(" WHERE TRUE");
    if let Some(station) = &query.station {
        q.push(" AND station_id = ").push_bind(station.as_str());
    }
    if let Some(tag) = &query.id_tag {
        q.push(" AND id_tag = ").push_bind(tag.as_str());
    }
    match query.active {
        Some(true) => {
            q.push(" AND stopped_at IS NULL");
        }
        Some(false) => {
            q.push(" AND stopped_at IS NOT NULL");
        }
        None => {}
    }
    if let Some(from) = query.from {
        q.push(" AND started_at >= ").push_bind(from);
    }
    if let Some(to) = query.to {
        q.push(" AND started_at < ").push_bind(to);
    }
}

fn transaction_from_row(row: &impl Row) -> Result<Transaction, EngineError> {
    let meter_start: i64 = row.get("meter_start")?;
    let meter_stop: Option<i64> = row.get("meter_stop")?;
    Ok(Transaction {
        id: row.get("id")?,
        station_id: row.get("station_id")?,
        connector_id: connector_of(row)?,
        id_tag: row.get("id_tag")?,
        start_status: row.get("start_status")?,
        meter_start,
        started_at: row.get("started_at")?,
        meter_stop,
        stopped_at: row.get("stopped_at")?,
        stop_reason: row.get("stop_reason")?,
        energy_wh: meter_stop.map(|stop| stop - meter_start),
        remote_start_requested_at: row.get("remote_start_requested_at")?,
        remote_stop_requested_at: row.get("remote_stop_requested_at")?,
        station_transaction_id: row.get("station_transaction_id")?,
        charging_state: row.get("charging_state")?,
    })
}
