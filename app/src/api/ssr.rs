//! What the server functions share on the server: the engine from context, the signed-in
//! principal, and error mapping.

use crate::dto::AppError;
use leptos::prelude::use_context;

/// The engine the server provided through `leptos_routes_with_context`.
pub fn engine() -> Result<engine::Engine, AppError> {
    use_context::<engine::Engine>().ok_or_else(|| {
        tracing::error!("no engine in the Leptos context: the server must provide one");
        AppError::Unavailable("The central system is not ready.".to_owned())
    })
}

/// Who is asking, if their role allows `permission` (the server's guard put them in the
/// request; every server function's request passes it).
pub fn require(
    permission: engine::operators::Permission,
) -> Result<engine::operators::Principal, AppError> {
    use engine::operators::Principal;
    let forbidden = |message: String| {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::FORBIDDEN);
        }
        AppError::Forbidden(message)
    };
    let who = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>().cloned())
        .ok_or_else(|| forbidden("Sign in first.".to_owned()))?;
    if who.may(permission) {
        Ok(who)
    } else {
        Err(forbidden(format!(
            "Your role ({}) does not allow this.",
            who.role
        )))
    }
}

/// A list's parameter the engine cannot read (the page's address was edited by hand).
impl From<engine::listing::BadQuery> for AppError {
    fn from(e: engine::listing::BadQuery) -> Self {
        AppError::Invalid(format!("This list cannot be shown: {e}."))
    }
}

/// The fleet's counters as the pages show them.
pub fn counters(c: engine::fleet::FleetCounters) -> crate::dto::FleetCounters {
    crate::dto::FleetCounters {
        stations: c.stations,
        online: c.online,
        charging: c.charging,
        faulted: c.faulted,
        pending: c.pending,
    }
}

/// A station as the Stations page shows it.
pub fn station_row(s: engine::model::StationView) -> crate::dto::StationRow {
    crate::dto::StationRow {
        id: s.id,
        registration: s.registration.to_string(),
        connected: s.connected,
        vendor: s.vendor,
        model: s.model,
        firmware_version: s.firmware_version,
        last_seen: s.last_seen.map(rfc3339),
        protocol: s.protocol.clone(),
        node: s.node,
        connectors: s
            .connectors
            .into_iter()
            .map(|c| crate::dto::ConnectorBadge {
                connector_id: c.connector_id,
                status: c.status,
                error_code: c.error_code,
                info: c.info,
            })
            .collect(),
    }
}

pub fn security_event_row(e: engine::model::SecurityEventView) -> crate::dto::SecurityEventRow {
    crate::dto::SecurityEventRow {
        id: e.id,
        station_id: e.station_id,
        event_type: e.event_type,
        tech_info: e.tech_info,
        at: rfc3339(e.received_at),
        source: e.source,
    }
}

/// The error for something that does not exist; the response says 404.
pub fn not_found(message: String) -> AppError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    AppError::Invalid(message)
}

/// A station id from the browser.
pub fn station_id(text: String) -> Result<protocol::StationId, AppError> {
    protocol::StationId::parse(text)
        .map_err(|e| AppError::Invalid(format!("Invalid station id: {e}.")))
}

pub fn transaction_row(t: engine::model::Transaction) -> crate::dto::TransactionRow {
    crate::dto::TransactionRow {
        id: t.id,
        station_id: t.station_id,
        connector_id: t.connector_id,
        id_tag: t.id_tag,
        started_at: rfc3339(t.started_at),
        stopped_at: t.stopped_at.map(rfc3339),
        stop_reason: t.stop_reason,
        energy_wh: t.energy_wh.map(|wh| wh as f64),
        power_w: None,
        station_transaction_id: t.station_transaction_id,
    }
}

/// Rows of transactions, the active ones with their energy and power so far.
pub async fn with_progress(
    engine: &engine::Engine,
    list: Vec<engine::model::Transaction>,
) -> Result<Vec<crate::dto::TransactionRow>, engine::EngineError> {
    let mut rows = Vec::with_capacity(list.len());
    for t in list {
        let progress = match t.stopped_at {
            None => Some(engine.progress(&t).await?),
            Some(_) => None,
        };
        let mut row = transaction_row(t);
        if let Some((energy_wh, power_w)) = progress {
            row.energy_wh = energy_wh;
            row.power_w = power_w;
        }
        rows.push(row);
    }
    Ok(rows)
}

pub fn reservation_row(r: engine::model::Reservation) -> crate::dto::ReservationRow {
    crate::dto::ReservationRow {
        station_id: r.station_id,
        reservation_id: r.reservation_id,
        connector_id: r.connector_id,
        id_tag: r.id_tag,
        expires_at: rfc3339(r.expires_at),
        status: r.status,
        transaction_id: r.transaction_id,
    }
}

pub fn profile_row(p: engine::model::ChargingProfileRecord) -> crate::dto::ProfileRow {
    let schedule = &p.profile["chargingSchedule"];
    let unit = schedule["chargingRateUnit"].as_str().unwrap_or("?");
    let periods = schedule["chargingSchedulePeriod"]
        .as_array()
        .map(|periods| {
            periods
                .iter()
                .map(|period| format!("{}s→{}", period["startPeriod"], period["limit"]))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    crate::dto::ProfileRow {
        station_id: p.station_id,
        connector_id: p.connector_id,
        profile_id: p.profile_id,
        stack_level: p.stack_level,
        purpose: p.purpose,
        transaction_id: p.transaction_id,
        schedule: format!("{unit}: {periods}"),
        profile: serde_json::to_string_pretty(&p.profile).unwrap_or_default(),
        set_at: rfc3339(p.set_at),
    }
}

/// Validates the id tag form: what is wrong is said, nothing is stored.
pub fn id_tag_input(
    id_tag: &str,
    status: &str,
    expiry_date: &str,
    parent_id_tag: &str,
) -> Result<engine::model::IdTag, AppError> {
    let invalid = |m: String| AppError::Invalid(m);
    let id = protocol::types::StoredIdToken::parse(id_tag.trim())
        .map_err(|e| invalid(format!("The id tag {e}.")))?;
    if id.is_empty() {
        return Err(invalid("The id tag must not be empty.".to_owned()));
    }
    let status: engine::model::TokenStatus = status
        .parse()
        .ok()
        .filter(|s| engine::model::TokenStatus::STORED.contains(s))
        .ok_or_else(|| invalid(format!("{status:?} is not a status a tag can have.")))?;
    let expiry_date = match expiry_date.trim() {
        "" => None,
        text => Some(parse_local(text).ok_or_else(|| {
            invalid(format!(
                "{text:?} is not a date and time (YYYY-MM-DDTHH:MM)."
            ))
        })?),
    };
    let parent_id_tag = match parent_id_tag.trim() {
        "" => None,
        parent => Some(
            protocol::types::StoredIdToken::parse(parent)
                .map_err(|e| invalid(format!("The parent id tag {e}.")))?
                .into_string(),
        ),
    };
    Ok(engine::model::IdTag {
        id_tag: id.into_string(),
        status,
        expiry_date,
        parent_id_tag,
    })
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM`, seconds optional), taken as UTC.
fn parse_local(text: &str) -> Option<time::OffsetDateTime> {
    use time::macros::format_description;
    let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, minutes)
        .or_else(|_| time::PrimitiveDateTime::parse(text, seconds))
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// Seconds since 1970, as the charts place points.
pub fn epoch_seconds(t: time::OffsetDateTime) -> f64 {
    t.unix_timestamp_nanos() as f64 / 1e9
}

pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Logs an engine error and turns it into what the user is told.
pub fn unavailable(message: &'static str) -> impl FnOnce(engine::EngineError) -> AppError {
    move |cause| {
        tracing::error!(error = %cause, "{message}");
        AppError::Unavailable(message.to_owned())
    }
}
