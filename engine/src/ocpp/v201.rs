//! The OCPP 2.0.1 adapter: a station's typed 2.0.1 request in, the engine's version-neutral
//! operation, the typed 2.0.1 response out.

use super::{Failure, opt_text, payload, text};
use crate::Engine;
use crate::model::{
    Authorization, BootInfo, DeviceVariable, MonitorEvent, Registration, Report, Sample,
    TokenStatus, TransactionEvent, TransactionEventKind, VariablePath,
};
use protocol::types::{CiString, DateTime};
use protocol::v201::StationRequest;
use protocol::v201::messages::*;
use protocol::v201::types::{
    AttributeEnum, AuthorizationStatusEnum, Component, DataTransferStatusEnum, GenericStatusEnum,
    GetCertificateStatusEnum, IdToken, IdTokenEnum, IdTokenInfo, Iso15118EVCertificateStatusEnum,
    MeterValue, NotifyEVChargingNeedsStatusEnum, RegistrationStatusEnum, StatusInfo,
    TransactionEventEnum, Variable,
};
use protocol::{ErrorCode, StationId};
use serde_json::Value;

/// The engine's token status as 2.0.1 spells it.
pub(crate) fn authorization_status(status: TokenStatus) -> AuthorizationStatusEnum {
    match status {
        TokenStatus::Accepted => AuthorizationStatusEnum::Accepted,
        TokenStatus::Blocked => AuthorizationStatusEnum::Blocked,
        TokenStatus::Expired => AuthorizationStatusEnum::Expired,
        TokenStatus::Invalid => AuthorizationStatusEnum::Invalid,
        TokenStatus::ConcurrentTx => AuthorizationStatusEnum::ConcurrentTx,
        TokenStatus::NoCredit => AuthorizationStatusEnum::NoCredit,
        TokenStatus::NotAllowedTypeEVSE => AuthorizationStatusEnum::NotAllowedTypeEVSE,
        TokenStatus::NotAtThisLocation => AuthorizationStatusEnum::NotAtThisLocation,
        TokenStatus::NotAtThisTime => AuthorizationStatusEnum::NotAtThisTime,
        TokenStatus::Unknown => AuthorizationStatusEnum::Unknown,
    }
}

/// A 2.0.1 token status as the engine keeps it.
pub(crate) fn token_status(status: AuthorizationStatusEnum) -> TokenStatus {
    match status {
        AuthorizationStatusEnum::Accepted => TokenStatus::Accepted,
        AuthorizationStatusEnum::Blocked => TokenStatus::Blocked,
        AuthorizationStatusEnum::Expired => TokenStatus::Expired,
        AuthorizationStatusEnum::Invalid => TokenStatus::Invalid,
        AuthorizationStatusEnum::ConcurrentTx => TokenStatus::ConcurrentTx,
        AuthorizationStatusEnum::NoCredit => TokenStatus::NoCredit,
        AuthorizationStatusEnum::NotAllowedTypeEVSE => TokenStatus::NotAllowedTypeEVSE,
        AuthorizationStatusEnum::NotAtThisLocation => TokenStatus::NotAtThisLocation,
        AuthorizationStatusEnum::NotAtThisTime => TokenStatus::NotAtThisTime,
        AuthorizationStatusEnum::Unknown => TokenStatus::Unknown,
    }
}

/// Where a variable lives, as the device model store keys it.
pub(crate) fn variable_path(
    component: &Component,
    variable: &Variable,
    attribute: Option<AttributeEnum>,
) -> VariablePath {
    let evse = component.evse.as_ref();
    VariablePath {
        component: component.name.to_string(),
        component_instance: component
            .instance
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        evse_id: evse.and_then(|e| u32::try_from(e.id).ok()).unwrap_or(0),
        connector_id: evse
            .and_then(|e| e.connector_id)
            .and_then(|c| u32::try_from(c).ok())
            .unwrap_or(0),
        variable: variable.name.to_string(),
        variable_instance: variable
            .instance
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        attribute_type: attribute
            .unwrap_or(AttributeEnum::Actual)
            .as_str()
            .to_owned(),
    }
}

/// The token to look up, or `None` for one of type NoAuthorization (a station charging for
/// free sends an empty idToken of that type: there is nothing to authorize).
fn checked_token(token: IdToken) -> Option<String> {
    (token.r#type != IdTokenEnum::NoAuthorization).then(|| text(token.id_token))
}

/// The answer about a token, as 2.0.1 carries it (`groupIdToken` is 1.6's parent id tag).
fn id_token_info(auth: Authorization) -> IdTokenInfo {
    IdTokenInfo {
        custom_data: None,
        status: authorization_status(auth.status),
        cache_expiry_date_time: auth.expiry_date.map(DateTime::from),
        charging_priority: None,
        language1: None,
        evse_id: None,
        group_id_token: auth
            .parent_id_tag
            .and_then(|p| CiString::parse(p).ok())
            .map(|id_token| IdToken {
                custom_data: None,
                additional_info: None,
                id_token,
                r#type: IdTokenEnum::Central,
            }),
        language2: None,
        personal_message: None,
    }
}

fn status_info(reason_code: &str, additional_info: &str) -> Option<StatusInfo> {
    Some(StatusInfo {
        custom_data: None,
        reason_code: CiString::parse(reason_code).ok()?,
        additional_info: CiString::parse(additional_info).ok(),
    })
}

fn non_negative(field: &str, value: i32) -> Result<u32, Failure> {
    u32::try_from(value).map_err(|_| {
        Failure::Payload(protocol::call::PayloadError {
            code: ErrorCode::PropertyConstraintViolation,
            reason: format!("{field} must not be negative, got {value}"),
        })
    })
}

/// Meter values as the engine keeps them: each sampled value scaled by its multiplier, its
/// unit as sent.
fn samples(values: Vec<MeterValue>) -> Vec<Sample> {
    values
        .into_iter()
        .flat_map(|mv| {
            let timestamp = mv.timestamp.inner();
            mv.sampled_value.into_iter().map(move |sv| {
                let unit = sv.unit_of_measure.as_ref();
                let multiplier = unit.and_then(|u| u.multiplier).unwrap_or(0);
                let value = if multiplier == 0 {
                    sv.value
                } else {
                    sv.value * 10f64.powi(multiplier)
                };
                Sample {
                    timestamp,
                    value: value.to_string(),
                    measurand: sv
                        .measurand
                        .map_or(crate::model::ENERGY_REGISTER, |m| m.as_str())
                        .to_owned(),
                    unit: unit.and_then(|u| u.unit.as_ref()).map(ToString::to_string),
                    phase: sv.phase.map(|p| p.as_str().to_owned()),
                    context: sv.context.map(|c| c.as_str().to_owned()),
                    location: sv.location.map(|l| l.as_str().to_owned()),
                    format: sv.signed_meter_value.map(|_| "SignedData".to_owned()),
                }
            })
        })
        .collect()
}

fn transaction_event(r: TransactionEventRequest) -> Result<TransactionEvent, Failure> {
    let info = r.transaction_info;
    Ok(TransactionEvent {
        station_transaction_id: text(info.transaction_id),
        kind: match r.event_type {
            TransactionEventEnum::Started => TransactionEventKind::Started,
            TransactionEventEnum::Updated => TransactionEventKind::Updated,
            TransactionEventEnum::Ended => TransactionEventKind::Ended,
        },
        seq_no: i64::from(r.seq_no),
        trigger_reason: r.trigger_reason.as_str().to_owned(),
        timestamp: r.timestamp.inner(),
        offline: r.offline.unwrap_or(false),
        charging_state: info.charging_state.map(|s| s.as_str().to_owned()),
        stopped_reason: info.stopped_reason.map(|s| s.as_str().to_owned()),
        remote_start_id: info.remote_start_id.map(i64::from),
        evse_id: r
            .evse
            .as_ref()
            .map(|e| non_negative("evse.id", e.id))
            .transpose()?,
        connector_id: r
            .evse
            .as_ref()
            .and_then(|e| e.connector_id)
            .map(|c| non_negative("evse.connectorId", c))
            .transpose()?,
        id_token: r.id_token.and_then(checked_token),
        reservation_id: r.reservation_id.map(i64::from),
        samples: samples(r.meter_value.unwrap_or_default()),
    })
}

fn device_variables(report: Vec<protocol::v201::types::ReportData>) -> Vec<DeviceVariable> {
    let at = time::OffsetDateTime::now_utc();
    report
        .into_iter()
        .flat_map(|data| {
            let characteristics = data.variable_characteristics;
            let component = data.component;
            let variable = data.variable;
            data.variable_attribute.into_iter().map(move |attribute| {
                let path = variable_path(&component, &variable, attribute.r#type);
                let secret = (path.component.as_str(), path.variable.as_str())
                    == crate::calls::BASIC_AUTH_PASSWORD;
                let c = characteristics.as_ref();
                DeviceVariable {
                    path,
                    // Write-only: a station that reports its password anyway is not echoed.
                    value: attribute
                        .value
                        .filter(|_| !secret)
                        .map(CiString::into_string),
                    mutability: attribute.mutability.map(|m| m.as_str().to_owned()),
                    persistent: attribute.persistent,
                    constant: attribute.constant,
                    data_type: c.map(|c| c.data_type.as_str().to_owned()),
                    unit: c.and_then(|c| c.unit.as_ref()).map(ToString::to_string),
                    min_limit: c.and_then(|c| c.min_limit).map(|v| v.to_string()),
                    max_limit: c.and_then(|c| c.max_limit).map(|v| v.to_string()),
                    values_list: c
                        .and_then(|c| c.values_list.as_ref())
                        .map(ToString::to_string),
                    supports_monitoring: c.map(|c| c.supports_monitoring),
                    updated_at: at,
                }
            })
        })
        .collect()
}

fn monitor_events(events: Vec<protocol::v201::types::EventData>) -> Vec<MonitorEvent> {
    events
        .into_iter()
        .map(|e| MonitorEvent {
            event_id: i64::from(e.event_id),
            trigger: e.trigger.as_str().to_owned(),
            cause: e.cause.map(i64::from),
            actual_value: text(e.actual_value),
            tech_code: opt_text(e.tech_code),
            tech_info: opt_text(e.tech_info),
            cleared: e.cleared,
            transaction_id: opt_text(e.transaction_id),
            variable_monitoring_id: e.variable_monitoring_id.map(i64::from),
            notification_type: e.event_notification_type.as_str().to_owned(),
            component: e.component.name.to_string(),
            evse_id: e
                .component
                .evse
                .as_ref()
                .and_then(|evse| u32::try_from(evse.id).ok()),
            variable: e.variable.name.to_string(),
            occurred_at: e.timestamp.inner(),
        })
        .collect()
}

/// A report kept as sent: its JSON and its requestId.
async fn keep(
    engine: &Engine,
    station: &StationId,
    action: &str,
    request_id: Option<i32>,
    request: &impl serde::Serialize,
) -> Result<(), Failure> {
    let json = serde_json::to_value(request).unwrap_or_default();
    engine
        .station_report(station, action, request_id.map(i64::from), json)
        .await?;
    Ok(())
}

/// Handles one CALL of a station speaking OCPP 2.0.1; returns the CALLRESULT payload.
pub(crate) async fn handle(
    engine: &Engine,
    station: &StationId,
    request: StationRequest,
) -> Result<Value, Failure> {
    match request {
        StationRequest::BootNotification(r) => {
            let cs = r.charging_station;
            let modem = cs.modem;
            let outcome = engine
                .boot(
                    station,
                    BootInfo {
                        vendor: text(cs.vendor_name),
                        model: text(cs.model),
                        serial_number: opt_text(cs.serial_number),
                        charge_box_serial_number: None,
                        firmware_version: opt_text(cs.firmware_version),
                        iccid: modem.as_ref().and_then(|m| m.iccid.clone()).map(text),
                        imsi: modem.and_then(|m| m.imsi).map(text),
                        meter_type: None,
                        meter_serial_number: None,
                        reason: Some(r.reason.as_str().to_owned()),
                    },
                )
                .await?;
            payload(BootNotificationResponse {
                custom_data: None,
                current_time: DateTime::now(),
                interval: i32::try_from(outcome.interval.as_secs()).unwrap_or(i32::MAX),
                status: match outcome.registration {
                    Registration::Accepted => RegistrationStatusEnum::Accepted,
                    Registration::Pending => RegistrationStatusEnum::Pending,
                    Registration::Rejected => RegistrationStatusEnum::Rejected,
                },
                status_info: None,
            })
        }
        StationRequest::Heartbeat(_) => {
            let now = engine.heartbeat(station).await?;
            payload(HeartbeatResponse {
                custom_data: None,
                current_time: now.into(),
            })
        }
        StationRequest::StatusNotification(r) => {
            engine
                .evse_connector_status(
                    station,
                    non_negative("evseId", r.evse_id)?,
                    non_negative("connectorId", r.connector_id)?,
                    r.connector_status.as_str(),
                    r.timestamp.inner(),
                )
                .await?;
            payload(StatusNotificationResponse { custom_data: None })
        }
        StationRequest::Authorize(r) => {
            let auth = match checked_token(r.id_token) {
                Some(token) => engine.authorize(&token).await?,
                // Free charging: nothing to check, nothing to refuse.
                None => Authorization {
                    status: TokenStatus::Accepted,
                    expiry_date: None,
                    parent_id_tag: None,
                },
            };
            payload(AuthorizeResponse {
                custom_data: None,
                id_token_info: id_token_info(auth),
                certificate_status: None,
            })
        }
        StationRequest::TransactionEvent(r) => {
            let event = transaction_event(r)?;
            let (_, auth) = engine.transaction_event(station, event).await?;
            payload(TransactionEventResponse {
                custom_data: None,
                total_cost: None,
                charging_priority: None,
                id_token_info: auth.map(id_token_info),
                updated_personal_message: None,
            })
        }
        StationRequest::MeterValues(r) => {
            engine
                .meter_values(
                    station,
                    non_negative("evseId", r.evse_id)?,
                    None,
                    samples(r.meter_value),
                )
                .await?;
            payload(MeterValuesResponse { custom_data: None })
        }
        StationRequest::NotifyReport(r) => {
            let variables = device_variables(r.report_data.unwrap_or_default());
            let complete = !r.tbc.unwrap_or(false);
            engine
                .device_report(station, Some(i64::from(r.request_id)), variables, complete)
                .await?;
            payload(NotifyReportResponse { custom_data: None })
        }
        StationRequest::NotifyEvent(r) => {
            engine
                .monitor_events(station, monitor_events(r.event_data))
                .await?;
            payload(NotifyEventResponse { custom_data: None })
        }
        StationRequest::SecurityEventNotification(r) => {
            engine
                .security_event(
                    station,
                    &r.r#type,
                    r.tech_info.as_deref(),
                    r.timestamp.inner(),
                )
                .await?;
            payload(SecurityEventNotificationResponse { custom_data: None })
        }
        StationRequest::SignCertificate(r) => {
            let chain = engine.sign_csr(station, &r.csr).await;
            let taken = chain.is_some();
            if let Some(chain) = chain {
                send_certificate(engine, station, chain, r.certificate_type);
            }
            payload(SignCertificateResponse {
                custom_data: None,
                status: if taken {
                    GenericStatusEnum::Accepted
                } else {
                    GenericStatusEnum::Rejected
                },
                status_info: (!taken)
                    .then(|| status_info("NoCertificateSigner", "no station CA signs here"))
                    .flatten(),
            })
        }
        StationRequest::FirmwareStatusNotification(r) => {
            engine
                .report(station, Report::Firmware, r.status.as_str())
                .await?;
            payload(FirmwareStatusNotificationResponse { custom_data: None })
        }
        StationRequest::LogStatusNotification(r) => {
            engine
                .report(station, Report::Log, r.status.as_str())
                .await?;
            payload(LogStatusNotificationResponse { custom_data: None })
        }
        StationRequest::DataTransfer(r) => {
            // No vendor extension is installed: every vendor is unknown (P02.FR.06).
            tracing::info!(vendor_id = %r.vendor_id, message_id = ?r.message_id, "DataTransfer from an unknown vendor");
            payload(DataTransferResponse {
                custom_data: None,
                status: DataTransferStatusEnum::UnknownVendorId,
                status_info: None,
                data: None,
            })
        }
        StationRequest::Get15118EVCertificate(_) => {
            // No contract certificate service is configured: Failed, with the exiResponse the
            // schema requires (empty: there is no EXI message to relay).
            payload(Get15118EVCertificateResponse {
                custom_data: None,
                status: Iso15118EVCertificateStatusEnum::Failed,
                status_info: status_info("NoCertService", "no ISO 15118 certificate service"),
                exi_response: CiString::empty(),
            })
        }
        StationRequest::GetCertificateStatus(_) => {
            // No OCSP service is configured.
            payload(GetCertificateStatusResponse {
                custom_data: None,
                status: GetCertificateStatusEnum::Failed,
                status_info: status_info("NoOcspService", "no OCSP responder is configured"),
                ocsp_result: None,
            })
        }
        StationRequest::NotifyEVChargingNeeds(r) => {
            keep(engine, station, "NotifyEVChargingNeeds", None, &r).await?;
            // Centrale computes no charging schedules: it will not send one (K15.FR.?).
            payload(NotifyEVChargingNeedsResponse {
                custom_data: None,
                status: NotifyEVChargingNeedsStatusEnum::Rejected,
                status_info: status_info("NoScheduler", "no charging schedules are computed"),
            })
        }
        StationRequest::NotifyEVChargingSchedule(r) => {
            keep(engine, station, "NotifyEVChargingSchedule", None, &r).await?;
            payload(NotifyEVChargingScheduleResponse {
                custom_data: None,
                status: GenericStatusEnum::Accepted,
                status_info: None,
            })
        }
        StationRequest::ReservationStatusUpdate(r) => {
            engine
                .reservation_update(
                    station,
                    i64::from(r.reservation_id),
                    r.reservation_update_status.as_str(),
                )
                .await?;
            payload(ReservationStatusUpdateResponse { custom_data: None })
        }
        StationRequest::NotifyMonitoringReport(r) => {
            keep(
                engine,
                station,
                "NotifyMonitoringReport",
                Some(r.request_id),
                &r,
            )
            .await?;
            payload(NotifyMonitoringReportResponse { custom_data: None })
        }
        StationRequest::NotifyChargingLimit(r) => {
            keep(engine, station, "NotifyChargingLimit", None, &r).await?;
            payload(NotifyChargingLimitResponse { custom_data: None })
        }
        StationRequest::ClearedChargingLimit(r) => {
            keep(engine, station, "ClearedChargingLimit", None, &r).await?;
            payload(ClearedChargingLimitResponse { custom_data: None })
        }
        StationRequest::ReportChargingProfiles(r) => {
            keep(
                engine,
                station,
                "ReportChargingProfiles",
                Some(r.request_id),
                &r,
            )
            .await?;
            payload(ReportChargingProfilesResponse { custom_data: None })
        }
        StationRequest::NotifyDisplayMessages(r) => {
            keep(
                engine,
                station,
                "NotifyDisplayMessages",
                Some(r.request_id),
                &r,
            )
            .await?;
            payload(NotifyDisplayMessagesResponse { custom_data: None })
        }
        StationRequest::NotifyCustomerInformation(r) => {
            keep(
                engine,
                station,
                "NotifyCustomerInformation",
                Some(r.request_id),
                &r,
            )
            .await?;
            payload(NotifyCustomerInformationResponse { custom_data: None })
        }
        StationRequest::PublishFirmwareStatusNotification(r) => {
            keep(
                engine,
                station,
                "PublishFirmwareStatusNotification",
                r.request_id,
                &r,
            )
            .await?;
            payload(PublishFirmwareStatusNotificationResponse { custom_data: None })
        }
    }
}

/// Sends a signed certificate to the station with CertificateSigned, queued behind the answer
/// to its SignCertificate (which the session sends first).
fn send_certificate(
    engine: &Engine,
    station: &StationId,
    chain: CiString<10000>,
    certificate_type: Option<protocol::v201::types::CertificateSigningUseEnum>,
) {
    let engine_ = engine.clone();
    let station = station.clone();
    engine.spawn(async move {
        let request = protocol::v201::CentralRequest::CertificateSigned(CertificateSignedRequest {
            custom_data: None,
            certificate_chain: chain,
            certificate_type,
        });
        match engine_.call_v201("centrale", &station, request).await {
            Ok(answer) => tracing::info!(station_id = %station, ?answer, "station certificate sent"),
            Err(e) => {
                tracing::warn!(station_id = %station, error = %e, "could not send the station certificate");
            }
        }
    });
}
