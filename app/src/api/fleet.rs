//! Server functions of the fleet's figures and a station's history.

use crate::dto::{AppError, Overview, StationHistory};
use leptos::prelude::*;

/// The fleet at a glance: counters, power, energy, charts' data, faults, longest offline.
#[server(prefix = "/_app")]
pub async fn load_overview() -> Result<Overview, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let now = time::OffsetDateTime::now_utc();
    let o = engine
        .fleet_overview(now)
        .await
        .map_err(ssr::unavailable("Could not read the fleet's figures."))?;
    let nodes = engine
        .nodes()
        .await
        .map_err(ssr::unavailable("Could not read the nodes."))?;
    Ok(Overview {
        nodes: nodes
            .into_iter()
            .map(|n| crate::dto::NodeRow {
                name: n.name,
                alive: n.alive,
                this_node: n.this_node,
                stations: n.stations,
                started_at: ssr::rfc3339(n.started_at),
                last_seen_at: ssr::rfc3339(n.last_seen_at),
            })
            .collect(),
        counters: ssr::counters(o.counters),
        power_w: o.power_w,
        charging_connectors: o.charging_connectors,
        energy_today_wh: o.energy_today_wh,
        power: o
            .power
            .iter()
            .map(|p| (ssr::epoch_seconds(p.at), p.watts))
            .collect(),
        power_from: ssr::epoch_seconds(now - engine::fleet::overview::POWER_HISTORY),
        power_to: ssr::epoch_seconds(now),
        days: o
            .days
            .into_iter()
            .map(|d| crate::dto::DayTotal {
                day: d.day,
                energy_wh: d.energy_wh,
                sessions: d.sessions,
            })
            .collect(),
        faults: o
            .faults
            .into_iter()
            .map(|f| crate::dto::FaultRow {
                station_id: f.station_id,
                connector_id: f.connector_id,
                error_code: f.error_code,
                info: f.info,
                since: ssr::rfc3339(f.since),
            })
            .collect(),
        offline: o
            .offline
            .into_iter()
            .map(|o| crate::dto::OfflineRow {
                station_id: o.station_id,
                last_seen: ssr::rfc3339(o.last_seen),
            })
            .collect(),
    })
}

/// A station's history: power over the last day, uptime per day, latest sessions and status
/// changes.
#[server(prefix = "/_app")]
pub async fn load_station_history(station_id: String) -> Result<StationHistory, AppError> {
    use super::ssr;
    let engine = ssr::engine()?;
    let id = ssr::station_id(station_id)?;
    let now = time::OffsetDateTime::now_utc();
    let h = engine
        .station_history(&id, now)
        .await
        .map_err(ssr::unavailable("Could not read the station's history."))?
        .ok_or_else(|| ssr::not_found(format!("There is no station {id}.")))?;
    Ok(StationHistory {
        station_id: h.station_id,
        power: h
            .power
            .iter()
            .map(|p| (ssr::epoch_seconds(p.at), p.watts))
            .collect(),
        from: ssr::epoch_seconds(h.from),
        to: ssr::epoch_seconds(h.to),
        uptime: h
            .uptime
            .into_iter()
            .map(|d| crate::dto::DayUptime {
                day: d.day,
                online_s: d.online_s,
                known_s: d.known_s,
            })
            .collect(),
        uptime_ratio: h.uptime_ratio,
        online_since: h.online_since.map(ssr::rfc3339),
        sessions: h.sessions.into_iter().map(ssr::transaction_row).collect(),
        session_count: h.session_count,
        status_changes: h
            .status_changes
            .into_iter()
            .map(|c| crate::dto::StatusChangeRow {
                fault: c.is_fault(),
                connector_id: c.connector_id,
                status: c.status,
                error_code: c.error_code,
                info: c.info,
                vendor_error_code: c.vendor_error_code,
                at: ssr::rfc3339(c.at),
            })
            .collect(),
    })
}
