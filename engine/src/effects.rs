//! What the central system keeps of a station's answers to its calls: 1.6's here, 2.0.1's in
//! [`v201`].

mod v201;

use crate::Engine;
use crate::calls::{Request, Response};
use crate::model::{ChargingProfileRecord, ConfigurationKey, IdTag, Reservation, TokenStatus};
use protocol::StationId;
use protocol::v16::types::{
    AuthorizationStatus, CancelReservationStatus, ChargingProfileStatus,
    ClearChargingProfileStatus, ConfigurationStatus, RemoteStartStopStatus, ReservationStatus,
    UpdateStatus, UpdateType,
};

fn token_status(status: AuthorizationStatus) -> TokenStatus {
    match status {
        AuthorizationStatus::Accepted => TokenStatus::Accepted,
        AuthorizationStatus::Blocked => TokenStatus::Blocked,
        AuthorizationStatus::Expired => TokenStatus::Expired,
        AuthorizationStatus::Invalid => TokenStatus::Invalid,
        AuthorizationStatus::ConcurrentTx => TokenStatus::ConcurrentTx,
    }
}
use protocol::v16::{CentralRequest, CentralResponse};

/// The 1.6 configuration key (security whitepaper) of the security profile a station uses.
const SECURITY_PROFILE: &str = "SecurityProfile";
use time::{OffsetDateTime, UtcOffset};

impl Engine {
    /// Records what a call is about to ask, where the station may act on it before its answer
    /// is back: a RemoteStartTransaction, so the StartTransaction it leads to (which the
    /// station may send right after accepting) always finds it. Answers the record's id, to
    /// settle with [`Engine::settle_intent`].
    pub(crate) async fn record_intent(
        &self,
        station: &StationId,
        request: &Request,
    ) -> Option<i64> {
        let req = match request {
            Request::V16(CentralRequest::RemoteStartTransaction(req)) => req,
            Request::V201(request) => return self.record_intent_v201(station, request).await,
            Request::V16(_) => return None,
        };
        let connector = req.connector_id.and_then(|c| u32::try_from(c).ok());
        let at = OffsetDateTime::now_utc();
        match self
            .inner
            .store
            .add_remote_start(station, connector, &req.id_tag, at)
            .await
        {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(station_id = %station, error = %e, "could not record a remote start");
                None
            }
        }
    }

    /// Keeps a recorded intent if the station accepted the call, forgets it otherwise.
    pub(crate) async fn settle_intent(&self, intent: i64, response: Option<&Response>) {
        let accepted = match response {
            Some(Response::V16(CentralResponse::RemoteStartTransaction(res))) => {
                res.status == RemoteStartStopStatus::Accepted
            }
            Some(Response::V201(response)) => v201::accepts_start(response),
            _ => false,
        };
        if !accepted && let Err(e) = self.inner.store.drop_remote_start(intent).await {
            tracing::error!(error = %e, "could not forget a refused remote start");
        }
    }

    /// A station agreed to move to security profile `number` (1-3): recorded as pending, to
    /// become its profile when it reconnects with it. A lower one than it has changes nothing.
    pub(crate) async fn security_profile_agreed(
        &self,
        station: &StationId,
        number: Option<u8>,
    ) -> Result<(), crate::EngineError> {
        let Some(profile) = number.and_then(|n| crate::security::SecurityProfile::try_from(n).ok())
        else {
            return Ok(());
        };
        let current = self.inner.store.station_security(station).await?;
        if current.is_some_and(|(now, _)| profile > now) {
            self.inner
                .store
                .set_pending_security_profile(station, Some(profile))
                .await?;
        }
        Ok(())
    }

    /// Records the effect of an answered call. A failure to record is logged: the station has
    /// already acted, and the next GetConfiguration (or equivalent) repairs the view.
    pub(crate) async fn record_effect(
        &self,
        station: &StationId,
        request: &Request,
        response: &Response,
    ) {
        match (request, response) {
            (Request::V16(request), Response::V16(response)) => {
                self.record_effect_v16(station, request, response).await;
            }
            (Request::V201(request), Response::V201(response)) => {
                self.record_effect_v201(station, request, response).await;
            }
            _ => {}
        }
    }

    async fn record_effect_v16(
        &self,
        station: &StationId,
        request: &CentralRequest,
        response: &CentralResponse,
    ) {
        let store = &self.inner.store;
        let at = OffsetDateTime::now_utc();
        let result = match (request, response) {
            (CentralRequest::GetConfiguration(req), CentralResponse::GetConfiguration(res)) => {
                let keys: Vec<ConfigurationKey> = res
                    .configuration_key
                    .iter()
                    .flatten()
                    .map(|k| ConfigurationKey {
                        key: k.key.to_string(),
                        // Write-only: a station that shows it anyway is not echoed.
                        value: k
                            .value
                            .as_ref()
                            .filter(|_| k.key.as_str() != crate::calls::AUTHORIZATION_KEY)
                            .map(|v| v.to_string()),
                        readonly: k.readonly,
                    })
                    .collect();
                // Asking for all keys returns the whole configuration.
                let complete = req.key.as_ref().is_none_or(Vec::is_empty);
                store.put_configuration(station, &keys, complete, at).await
            }
            (
                CentralRequest::ChangeConfiguration(req),
                CentralResponse::ChangeConfiguration(res),
            ) if matches!(
                res.status,
                ConfigurationStatus::Accepted | ConfigurationStatus::RebootRequired
            ) =>
            {
                if req.key.as_str() == crate::calls::AUTHORIZATION_KEY {
                    // The station signs in with it from now on (security profiles 1 and 2).
                    self.station_password_changed(station, req.value.as_str())
                        .await
                } else if req.key.as_str() == SECURITY_PROFILE {
                    // It will reconnect with this profile; once it has, nothing below gets in.
                    self.security_profile_agreed(station, req.value.trim().parse().ok())
                        .await
                } else {
                    store
                        .set_configuration_value(station, &req.key, &req.value, at)
                        .await
                }
            }
            (CentralRequest::GetLocalListVersion(_), CentralResponse::GetLocalListVersion(res)) => {
                store
                    .set_local_list_version(station, i64::from(res.list_version))
                    .await
            }
            (CentralRequest::SendLocalList(req), CentralResponse::SendLocalList(res))
                if res.status == UpdateStatus::Accepted =>
            {
                let entries: Vec<(String, Option<IdTag>)> = req
                    .local_authorization_list
                    .iter()
                    .flatten()
                    .map(|entry| {
                        let tag = entry.id_tag.to_string();
                        let info = entry.id_tag_info.as_ref().map(|info| IdTag {
                            id_tag: tag.clone(),
                            status: token_status(info.status),
                            expiry_date: info.expiry_date.map(|d| d.inner()),
                            parent_id_tag: info.parent_id_tag.as_ref().map(|p| p.to_string()),
                        });
                        (tag, info)
                    })
                    .collect();
                let full = req.update_type == UpdateType::Full;
                store
                    .apply_local_list(station, i64::from(req.list_version), full, &entries)
                    .await
            }
            (CentralRequest::ReserveNow(req), CentralResponse::ReserveNow(res))
                if res.status == ReservationStatus::Accepted =>
            {
                let reservation = Reservation {
                    station_id: station.to_string(),
                    reservation_id: i64::from(req.reservation_id),
                    connector_id: u32::try_from(req.connector_id).unwrap_or_default(),
                    id_tag: req.id_tag.to_string(),
                    parent_id_tag: req.parent_id_tag.as_ref().map(|p| p.to_string()),
                    expires_at: req.expiry_date.inner().to_offset(UtcOffset::UTC),
                    status: "Active".to_owned(),
                    transaction_id: None,
                };
                store.put_reservation(&reservation, at).await
            }
            (CentralRequest::CancelReservation(req), CentralResponse::CancelReservation(res))
                if res.status == CancelReservationStatus::Accepted =>
            {
                let id = i64::from(req.reservation_id);
                store
                    .set_reservation_status(station, id, "Cancelled", None, at)
                    .await
            }
            (CentralRequest::SetChargingProfile(req), CentralResponse::SetChargingProfile(res))
                if res.status == ChargingProfileStatus::Accepted =>
            {
                let p = &req.cs_charging_profiles;
                let record = ChargingProfileRecord {
                    station_id: station.to_string(),
                    connector_id: u32::try_from(req.connector_id).unwrap_or_default(),
                    profile_id: i64::from(p.charging_profile_id),
                    stack_level: i64::from(p.stack_level),
                    purpose: p.charging_profile_purpose.as_str().to_owned(),
                    transaction_id: p.transaction_id.map(i64::from),
                    profile: serde_json::to_value(p).unwrap_or_default(),
                    set_at: at,
                };
                store.put_charging_profile(&record).await
            }
            (
                CentralRequest::ClearChargingProfile(req),
                CentralResponse::ClearChargingProfile(res),
            ) if res.status == ClearChargingProfileStatus::Accepted => store
                .clear_charging_profiles(
                    station,
                    req.id.map(i64::from),
                    req.connector_id.and_then(|c| u32::try_from(c).ok()),
                    req.charging_profile_purpose.map(|p| p.as_str()),
                    req.stack_level.map(i64::from),
                )
                .await
                .map(|_| ()),
            (
                CentralRequest::RemoteStopTransaction(req),
                CentralResponse::RemoteStopTransaction(res),
            ) if res.status == RemoteStartStopStatus::Accepted => {
                store
                    .remote_stop_requested(station, i64::from(req.transaction_id), at)
                    .await
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::error!(station_id = %station, action = request.action(), error = %e, "could not record the effect of an answered call");
        }
    }
}
