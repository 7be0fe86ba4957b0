//! Every CSMS-initiated OCPP 2.0.1 operation through the REST API, to a station that answers,
//! and what the answers change.

use crate::helpers::TestApp;
use crate::ocpp201::{booted, result};
use engine::model::RegistrationPolicy;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// Each action with a valid request and a valid answer of a station.
fn every_action() -> Vec<(&'static str, Value, Value)> {
    let evse = json!({"id": 1, "connectorId": 1});
    let component = json!({"name": "OCPPCommCtrlr"});
    let variable = json!({"name": "HeartbeatInterval"});
    let token = json!({"idToken": "TAG-1", "type": "ISO14443"});
    let hash = json!({"hashAlgorithm": "SHA256", "issuerNameHash": "aa", "issuerKeyHash": "bb", "serialNumber": "01"});
    let profile = json!({"id": 3, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": [{"id": 1, "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}]});
    let message = json!({"id": 9, "priority": "NormalCycle",
        "message": {"format": "UTF8", "content": "Welcome"}});
    let accepted = json!({"status": "Accepted"});
    vec![
        (
            "CancelReservation",
            json!({"reservationId": 5}),
            accepted.clone(),
        ),
        (
            "CertificateSigned",
            json!({"certificateChain": "-----BEGIN CERTIFICATE-----"}),
            accepted.clone(),
        ),
        (
            "ChangeAvailability",
            json!({"operationalStatus": "Inoperative", "evse": {"id": 1}}),
            accepted.clone(),
        ),
        ("ClearCache", json!({}), accepted.clone()),
        (
            "ClearChargingProfile",
            json!({"chargingProfileId": 3}),
            accepted.clone(),
        ),
        ("ClearDisplayMessage", json!({"id": 9}), accepted.clone()),
        (
            "ClearVariableMonitoring",
            json!({"id": [1, 2]}),
            json!({"clearMonitoringResult": [{"status": "Accepted", "id": 1}, {"status": "NotFound", "id": 2}]}),
        ),
        (
            "CostUpdated",
            json!({"totalCost": 12.5, "transactionId": "TX-1"}),
            json!({}),
        ),
        (
            "CustomerInformation",
            json!({"requestId": 1, "report": true, "clear": false, "idToken": token}),
            accepted.clone(),
        ),
        (
            "DataTransfer",
            json!({"vendorId": "org.example", "messageId": "hello", "data": {"n": 1}}),
            json!({"status": "Accepted", "data": [1, 2]}),
        ),
        (
            "DeleteCertificate",
            json!({"certificateHashData": hash}),
            accepted.clone(),
        ),
        (
            "GetBaseReport",
            json!({"requestId": 1, "reportBase": "FullInventory"}),
            accepted.clone(),
        ),
        (
            "GetChargingProfiles",
            json!({"requestId": 2, "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}}),
            accepted.clone(),
        ),
        (
            "GetCompositeSchedule",
            json!({"duration": 3600, "evseId": 1}),
            accepted.clone(),
        ),
        (
            "GetDisplayMessages",
            json!({"requestId": 3}),
            accepted.clone(),
        ),
        (
            "GetInstalledCertificateIds",
            json!({"certificateType": ["CSMSRootCertificate"]}),
            accepted.clone(),
        ),
        (
            "GetLocalListVersion",
            json!({}),
            json!({"versionNumber": 4}),
        ),
        (
            "GetLog",
            json!({"logType": "DiagnosticsLog", "requestId": 4, "log": {"remoteLocation": "ftp://logs.example/"}}),
            accepted.clone(),
        ),
        (
            "GetMonitoringReport",
            json!({"requestId": 5}),
            accepted.clone(),
        ),
        (
            "GetReport",
            json!({"requestId": 6, "componentCriteria": ["Active"]}),
            accepted.clone(),
        ),
        (
            "GetTransactionStatus",
            json!({"transactionId": "TX-1"}),
            json!({"messagesInQueue": false, "ongoingIndicator": true}),
        ),
        (
            "GetVariables",
            json!({"getVariableData": [{"component": component, "variable": variable}]}),
            json!({"getVariableResult": [{"attributeStatus": "Accepted", "attributeValue": "300",
                   "component": component, "variable": variable}]}),
        ),
        (
            "InstallCertificate",
            json!({"certificateType": "CSMSRootCertificate", "certificate": "-----BEGIN CERTIFICATE-----"}),
            accepted.clone(),
        ),
        (
            "PublishFirmware",
            json!({"location": "https://fw.example/1.bin", "checksum": "0123456789abcdef", "requestId": 7}),
            accepted.clone(),
        ),
        (
            "RequestStartTransaction",
            json!({"idToken": token, "remoteStartId": 8, "evseId": 1}),
            accepted.clone(),
        ),
        (
            "RequestStopTransaction",
            json!({"transactionId": "TX-1"}),
            accepted.clone(),
        ),
        (
            "ReserveNow",
            json!({"id": 5, "expiryDateTime": "2030-01-01T00:00:00Z", "idToken": token, "evseId": 1}),
            accepted.clone(),
        ),
        ("Reset", json!({"type": "Immediate"}), accepted.clone()),
        (
            "SendLocalList",
            json!({"versionNumber": 5, "updateType": "Full", "localAuthorizationList": [
            {"idToken": token, "idTokenInfo": {"status": "Accepted"}}]}),
            accepted.clone(),
        ),
        (
            "SetChargingProfile",
            json!({"evseId": 1, "chargingProfile": profile}),
            accepted.clone(),
        ),
        (
            "SetDisplayMessage",
            json!({"message": message}),
            accepted.clone(),
        ),
        (
            "SetMonitoringBase",
            json!({"monitoringBase": "All"}),
            accepted.clone(),
        ),
        (
            "SetMonitoringLevel",
            json!({"severity": 5}),
            accepted.clone(),
        ),
        (
            "SetNetworkProfile",
            json!({"configurationSlot": 2, "connectionData": {"ocppVersion": "OCPP20",
            "ocppTransport": "JSON", "ocppCsmsUrl": "wss://csms.example/ocpp", "messageTimeout": 30,
            "securityProfile": 2, "ocppInterface": "Wired0"}}),
            accepted.clone(),
        ),
        (
            "SetVariableMonitoring",
            json!({"setMonitoringData": [{"value": 80.0, "type": "UpperThreshold",
            "severity": 4, "component": {"name": "ChargingStation"}, "variable": {"name": "Temperature"}}]}),
            json!({"setMonitoringResult": [{"status": "Accepted", "type": "UpperThreshold", "severity": 4,
                   "component": {"name": "ChargingStation"}, "variable": {"name": "Temperature"}}]}),
        ),
        (
            "SetVariables",
            json!({"setVariableData": [{"attributeValue": "120", "component": component, "variable": variable}]}),
            json!({"setVariableResult": [{"attributeStatus": "Accepted", "component": component, "variable": variable}]}),
        ),
        (
            "TriggerMessage",
            json!({"requestedMessage": "StatusNotification", "evse": evse}),
            accepted.clone(),
        ),
        (
            "UnlockConnector",
            json!({"evseId": 1, "connectorId": 1}),
            json!({"status": "Unlocked"}),
        ),
        (
            "UnpublishFirmware",
            json!({"checksum": "0123456789abcdef"}),
            json!({"status": "Unpublished"}),
        ),
        (
            "UpdateFirmware",
            json!({"requestId": 9, "firmware": {"location": "https://fw.example/2.bin",
            "retrieveDateTime": "2030-01-01T00:00:00Z"}}),
            accepted,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_csms_action_goes_through_the_rest_api_and_its_effect_is_kept() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let mut cp = booted(&app, "CS-ALL").await;
    let actions = every_action();
    let names: Vec<&str> = actions.iter().map(|(a, _, _)| *a).collect();
    let mut expected: Vec<&str> = protocol::v201::CENTRAL_ACTIONS.to_vec();
    expected.sort_unstable();
    assert_eq!(
        names, expected,
        "the table names every CSMS action once, in order"
    );
    for (action, request, answer) in actions {
        let path = format!("/api/stations/CS-ALL/commands/{action}");
        let body = request.to_string();
        let sent = app.request("POST", &path, Some(&body));
        let station = async {
            let call = cp.next_call(WAIT).await.unwrap();
            assert_eq!(call.action(), Some(action));
            assert_eq!(call.payload(), request, "{action} arrives as it was sent");
            cp.answer(&call, answer.clone()).await.unwrap();
        };
        let (response, ()) = tokio::join!(sent, station);
        assert_eq!(response.status, 200, "{action}: {}", response.body);
        assert_eq!(
            response.json(),
            answer,
            "{action}: the station's answer comes back"
        );
    }
    // What the answers changed is kept: the device model, the local list version, the
    // reservation and the charging profile.
    let variables = app.get("/api/stations/CS-ALL/variables").await.json();
    let interval = variables
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["variable"] == "HeartbeatInterval")
        .unwrap();
    assert_eq!(
        interval["value"], "120",
        "SetVariables after GetVariables: {variables}"
    );
    let station = app.get("/api/stations/CS-ALL").await.json();
    assert_eq!(
        station["localListVersion"], 5,
        "SendLocalList after GetLocalListVersion"
    );
    let reservations = app.get("/api/reservations").await.json();
    assert!(
        reservations
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["reservationId"] == 5),
        "{reservations}"
    );
    let profiles = app.get("/api/charging-profiles").await.json();
    assert!(
        profiles
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["profileId"] == 3),
        "{profiles}"
    );
    result(cp.call("Heartbeat", json!({})).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_auth_password_set_through_set_variables_becomes_the_stations_password() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let mut cp = booted(&app, "CS-PW").await;
    let password = "a-new-password-of-24-chars";
    let set = json!({"setVariableData": [{"attributeValue": password,
        "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]});
    let body = set.to_string();
    let sent = app.request(
        "POST",
        "/api/stations/CS-PW/commands/SetVariables",
        Some(&body),
    );
    let station = async {
        let call = cp.next_call(WAIT).await.unwrap();
        // Only the station gets the value.
        assert_eq!(
            call.payload()["setVariableData"][0]["attributeValue"],
            password
        );
        cp.answer(
            &call,
            json!({"setVariableResult": [{"attributeStatus": "Accepted",
            "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]}),
        )
        .await
        .unwrap();
    };
    let (response, ()) = tokio::join!(sent, station);
    assert_eq!(response.status, 200, "{}", response.body);
    let station = app.get("/api/stations/CS-PW").await.json();
    assert_eq!(station["hasPassword"], true);
    // Hidden everywhere but on the wire: the audit log and the device model.
    let audit = app.get("/api/audit-log").await;
    assert!(!audit.body.contains(password), "{}", audit.body);
    let variables = app.get("/api/stations/CS-PW/variables").await;
    assert!(!variables.body.contains(password), "{}", variables.body);
    // A password breaking the rules is not sent.
    let short = json!({"setVariableData": [{"attributeValue": "short",
        "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]});
    let refused = app
        .request(
            "POST",
            "/api/stations/CS-PW/commands/SetVariables",
            Some(&short.to_string()),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
}
