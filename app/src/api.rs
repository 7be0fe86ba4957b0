//! Server functions: each gets the engine from the Leptos context, calls one method and maps
//! the result to a [`crate::dto`] type. No SQL and no business rule here.

use crate::dto::{AppError, FleetSummary, IdTagRow, StationRow, TransactionRow};
use leptos::prelude::*;

/// Counters of the fleet and the stations online now.
#[server(prefix = "/_app")]
pub async fn fleet_overview() -> Result<FleetSummary, AppError> {
    let engine = ssr::engine()?;
    let summary = engine
        .fleet_summary()
        .await
        .map_err(ssr::unavailable("Could not read the fleet summary."))?;
    Ok(FleetSummary {
        stations: summary.stations,
        connected: engine
            .connected_stations()
            .into_iter()
            .map(|id| id.to_string())
            .collect(),
    })
}

/// Every station with its connectors, for the Stations page.
#[server(prefix = "/_app")]
pub async fn list_stations() -> Result<Vec<StationRow>, AppError> {
    let engine = ssr::engine()?;
    let stations = engine
        .stations()
        .await
        .map_err(ssr::unavailable("Could not read the stations."))?;
    Ok(stations.into_iter().map(ssr::station_row).collect())
}

/// Accepts or rejects a station.
#[server(prefix = "/_app")]
pub async fn set_registration(station_id: String, accept: bool) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    let id = protocol::StationId::parse(station_id)
        .map_err(|e| AppError::Invalid(format!("invalid station id: {e}")))?;
    let registration = if accept {
        engine::model::Registration::Accepted
    } else {
        engine::model::Registration::Rejected
    };
    let found = engine
        .set_registration(&id, registration)
        .await
        .map_err(ssr::unavailable("Could not change the registration."))?;
    if found {
        Ok(())
    } else {
        Err(AppError::Invalid(format!("there is no station {id}")))
    }
}

/// The latest transactions, newest first; only active or finished ones if asked.
#[server(prefix = "/_app")]
pub async fn list_transactions(active: Option<bool>) -> Result<Vec<TransactionRow>, AppError> {
    let engine = ssr::engine()?;
    let list = engine
        .transactions(None, active, 500)
        .await
        .map_err(ssr::unavailable("Could not read the transactions."))?;
    Ok(list
        .into_iter()
        .map(|t| TransactionRow {
            id: t.id,
            station_id: t.station_id,
            connector_id: t.connector_id,
            id_tag: t.id_tag,
            started_at: ssr::rfc3339(t.started_at),
            stopped_at: t.stopped_at.map(ssr::rfc3339),
            stop_reason: t.stop_reason,
            energy_wh: t.energy_wh.map(|wh| wh as f64),
            power_w: None,
        })
        .collect())
}

/// Every id tag.
#[server(prefix = "/_app")]
pub async fn list_id_tags() -> Result<Vec<IdTagRow>, AppError> {
    let engine = ssr::engine()?;
    let tags = engine
        .id_tags()
        .await
        .map_err(ssr::unavailable("Could not read the id tags."))?;
    Ok(tags
        .into_iter()
        .map(|t| IdTagRow {
            id_tag: t.id_tag,
            status: t.status.as_str().to_owned(),
            expiry_date: t.expiry_date.map(ssr::rfc3339),
            parent_id_tag: t.parent_id_tag,
            in_transaction: t.in_transaction,
        })
        .collect())
}

/// Creates or changes an id tag. `expiry_date` is a `datetime-local` value (UTC) or empty.
#[server(prefix = "/_app")]
pub async fn save_id_tag(
    id_tag: String,
    status: String,
    expiry_date: String,
    parent_id_tag: String,
) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    let tag = ssr::id_tag_input(&id_tag, &status, &expiry_date, &parent_id_tag)?;
    engine
        .put_id_tag(tag)
        .await
        .map_err(ssr::unavailable("Could not save the id tag."))
}

/// Deletes an id tag.
#[server(prefix = "/_app")]
pub async fn delete_id_tag(id_tag: String) -> Result<(), AppError> {
    let engine = ssr::engine()?;
    let found = engine
        .delete_id_tag(&id_tag)
        .await
        .map_err(ssr::unavailable("Could not delete the id tag."))?;
    if found {
        Ok(())
    } else {
        Err(AppError::Invalid(format!("there is no id tag {id_tag}")))
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::dto::AppError;
    use leptos::prelude::use_context;

    /// The engine the server provided through `leptos_routes_with_context`.
    pub fn engine() -> Result<engine::Engine, AppError> {
        use_context::<engine::Engine>().ok_or_else(|| {
            tracing::error!("no engine in the Leptos context: the server must provide one");
            AppError::Unavailable("The central system is not ready.".to_owned())
        })
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

    /// Validates the id tag form: what is wrong is said, nothing is stored.
    pub fn id_tag_input(
        id_tag: &str,
        status: &str,
        expiry_date: &str,
        parent_id_tag: &str,
    ) -> Result<engine::model::IdTag, AppError> {
        let invalid = |m: String| AppError::Invalid(m);
        let id = protocol::types::IdToken::parse(id_tag.trim())
            .map_err(|e| invalid(format!("The id tag {e}.")))?;
        if id.is_empty() {
            return Err(invalid("The id tag must not be empty.".to_owned()));
        }
        let status: engine::model::TokenStatus = status
            .parse()
            .ok()
            .filter(|s| *s != engine::model::TokenStatus::ConcurrentTx)
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
                protocol::types::IdToken::parse(parent)
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
}
