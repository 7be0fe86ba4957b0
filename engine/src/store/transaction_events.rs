//! Transactions reported as events (OCPP 2.0.1 TransactionEvent): each event recorded once, in
//! one database transaction with what it changes.

use super::backend::{Conn, Row, on};
use super::outbox::{Reports, note};
use super::{Store, connector_of, samples};
use crate::EngineError;
use crate::model::{
    ENERGY_REGISTER, TokenStatus, TransactionEvent, TransactionEventKind, TransactionEventRecorded,
    TransactionEventView, scaled,
};
use protocol::StationId;
use time::OffsetDateTime;

/// The latest (or earliest) station-level energy register reading of a transaction, in Wh.
async fn register_reading<'c>(
    conn: Conn<'c>,
    transaction_id: i64,
    latest: bool,
) -> Result<Option<i64>, EngineError> {
    let order = if latest { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT samples FROM meter_readings WHERE transaction_id = $1 AND samples LIKE $2 \
         ORDER BY sampled_at {order}, id {order} LIMIT 10"
    );
    let readings: Vec<String> = super::backend::on_conn!(conn, |c: Db| {
        sqlx::query_scalar(&sql)
            .bind(transaction_id)
            .bind(samples::holding(ENERGY_REGISTER))
            .fetch_all(&mut *c)
            .await?
    });
    Ok(
        samples::station_level(&readings, &[ENERGY_REGISTER], latest)?
            .iter()
            .find_map(|p| scaled(&p.value, p.unit.as_deref()))
            .map(|wh| wh.round() as i64),
    )
}

impl Store {
    /// Records one transaction event. The first event of a transaction (whatever its kind:
    /// offline events arrive out of order) creates it; an event already recorded (same
    /// transaction and seqNo: a retransmission, which carries a new message id) changes
    /// nothing. `status` is the authorization the event's idToken is answered with.
    pub async fn record_transaction_event(
        &self,
        station: &StationId,
        event: &TransactionEvent,
        status: Option<TokenStatus>,
        at: OffsetDateTime,
        reports: Reports<'_, TransactionEventRecorded>,
    ) -> Result<TransactionEventRecorded, EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            let found = sqlx::query(
                "SELECT id, connector_id, meter_start, meter_start_pending, meter_stop, \
                 stopped_at FROM transactions WHERE station_id = $1 AND station_transaction_id = $2",
            )
            .bind(station.as_str())
            .bind(&event.station_transaction_id)
            .fetch_optional(&mut *tx)
            .await?;
            // What is known of the transaction before this event: its id, connector, whether it
            // has ended, its meter start (unless still pending) and stop.
            let (id, new_transaction, connector_id, already_ended, known_start, known_stop) =
                match found {
                    Some(row) => {
                        let stopped: Option<OffsetDateTime> = row.get("stopped_at")?;
                        let pending: bool = row.get("meter_start_pending")?;
                        let start: i64 = row.get("meter_start")?;
                        (
                            row.get::<i64>("id")?,
                            false,
                            connector_of(&row)?,
                            stopped.is_some(),
                            (!pending).then_some(start),
                            row.get::<Option<i64>>("meter_stop")?,
                        )
                    }
                    None => {
                        let connector_id = event.evse_id.unwrap_or(0);
                        let id: i64 = sqlx::query_scalar(
                        "INSERT INTO transactions (station_id, connector_id, id_tag, start_status, \
                         meter_start, meter_start_pending, started_at, reservation_id, created_at, \
                         station_transaction_id, evse_connector_id) \
                         VALUES ($1, $2, $3, $4, 0, TRUE, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(station.as_str())
                    .bind(i64::from(connector_id))
                    .bind(event.id_token.as_deref().unwrap_or(""))
                    .bind(status.unwrap_or(TokenStatus::Accepted).as_str())
                    .bind(event.timestamp)
                    .bind(event.reservation_id)
                    .bind(at)
                    .bind(&event.station_transaction_id)
                    .bind(event.connector_id.map(i64::from))
                    .fetch_one(&mut *tx)
                    .await?;
                        (id, true, connector_id, false, None, None)
                    }
                };
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO transaction_events (transaction_id, seq_no, event_type, \
                 trigger_reason, charging_state, stopped_reason, id_token, offline, occurred_at, \
                 received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (transaction_id, seq_no) DO NOTHING RETURNING id",
            )
            .bind(id)
            .bind(event.seq_no)
            .bind(event.kind.as_str())
            .bind(&event.trigger_reason)
            .bind(&event.charging_state)
            .bind(&event.stopped_reason)
            .bind(&event.id_token)
            .bind(event.offline)
            .bind(event.timestamp)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if inserted.is_none() {
                tx.commit().await?;
                return Ok(TransactionEventRecorded {
                    transaction_id: id,
                    new_transaction: false,
                    duplicate: true,
                    ended: false,
                    gap: false,
                    connector_id,
                    meter_start: known_start,
                    meter_stop: known_stop,
                });
            }
            // What the transaction is now: its latest event (by seqNo) sets the charging
            // state; any event may bring what an earlier one lacked.
            sqlx::query(
                "UPDATE transactions SET \
                 charging_state = CASE WHEN last_seq_no IS NULL OR $2 >= last_seq_no \
                     THEN COALESCE($3, charging_state) ELSE charging_state END, \
                 last_seq_no = CASE WHEN last_seq_no IS NULL OR $2 > last_seq_no THEN $2 \
                     ELSE last_seq_no END, \
                 id_tag = CASE WHEN id_tag = '' THEN COALESCE($4, '') ELSE id_tag END, \
                 connector_id = CASE WHEN connector_id = 0 THEN COALESCE($5, 0) \
                     ELSE connector_id END, \
                 evse_connector_id = COALESCE(evse_connector_id, $6), \
                 reservation_id = COALESCE(reservation_id, $7), \
                 remote_start_id = COALESCE(remote_start_id, $8), \
                 started_at = CASE WHEN $9 THEN $10 ELSE started_at END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(event.seq_no)
            .bind(&event.charging_state)
            .bind(&event.id_token)
            .bind(event.evse_id.map(i64::from))
            .bind(event.connector_id.map(i64::from))
            .bind(event.reservation_id)
            .bind(event.remote_start_id)
            .bind(event.kind == TransactionEventKind::Started)
            .bind(event.timestamp)
            .execute(&mut *tx)
            .await?;
            let connector_id = if connector_id == 0 {
                event.evse_id.unwrap_or(0)
            } else {
                connector_id
            };
            if let Some(remote_start_id) = event.remote_start_id {
                // The RequestStartTransaction that asked for it (B: remoteStartId, F01.FR.26).
                let remote: Option<(i64, OffsetDateTime)> = sqlx::query_as(
                    "SELECT id, requested_at FROM remote_starts WHERE station_id = $1 \
                     AND remote_start_id = $2 AND transaction_id IS NULL ORDER BY id LIMIT 1",
                )
                .bind(station.as_str())
                .bind(remote_start_id)
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
            }
            if let Some(reservation_id) = event.reservation_id {
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
            let batch = samples::Samples {
                station,
                connector_id,
                transaction_id: Some(id),
                samples: &event.samples,
            };
            samples::insert_samples(Conn::from(&mut *tx), &[batch]).await?;
            // The meter start is the first energy reading of the transaction: looked for only
            // while it is unknown and this event brings readings.
            let meter_start = if known_start.is_none() && !event.samples.is_empty() {
                let first = register_reading(Conn::from(&mut *tx), id, false).await?;
                if let Some(first) = first {
                    sqlx::query(
                        "UPDATE transactions SET meter_start = $2, meter_start_pending = FALSE \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(first)
                    .execute(&mut *tx)
                    .await?;
                }
                first
            } else {
                known_start
            };
            let ends = event.kind == TransactionEventKind::Ended && !already_ended;
            let meter_stop = if ends {
                let last = register_reading(Conn::from(&mut *tx), id, true)
                    .await?
                    .or(meter_start)
                    .unwrap_or(0);
                sqlx::query(
                    "UPDATE transactions SET meter_stop = $2, stopped_at = $3, stop_reason = $4, \
                     stop_id_tag = $5, stop_received = TRUE WHERE id = $1",
                )
                .bind(id)
                .bind(last)
                .bind(event.timestamp)
                .bind(&event.stopped_reason)
                .bind(&event.id_token)
                .execute(&mut *tx)
                .await?;
                Some(last)
            } else {
                known_stop
            };
            // seqNo counts a transaction's events from 0: fewer events than the highest seqNo
            // says there must be is a gap. Only a late or final event is asked about (E_31).
            let gap = if ends || event.offline {
                let (events, highest): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), MAX(seq_no) FROM transaction_events \
                     WHERE transaction_id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                events < highest + 1
            } else {
                false
            };
            let recorded = TransactionEventRecorded {
                transaction_id: id,
                new_transaction,
                duplicate: false,
                ended: ends,
                gap,
                connector_id,
                meter_start,
                meter_stop,
            };
            let noted = self.noted(reports, &recorded);
            note(Conn::from(&mut *tx), &noted).await?;
            tx.commit().await?;
            self.noted_committed(&noted);
            Ok(recorded)
        })
    }

    /// The events of a transaction, by seqNo.
    pub async fn transaction_events(
        &self,
        transaction_id: i64,
    ) -> Result<Vec<TransactionEventView>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT seq_no, event_type, trigger_reason, charging_state, stopped_reason, \
                 id_token, offline, occurred_at FROM transaction_events \
                 WHERE transaction_id = $1 ORDER BY seq_no",
            )
            .bind(transaction_id)
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                Ok(TransactionEventView {
                    seq_no: row.get("seq_no")?,
                    event_type: row.get("event_type")?,
                    trigger_reason: row.get("trigger_reason")?,
                    charging_state: row.get("charging_state")?,
                    stopped_reason: row.get("stopped_reason")?,
                    id_token: row.get("id_token")?,
                    offline: row.get("offline")?,
                    occurred_at: row.get("occurred_at")?,
                })
            })
            .collect()
        })
    }

    /// Records a RequestStartTransaction about to be sent (its remoteStartId, which the
    /// transaction will report); answers the record's id.
    pub async fn add_remote_start_id(
        &self,
        station: &StationId,
        evse_id: Option<u32>,
        id_token: &str,
        remote_start_id: i64,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        Ok(on!(&self.writes, |db| {
            sqlx::query_scalar(
                "INSERT INTO remote_starts (station_id, connector_id, id_tag, requested_at, \
                 remote_start_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(station.as_str())
            .bind(evse_id.map(i64::from))
            .bind(id_token)
            .bind(at)
            .bind(remote_start_id)
            .fetch_one(db)
            .await?
        }))
    }

    /// The central system's id of a station's transaction.
    pub async fn transaction_by_station_id(
        &self,
        station: &StationId,
        station_transaction_id: &str,
    ) -> Result<Option<i64>, EngineError> {
        Ok(on!(&self.reads, |db| {
            sqlx::query_scalar(
                "SELECT id FROM transactions WHERE station_id = $1 AND station_transaction_id = $2",
            )
            .bind(station.as_str())
            .bind(station_transaction_id)
            .fetch_optional(db)
            .await?
        }))
    }
}
