//! Server functions: each gets the engine from the Leptos context, calls one method and maps
//! the result to a [`crate::dto`] type. No SQL and no business rule here.

use crate::dto::{AppError, FleetSummary};
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

    /// Logs an engine error and turns it into what the user is told.
    pub fn unavailable(message: &'static str) -> impl FnOnce(engine::EngineError) -> AppError {
        move |cause| {
            tracing::error!(error = %cause, "{message}");
            AppError::Unavailable(message.to_owned())
        }
    }
}
