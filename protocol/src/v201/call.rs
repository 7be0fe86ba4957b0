//! The OCPP 2.0.1 action tables: what a station may send and what a CSMS sends, each decoded by
//! action (see [`crate::call`] for how a payload's faults map to error codes).

pub use super::actions::{
    CENTRAL_ACTIONS, CentralRequest, CentralResponse, STATION_ACTIONS, StationRequest,
    StationResponse,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::v201::messages::TransactionEventRequest;
    use crate::v201::types::{IdTokenEnum, TransactionEventEnum};

    #[test]
    fn decodes_a_transaction_event() {
        let payload = r#"{"eventType":"Started","timestamp":"2026-12-01T10:00:00Z",
            "triggerReason":"Authorized","seqNo":0,
            "transactionInfo":{"transactionId":"tx-1","chargingState":"Charging"},
            "idToken":{"idToken":"TAG","type":"ISO14443"},"evse":{"id":1,"connectorId":1}}"#;
        let StationRequest::TransactionEvent(TransactionEventRequest {
            event_type,
            transaction_info,
            id_token,
            ..
        }) = StationRequest::decode("TransactionEvent", payload).unwrap()
        else {
            panic!("wrong variant");
        };
        assert_eq!(event_type, TransactionEventEnum::Started);
        assert_eq!(transaction_info.transaction_id.as_str(), "tx-1");
        assert_eq!(id_token.unwrap().r#type, IdTokenEnum::ISO14443);
    }

    #[test]
    fn bounds_of_the_schemas_are_kept() {
        // minimum: 0 on seqNo? No: on SalesTariffEntry.ePriceLevel; maxItems: 4 on EVSE lists.
        let soc = r#"{"evseId":1,"chargingNeeds":{"requestedEnergyTransfer":"DC",
            "dcChargingParameters":{"evMaxCurrent":1,"evMaxVoltage":1,"stateOfCharge":101}}}"#;
        let err = StationRequest::decode("NotifyEVChargingNeeds", soc).unwrap_err();
        assert_eq!(err.code, ErrorCode::PropertyConstraintViolation, "{err}");
        assert!(err.reason.contains("stateOfCharge"), "{err}");
    }

    #[test]
    fn unknown_and_wrong_direction_actions() {
        let err = StationRequest::decode("StartTransaction", "{}").unwrap_err();
        assert_eq!(err.code, ErrorCode::NotImplemented);
        let err = StationRequest::decode("Reset", r#"{"type":"Immediate"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotSupported);
        assert!(
            CentralRequest::decode("DataTransfer", r#"{"vendorId":"X","data":{"a":[1]}}"#).is_ok()
        );
    }
}
