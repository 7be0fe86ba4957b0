//! What 2.0.1 stations describe and notify: the device model (NotifyReport, Get/SetVariables),
//! the connectors of each EVSE, monitoring events (NotifyEvent) and other reports kept as sent.

use super::Store;
use super::backend::{Conn, Row, on};
use super::outbox::{Reports, note};
use crate::EngineError;
use crate::model::{DeviceVariable, MonitorEvent, VariablePath};
use protocol::StationId;
use time::OffsetDateTime;

/// The statuses of an EVSE's connectors summed up as the EVSE's own: one in use makes the
/// EVSE Occupied; else a fault shows; else Reserved, Available, Unavailable in that order.
pub(crate) fn evse_status<'a>(connectors: impl IntoIterator<Item = &'a str>) -> String {
    const ORDER: [&str; 5] = [
        "Occupied",
        "Faulted",
        "Reserved",
        "Available",
        "Unavailable",
    ];
    let statuses: Vec<&str> = connectors.into_iter().collect();
    ORDER
        .iter()
        .find(|s| statuses.contains(s))
        .or(statuses.first())
        .map_or_else(|| "Unavailable".to_owned(), |s| (*s).to_owned())
}

impl Store {
    /// Keeps a 2.0.1 connector's status and sets its EVSE's (the version-neutral connector's)
    /// from all its connectors, in one transaction. Answers the EVSE's status.
    pub async fn set_evse_connector_status(
        &self,
        station: &StationId,
        (evse_id, connector_id): (u32, u32),
        status: &str,
        timestamp: OffsetDateTime,
        at: OffsetDateTime,
        reports: Reports<'_, String>,
    ) -> Result<String, EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            sqlx::query(
                "INSERT INTO evse_connectors (station_id, evse_id, connector_id, status, \
                 status_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE SET \
                 status = excluded.status, status_at = excluded.status_at, \
                 updated_at = excluded.updated_at",
            )
            .bind(station.as_str())
            .bind(i64::from(evse_id))
            .bind(i64::from(connector_id))
            .bind(status)
            .bind(timestamp)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let statuses: Vec<String> = sqlx::query_scalar(
                "SELECT status FROM evse_connectors WHERE station_id = $1 AND evse_id = $2 \
                 ORDER BY connector_id",
            )
            .bind(station.as_str())
            .bind(i64::from(evse_id))
            .fetch_all(&mut *tx)
            .await?;
            let summary = evse_status(statuses.iter().map(String::as_str));
            sqlx::query(super::history::NOTE_STATUS_CHANGE)
                .bind(station.as_str())
                .bind(i64::from(evse_id))
                .bind(&summary)
                .bind("NoError")
                .bind(format!("connector {connector_id}: {status}"))
                .bind(None::<String>)
                .bind(timestamp)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO connectors (station_id, connector_id, status, error_code, \
                 status_at, updated_at) VALUES ($1, $2, $3, 'NoError', $4, $5) \
                 ON CONFLICT (station_id, connector_id) DO UPDATE SET status = excluded.status, \
                 status_at = excluded.status_at, updated_at = excluded.updated_at",
            )
            .bind(station.as_str())
            .bind(i64::from(evse_id))
            .bind(&summary)
            .bind(timestamp)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let noted = self.noted(reports, &summary);
            note(Conn::from(&mut *tx), &noted).await?;
            tx.commit().await?;
            self.noted_committed(&noted);
            Ok(summary)
        })
    }

    /// The connectors of a station's EVSEs: (EVSE, connector, status).
    pub async fn evse_connectors(
        &self,
        station: &StationId,
    ) -> Result<Vec<(u32, u32, String)>, EngineError> {
        let rows: Vec<(i64, i64, String)> = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT evse_id, connector_id, status FROM evse_connectors WHERE station_id = $1 \
                 ORDER BY evse_id, connector_id",
            )
            .bind(station.as_str())
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(e, c, s)| {
                (
                    u32::try_from(e).unwrap_or(0),
                    u32::try_from(c).unwrap_or(0),
                    s,
                )
            })
            .collect())
    }

    /// Keeps variables of a station's device model, each replacing what was known of it. A
    /// field the report does not carry (`None`) keeps its known value.
    pub async fn put_device_variables(
        &self,
        station: &StationId,
        variables: &[DeviceVariable],
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            for v in variables {
                let p = &v.path;
                sqlx::query(
                    "INSERT INTO device_variables (station_id, component, component_instance, \
                     evse_id, connector_id, variable, variable_instance, attribute_type, value, \
                     mutability, persistent, constant, data_type, unit, min_limit, max_limit, \
                     values_list, supports_monitoring, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                     $16, $17, $18, $19) \
                     ON CONFLICT (station_id, component, component_instance, evse_id, \
                     connector_id, variable, variable_instance, attribute_type) DO UPDATE SET \
                     value = COALESCE(excluded.value, device_variables.value), \
                     mutability = COALESCE(excluded.mutability, device_variables.mutability), \
                     persistent = COALESCE(excluded.persistent, device_variables.persistent), \
                     constant = COALESCE(excluded.constant, device_variables.constant), \
                     data_type = COALESCE(excluded.data_type, device_variables.data_type), \
                     unit = COALESCE(excluded.unit, device_variables.unit), \
                     min_limit = COALESCE(excluded.min_limit, device_variables.min_limit), \
                     max_limit = COALESCE(excluded.max_limit, device_variables.max_limit), \
                     values_list = COALESCE(excluded.values_list, device_variables.values_list), \
                     supports_monitoring = COALESCE(excluded.supports_monitoring, \
                         device_variables.supports_monitoring), \
                     updated_at = excluded.updated_at",
                )
                .bind(station.as_str())
                .bind(&p.component)
                .bind(&p.component_instance)
                .bind(i64::from(p.evse_id))
                .bind(i64::from(p.connector_id))
                .bind(&p.variable)
                .bind(&p.variable_instance)
                .bind(&p.attribute_type)
                .bind(&v.value)
                .bind(&v.mutability)
                .bind(v.persistent)
                .bind(v.constant)
                .bind(&v.data_type)
                .bind(&v.unit)
                .bind(&v.min_limit)
                .bind(&v.max_limit)
                .bind(&v.values_list)
                .bind(v.supports_monitoring)
                .bind(v.updated_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A station's device model, by component and variable.
    pub async fn device_variables(
        &self,
        station: &StationId,
    ) -> Result<Vec<DeviceVariable>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT component, component_instance, evse_id, connector_id, variable, \
                 variable_instance, attribute_type, value, mutability, persistent, constant, \
                 data_type, unit, min_limit, max_limit, values_list, supports_monitoring, \
                 updated_at FROM device_variables WHERE station_id = $1 \
                 ORDER BY component, component_instance, evse_id, connector_id, variable, \
                 variable_instance, attribute_type",
            )
            .bind(station.as_str())
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                let evse: i64 = row.get("evse_id")?;
                let connector: i64 = row.get("connector_id")?;
                Ok(DeviceVariable {
                    path: VariablePath {
                        component: row.get("component")?,
                        component_instance: row.get("component_instance")?,
                        evse_id: u32::try_from(evse).unwrap_or(0),
                        connector_id: u32::try_from(connector).unwrap_or(0),
                        variable: row.get("variable")?,
                        variable_instance: row.get("variable_instance")?,
                        attribute_type: row.get("attribute_type")?,
                    },
                    value: row.get("value")?,
                    mutability: row.get("mutability")?,
                    persistent: row.get("persistent")?,
                    constant: row.get("constant")?,
                    data_type: row.get("data_type")?,
                    unit: row.get("unit")?,
                    min_limit: row.get("min_limit")?,
                    max_limit: row.get("max_limit")?,
                    values_list: row.get("values_list")?,
                    supports_monitoring: row.get("supports_monitoring")?,
                    updated_at: row.get("updated_at")?,
                })
            })
            .collect()
        })
    }

    /// Keeps the events a station's monitors notified.
    pub async fn add_monitor_events(
        &self,
        station: &StationId,
        events: &[MonitorEvent],
        at: OffsetDateTime,
        reports: Reports<'_, ()>,
    ) -> Result<(), EngineError> {
        let noted = self.noted(reports, &());
        on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            note(Conn::from(&mut *tx), &noted).await?;
            for e in events {
                sqlx::query(
                    "INSERT INTO station_events (station_id, event_id, event_trigger, cause, \
                     actual_value, tech_code, tech_info, cleared, transaction_id, \
                     variable_monitoring_id, notification_type, component, evse_id, variable, \
                     occurred_at, received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(station.as_str())
                .bind(e.event_id)
                .bind(&e.trigger)
                .bind(e.cause)
                .bind(&e.actual_value)
                .bind(&e.tech_code)
                .bind(&e.tech_info)
                .bind(e.cleared)
                .bind(&e.transaction_id)
                .bind(e.variable_monitoring_id)
                .bind(&e.notification_type)
                .bind(&e.component)
                .bind(e.evse_id.map(i64::from))
                .bind(&e.variable)
                .bind(e.occurred_at)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        self.noted_committed(&noted);
        Ok(())
    }

    /// A station's latest monitoring events, newest first.
    pub async fn monitor_events(
        &self,
        station: &StationId,
        limit: u32,
    ) -> Result<Vec<MonitorEvent>, EngineError> {
        on!(&self.reads, |db| {
            sqlx::query(
                "SELECT event_id, event_trigger, cause, actual_value, tech_code, tech_info, \
                 cleared, transaction_id, variable_monitoring_id, notification_type, component, \
                 evse_id, variable, occurred_at FROM station_events WHERE station_id = $1 \
                 ORDER BY id DESC LIMIT $2",
            )
            .bind(station.as_str())
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?
            .iter()
            .map(|row| {
                let evse: Option<i64> = row.get("evse_id")?;
                Ok(MonitorEvent {
                    event_id: row.get("event_id")?,
                    trigger: row.get("event_trigger")?,
                    cause: row.get("cause")?,
                    actual_value: row.get("actual_value")?,
                    tech_code: row.get("tech_code")?,
                    tech_info: row.get("tech_info")?,
                    cleared: row.get("cleared")?,
                    transaction_id: row.get("transaction_id")?,
                    variable_monitoring_id: row.get("variable_monitoring_id")?,
                    notification_type: row.get("notification_type")?,
                    component: row.get("component")?,
                    evse_id: evse.and_then(|e| u32::try_from(e).ok()),
                    variable: row.get("variable")?,
                    occurred_at: row.get("occurred_at")?,
                })
            })
            .collect()
        })
    }

    /// Keeps a report a station sent, as it sent it.
    pub async fn add_station_report(
        &self,
        station: &StationId,
        action: &str,
        request_id: Option<i64>,
        payload: &serde_json::Value,
        at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO station_reports (station_id, action, request_id, payload, \
                 received_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(station.as_str())
            .bind(action)
            .bind(request_id)
            .bind(payload.to_string())
            .bind(at)
            .execute(db)
            .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::evse_status;

    #[test]
    fn an_evse_shows_its_busiest_connector() {
        assert_eq!(evse_status(["Available", "Occupied"]), "Occupied");
        assert_eq!(evse_status(["Unavailable", "Occupied"]), "Occupied");
        assert_eq!(evse_status(["Available", "Faulted"]), "Faulted");
        assert_eq!(evse_status(["Available", "Unavailable"]), "Available");
        assert_eq!(evse_status(["Unavailable"]), "Unavailable");
    }
}
