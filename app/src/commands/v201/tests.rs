//! The 2.0.1 forms: one per action, and what they build.

use super::*;
use crate::commands::{Values, build, command};
use serde_json::{Value, json};

fn values(pairs: &[(&str, &str)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn every_csms_action_has_one_form() {
    let mut actions: Vec<_> = COMMANDS_V201.iter().map(|c| c.action).collect();
    let mut expected: Vec<_> = protocol::v201::CENTRAL_ACTIONS.to_vec();
    actions.sort_unstable();
    expected.sort_unstable();
    assert_eq!(actions, expected);
}

#[test]
fn builds_nested_2_0_1_requests_with_arrays_that_the_protocol_accepts() {
    let profile = command(OcppVersion::V201, "SetChargingProfile").unwrap();
    let built = build(
        profile,
        &values(&[
            ("evseId", "1"),
            ("chargingProfile.id", "7"),
            ("chargingProfile.stackLevel", "0"),
            ("chargingProfile.chargingProfilePurpose", "TxDefaultProfile"),
            ("chargingProfile.chargingProfileKind", "Absolute"),
            ("chargingProfile.chargingSchedule[].id", "1"),
            ("chargingProfile.chargingSchedule[].chargingRateUnit", "A"),
            (
                "chargingProfile.chargingSchedule[].chargingSchedulePeriod",
                "0:16, 3600:32",
            ),
        ]),
        &[],
    )
    .unwrap();
    let built: Value = serde_json::from_str(&built).unwrap();
    assert_eq!(
        built["chargingProfile"]["chargingSchedule"],
        json!([{"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 16.0}, {"startPeriod": 3600, "limit": 32.0}]}])
    );
    let set = command(OcppVersion::V201, "SetVariables").unwrap();
    let built = build(
        set,
        &values(&[
            ("setVariableData[].component.name", "OCPPCommCtrlr"),
            ("setVariableData[].variable.name", "HeartbeatInterval"),
            ("setVariableData[].attributeValue", "60"),
        ]),
        &[],
    )
    .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&built).unwrap(),
        json!({"setVariableData": [{"component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"}, "attributeValue": "60"}]})
    );
}

#[test]
fn a_2_0_1_form_says_what_is_wrong_in_2_0_1_terms() {
    let start = command(OcppVersion::V201, "RequestStartTransaction").unwrap();
    assert_eq!(
        build(start, &values(&[]), &[]),
        Err("Id token is required.".into())
    );
    let long = "X".repeat(37);
    let too_long = build(
        start,
        &values(&[
            ("idToken.idToken", long.as_str()),
            ("idToken.type", "ISO14443"),
            ("remoteStartId", "1"),
        ]),
        &[],
    );
    assert!(too_long.unwrap_err().contains("idToken"));
}
