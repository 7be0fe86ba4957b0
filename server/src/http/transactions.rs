//! Transactions through the REST API: the list a page at a time (and as CSV), one
//! transaction with its meter values (and, for 2.0.1, its events), a transaction's meter values
//! as CSV.

use super::api::unavailable;
use super::fleet::with_total;
use super::openapi::ErrorBody;
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use engine::model::TransactionEventView;
use engine::model::{StoredSample, Transaction};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

/// A transaction with its meter values and its events.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct TransactionDetail {
    #[serde(flatten)]
    transaction: Transaction,
    /// One sampled value each, in time order.
    meter_values: Vec<StoredSample>,
    /// A 2.0.1 transaction's events, by seqNo (none for 1.6).
    events: Vec<TransactionEventView>,
}

/// The filters of the transaction lists (read by `TransactionQuery::from_params`, which
/// refuses any other parameter).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(super) struct TransactionFilters {
    /// Only this station's.
    #[param(example = "CP-001")]
    station: Option<String>,
    /// Only this id tag's.
    #[param(example = "04A1B2C3D4")]
    tag: Option<String>,
    /// Only running ones (true) or only finished ones (false).
    active: Option<bool>,
    /// Started at or after: a date (UTC midnight) or an RFC 3339 time.
    #[param(example = "2026-11-01")]
    from: Option<String>,
    /// Started before: a date (UTC midnight) or an RFC 3339 time.
    #[param(example = "2026-12-01T00:00:00Z")]
    to: Option<String>,
    /// How many matching transactions to skip.
    offset: Option<u64>,
    /// How many to answer.
    #[param(minimum = 1, example = 50)]
    limit: Option<u32>,
}

/// The transaction a route is about.
#[derive(IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub(super) struct TransactionPath(
    /// The central system's transaction id.
    #[param(example = 1)]
    #[allow(dead_code)]
    i64,
);

/// The largest number of transactions one list answers with.
const TRANSACTIONS_LIMIT: u32 = 1000;
/// The largest number of transactions one CSV export holds (a month of a big fleet).
const CSV_TRANSACTIONS_LIMIT: u32 = 100_000;

/// The transactions `params` select, newest first, at most `max` (and `max` when no limit is
/// given), and how many match in all.
async fn transaction_page(
    state: &AppState,
    params: &[(String, String)],
    max: u32,
) -> Result<(Vec<Transaction>, u64), ApiError> {
    let query = engine::listing::TransactionQuery::from_params(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        max,
    )?;
    state
        .engine
        .transaction_page(&query, max)
        .await
        .map_err(unavailable)
}

/// Transactions, newest first, a page at a time.
///
/// At most 1 000 a page (and 1 000 when no limit is given); `X-Total-Count` says how many match.
#[utoipa::path(get, path = "/transactions", tag = "Transactions",
    params(TransactionFilters),
    responses((status = 200, description = "A page of transactions", body = Vec<Transaction>,
            headers(("X-Total-Count" = u64, description = "How many transactions match in all"))),
        (status = 400, description = "A parameter is unknown or invalid (named)", body = ErrorBody)))]
pub async fn transactions(
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let (list, total) = transaction_page(&state, &params, TRANSACTIONS_LIMIT).await?;
    Ok(with_total(Json(list).into_response(), total))
}

/// Transactions as CSV, one line each, for spreadsheets and billing.
///
/// The same filters as the JSON list; up to 100 000 lines.
#[utoipa::path(get, path = "/transactions.csv", tag = "Transactions",
    params(TransactionFilters),
    responses((status = 200, description = "RFC 4180 CSV with a header line", content_type = "text/csv", body = String,
            headers(("X-Total-Count" = u64, description = "How many transactions match in all"))),
        (status = 400, description = "A parameter is unknown or invalid (named)", body = ErrorBody)))]
pub async fn transactions_csv(
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let (list, total) = transaction_page(&state, &params, CSV_TRANSACTIONS_LIMIT).await?;
    let mut out = Csv::new(&[
        "transactionId",
        "stationId",
        "connectorId",
        "idTag",
        "startedAt",
        "stoppedAt",
        "durationSeconds",
        "meterStartWh",
        "meterStopWh",
        "energyKWh",
        "stopReason",
    ]);
    for t in list {
        let duration = t
            .stopped_at
            .map(|stop| (stop - t.started_at).whole_seconds());
        out.row([
            t.id.to_string(),
            t.station_id,
            t.connector_id.to_string(),
            t.id_tag,
            rfc3339(t.started_at),
            t.stopped_at.map(rfc3339).unwrap_or_default(),
            duration.map(|d| d.to_string()).unwrap_or_default(),
            t.meter_start.to_string(),
            t.meter_stop.map(|m| m.to_string()).unwrap_or_default(),
            t.energy_wh
                .map(|wh| format!("{:.3}", wh as f64 / 1000.0))
                .unwrap_or_default(),
            t.stop_reason.unwrap_or_default(),
        ]);
    }
    Ok(with_total(out.into_response("transactions.csv"), total))
}

/// A transaction's meter values as CSV, one sampled value per line.
#[utoipa::path(get, path = "/transactions/{id}/meter-values.csv", tag = "Transactions", params(TransactionPath),
    responses((status = 200, description = "RFC 4180 CSV with a header line", content_type = "text/csv", body = String),
        (status = 400, description = "Not a transaction id", body = ErrorBody),
        (status = 404, description = "No such transaction", body = ErrorBody)))]
pub async fn meter_values_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (found, samples) = with_samples(&state, &id).await?;
    let id = found.id;
    let mut out = Csv::new(&[
        "timestamp",
        "connectorId",
        "measurand",
        "phase",
        "value",
        "unit",
        "context",
        "location",
    ]);
    for s in samples {
        out.row([
            rfc3339(s.timestamp),
            s.connector_id.to_string(),
            s.measurand,
            s.phase.unwrap_or_default(),
            s.value,
            s.unit.unwrap_or_default(),
            s.context.unwrap_or_default(),
            s.location.unwrap_or_default(),
        ]);
    }
    Ok(out.into_response(&format!("transaction-{id}-meter-values.csv")))
}

/// RFC 4180 text: a header line, then rows; fields quoted when they need it.
struct Csv(String);

impl Csv {
    fn new(header: &[&str]) -> Csv {
        let mut csv = Csv(String::new());
        csv.row(header.iter().map(|h| (*h).to_owned()));
        csv
    }

    fn row(&mut self, fields: impl IntoIterator<Item = String>) {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            // A leading =, +, - or @ would be a formula in a spreadsheet: quote it as text.
            let formula = field.starts_with(['=', '+', '-', '@']) && field.parse::<f64>().is_err();
            if formula || field.contains([',', '"', '\n', '\r']) {
                self.0.push('"');
                if formula {
                    self.0.push('\'');
                }
                self.0.push_str(&field.replace('"', "\"\""));
                self.0.push('"');
            } else {
                self.0.push_str(&field);
            }
        }
        self.0.push_str("\r\n");
    }

    fn into_response(self, filename: &str) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            self.0,
        )
            .into_response()
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The transaction `raw` names, with its meter values; 400 for an id that is none, 404 for
/// an unknown one.
async fn with_samples(
    state: &AppState,
    raw: &str,
) -> Result<(Transaction, Vec<StoredSample>), ApiError> {
    let id: i64 = raw
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("invalid transaction id {raw:?}")))?;
    let Some(found) = state.engine.transaction(id).await.map_err(unavailable)? else {
        return Err(ApiError::NotFound(format!("no transaction {id}")));
    };
    let samples = state
        .engine
        .transaction_samples(id)
        .await
        .map_err(unavailable)?;
    Ok((found, samples))
}

/// One transaction with its meter values and, for 2.0.1, its events.
#[utoipa::path(get, path = "/transactions/{id}", tag = "Transactions", params(TransactionPath),
    responses((status = 200, description = "The transaction", body = TransactionDetail),
        (status = 400, description = "Not a transaction id", body = ErrorBody),
        (status = 404, description = "No such transaction", body = ErrorBody)))]
pub async fn transaction(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (found, samples) = with_samples(&state, &id).await?;
    let events = state
        .engine
        .transaction_events(found.id)
        .await
        .map_err(unavailable)?;
    Ok(Json(TransactionDetail {
        transaction: found,
        meter_values: samples,
        events,
    })
    .into_response())
}
