//! Server functions: each gets the engine from the Leptos context, calls one method and maps
//! the result to a [`crate::dto`] type. No SQL and no business rule here.

use crate::dto::{AppError, FleetSummary, StationRow};
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

    fn rfc3339(t: time::OffsetDateTime) -> String {
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
