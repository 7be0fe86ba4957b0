//! The OCPP 1.6 adapter: a station's typed 1.6 request in, the engine's version-neutral
//! operation, the typed 1.6 response out.

use super::{Failure, connector, opt_text, payload, text};
use crate::Engine;
use crate::model::Report;
use crate::model::{
    Authorization, BootInfo, ConnectorStatus, Registration, Sample, TokenStatus, TransactionStart,
    TransactionStop,
};
use protocol::types::{CiString, DateTime};
use protocol::v16::messages::*;
use protocol::v16::types::{
    AuthorizationStatus, DataTransferStatus, GenericStatus, IdTagInfo, MeterValue,
    RegistrationStatus,
};
use protocol::v16::{PayloadError, StationRequest};
use protocol::{ErrorCode, StationId};
use serde_json::Value;

fn id_tag_info(auth: Authorization) -> IdTagInfo {
    IdTagInfo {
        status: match auth.status {
            TokenStatus::Accepted => AuthorizationStatus::Accepted,
            TokenStatus::Blocked => AuthorizationStatus::Blocked,
            TokenStatus::Expired => AuthorizationStatus::Expired,
            TokenStatus::Invalid => AuthorizationStatus::Invalid,
            TokenStatus::ConcurrentTx => AuthorizationStatus::ConcurrentTx,
            // 1.6 has no finer reasons: the token is not valid for charging here.
            TokenStatus::NoCredit
            | TokenStatus::NotAllowedTypeEVSE
            | TokenStatus::NotAtThisLocation
            | TokenStatus::NotAtThisTime
            | TokenStatus::Unknown => AuthorizationStatus::Invalid,
        },
        expiry_date: auth.expiry_date.map(DateTime::from),
        // Tags are validated to 20 characters when stored; a longer parent cannot be sent.
        parent_id_tag: auth.parent_id_tag.and_then(|p| CiString::parse(p).ok()),
    }
}

fn samples(values: Vec<MeterValue>) -> Vec<Sample> {
    values
        .into_iter()
        .flat_map(|mv| {
            let timestamp = mv.timestamp.inner();
            mv.sampled_value.into_iter().map(move |sv| Sample {
                timestamp,
                value: sv.value,
                measurand: sv
                    .measurand
                    .map_or(crate::model::ENERGY_REGISTER, |m| m.as_str())
                    .to_owned(),
                unit: sv.unit.map(|u| u.as_str().to_owned()),
                phase: sv.phase.map(|p| p.as_str().to_owned()),
                context: sv.context.map(|c| c.as_str().to_owned()),
                location: sv.location.map(|l| l.as_str().to_owned()),
                format: sv.format.map(|f| f.as_str().to_owned()),
            })
        })
        .collect()
}

/// Handles one CALL of a station speaking OCPP 1.6; returns the CALLRESULT payload.
pub(crate) async fn handle(
    engine: &Engine,
    station: &StationId,
    request: StationRequest,
) -> Result<Value, Failure> {
    match request {
        StationRequest::BootNotification(r) => {
            let outcome = engine
                .boot(
                    station,
                    BootInfo {
                        vendor: text(r.charge_point_vendor),
                        model: text(r.charge_point_model),
                        serial_number: opt_text(r.charge_point_serial_number),
                        charge_box_serial_number: opt_text(r.charge_box_serial_number),
                        firmware_version: opt_text(r.firmware_version),
                        iccid: opt_text(r.iccid),
                        imsi: opt_text(r.imsi),
                        meter_type: opt_text(r.meter_type),
                        meter_serial_number: opt_text(r.meter_serial_number),
                        reason: None,
                    },
                )
                .await?;
            payload(BootNotificationResponse {
                status: match outcome.registration {
                    Registration::Accepted => RegistrationStatus::Accepted,
                    Registration::Pending => RegistrationStatus::Pending,
                    Registration::Rejected => RegistrationStatus::Rejected,
                },
                current_time: DateTime::now(),
                interval: i32::try_from(outcome.interval.as_secs()).unwrap_or(i32::MAX),
            })
        }
        StationRequest::Heartbeat(HeartbeatRequest {}) => {
            let now = engine.heartbeat(station).await?;
            payload(HeartbeatResponse {
                current_time: now.into(),
            })
        }
        StationRequest::StatusNotification(r) => {
            engine
                .connector_status(
                    station,
                    ConnectorStatus {
                        connector_id: connector(r.connector_id)?,
                        status: r.status.as_str().to_owned(),
                        error_code: r.error_code.as_str().to_owned(),
                        info: opt_text(r.info),
                        vendor_id: opt_text(r.vendor_id),
                        vendor_error_code: opt_text(r.vendor_error_code),
                        timestamp: r.timestamp.map(DateTime::inner),
                    },
                )
                .await?;
            payload(StatusNotificationResponse {})
        }
        StationRequest::Authorize(r) => {
            let auth = engine.authorize(&r.id_tag).await?;
            payload(AuthorizeResponse {
                id_tag_info: id_tag_info(auth),
            })
        }
        StationRequest::StartTransaction(r) => {
            let started = engine
                .start_transaction(
                    station,
                    TransactionStart {
                        connector_id: connector(r.connector_id)?,
                        id_tag: text(r.id_tag),
                        meter_start: i64::from(r.meter_start),
                        timestamp: r.timestamp.inner(),
                        reservation_id: r.reservation_id.map(i64::from),
                    },
                )
                .await?;
            let transaction_id = i32::try_from(started.transaction_id).map_err(|_| {
                Failure::Payload(PayloadError {
                    code: ErrorCode::InternalError,
                    reason: "transaction ids are exhausted for OCPP 1.6".to_owned(),
                })
            })?;
            payload(StartTransactionResponse {
                id_tag_info: id_tag_info(started.authorization),
                transaction_id,
            })
        }
        StationRequest::StopTransaction(r) => {
            let (_, auth) = engine
                .stop_transaction(
                    station,
                    TransactionStop {
                        transaction_id: i64::from(r.transaction_id),
                        id_tag: opt_text(r.id_tag),
                        meter_stop: i64::from(r.meter_stop),
                        timestamp: r.timestamp.inner(),
                        reason: r.reason.map(|reason| reason.as_str().to_owned()),
                        samples: samples(r.transaction_data.unwrap_or_default()),
                    },
                )
                .await?;
            payload(StopTransactionResponse {
                id_tag_info: auth.map(id_tag_info),
            })
        }
        StationRequest::MeterValues(r) => {
            engine
                .meter_values(
                    station,
                    connector(r.connector_id)?,
                    r.transaction_id.map(i64::from),
                    samples(r.meter_value),
                )
                .await?;
            payload(MeterValuesResponse {})
        }
        StationRequest::DataTransfer(r) => {
            // No vendor extension is installed: every vendor is unknown.
            tracing::info!(vendor_id = %r.vendor_id, message_id = ?r.message_id, "DataTransfer from an unknown vendor");
            payload(DataTransferResponse {
                status: DataTransferStatus::UnknownVendorId,
                data: None,
            })
        }
        StationRequest::DiagnosticsStatusNotification(r) => {
            engine
                .report(station, Report::Diagnostics, r.status.as_str())
                .await?;
            payload(DiagnosticsStatusNotificationResponse {})
        }
        StationRequest::FirmwareStatusNotification(r) => {
            engine
                .report(station, Report::Firmware, r.status.as_str())
                .await?;
            payload(FirmwareStatusNotificationResponse {})
        }
        StationRequest::SignedFirmwareStatusNotification(r) => {
            engine
                .report(station, Report::Firmware, r.status.as_str())
                .await?;
            payload(SignedFirmwareStatusNotificationResponse {})
        }
        StationRequest::LogStatusNotification(r) => {
            engine
                .report(station, Report::Log, r.status.as_str())
                .await?;
            payload(LogStatusNotificationResponse {})
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
            payload(SecurityEventNotificationResponse {})
        }
        StationRequest::SignCertificate(r) => {
            let taken = engine.sign_certificate(station, &r.csr).await;
            payload(SignCertificateResponse {
                status: if taken {
                    GenericStatus::Accepted
                } else {
                    GenericStatus::Rejected
                },
            })
        }
    }
}
