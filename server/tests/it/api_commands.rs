//! Every central-system command through the REST API: each action's request and answer, the
//! statuses of failures, and what answers change (reservations, profiles, remote starts).

use super::api::{WAIT, booted, open};
use crate::helpers::TestApp;
use protocol::Frame;
use serde_json::{Value, json};
use simulator::Station;
use std::time::Duration;

fn every_action() -> Vec<(&'static str, Value, Value)> {
    let profile = json!({"chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": {"chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}});
    let hash = json!({"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "c"});
    vec![
        (
            "CancelReservation",
            json!({"reservationId": 1}),
            json!({"status": "Accepted"}),
        ),
        (
            "CertificateSigned",
            json!({"certificateChain": "-----BEGIN CERTIFICATE-----"}),
            json!({"status": "Accepted"}),
        ),
        (
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"}),
            json!({"status": "Scheduled"}),
        ),
        (
            "ChangeConfiguration",
            json!({"key": "MeterValueSampleInterval", "value": "60"}),
            json!({"status": "Accepted"}),
        ),
        ("ClearCache", json!({}), json!({"status": "Accepted"})),
        (
            "ClearChargingProfile",
            json!({"id": 1}),
            json!({"status": "Accepted"}),
        ),
        (
            "DataTransfer",
            json!({"vendorId": "com.acme", "messageId": "ping", "data": "1"}),
            json!({"status": "Accepted", "data": "pong"}),
        ),
        (
            "DeleteCertificate",
            json!({"certificateHashData": hash}),
            json!({"status": "Accepted"}),
        ),
        (
            "ExtendedTriggerMessage",
            json!({"requestedMessage": "StatusNotification", "connectorId": 1}),
            json!({"status": "Accepted"}),
        ),
        (
            "GetCompositeSchedule",
            json!({"connectorId": 1, "duration": 3600}),
            json!({"status": "Accepted", "connectorId": 1}),
        ),
        (
            "GetConfiguration",
            json!({"key": ["HeartbeatInterval"]}),
            json!({"configurationKey": [{"key": "HeartbeatInterval", "readonly": false, "value": "300"}]}),
        ),
        (
            "GetDiagnostics",
            json!({"location": "ftp://logs.example.com/"}),
            json!({"fileName": "diag.zip"}),
        ),
        (
            "GetInstalledCertificateIds",
            json!({"certificateType": "CentralSystemRootCertificate"}),
            json!({"status": "NotFound"}),
        ),
        ("GetLocalListVersion", json!({}), json!({"listVersion": 3})),
        (
            "GetLog",
            json!({"logType": "SecurityLog", "requestId": 1, "log": {"remoteLocation": "https://logs.example.com/"}}),
            json!({"status": "Accepted", "filename": "security.log"}),
        ),
        (
            "InstallCertificate",
            json!({"certificateType": "ManufacturerRootCertificate", "certificate": "-----BEGIN CERTIFICATE-----"}),
            json!({"status": "Accepted"}),
        ),
        (
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "REMOTE"}),
            json!({"status": "Accepted"}),
        ),
        (
            "RemoteStopTransaction",
            json!({"transactionId": 1}),
            json!({"status": "Accepted"}),
        ),
        (
            "ReserveNow",
            json!({"connectorId": 1, "expiryDate": "2026-12-01T00:00:00Z", "idTag": "R", "reservationId": 2}),
            json!({"status": "Accepted"}),
        ),
        (
            "Reset",
            json!({"type": "Soft"}),
            json!({"status": "Accepted"}),
        ),
        (
            "SendLocalList",
            json!({"listVersion": 4, "updateType": "Full", "localAuthorizationList": [{"idTag": "L1", "idTagInfo": {"status": "Accepted"}}]}),
            json!({"status": "Accepted"}),
        ),
        (
            "SetChargingProfile",
            json!({"connectorId": 1, "csChargingProfiles": profile}),
            json!({"status": "Accepted"}),
        ),
        (
            "SignedUpdateFirmware",
            json!({"requestId": 1, "firmware": {"location": "https://fw.example.com/f.bin", "retrieveDateTime": "2026-12-01T00:00:00Z", "signingCertificate": "C", "signature": "S"}}),
            json!({"status": "Accepted"}),
        ),
        (
            "TriggerMessage",
            json!({"requestedMessage": "Heartbeat"}),
            json!({"status": "Accepted"}),
        ),
        (
            "UnlockConnector",
            json!({"connectorId": 1}),
            json!({"status": "Unlocked"}),
        ),
        (
            "UpdateFirmware",
            json!({"location": "https://fw.example.com/f.bin", "retrieveDate": "2026-12-01T00:00:00Z"}),
            json!({}),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_central_system_action_goes_through_the_rest_api() {
    let app = TestApp::spawn_with(open).await;
    let mut cp = booted(&app, "CP-ALL").await;
    let actions = every_action();
    assert_eq!(actions.len(), protocol::v16::call::CENTRAL_ACTIONS.len());
    for (action, request, answer) in actions {
        let path = format!("/api/stations/CP-ALL/commands/{action}");
        let body = request.to_string();
        let (response, call) = tokio::join!(app.request("POST", &path, Some(&body)), async {
            let call = cp.next_call(WAIT).await.unwrap();
            cp.answer(&call, answer.clone()).await.unwrap();
            call
        });
        let Frame::Call {
            action: sent,
            payload,
            ..
        } = &call
        else {
            panic!("not a call")
        };
        assert_eq!(sent, action);
        assert_eq!(
            serde_json::from_str::<Value>(payload.get()).unwrap(),
            request,
            "{action}: sent as given"
        );
        assert_eq!(response.status, 200, "{action}: {}", response.body);
        assert_eq!(response.json(), answer, "{action}: the station's answer");
    }
    // Their effects were kept.
    let config = app
        .request("GET", "/api/stations/CP-ALL/configuration", None)
        .await
        .json();
    assert!(
        config
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["key"] == "MeterValueSampleInterval" && k["value"] == "60")
    );
    let station = app
        .request("GET", "/api/stations/CP-ALL", None)
        .await
        .json();
    assert_eq!(station["localListVersion"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_failures_have_their_status() {
    let app = TestApp::spawn_with(|c| {
        open(c);
        c.call_timeout = 1;
    })
    .await;
    let mut cp = booted(&app, "CP-FAIL").await;
    let post = |path: &'static str, body: &'static str| app.request("POST", path, Some(body));

    let invalid = post(
        "/api/stations/CP-FAIL/commands/Reset",
        r#"{"type":"Sideways"}"#,
    )
    .await;
    assert_eq!(invalid.status, 400);
    assert!(
        invalid.json()["error"].as_str().unwrap().contains("type"),
        "{}",
        invalid.body
    );
    assert_eq!(
        post("/api/stations/CP-FAIL/commands/Heartbeat", "{}")
            .await
            .status,
        400
    );
    assert_eq!(
        post("/api/stations/CP-FAIL/commands/Reset", "[1]")
            .await
            .status,
        400
    );
    assert!(
        cp.next_call(Duration::from_millis(200)).await.is_err(),
        "nothing was sent"
    );
    assert_eq!(
        post("/api/stations/NOBODY/commands/ClearCache", "{}")
            .await
            .status,
        404
    );

    let (refused, _) = tokio::join!(
        post("/api/stations/CP-FAIL/commands/ClearCache", ""),
        async {
            let call = cp.next_call(WAIT).await.unwrap();
            cp.answer_error(&call, "InternalError", "cache is busy")
                .await
                .unwrap();
        }
    );
    assert_eq!(refused.status, 502);
    assert_eq!(refused.json()["code"], "InternalError");
    assert_eq!(refused.json()["description"], "cache is busy");

    let (timed_out, _) = tokio::join!(
        post("/api/stations/CP-FAIL/commands/ClearCache", "{}"),
        async { cp.next_call(WAIT).await.unwrap() }
    );
    assert_eq!(timed_out.status, 504);

    drop(cp);
    app.wait_connected(0).await;
    let offline = post("/api/stations/CP-FAIL/commands/ClearCache", "{}").await;
    assert_eq!(offline.status, 409);
}

/// Sends `action` through the REST API while the station answers it with `answer`.
async fn command(
    app: &TestApp,
    cp: &mut Station,
    station: &str,
    action: &str,
    request: Value,
    answer: Value,
) -> Value {
    let path = format!("/api/stations/{station}/commands/{action}");
    let body = request.to_string();
    let (response, _) = tokio::join!(app.request("POST", &path, Some(&body)), async {
        let call = cp.next_call(WAIT).await.unwrap();
        cp.answer(&call, answer).await.unwrap();
    });
    assert_eq!(response.status, 200, "{action}: {}", response.body);
    response.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reservations_profiles_and_remote_starts_are_followed_through() {
    let app = TestApp::spawn_with(open).await;
    let mut cp = booted(&app, "CP-OPS").await;
    let accepted = json!({"status": "Accepted"});

    // Reservations: one used by a transaction, one expired, one cancelled.
    let reserve = |id: i64, expiry: &str| json!({"connectorId": 1, "expiryDate": expiry, "idTag": "RES", "reservationId": id});
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "ReserveNow",
        reserve(1, "2030-01-01T00:00:00Z"),
        accepted.clone(),
    )
    .await;
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "ReserveNow",
        reserve(2, "2020-01-01T00:00:00+02:00"),
        accepted.clone(),
    )
    .await;
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "ReserveNow",
        reserve(3, "2030-01-01T00:00:00Z"),
        accepted.clone(),
    )
    .await;
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "ReserveNow",
        reserve(4, "2030-01-01T00:00:00Z"),
        json!({"status": "Occupied"}),
    )
    .await;
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "CancelReservation",
        json!({"reservationId": 3}),
        accepted.clone(),
    )
    .await;
    let simulator::Reply::Result(started) = cp
        .call("StartTransaction", json!({"connectorId": 1, "idTag": "RES", "meterStart": 0, "reservationId": 1, "timestamp": "2026-11-24T10:00:00Z"}))
        .await
        .unwrap()
    else {
        panic!("start refused")
    };
    let reservations = app.request("GET", "/api/reservations", None).await.json();
    let status = |id: i64| {
        reservations
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reservationId"] == id)
            .map(|r| r["status"].clone())
    };
    assert_eq!(status(1), Some(json!("Used")));
    assert_eq!(status(2), Some(json!("Expired")));
    assert_eq!(status(3), Some(json!("Cancelled")));
    assert_eq!(status(4), None, "a refused reservation is not kept");
    let used = reservations
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reservationId"] == 1)
        .unwrap();
    assert_eq!(used["transactionId"], started["transactionId"]);

    // Charging profiles: kept when accepted, removed by ClearChargingProfile.
    let profile = |id: i64, level: i64| {
        json!({"connectorId": 1, "csChargingProfiles": {"chargingProfileId": id, "stackLevel": level,
        "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}}})
    };
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "SetChargingProfile",
        profile(10, 0),
        accepted.clone(),
    )
    .await;
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "SetChargingProfile",
        profile(11, 1),
        accepted.clone(),
    )
    .await;
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "SetChargingProfile",
        profile(12, 1),
        accepted.clone(),
    )
    .await;
    let profiles = app
        .request("GET", "/api/charging-profiles?station=CP-OPS", None)
        .await
        .json();
    let ids: Vec<i64> = profiles
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profileId"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![12, 10],
        "profile 12 replaced 11: same connector, stack level and purpose"
    );
    assert_eq!(
        profiles[0]["profile"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"],
        16.0
    );
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "ClearChargingProfile",
        json!({"id": 12}),
        accepted.clone(),
    )
    .await;
    let profiles = app
        .request("GET", "/api/charging-profiles", None)
        .await
        .json();
    assert_eq!(profiles.as_array().unwrap().len(), 1);

    // A remote start is linked to the transaction it caused; a remote stop is recorded.
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "RemoteStartTransaction",
        json!({"connectorId": 2, "idTag": "APP-USER"}),
        accepted.clone(),
    )
    .await;
    let simulator::Reply::Result(remote) = cp
        .call("StartTransaction", json!({"connectorId": 2, "idTag": "APP-USER", "meterStart": 5, "timestamp": "2026-11-24T11:00:00Z"}))
        .await
        .unwrap()
    else {
        panic!("start refused")
    };
    let tx = remote["transactionId"].as_i64().unwrap();
    command(
        &app,
        &mut cp,
        "CP-OPS",
        "RemoteStopTransaction",
        json!({"transactionId": tx}),
        accepted.clone(),
    )
    .await;
    let record = app
        .request("GET", &format!("/api/transactions/{tx}"), None)
        .await
        .json();
    assert!(record["remoteStartRequestedAt"].is_string(), "{record}");
    assert!(record["remoteStopRequestedAt"].is_string(), "{record}");
    let first = app
        .request(
            "GET",
            &format!("/api/transactions/{}", started["transactionId"]),
            None,
        )
        .await
        .json();
    assert!(
        first["remoteStartRequestedAt"].is_null(),
        "a local start is not a remote one"
    );
}
