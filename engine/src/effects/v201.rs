//! What the central system keeps of a 2.0.1 station's answers to its calls.

use crate::Engine;
use crate::calls::BASIC_AUTH_PASSWORD;
use crate::model::{ChargingProfileRecord, DeviceVariable, IdTag, Reservation};
use crate::ocpp::v201::{token_status, variable_path};
use protocol::StationId;
use protocol::v201::types::{
    CancelReservationStatusEnum, ChargingProfileStatusEnum, ClearChargingProfileStatusEnum,
    GetVariableStatusEnum, RequestStartStopStatusEnum, ReserveNowStatusEnum,
    SendLocalListStatusEnum, SetNetworkProfileStatusEnum, SetVariableStatusEnum, UpdateEnum,
};
use protocol::v201::{CentralRequest, CentralResponse};
use time::{OffsetDateTime, UtcOffset};

/// Whether a station accepted a RequestStartTransaction.
pub(super) fn accepts_start(response: &CentralResponse) -> bool {
    matches!(
        response,
        CentralResponse::RequestStartTransaction(res)
            if res.status == RequestStartStopStatusEnum::Accepted
    )
}

/// A device model entry with only a value, as Get/SetVariables say it.
fn valued(
    path: crate::model::VariablePath,
    value: Option<String>,
    at: OffsetDateTime,
) -> DeviceVariable {
    DeviceVariable {
        path,
        value,
        mutability: None,
        persistent: None,
        constant: None,
        data_type: None,
        unit: None,
        min_limit: None,
        max_limit: None,
        values_list: None,
        supports_monitoring: None,
        updated_at: at,
    }
}

/// The variable that orders a 2.0.1 station's network connection profiles.
const NETWORK_PRIORITY: (&str, &str) = ("OCPPCommCtrlr", "NetworkConfigurationPriority");

impl Engine {
    /// NetworkConfigurationPriority accepted: the first slot's profile is the one the station
    /// connects with next.
    async fn network_priority_changed(
        &self,
        station: &StationId,
        priority: &str,
    ) -> Result<(), crate::EngineError> {
        let Some(slot) = priority
            .split(',')
            .next()
            .and_then(|s| s.trim().parse::<i64>().ok())
        else {
            return Ok(());
        };
        let profile = self.inner.store.network_profile_slot(station, slot).await?;
        self.security_profile_agreed(station, profile.map(|p| p.number()))
            .await
    }

    /// A RequestStartTransaction about to be sent: its remoteStartId, which the transaction
    /// will report, so the transaction finds it even if it starts before the answer is back.
    pub(super) async fn record_intent_v201(
        &self,
        station: &StationId,
        request: &CentralRequest,
    ) -> Option<i64> {
        let CentralRequest::RequestStartTransaction(req) = request else {
            return None;
        };
        let evse = req.evse_id.and_then(|e| u32::try_from(e).ok());
        let at = OffsetDateTime::now_utc();
        let recorded = self
            .inner
            .store
            .add_remote_start_id(
                station,
                evse,
                req.id_token.id_token.as_str(),
                i64::from(req.remote_start_id),
                at,
            )
            .await;
        match recorded {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(station_id = %station, error = %e, "could not record a remote start");
                None
            }
        }
    }

    pub(super) async fn record_effect_v201(
        &self,
        station: &StationId,
        request: &CentralRequest,
        response: &CentralResponse,
    ) {
        let store = &self.inner.store;
        let at = OffsetDateTime::now_utc();
        let result = match (request, response) {
            (CentralRequest::GetVariables(_), CentralResponse::GetVariables(res)) => {
                let variables: Vec<DeviceVariable> = res
                    .get_variable_result
                    .iter()
                    .filter(|r| r.attribute_status == GetVariableStatusEnum::Accepted)
                    .map(|r| {
                        let path = variable_path(&r.component, &r.variable, r.attribute_type);
                        // Write-only: a station that shows its password anyway is not echoed.
                        let secret = (path.component.as_str(), path.variable.as_str())
                            == BASIC_AUTH_PASSWORD;
                        let value = r.attribute_value.as_ref().filter(|_| !secret);
                        valued(path, value.map(|v| v.to_string()), at)
                    })
                    .collect();
                store.put_device_variables(station, &variables).await
            }
            (CentralRequest::SetVariables(req), CentralResponse::SetVariables(res)) => {
                let mut variables = Vec::new();
                for set in &req.set_variable_data {
                    let path = variable_path(&set.component, &set.variable, set.attribute_type);
                    let accepted = res.set_variable_result.iter().any(|r| {
                        matches!(
                            r.attribute_status,
                            SetVariableStatusEnum::Accepted | SetVariableStatusEnum::RebootRequired
                        ) && variable_path(&r.component, &r.variable, r.attribute_type) == path
                    });
                    if !accepted {
                        continue;
                    }
                    if (path.component.as_str(), path.variable.as_str()) == NETWORK_PRIORITY {
                        // The first slot is the one it connects with next: if that profile is
                        // higher, it is pending until the station is back with it.
                        if let Err(e) = self
                            .network_priority_changed(station, set.attribute_value.as_str())
                            .await
                        {
                            tracing::error!(station_id = %station, error = %e, "could not record a security profile change");
                        }
                    }
                    if (path.component.as_str(), path.variable.as_str()) == BASIC_AUTH_PASSWORD {
                        // The station signs in with it from now on (security profiles 1, 2).
                        if let Err(e) = self
                            .station_password_changed(station, set.attribute_value.as_str())
                            .await
                        {
                            tracing::error!(station_id = %station, error = %e, "could not keep a station's new password");
                        }
                        continue;
                    }
                    variables.push(valued(path, Some(set.attribute_value.to_string()), at));
                }
                store.put_device_variables(station, &variables).await
            }
            (
                CentralRequest::RequestStopTransaction(req),
                CentralResponse::RequestStopTransaction(res),
            ) if res.status == RequestStartStopStatusEnum::Accepted => {
                match store
                    .transaction_by_station_id(station, req.transaction_id.as_str())
                    .await
                {
                    Ok(Some(id)) => store.remote_stop_requested(station, id, at).await,
                    other => other.map(|_| ()),
                }
            }
            (CentralRequest::ReserveNow(req), CentralResponse::ReserveNow(res))
                if res.status == ReserveNowStatusEnum::Accepted =>
            {
                let reservation = Reservation {
                    station_id: station.to_string(),
                    reservation_id: i64::from(req.id),
                    connector_id: req.evse_id.and_then(|e| u32::try_from(e).ok()).unwrap_or(0),
                    id_tag: req.id_token.id_token.to_string(),
                    parent_id_tag: req.group_id_token.as_ref().map(|g| g.id_token.to_string()),
                    expires_at: req.expiry_date_time.inner().to_offset(UtcOffset::UTC),
                    status: "Active".to_owned(),
                    transaction_id: None,
                };
                store.put_reservation(&reservation, at).await
            }
            (CentralRequest::CancelReservation(req), CentralResponse::CancelReservation(res))
                if res.status == CancelReservationStatusEnum::Accepted =>
            {
                let id = i64::from(req.reservation_id);
                store
                    .set_reservation_status(station, id, "Cancelled", None, at)
                    .await
            }
            (CentralRequest::SetChargingProfile(req), CentralResponse::SetChargingProfile(res))
                if res.status == ChargingProfileStatusEnum::Accepted =>
            {
                let p = &req.charging_profile;
                let record = ChargingProfileRecord {
                    station_id: station.to_string(),
                    connector_id: u32::try_from(req.evse_id).unwrap_or_default(),
                    profile_id: i64::from(p.id),
                    stack_level: i64::from(p.stack_level),
                    purpose: p.charging_profile_purpose.as_str().to_owned(),
                    transaction_id: None,
                    profile: serde_json::to_value(p).unwrap_or_default(),
                    set_at: at,
                };
                store.put_charging_profile(&record).await
            }
            (
                CentralRequest::ClearChargingProfile(req),
                CentralResponse::ClearChargingProfile(res),
            ) if res.status == ClearChargingProfileStatusEnum::Accepted => {
                let criteria = req.charging_profile_criteria.as_ref();
                store
                    .clear_charging_profiles(
                        station,
                        req.charging_profile_id.map(i64::from),
                        criteria
                            .and_then(|c| c.evse_id)
                            .and_then(|e| u32::try_from(e).ok()),
                        criteria
                            .and_then(|c| c.charging_profile_purpose)
                            .map(|p| p.as_str()),
                        criteria.and_then(|c| c.stack_level).map(i64::from),
                    )
                    .await
                    .map(|_| ())
            }
            (CentralRequest::SetNetworkProfile(req), CentralResponse::SetNetworkProfile(res))
                if res.status == SetNetworkProfileStatusEnum::Accepted =>
            {
                match u8::try_from(req.connection_data.security_profile)
                    .ok()
                    .and_then(|n| crate::security::SecurityProfile::try_from(n).ok())
                {
                    Some(profile) => {
                        store
                            .set_network_profile_slot(
                                station,
                                i64::from(req.configuration_slot),
                                profile,
                            )
                            .await
                    }
                    None => Ok(()),
                }
            }
            (CentralRequest::GetLocalListVersion(_), CentralResponse::GetLocalListVersion(res)) => {
                store
                    .set_local_list_version(station, i64::from(res.version_number))
                    .await
            }
            (CentralRequest::SendLocalList(req), CentralResponse::SendLocalList(res))
                if res.status == SendLocalListStatusEnum::Accepted =>
            {
                let entries: Vec<(String, Option<IdTag>)> = req
                    .local_authorization_list
                    .iter()
                    .flatten()
                    .map(|entry| {
                        let tag = entry.id_token.id_token.to_string();
                        let info = entry.id_token_info.as_ref().map(|info| IdTag {
                            id_tag: tag.clone(),
                            status: token_status(info.status),
                            expiry_date: info.cache_expiry_date_time.map(|d| d.inner()),
                            parent_id_tag: info
                                .group_id_token
                                .as_ref()
                                .map(|g| g.id_token.to_string()),
                        });
                        (tag, info)
                    })
                    .collect();
                let full = req.update_type == UpdateEnum::Full;
                store
                    .apply_local_list(station, i64::from(req.version_number), full, &entries)
                    .await
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::error!(station_id = %station, action = request.action(), error = %e, "could not record the effect of an answered call");
        }
    }
}
