//! What the central system does with what stations report, version-neutral. Each method
//! commits what it learned before it returns, so an answer is only sent for what is durable,
//! and tells the event feed.

use crate::calls::Request;
use crate::model::{
    ACTIVE_POWER, Authorization, BootInfo, ConnectorStatus, ENERGY_REGISTER, IdTag, IdTagView,
    Registration, RegistrationPolicy, Sample, StartedTransaction, StationView, StopOutcome,
    TokenStatus, TransactionStart, TransactionStop,
};
use crate::model::{EventSource, Report};
use crate::security::{Credentials, Refusal};
use crate::{Engine, EngineError, Event};
use protocol::StationId;
use protocol::v16::CentralRequest;
use protocol::v16::messages::TriggerMessageRequest;
use protocol::v16::types::MessageTrigger;
use std::time::Duration;
use time::OffsetDateTime;

/// The answer to a BootNotification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootOutcome {
    pub registration: Registration,
    /// Heartbeat interval when accepted, retry interval otherwise.
    pub interval: Duration,
}

/// Whether a station may open a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Unknown, and the policy lets no unknown station in.
    Unknown,
    /// As many stations as allowed are connected already (`max_stations`).
    Full(usize),
    /// Its credentials do not prove the security profile it needs (kept as a security event).
    Refused(Refusal),
}

impl Engine {
    /// Decides at the WebSocket upgrade whether `station` may connect at all.
    ///
    /// The station limit is checked here, before the upgrade: stations upgrading at the same
    /// moment may pass it together, so it can be exceeded by those few.
    pub async fn admit(
        &self,
        station: &StationId,
        credentials: &Credentials,
    ) -> Result<Admission, EngineError> {
        if let Some(limit) = self.inner.config.max_stations {
            let registry = self.registry();
            if registry.len() >= limit && !registry.contains_key(station) {
                drop(registry);
                self.metrics().refused(crate::metrics::Refused::Full);
                return Ok(Admission::Full(limit));
            }
        }
        if let Some(refusal) = self.check_credentials(station, credentials).await? {
            self.metrics().refused(crate::metrics::Refused::Credentials);
            // While locked, attempts cost nothing, and are not written one by one either.
            if !matches!(refusal, Refusal::Locked(_)) {
                self.record_refusal(station, &refusal).await?;
            }
            return Ok(Admission::Refused(refusal));
        }
        if self.inner.config.registration != RegistrationPolicy::Closed {
            return Ok(Admission::Admitted);
        }
        Ok(match self.inner.store.registration(station).await? {
            Some(_) => Admission::Admitted,
            None => {
                self.metrics().refused(crate::metrics::Refused::Unknown);
                Admission::Unknown
            }
        })
    }

    /// The registration a station gets on its first connection, by policy.
    pub(crate) fn initial_registration(&self) -> Registration {
        match self.inner.config.registration {
            RegistrationPolicy::Open => Registration::Accepted,
            RegistrationPolicy::Pending | RegistrationPolicy::Closed => Registration::Pending,
        }
    }

    /// BootNotification: keeps the station's identity and answers its registration.
    pub async fn boot(
        &self,
        station: &StationId,
        boot: BootInfo,
    ) -> Result<BootOutcome, EngineError> {
        let at = OffsetDateTime::now_utc();
        let registration = self
            .inner
            .store
            .record_boot(station, &boot, at)
            .await?
            .unwrap_or_else(|| self.initial_registration());
        self.emit(Event::StationBooted {
            station_id: station.to_string(),
            registration,
            vendor: boot.vendor,
            model: boot.model,
            firmware_version: boot.firmware_version,
            at,
        });
        let interval = match registration {
            Registration::Accepted => self.inner.config.heartbeat_interval,
            Registration::Pending | Registration::Rejected => self.inner.config.pending_retry,
        };
        Ok(BootOutcome {
            registration,
            interval,
        })
    }

    /// Heartbeat: the station is alive. Returns the time to answer with.
    ///
    /// Nothing to store: the time is kept with the live connection (see `Live::heard`) and
    /// shown as the station's last-seen time; the database gets it when the connection ends.
    pub async fn heartbeat(&self, station: &StationId) -> Result<OffsetDateTime, EngineError> {
        let at = OffsetDateTime::now_utc();
        if let Some(live) = self.registry().get(station) {
            let ms = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
            live.heard.store(ms, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(at)
    }

    /// Connection state and in-memory last-seen times onto views read from the store.
    pub(crate) fn with_live_state(&self, views: &mut [StationView]) {
        let registry = self.registry();
        for view in views {
            let live = StationId::parse(view.id.as_str())
                .ok()
                .and_then(|id| registry.get(&id));
            // Held here as the registry says; held by another node of the cluster as the
            // database says (that node keeps it right, and its death is swept).
            if live.is_none() && view.node.as_deref() == Some(self.node_name()) {
                view.node = None;
            }
            view.connected = live.is_some() || view.node.is_some();
            if live.is_some() {
                view.node = Some(self.node_name().to_owned());
            }
            let heard = live
                .map(|l| l.heard.load(std::sync::atomic::Ordering::Relaxed))
                .filter(|ms| *ms > 0)
                .and_then(|ms| {
                    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
                });
            if let Some(heard) = heard
                && view.last_seen.is_none_or(|seen| seen < heard)
            {
                view.last_seen = Some(heard);
            }
        }
    }

    /// StatusNotification: keeps a connector's status.
    pub async fn connector_status(
        &self,
        station: &StationId,
        status: ConnectorStatus,
    ) -> Result<(), EngineError> {
        let at = OffsetDateTime::now_utc();
        let reports = |(): &()| {
            vec![Event::ConnectorStatusChanged {
                station_id: station.to_string(),
                connector_id: status.connector_id,
                status: status.status.clone(),
                error_code: status.error_code.clone(),
                info: status.info.clone(),
                at,
            }]
        };
        self.inner
            .store
            .set_connector_status(station, &status, at, &reports)
            .await?;
        self.emit_reports(&reports, &());
        Ok(())
    }

    /// Authorize: the token's status from the store. Unknown tokens are Invalid, accepted ones
    /// past their expiry date Expired. (ConcurrentTx is only for StartTransaction, per OCPP 1.6.)
    pub async fn authorize(&self, id_tag: &str) -> Result<Authorization, EngineError> {
        let Some(tag) = self.inner.store.id_tag(id_tag).await? else {
            return Ok(Authorization::unknown());
        };
        let now = OffsetDateTime::now_utc();
        let status = match (tag.status, tag.expiry_date) {
            (TokenStatus::Accepted, Some(expiry)) if expiry <= now => TokenStatus::Expired,
            (status, _) => status,
        };
        Ok(Authorization {
            status,
            expiry_date: tag.expiry_date,
            parent_id_tag: tag.parent_id_tag,
        })
    }

    /// StartTransaction: always records the transaction and returns its id, even for a token
    /// that is not accepted (the station then stops it). A retransmitted start gets the same id.
    pub async fn start_transaction(
        &self,
        station: &StationId,
        start: TransactionStart,
    ) -> Result<StartedTransaction, EngineError> {
        let mut authorization = self.authorize(&start.id_tag).await?;
        if authorization.status == TokenStatus::Accepted
            && self
                .inner
                .store
                .tag_busy_elsewhere(&start.id_tag, (station, start.connector_id))
                .await?
        {
            authorization.status = TokenStatus::ConcurrentTx;
        }
        let at = OffsetDateTime::now_utc();
        let reports = |&(transaction_id, new): &(i64, bool)| {
            let started = Event::TransactionStarted {
                station_id: station.to_string(),
                connector_id: start.connector_id,
                transaction_id,
                id_tag: start.id_tag.clone(),
                meter_start: start.meter_start,
                at: start.timestamp,
            };
            new.then_some(started).into_iter().collect()
        };
        let recorded = self
            .inner
            .store
            .start_transaction(station, &start, authorization.status, at, &reports)
            .await?;
        self.emit_reports(&reports, &recorded);
        let (transaction_id, new) = recorded;
        Ok(StartedTransaction {
            transaction_id,
            authorization,
            new,
        })
    }

    /// StopTransaction: always recorded, whether the transaction is active, already stopped or
    /// unknown. Returns how it matched and, if the station sent a token, its authorization.
    pub async fn stop_transaction(
        &self,
        station: &StationId,
        stop: TransactionStop,
    ) -> Result<(StopOutcome, Option<Authorization>), EngineError> {
        let at = OffsetDateTime::now_utc();
        let reports = |recorded: &crate::model::StopRecorded| {
            let stopped = Event::TransactionStopped {
                station_id: station.to_string(),
                connector_id: recorded.connector_id.unwrap_or(0),
                transaction_id: stop.transaction_id,
                meter_stop: stop.meter_stop,
                energy_wh: recorded.meter_start.map(|start| stop.meter_stop - start),
                reason: stop.reason.clone(),
                at: stop.timestamp,
            };
            (recorded.outcome == StopOutcome::Stopped)
                .then_some(stopped)
                .into_iter()
                .collect()
        };
        let recorded = self
            .inner
            .store
            .stop_transaction(station, &stop, at, &reports)
            .await?;
        self.emit_reports(&reports, &recorded);
        let outcome = recorded.outcome;
        let authorization = match &stop.id_tag {
            Some(tag) => Some(self.authorize(tag).await?),
            None => None,
        };
        Ok((outcome, authorization))
    }

    /// MeterValues: keeps every sampled value.
    pub async fn meter_values(
        &self,
        station: &StationId,
        connector_id: u32,
        transaction_id: Option<i64>,
        samples: Vec<Sample>,
    ) -> Result<(), EngineError> {
        // What the events need is taken first: the samples themselves go to the store.
        let energy = crate::model::latest_reading(&samples, ENERGY_REGISTER);
        let power = crate::model::latest_reading(&samples, ACTIVE_POWER);
        let views = samples.iter().map(crate::event::SampleView::from).collect();
        let received = OffsetDateTime::now_utc();
        let station_id = station.to_string();
        // Given the meter start of the transaction if it is still running.
        let updated = move |running: &Option<i64>| -> Vec<Event> {
            let (Some(id), Some(meter_start)) = (transaction_id, *running) else {
                return Vec::new();
            };
            if energy.is_none() && power.is_none() {
                return Vec::new();
            }
            vec![Event::TransactionUpdated {
                station_id: station_id.clone(),
                connector_id,
                transaction_id: id,
                energy_wh: energy.map(|(_, wh)| wh - meter_start as f64),
                power_w: power.map(|(_, w)| w),
                at: energy.or(power).map_or(received, |(t, _)| t),
            }]
        };
        // Handed to the writer only when an endpoint wants it: no allocation otherwise.
        let reports = (transaction_id.is_some() && self.inner.store.wants("transactionUpdated"))
            .then(|| crate::store::SampleReports(std::sync::Arc::new(updated.clone())));
        let running = self
            .inner
            .store
            .add_samples(station, connector_id, transaction_id, samples, reports)
            .await?;
        self.emit_reports(&updated, &running);
        self.emit(Event::MeterValues {
            station_id: station.to_string(),
            connector_id,
            transaction_id,
            samples: views,
        });
        Ok(())
    }

    /// Firmware, diagnostics and log upload status notifications.
    pub async fn report(
        &self,
        station: &StationId,
        report: Report,
        status: &str,
    ) -> Result<(), EngineError> {
        let at = OffsetDateTime::now_utc();
        self.inner
            .store
            .set_report(station, report, status, at)
            .await?;
        self.emit(Event::StationReport {
            station_id: station.to_string(),
            report: match report {
                Report::Firmware => "firmware",
                Report::Diagnostics => "diagnostics",
                Report::Log => "log",
            }
            .to_owned(),
            status: status.to_owned(),
            at,
        });
        Ok(())
    }

    /// SecurityEventNotification: keeps the event.
    pub async fn security_event(
        &self,
        station: &StationId,
        event_type: &str,
        tech_info: Option<&str>,
        occurred_at: OffsetDateTime,
    ) -> Result<(), EngineError> {
        self.keep_security_event(
            station,
            event_type,
            tech_info,
            occurred_at,
            EventSource::Station,
        )
        .await
    }

    /// Keeps a security event (a station's, or one Centrale saw itself) and announces it.
    pub(crate) async fn keep_security_event(
        &self,
        station: &StationId,
        event_type: &str,
        tech_info: Option<&str>,
        occurred_at: OffsetDateTime,
        source: EventSource,
    ) -> Result<(), EngineError> {
        let at = OffsetDateTime::now_utc();
        let reports = |(): &()| {
            vec![Event::SecurityEvent {
                station_id: station.to_string(),
                event_type: event_type.to_owned(),
                at: occurred_at,
            }]
        };
        self.inner
            .store
            .add_security_event(
                station,
                event_type,
                tech_info,
                occurred_at,
                at,
                source,
                &reports,
            )
            .await?;
        self.emit_reports(&reports, &());
        Ok(())
    }

    /// Security events, newest first (at most `limit`): of one station or of all.
    pub async fn security_events(
        &self,
        station: Option<&StationId>,
        limit: u32,
    ) -> Result<Vec<crate::model::SecurityEventView>, EngineError> {
        self.inner.store.security_events(station, limit).await
    }

    /// An operator accepts or rejects a station. False if there is no such station.
    pub async fn set_registration(
        &self,
        station: &StationId,
        registration: Registration,
    ) -> Result<bool, EngineError> {
        let at = OffsetDateTime::now_utc();
        let reports = |found: &bool| {
            let changed = Event::RegistrationChanged {
                station_id: station.to_string(),
                registration,
                at,
            };
            found.then_some(changed).into_iter().collect()
        };
        let found = self
            .inner
            .store
            .set_registration(station, registration, &reports)
            .await?;
        self.emit_reports(&reports, &found);
        if found && registration == Registration::Accepted && self.is_connected(station) {
            // Bring the station to Accepted now rather than at its next retry.
            let engine = self.clone();
            let station = station.clone();
            self.spawn(async move {
                // A Pending 2.0.1 station may not boot again before its interval (B02.FR.04):
                // it is asked to.
                let trigger = match engine.version_of(&station).await {
                    protocol::OcppVersion::V16 => {
                        Request::V16(CentralRequest::TriggerMessage(TriggerMessageRequest {
                            requested_message: MessageTrigger::BootNotification,
                            connector_id: None,
                        }))
                    }
                    protocol::OcppVersion::V201 => Request::V201(
                        protocol::v201::CentralRequest::TriggerMessage(
                            protocol::v201::messages::TriggerMessageRequest {
                                custom_data: None,
                                evse: None,
                                requested_message:
                                    protocol::v201::types::MessageTriggerEnum::BootNotification,
                            },
                        ),
                    ),
                };
                match engine.send("centrale", &station, trigger).await {
                    Ok(answer) => {
                        tracing::info!(station_id = %station, ?answer, "asked the accepted station to boot");
                    }
                    Err(e) => {
                        tracing::warn!(station_id = %station, error = %e, "could not ask the accepted station to boot");
                    }
                }
            });
        }
        Ok(found)
    }

    /// Creates or replaces an id tag.
    pub async fn put_id_tag(&self, tag: IdTag) -> Result<(), EngineError> {
        self.inner
            .store
            .put_id_tag(&tag, OffsetDateTime::now_utc())
            .await
    }

    /// The registration of a station, `None` if unknown.
    pub async fn registration(
        &self,
        station: &StationId,
    ) -> Result<Option<Registration>, EngineError> {
        self.inner.store.registration(station).await
    }

    /// An operator adds a station before it connects. False if it already exists.
    pub async fn add_station(
        &self,
        station: &StationId,
        registration: Registration,
    ) -> Result<bool, EngineError> {
        self.inner
            .store
            .add_station(station, registration, OffsetDateTime::now_utc())
            .await
    }

    /// One station, if known (a page of them: [`Engine::station_page`]).
    pub async fn station(&self, station: &StationId) -> Result<Option<StationView>, EngineError> {
        let mut found = self.inner.store.station(station).await?;
        if let Some(view) = &mut found {
            self.with_live_state(std::slice::from_mut(view));
        }
        Ok(found)
    }

    /// Removes a station (closing its connection); its transactions stay as history.
    pub async fn delete_station(&self, station: &StationId) -> Result<bool, EngineError> {
        let deleted = self.inner.store.delete_station(station).await?;
        if let Some(live) = self.registry().get(station) {
            live.cancel.cancel();
        }
        Ok(deleted)
    }

    /// Every id tag.
    pub async fn id_tags(&self) -> Result<Vec<IdTagView>, EngineError> {
        self.inner.store.id_tags().await
    }

    /// Removes an id tag; false if there was none.
    pub async fn delete_id_tag(&self, id_tag: &str) -> Result<bool, EngineError> {
        self.inner.store.delete_id_tag(id_tag).await
    }

    /// Reservations, newest first.
    pub async fn reservations(&self) -> Result<Vec<crate::model::Reservation>, EngineError> {
        self.inner
            .store
            .reservations(OffsetDateTime::now_utc())
            .await
    }

    /// Charging profiles stations accepted, of one station or all.
    pub async fn charging_profiles(
        &self,
        station: Option<&StationId>,
    ) -> Result<Vec<crate::model::ChargingProfileRecord>, EngineError> {
        self.inner.store.charging_profiles(station).await
    }

    /// Whether the station has a live connection.
    pub fn is_connected(&self, station: &StationId) -> bool {
        self.registry().contains_key(station)
    }

    /// A station's configuration as last read or changed.
    pub async fn configuration(
        &self,
        station: &StationId,
    ) -> Result<Vec<crate::model::ConfigurationKey>, EngineError> {
        self.inner.store.configuration(station).await
    }

    /// The local authorization list of a station as last sent.
    pub async fn local_list(&self, station: &StationId) -> Result<Vec<IdTag>, EngineError> {
        self.inner.store.local_list(station).await
    }

    /// The version of a station's local authorization list, if known.
    pub async fn local_list_version(
        &self,
        station: &StationId,
    ) -> Result<Option<i64>, EngineError> {
        self.inner.store.local_list_version(station).await
    }

    /// The connectors of a station as last reported.
    pub async fn connectors(
        &self,
        station: &StationId,
    ) -> Result<Vec<ConnectorStatus>, EngineError> {
        self.inner.store.connectors(station).await
    }
}
