//! What stations that report by events say (OCPP 2.0.1's way), as version-neutral operations:
//! transactions as events, the connectors of each EVSE, the device model, monitoring events and
//! other reports. Each is durable before it returns, then announced on the event feed. Also a
//! station's lenient mode and the deviations it tolerated (both versions).

use crate::model::{
    ACTIVE_POWER, Authorization, DeviceVariable, ENERGY_REGISTER, MonitorEvent, TokenStatus,
    TransactionEvent, TransactionEventKind, TransactionEventRecorded,
};
use crate::{Engine, EngineError, Event};
use protocol::StationId;
use time::OffsetDateTime;

impl Engine {
    /// TransactionEvent: recorded once per transaction and seqNo, whatever order events come
    /// in. Answers how it was recorded and, if the event carries an idToken, its authorization.
    ///
    /// When a late (offline) or final event shows a gap in seqNo, the station is asked about the
    /// transaction with GetTransactionStatus, once this answer is out (E_31 of part 6: the CSMS
    /// learns whether messages are still queued).
    pub async fn transaction_event(
        &self,
        station: &StationId,
        event: TransactionEvent,
    ) -> Result<(TransactionEventRecorded, Option<Authorization>), EngineError> {
        let authorization = match &event.id_token {
            Some(token) => {
                let mut auth = self.authorize(token).await?;
                if event.kind == TransactionEventKind::Started
                    && auth.status == TokenStatus::Accepted
                    && self
                        .inner
                        .store
                        .tag_busy_elsewhere(token, (station, event.evse_id.unwrap_or(0)))
                        .await?
                {
                    auth.status = TokenStatus::ConcurrentTx;
                }
                Some(auth)
            }
            None => None,
        };
        let at = OffsetDateTime::now_utc();
        let reports =
            |recorded: &TransactionEventRecorded| transaction_reports(station, recorded, &event);
        let recorded = self
            .inner
            .store
            .record_transaction_event(
                station,
                &event,
                authorization.as_ref().map(|a| a.status),
                at,
                &reports,
            )
            .await?;
        if recorded.duplicate {
            return Ok((recorded, authorization));
        }
        self.emit_reports(&reports, &recorded);
        if recorded.gap && (recorded.ended || event.offline) {
            self.ask_transaction_status(station, event.station_transaction_id.clone());
        }
        Ok((recorded, authorization))
    }

    /// Asks a station about one of its transactions (GetTransactionStatus), in the background.
    fn ask_transaction_status(&self, station: &StationId, transaction_id: String) {
        use protocol::v201::CentralRequest;
        use protocol::v201::messages::GetTransactionStatusRequest;
        let Ok(id) = protocol::types::CiString::<36>::parse(transaction_id) else {
            return;
        };
        let engine = self.clone();
        let station = station.clone();
        self.spawn(async move {
            let request = CentralRequest::GetTransactionStatus(GetTransactionStatusRequest {
                custom_data: None,
                transaction_id: Some(id),
            });
            match engine.call_v201("centrale", &station, request).await {
                Ok(answer) => {
                    tracing::info!(station_id = %station, ?answer, "asked about a transaction with a gap in its events");
                }
                Err(e) => {
                    tracing::warn!(station_id = %station, error = %e, "could not ask about a transaction with a gap in its events");
                }
            }
        });
    }

    /// StatusNotification of a 2.0.1 connector: kept, and its EVSE's status (the
    /// version-neutral connector) follows from its connectors'.
    pub async fn evse_connector_status(
        &self,
        station: &StationId,
        evse_id: u32,
        connector_id: u32,
        status: &str,
        timestamp: OffsetDateTime,
    ) -> Result<(), EngineError> {
        let at = OffsetDateTime::now_utc();
        let reports = |evse_status: &String| {
            vec![Event::ConnectorStatusChanged {
                station_id: station.to_string(),
                connector_id: evse_id,
                status: evse_status.clone(),
                error_code: "NoError".to_owned(),
                info: Some(format!("connector {connector_id}: {status}")),
                at,
            }]
        };
        let evse_status = self
            .inner
            .store
            .set_evse_connector_status(
                station,
                (evse_id, connector_id),
                status,
                timestamp,
                at,
                &reports,
            )
            .await?;
        self.emit_reports(&reports, &evse_status);
        Ok(())
    }

    /// NotifyReport (or a Get/SetVariables answer): variables of the station's device model.
    /// `complete` is set on the last part of a report.
    pub async fn device_report(
        &self,
        station: &StationId,
        request_id: Option<i64>,
        variables: Vec<DeviceVariable>,
        complete: bool,
    ) -> Result<(), EngineError> {
        self.inner
            .store
            .put_device_variables(station, &variables)
            .await?;
        self.emit(Event::DeviceModelReported {
            station_id: station.to_string(),
            request_id,
            variables: variables.len(),
            complete,
            at: OffsetDateTime::now_utc(),
        });
        Ok(())
    }

    /// NotifyEvent: what the station's monitors saw, kept and shown as alerts.
    pub async fn monitor_events(
        &self,
        station: &StationId,
        events: Vec<MonitorEvent>,
    ) -> Result<(), EngineError> {
        let at = OffsetDateTime::now_utc();
        let reports = |(): &()| {
            events
                .iter()
                .map(|event| Event::StationAlert {
                    station_id: station.to_string(),
                    event: event.clone(),
                    at,
                })
                .collect()
        };
        self.inner
            .store
            .add_monitor_events(station, &events, at, &reports)
            .await?;
        self.emit_reports(&reports, &());
        Ok(())
    }

    /// ReservationStatusUpdate: a reservation expired or was removed at the station.
    pub async fn reservation_update(
        &self,
        station: &StationId,
        reservation_id: i64,
        status: &str,
    ) -> Result<(), EngineError> {
        let status = if status == "Expired" {
            "Expired"
        } else {
            "Cancelled"
        };
        let at = OffsetDateTime::now_utc();
        self.inner
            .store
            .set_reservation_status(station, reservation_id, status, None, at)
            .await
    }

    /// Any other report a station sends, kept as it was sent.
    pub async fn station_report(
        &self,
        station: &StationId,
        action: &str,
        request_id: Option<i64>,
        payload: serde_json::Value,
    ) -> Result<(), EngineError> {
        let at = OffsetDateTime::now_utc();
        self.inner
            .store
            .add_station_report(station, action, request_id, &payload, at)
            .await
    }

    /// Puts a station in lenient mode (its known deviations tolerated and counted) or back in
    /// strict mode, at once if it is connected; false if the station is unknown.
    pub async fn set_lenient(
        &self,
        station: &StationId,
        lenient: bool,
    ) -> Result<bool, EngineError> {
        let found = self.inner.store.set_lenient(station, lenient).await?;
        if let Some(live) = self.registry().get(station) {
            live.lenient
                .store(lenient, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(found)
    }

    /// What a station's messages deviated in (lenient mode), most frequent first.
    pub async fn deviations(
        &self,
        station: &StationId,
    ) -> Result<Vec<crate::model::DeviationCount>, EngineError> {
        self.inner.store.deviations(station).await
    }

    /// A station's device model.
    pub async fn device_variables(
        &self,
        station: &StationId,
    ) -> Result<Vec<DeviceVariable>, EngineError> {
        self.inner.store.device_variables(station).await
    }

    /// A station's latest monitoring events, newest first.
    pub async fn station_alerts(
        &self,
        station: &StationId,
        limit: u32,
    ) -> Result<Vec<MonitorEvent>, EngineError> {
        self.inner.store.monitor_events(station, limit).await
    }

    /// The events of a transaction (2.0.1), by seqNo.
    pub async fn transaction_events(
        &self,
        transaction_id: i64,
    ) -> Result<Vec<crate::model::TransactionEventView>, EngineError> {
        self.inner.store.transaction_events(transaction_id).await
    }

    /// The connectors of a station's EVSEs: (EVSE, connector, status).
    pub async fn evse_connectors(
        &self,
        station: &StationId,
    ) -> Result<Vec<(u32, u32, String)>, EngineError> {
        self.inner.store.evse_connectors(station).await
    }
}

/// What a recorded transaction event reports, in order: the transaction started, its meter
/// values (the transaction updated, while it runs), the transaction stopped.
fn transaction_reports(
    station: &StationId,
    recorded: &TransactionEventRecorded,
    event: &TransactionEvent,
) -> Vec<Event> {
    if recorded.duplicate {
        return Vec::new();
    }
    let station_id = station.to_string();
    let id = recorded.transaction_id;
    let mut events = Vec::new();
    if recorded.new_transaction {
        events.push(Event::TransactionStarted {
            station_id: station_id.clone(),
            connector_id: recorded.connector_id,
            transaction_id: id,
            id_tag: event.id_token.clone().unwrap_or_default(),
            meter_start: recorded.meter_start.unwrap_or(0),
            at: event.timestamp,
        });
    }
    if !event.samples.is_empty() {
        let energy = crate::model::latest_reading(&event.samples, ENERGY_REGISTER);
        let power = crate::model::latest_reading(&event.samples, ACTIVE_POWER);
        if !recorded.ended && (energy.is_some() || power.is_some()) {
            events.push(Event::TransactionUpdated {
                station_id: station_id.clone(),
                connector_id: recorded.connector_id,
                transaction_id: id,
                energy_wh: energy
                    .zip(recorded.meter_start)
                    .map(|((_, wh), start)| wh - start as f64),
                power_w: power.map(|(_, w)| w),
                at: energy.or(power).map_or(event.timestamp, |(t, _)| t),
            });
        }
        events.push(Event::MeterValues {
            station_id: station_id.clone(),
            connector_id: recorded.connector_id,
            transaction_id: Some(id),
            samples: event
                .samples
                .iter()
                .map(crate::event::SampleView::from)
                .collect(),
        });
    }
    if recorded.ended {
        let meter_stop = recorded.meter_stop.unwrap_or(0);
        events.push(Event::TransactionStopped {
            station_id,
            connector_id: recorded.connector_id,
            transaction_id: id,
            meter_stop,
            energy_wh: recorded.meter_start.map(|start| meter_stop - start),
            reason: event.stopped_reason.clone(),
            at: event.timestamp,
        });
    }
    events
}
