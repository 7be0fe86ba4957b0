//! Server functions of a 2.0.1 station's device model, alerts and EVSE connectors.

use crate::dto::{AlertRow, AppError, DeviationRow, EvseConnectorRow, VariableRow};
use leptos::prelude::*;

/// The station's device model, as reported and last read or set.
#[server(prefix = "/_app")]
pub async fn list_variables(station_id: String) -> Result<Vec<VariableRow>, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let id = ssr::station_id(station_id)?;
    let variables = engine
        .device_variables(&id)
        .await
        .map_err(ssr::unavailable("Could not read the device model."))?;
    Ok(variables
        .into_iter()
        .map(|v| VariableRow {
            component: v.path.component,
            component_instance: v.path.component_instance,
            evse_id: v.path.evse_id,
            variable: v.path.variable,
            variable_instance: v.path.variable_instance,
            attribute_type: v.path.attribute_type,
            value: v.value,
            mutability: v.mutability,
            data_type: v.data_type,
            unit: v.unit,
            values_list: v.values_list,
            updated_at: ssr::rfc3339(v.updated_at),
        })
        .collect())
}

/// The station's latest alerts (NotifyEvent), newest first.
#[server(prefix = "/_app")]
pub async fn list_alerts(station_id: String) -> Result<Vec<AlertRow>, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let id = ssr::station_id(station_id)?;
    let alerts = engine
        .station_alerts(&id, 50)
        .await
        .map_err(ssr::unavailable("Could not read the station's alerts."))?;
    Ok(alerts
        .into_iter()
        .map(|e| AlertRow {
            event_id: e.event_id,
            trigger: e.trigger,
            actual_value: e.actual_value,
            tech_code: e.tech_code,
            tech_info: e.tech_info,
            cleared: e.cleared,
            component: e.component,
            variable: e.variable,
            evse_id: e.evse_id,
            occurred_at: ssr::rfc3339(e.occurred_at),
        })
        .collect())
}

/// The connectors of the station's EVSEs, each with its status.
#[server(prefix = "/_app")]
pub async fn list_evse_connectors(station_id: String) -> Result<Vec<EvseConnectorRow>, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let id = ssr::station_id(station_id)?;
    let connectors = engine
        .evse_connectors(&id)
        .await
        .map_err(ssr::unavailable("Could not read the station's connectors."))?;
    Ok(connectors
        .into_iter()
        .map(|(evse_id, connector_id, status)| EvseConnectorRow {
            evse_id,
            connector_id,
            status,
        })
        .collect())
}

/// What the station's messages deviated in (lenient mode), most frequent first.
#[server(prefix = "/_app")]
pub async fn list_deviations(station_id: String) -> Result<Vec<DeviationRow>, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let id = ssr::station_id(station_id)?;
    let deviations = engine
        .deviations(&id)
        .await
        .map_err(ssr::unavailable("Could not read the station's deviations."))?;
    Ok(deviations
        .into_iter()
        .map(|d| DeviationRow {
            action: d.action,
            kind: d.kind,
            field: d.field,
            count: d.count,
            last_at: ssr::rfc3339(d.last_at),
        })
        .collect())
}

/// Puts a station in lenient mode or back in strict mode (operators).
#[server(prefix = "/_app")]
pub async fn set_lenient(station_id: String, lenient: bool) -> Result<(), AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    ssr::require(engine::operators::Permission::Operate)?;
    let id = ssr::station_id(station_id)?;
    let found = engine
        .set_lenient(&id, lenient)
        .await
        .map_err(ssr::unavailable("Could not change the station's mode."))?;
    if found {
        Ok(())
    } else {
        Err(ssr::not_found(format!("There is no station {id}.")))
    }
}
