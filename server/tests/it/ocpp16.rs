//! OCPP 1.6 flows a station drives, through the real server and a WebSocket station.

use crate::helpers::TestApp;
use engine::model::{IdTag, Registration, RegistrationPolicy, TokenStatus};
use protocol::StationId;
use serde_json::{Value, json};
use simulator::{Reply, SimError, Station};
use time::OffsetDateTime;

fn boot() -> Value {
    json!({"chargePointVendor": "Acme", "chargePointModel": "Wallbox 22", "firmwareVersion": "1.2.3"})
}

pub(crate) fn result(reply: Reply) -> Value {
    match reply {
        Reply::Result(payload) => payload,
        Reply::Error { code, description } => panic!("CALLERROR {code}: {description}"),
    }
}

pub(crate) fn error_code(reply: Reply) -> String {
    match reply {
        Reply::Error { code, .. } => code,
        Reply::Result(payload) => panic!("expected a CALLERROR, got {payload}"),
    }
}

async fn open_app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.registration = RegistrationPolicy::Open;
        c.heartbeat_interval = 120;
    })
    .await
}

async fn tag(
    app: &TestApp,
    id: &str,
    status: TokenStatus,
    expiry: Option<OffsetDateTime>,
    parent: Option<&str>,
) {
    app.server
        .engine()
        .put_id_tag(IdTag {
            id_tag: id.to_owned(),
            status,
            expiry_date: expiry,
            parent_id_tag: parent.map(str::to_owned),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_registration_accepts_at_once_with_the_heartbeat_interval() {
    let app = open_app().await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-OPEN").await.unwrap();
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(answer["interval"], 120);
    assert!(answer["currentTime"].as_str().unwrap().ends_with('Z'));
    let beat = result(cp.call("Heartbeat", json!({})).await.unwrap());
    assert!(beat["currentTime"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_registration_holds_a_new_station_until_an_operator_accepts_it() {
    let app = TestApp::spawn().await; // pending is the default
    let mut cp = Station::connect(&app.ocpp_base(), "CP-NEW").await.unwrap();
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Pending");
    assert_eq!(answer["interval"], 30, "the retry interval");

    // Only BootNotification is served while pending.
    let refused = cp.call("Heartbeat", json!({})).await.unwrap();
    assert_eq!(error_code(refused), "SecurityError");

    let id = StationId::parse("CP-NEW").unwrap();
    assert!(
        app.server
            .engine()
            .set_registration(&id, Registration::Accepted)
            .await
            .unwrap()
    );
    // The open connection is served from now on, and the next boot is accepted.
    result(cp.call("Heartbeat", json!({})).await.unwrap());
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(answer["interval"], 300);

    assert!(
        app.server
            .engine()
            .set_registration(&id, Registration::Rejected)
            .await
            .unwrap()
    );
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Rejected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_registration_refuses_unknown_stations_at_the_upgrade() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Closed).await;
    let err = Station::connect(&app.ocpp_base(), "CP-STRANGER")
        .await
        .err()
        .expect("refused");
    let SimError::WebSocket(tokio_tungstenite::tungstenite::Error::Http(response)) = err else {
        panic!("expected an HTTP refusal, got {err:?}");
    };
    assert_eq!(response.status(), 404);
    assert_eq!(app.server.engine().count_stations().await.unwrap(), 0);

    // A station the operator added gets in.
    let known = StationId::parse("CP-KNOWN").unwrap();
    assert!(
        app.server
            .engine()
            .add_station(&known, Registration::Accepted)
            .await
            .unwrap()
    );
    let mut cp = Station::connect(&app.ocpp_base(), "CP-KNOWN")
        .await
        .unwrap();
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_answers_from_the_id_tag_store() {
    let app = open_app().await;
    let past = OffsetDateTime::now_utc() - time::Duration::days(1);
    let future = OffsetDateTime::now_utc() + time::Duration::days(30);
    tag(
        &app,
        "GOOD",
        TokenStatus::Accepted,
        Some(future),
        Some("FLEET"),
    )
    .await;
    tag(&app, "BLOCKED", TokenStatus::Blocked, None, None).await;
    tag(&app, "OLD", TokenStatus::Accepted, Some(past), None).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-AUTH").await.unwrap();
    result(cp.call("BootNotification", boot()).await.unwrap());

    for (id_tag, status) in [
        ("GOOD", "Accepted"),
        ("BLOCKED", "Blocked"),
        ("OLD", "Expired"),
        ("NOBODY", "Invalid"),
    ] {
        let answer = result(
            cp.call("Authorize", json!({"idTag": id_tag}))
                .await
                .unwrap(),
        );
        assert_eq!(answer["idTagInfo"]["status"], status, "{id_tag}");
    }
    let good = result(
        cp.call("Authorize", json!({"idTag": "GOOD"}))
            .await
            .unwrap(),
    );
    assert_eq!(good["idTagInfo"]["parentIdTag"], "FLEET");
    assert!(good["idTagInfo"]["expiryDate"].is_string());
    let unknown = result(
        cp.call("Authorize", json!({"idTag": "NOBODY"}))
            .await
            .unwrap(),
    );
    assert_eq!(
        unknown["idTagInfo"],
        json!({"status": "Invalid"}),
        "absent fields are omitted, not null"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_transaction_is_recorded_with_its_meter_values() {
    let app = open_app().await;
    tag(&app, "DRIVER", TokenStatus::Accepted, None, None).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-TX").await.unwrap();
    result(cp.call("BootNotification", boot()).await.unwrap());
    let status = |s: &str| json!({"connectorId": 1, "errorCode": "NoError", "status": s, "timestamp": "2026-11-24T10:00:00Z"});
    result(
        cp.call("StatusNotification", status("Preparing"))
            .await
            .unwrap(),
    );
    result(
        cp.call("Authorize", json!({"idTag": "DRIVER"}))
            .await
            .unwrap(),
    );
    let start = json!({"connectorId": 1, "idTag": "DRIVER", "meterStart": 1000, "timestamp": "2026-11-24T10:00:05Z"});
    let started = result(cp.call("StartTransaction", start).await.unwrap());
    assert_eq!(started["idTagInfo"]["status"], "Accepted");
    let tx = started["transactionId"].as_i64().unwrap();
    result(
        cp.call("StatusNotification", status("Charging"))
            .await
            .unwrap(),
    );
    for (i, wh) in [1500, 2100].iter().enumerate() {
        let mv = json!({"connectorId": 1, "transactionId": tx, "meterValue": [{
        "timestamp": format!("2026-11-24T10:0{}:00Z", i + 1),
        "sampledValue": [
            {"value": wh.to_string(), "unit": "Wh", "context": "Sample.Periodic"},
            {"value": "7200", "measurand": "Power.Active.Import", "unit": "W", "phase": "L1"}
        ]}]});
        result(cp.call("MeterValues", mv).await.unwrap());
    }
    let stop = json!({"transactionId": tx, "idTag": "DRIVER", "meterStop": 2600,
        "timestamp": "2026-11-24T10:04:00Z", "reason": "EVDisconnected",
        "transactionData": [{"timestamp": "2026-11-24T10:04:00Z",
            "sampledValue": [{"value": "2600", "context": "Transaction.End"}]}]});
    let stopped = result(cp.call("StopTransaction", stop).await.unwrap());
    assert_eq!(stopped["idTagInfo"]["status"], "Accepted");

    let engine = app.server.engine();
    let record = engine.transaction(tx).await.unwrap().expect("recorded");
    assert_eq!(record.station_id, "CP-TX");
    assert_eq!(record.meter_start, 1000);
    assert_eq!(record.meter_stop, Some(2600));
    assert_eq!(record.energy_wh, Some(1600));
    assert_eq!(record.stop_reason.as_deref(), Some("EVDisconnected"));
    let samples = engine.transaction_samples(tx).await.unwrap();
    assert_eq!(samples.len(), 5, "{samples:?}");
    assert_eq!(
        samples[0].measurand, "Energy.Active.Import.Register",
        "the default measurand"
    );
    assert!(
        samples
            .iter()
            .any(|s| s.measurand == "Power.Active.Import" && s.phase.as_deref() == Some("L1"))
    );
    assert_eq!(
        samples.last().unwrap().context.as_deref(),
        Some("Transaction.End")
    );
    let id = StationId::parse("CP-TX").unwrap();
    let connectors = engine.connectors(&id).await.unwrap();
    assert_eq!(connectors[0].status, "Charging");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retransmitted_start_gets_the_same_transaction_and_stops_are_always_answered() {
    let app = open_app().await;
    tag(&app, "T1", TokenStatus::Accepted, None, None).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-RETRY")
        .await
        .unwrap();
    result(cp.call("BootNotification", boot()).await.unwrap());
    let start = json!({"connectorId": 2, "idTag": "T1", "meterStart": 0, "timestamp": "2026-11-24T09:00:00Z"});
    let first = result(cp.call("StartTransaction", start.clone()).await.unwrap());
    // The station lost the answer, reconnects and sends the same start again.
    drop(cp);
    let mut cp = Station::connect(&app.ocpp_base(), "CP-RETRY")
        .await
        .unwrap();
    let again = result(cp.call("StartTransaction", start).await.unwrap());
    assert_eq!(first["transactionId"], again["transactionId"]);
    let engine = app.server.engine();
    assert_eq!(engine.transactions(None, None, 10).await.unwrap().len(), 1);

    let tx = first["transactionId"].as_i64().unwrap();
    let stop = json!({"transactionId": tx, "meterStop": 500, "timestamp": "2026-11-24T09:30:00Z"});
    let answer = result(cp.call("StopTransaction", stop.clone()).await.unwrap());
    assert_eq!(answer, json!({}), "no idTag sent, no idTagInfo answered");
    // A replay changes nothing and is answered all the same.
    result(cp.call("StopTransaction", stop).await.unwrap());
    assert_eq!(
        engine.transaction(tx).await.unwrap().unwrap().meter_stop,
        Some(500)
    );
    // A stop for a transaction never seen is kept, never refused.
    let unknown = json!({"transactionId": 99999, "meterStop": 10, "timestamp": "2026-11-24T09:31:00Z", "idTag": "T1"});
    let answer = result(cp.call("StopTransaction", unknown).await.unwrap());
    assert_eq!(answer["idTagInfo"]["status"], "Accepted");
    let id = StationId::parse("CP-RETRY").unwrap();
    assert_eq!(engine.unmatched_stops(&id).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_charging_elsewhere_starts_with_concurrent_tx() {
    let app = open_app().await;
    tag(&app, "TWICE", TokenStatus::Accepted, None, None).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-C").await.unwrap();
    result(cp.call("BootNotification", boot()).await.unwrap());
    let start = |c: u32| json!({"connectorId": c, "idTag": "TWICE", "meterStart": 0, "timestamp": format!("2026-11-24T08:0{c}:00Z")});
    let first = result(cp.call("StartTransaction", start(1)).await.unwrap());
    assert_eq!(first["idTagInfo"]["status"], "Accepted");
    let second = result(cp.call("StartTransaction", start(2)).await.unwrap());
    assert_eq!(second["idTagInfo"]["status"], "ConcurrentTx");
    assert!(
        second["transactionId"].is_i64(),
        "a transaction id even when refused"
    );
    // An unknown tag still gets a transaction id.
    let stranger = json!({"connectorId": 3, "idTag": "WHO", "meterStart": 0, "timestamp": "2026-11-24T08:09:00Z"});
    let answer = result(cp.call("StartTransaction", stranger).await.unwrap());
    assert_eq!(answer["idTagInfo"]["status"], "Invalid");
    assert!(answer["transactionId"].is_i64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_data_transfer_and_security_messages_are_answered() {
    let app = open_app().await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-MISC").await.unwrap();
    result(cp.call("BootNotification", boot()).await.unwrap());
    let dt = result(
        cp.call(
            "DataTransfer",
            json!({"vendorId": "com.example", "messageId": "x", "data": "{}"}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(dt["status"], "UnknownVendorId");
    for (action, payload) in [
        (
            "FirmwareStatusNotification",
            json!({"status": "Downloading"}),
        ),
        (
            "DiagnosticsStatusNotification",
            json!({"status": "Uploading"}),
        ),
        (
            "SignedFirmwareStatusNotification",
            json!({"status": "SignatureVerified", "requestId": 4}),
        ),
        (
            "LogStatusNotification",
            json!({"status": "Uploaded", "requestId": 5}),
        ),
        (
            "SecurityEventNotification",
            json!({"type": "FirmwareUpdated", "timestamp": "2026-11-24T10:00:00Z"}),
        ),
        (
            "StatusNotification",
            json!({"connectorId": 0, "errorCode": "OtherError", "status": "Faulted", "info": "ground fault", "vendorErrorCode": "E42"}),
        ),
    ] {
        assert_eq!(
            result(cp.call(action, payload).await.unwrap()),
            json!({}),
            "{action}"
        );
    }
    let sign = result(
        cp.call(
            "SignCertificate",
            json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----"}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        sign["status"], "Rejected",
        "no certificate authority is configured"
    );
    let id = StationId::parse("CP-MISC").unwrap();
    let connectors = app.server.engine().connectors(&id).await.unwrap();
    assert_eq!(connectors[0].connector_id, 0);
    assert_eq!(connectors[0].error_code, "OtherError");
    assert_eq!(connectors[0].vendor_error_code.as_deref(), Some("E42"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_payloads_get_their_callerror_and_change_nothing() {
    let app = open_app().await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-STRICT")
        .await
        .unwrap();
    result(cp.call("BootNotification", boot()).await.unwrap());
    let long = "X".repeat(21);
    let cases = [
        (
            "Authorize",
            json!({"idTag": long}),
            "PropertyConstraintViolation",
        ),
        ("Authorize", json!({}), "OccurenceConstraintViolation"),
        (
            "StartTransaction",
            json!({"connectorId": "1", "idTag": "A", "meterStart": 0, "timestamp": "2026-11-24T10:00:00Z"}),
            "TypeConstraintViolation",
        ),
        (
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "A", "meterStart": 0.5, "timestamp": "2026-11-24T10:00:00Z"}),
            "TypeConstraintViolation",
        ),
        (
            "StatusNotification",
            json!({"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}),
            "PropertyConstraintViolation",
        ),
        (
            "StatusNotification",
            json!({"connectorId": -1, "errorCode": "NoError", "status": "Available"}),
            "PropertyConstraintViolation",
        ),
        ("Heartbeat", json!({"surprise": true}), "FormationViolation"),
        ("Reset", json!({"type": "Hard"}), "NotSupported"),
        ("Teleport", json!({}), "NotImplemented"),
    ];
    for (action, payload, code) in cases {
        let reply = cp.call(action, payload.clone()).await.unwrap();
        assert_eq!(error_code(reply), code, "{action} {payload}");
    }
    assert!(
        app.server
            .engine()
            .transactions(None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The connection still serves.
    result(cp.call("Heartbeat", json!({})).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_answered_survives_a_restart() {
    let app = open_app().await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-DURABLE")
        .await
        .unwrap();
    result(cp.call("BootNotification", boot()).await.unwrap());
    let start = json!({"connectorId": 1, "idTag": "ANY", "meterStart": 7, "timestamp": "2026-11-24T07:00:00Z"});
    let tx = result(cp.call("StartTransaction", start).await.unwrap())["transactionId"]
        .as_i64()
        .unwrap();
    drop(cp);
    let app = app.restart().await;
    let record = app
        .server
        .engine()
        .transaction(tx)
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(record.meter_start, 7);
    let id = StationId::parse("CP-DURABLE").unwrap();
    assert_eq!(
        app.server.engine().registration(&id).await.unwrap(),
        Some(Registration::Accepted)
    );
}
