//! The OCPP 1.6 action tables: what a station may send and what a central system sends, each
//! decoded by action (see [`crate::call`] for how a payload's faults map to error codes).

pub use super::actions::{
    CENTRAL_ACTIONS, CentralRequest, CentralResponse, STATION_ACTIONS, StationRequest,
    StationResponse,
};
pub use crate::call::{PayloadError, Request, decode, unknown_action};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::v16::messages::{AuthorizeRequest, BootNotificationRequest};
    use crate::v16::types::ChargePointStatus;

    fn station_err(action: &str, payload: &str) -> PayloadError {
        StationRequest::decode(action, payload).unwrap_err()
    }

    #[test]
    fn decodes_by_action() {
        let r = StationRequest::decode(
            "BootNotification",
            r#"{"chargePointVendor":"V","chargePointModel":"M"}"#,
        )
        .unwrap();
        assert_eq!(r.action(), "BootNotification");
        let StationRequest::BootNotification(BootNotificationRequest {
            charge_point_vendor,
            ..
        }) = r
        else {
            panic!("wrong variant");
        };
        assert_eq!(charge_point_vendor.as_str(), "V");
        assert_eq!(<AuthorizeRequest as Request>::ACTION, "Authorize");
    }

    #[test]
    fn each_kind_of_wrong_payload_has_its_code() {
        use ErrorCode::*;
        let long = "x".repeat(21);
        let cases = [
            (
                format!(r#"{{"idTag":"{long}"}}"#),
                PropertyConstraintViolation,
            ),
            (r#"{}"#.to_owned(), OccurrenceConstraintViolation),
            (r#"{"idTag":17}"#.to_owned(), TypeConstraintViolation),
            (r#"{"idTag":"A","extra":1}"#.to_owned(), FormationViolation),
        ];
        for (payload, code) in cases {
            assert_eq!(station_err("Authorize", &payload).code, code, "{payload}");
        }
        let status = r#"{"connectorId":1,"errorCode":"NoError","status":"Charged"}"#;
        assert_eq!(
            station_err("StatusNotification", status).code,
            PropertyConstraintViolation
        );
        let decimal = r#"{"connectorId":1.5,"errorCode":"NoError","status":"Charging"}"#;
        assert_eq!(
            station_err("StatusNotification", decimal).code,
            TypeConstraintViolation
        );
        let no_items = r#"{"status":"Accepted","certificateHashData":[]}"#;
        let err = CentralResponse::decode("GetInstalledCertificateIds", no_items).unwrap_err();
        assert_eq!(err.code, OccurrenceConstraintViolation);
        let err = station_err("Authorize", r#"{}"#);
        assert!(err.reason.contains("idTag"), "{}", err.reason);
        let err = station_err("StatusNotification", status);
        assert!(err.reason.contains("at `status`"), "{}", err.reason);
        assert!(!err.reason.contains("line"), "{}", err.reason);
        assert_eq!(ChargePointStatus::Charging.as_str(), "Charging");
    }

    #[test]
    fn unknown_and_wrong_direction_actions() {
        assert_eq!(
            station_err("FlyToMoon", "{}").code,
            ErrorCode::NotImplemented
        );
        assert_eq!(
            station_err("Reset", r#"{"type":"Soft"}"#).code,
            ErrorCode::NotSupported
        );
        assert!(StationRequest::decode("DataTransfer", r#"{"vendorId":"X"}"#).is_ok());
        assert!(CentralRequest::decode("DataTransfer", r#"{"vendorId":"X"}"#).is_ok());
        assert_eq!(
            CentralRequest::decode("Heartbeat", "{}").unwrap_err().code,
            ErrorCode::NotSupported
        );
    }
}
