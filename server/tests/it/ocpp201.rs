//! OCPP 2.0.1 flows a station drives, through the real server and a WebSocket station speaking
//! `ocpp2.0.1`. Test names carry the requirement or part 6 test case they check.

use crate::helpers::TestApp;
pub(crate) use crate::ocpp16::{error_code, result};
use engine::model::{IdTag, Registration, RegistrationPolicy, TokenStatus};
use protocol::StationId;
use serde_json::{Value, json};
use simulator::Station;
use std::time::Duration;
use time::OffsetDateTime;

const WAIT: Duration = Duration::from_secs(5);

pub fn boot() -> Value {
    json!({
        "reason": "PowerUp",
        "chargingStation": {"vendorName": "Acme", "model": "Wallbox 2", "firmwareVersion": "2.0.1-7",
                            "serialNumber": "SN-1", "modem": {"iccid": "8931", "imsi": "2620"}}
    })
}

async fn open_app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.registration = RegistrationPolicy::Open;
        c.heartbeat_interval = 120;
    })
    .await
}

/// A 2.0.1 station, connected and accepted.
pub async fn booted(app: &TestApp, id: &str) -> Station {
    let mut cp = Station::connect_v201(&app.ocpp_base(), id).await.unwrap();
    assert_eq!(cp.protocol(), Some("ocpp2.0.1"));
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Accepted", "{answer}");
    cp
}

async fn tag(app: &TestApp, id: &str, status: TokenStatus, parent: Option<&str>) {
    app.server
        .engine()
        .put_id_tag(IdTag {
            id_tag: id.to_owned(),
            status,
            expiry_date: None,
            parent_id_tag: parent.map(str::to_owned),
        })
        .await
        .unwrap();
}

pub fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A TransactionEvent with an energy register reading (Wh) in its meter values.
pub fn tx_event(kind: &str, seq: i64, tx: &str, wh: Option<f64>, extra: Value) -> Value {
    let mut event = json!({
        "eventType": kind, "timestamp": now(), "seqNo": seq,
        "triggerReason": if kind == "Started" { "Authorized" } else { "MeterValuePeriodic" },
        "transactionInfo": {"transactionId": tx, "chargingState": "Charging"},
        "evse": {"id": 1, "connectorId": 1}
    });
    if let Some(wh) = wh {
        event["meterValue"] = json!([{"timestamp": now(), "sampledValue": [
            {"value": wh, "measurand": "Energy.Active.Import.Register",
             "unitOfMeasure": {"unit": "Wh"}},
            {"value": 7.2, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "kW"}}
        ]}]);
    }
    if let (Some(event), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if k == "transactionInfo" {
                for (tk, tv) in v.as_object().into_iter().flatten() {
                    event["transactionInfo"][tk] = tv.clone();
                }
            } else {
                event.insert(k.clone(), v.clone());
            }
        }
    }
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b01_boot_is_accepted_under_the_open_policy_and_keeps_the_reason() {
    let app = open_app().await;
    let mut cp = Station::connect_v201(&app.ocpp_base(), "CS-OPEN")
        .await
        .unwrap();
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(answer["interval"], 120);
    assert!(answer["currentTime"].as_str().is_some());
    let station = app.get("/api/stations/CS-OPEN").await.json();
    assert_eq!(station["protocol"], "ocpp2.0.1");
    assert_eq!(station["vendor"], "Acme");
    assert_eq!(station["firmwareVersion"], "2.0.1-7");
    let heartbeat = result(cp.call("Heartbeat", json!({})).await.unwrap());
    assert!(heartbeat["currentTime"].as_str().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b02_a_pending_station_may_only_send_what_the_csms_asked_for_until_accepted() {
    let app = TestApp::spawn().await;
    let mut cp = Station::connect_v201(&app.ocpp_base(), "CS-PEND")
        .await
        .unwrap();
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Pending");
    // B02.FR.09: anything but BootNotification is refused with SecurityError...
    let refused = cp.call("Heartbeat", json!({})).await.unwrap();
    assert_eq!(error_code(refused), "SecurityError");
    // ...but the NotifyReport answering the CSMS's own GetBaseReport is served (B02.FR.01).
    let engine = app.server.engine().clone();
    let id = StationId::parse("CS-PEND").unwrap();
    let asking = tokio::spawn(async move {
        engine
            .call_json(
                "tests",
                &id,
                "GetBaseReport",
                r#"{"requestId": 7, "reportBase": "ConfigurationInventory"}"#,
            )
            .await
    });
    let call = cp.next_call(WAIT).await.unwrap();
    assert_eq!(call.action(), Some("GetBaseReport"));
    cp.answer(&call, json!({"status": "Accepted"}))
        .await
        .unwrap();
    assert_eq!(asking.await.unwrap().unwrap()["status"], "Accepted");
    let report = json!({"requestId": 7, "generatedAt": now(), "seqNo": 0, "tbc": false,
        "reportData": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
                        "variableAttribute": [{"value": "300", "mutability": "ReadWrite"}],
                        "variableCharacteristics": {"dataType": "integer", "supportsMonitoring": false}}]});
    result(cp.call("NotifyReport", report).await.unwrap());
    // Accepted by an operator: the station is asked to boot again (B02.FR.04 keeps it from
    // doing so early by itself).
    app.server
        .engine()
        .set_registration(
            &StationId::parse("CS-PEND").unwrap(),
            Registration::Accepted,
        )
        .await
        .unwrap();
    let trigger = cp.next_call(WAIT).await.unwrap();
    assert_eq!(trigger.action(), Some("TriggerMessage"));
    assert_eq!(trigger.payload()["requestedMessage"], "BootNotification");
    cp.answer(&trigger, json!({"status": "Accepted"}))
        .await
        .unwrap();
    let answer = result(cp.call("BootNotification", boot()).await.unwrap());
    assert_eq!(answer["status"], "Accepted");
    result(cp.call("Heartbeat", json!({})).await.unwrap());
    let variables = app.get("/api/stations/CS-PEND/variables").await.json();
    assert_eq!(variables[0]["component"], "OCPPCommCtrlr");
    assert_eq!(variables[0]["value"], "300");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b01_closed_registration_refuses_an_unknown_2_0_1_station() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Closed).await;
    let refused = Station::connect_v201(&app.ocpp_base(), "CS-STRANGER").await;
    assert!(refused.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c01_authorize_answers_each_status_and_the_group() {
    let app = open_app().await;
    tag(&app, "GOOD", TokenStatus::Accepted, Some("FLEET")).await;
    tag(&app, "BLOCKED", TokenStatus::Blocked, None).await;
    tag(&app, "BROKE", TokenStatus::NoCredit, None).await;
    tag(&app, "NIGHT", TokenStatus::NotAtThisTime, None).await;
    let mut cp = booted(&app, "CS-AUTH").await;
    for (token, status) in [
        ("GOOD", "Accepted"),
        ("BLOCKED", "Blocked"),
        ("BROKE", "NoCredit"),
        ("NIGHT", "NotAtThisTime"),
        ("NOBODY", "Unknown"),
    ] {
        let answer = result(
            cp.call(
                "Authorize",
                json!({"idToken": {"idToken": token, "type": "ISO14443"}}),
            )
            .await
            .unwrap(),
        );
        assert_eq!(answer["idTokenInfo"]["status"], status, "{token}: {answer}");
    }
    let answer = result(
        cp.call(
            "Authorize",
            json!({"idToken": {"idToken": "GOOD", "type": "ISO14443"}}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(answer["idTokenInfo"]["groupIdToken"]["idToken"], "FLEET");
    // A station charging for free sends an empty token of type NoAuthorization: accepted.
    let free = json!({"idToken": {"idToken": "", "type": "NoAuthorization"}});
    let answer = result(cp.call("Authorize", free).await.unwrap());
    assert_eq!(answer["idTokenInfo"]["status"], "Accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_a_transaction_by_events_with_a_retransmission_and_offline_events_out_of_order() {
    let app = open_app().await;
    tag(&app, "DRIVER", TokenStatus::Accepted, None).await;
    let mut cp = booted(&app, "CS-TX").await;
    let status =
        json!({"timestamp": now(), "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1});
    result(cp.call("StatusNotification", status).await.unwrap());

    let started = tx_event(
        "Started",
        0,
        "TX-1",
        Some(10_000.0),
        json!({"idToken": {"idToken": "DRIVER", "type": "ISO14443"}}),
    );
    let answer = result(cp.call("TransactionEvent", started).await.unwrap());
    // E01: idTokenInfo is returned because the event carries an idToken.
    assert_eq!(answer["idTokenInfo"]["status"], "Accepted");
    let updated = tx_event("Updated", 1, "TX-1", Some(12_500.0), json!({}));
    result(cp.call("TransactionEvent", updated.clone()).await.unwrap());
    // A retried message carries a new message id (part 4): the same seqNo is not applied twice.
    result(cp.call("TransactionEvent", updated).await.unwrap());

    let list = app.get("/api/transactions?station=CS-TX").await.json();
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["stationTransactionId"], "TX-1");
    assert_eq!(list[0]["meterStart"], 10_000);
    assert_eq!(list[0]["chargingState"], "Charging");
    let tx = app.get(&format!("/api/transactions/{id}")).await.json();
    assert_eq!(tx["events"].as_array().unwrap().len(), 2, "{tx}");
    let registers = |tx: &Value| {
        tx["meterValues"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["measurand"] == "Energy.Active.Import.Register")
            .count()
    };
    assert_eq!(
        registers(&tx),
        2,
        "the retransmission added no meter values"
    );

    // Offline: seqNo 3 (Ended) arrives before seqNo 2. The gap makes the CSMS ask the station
    // about the transaction (E_31 in part 6).
    let ended = tx_event(
        "Ended",
        3,
        "TX-1",
        Some(15_000.0),
        json!({"offline": true, "triggerReason": "EVCommunicationLost",
               "transactionInfo": {"stoppedReason": "EVDisconnected", "chargingState": "Idle"}}),
    );
    result(cp.call("TransactionEvent", ended).await.unwrap());
    let ask = cp.next_call(WAIT).await.unwrap();
    assert_eq!(ask.action(), Some("GetTransactionStatus"));
    assert_eq!(ask.payload()["transactionId"], "TX-1");
    cp.answer(
        &ask,
        json!({"messagesInQueue": true, "ongoingIndicator": false}),
    )
    .await
    .unwrap();
    let late = tx_event(
        "Updated",
        2,
        "TX-1",
        Some(14_000.0),
        json!({"offline": true}),
    );
    result(cp.call("TransactionEvent", late).await.unwrap());

    let tx = app.get(&format!("/api/transactions/{id}")).await.json();
    let seqs: Vec<i64> = tx["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seqNo"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [0, 1, 2, 3]);
    assert_eq!(tx["stopReason"], "EVDisconnected");
    assert!(tx["stoppedAt"].as_str().is_some());
    // The late event does not reopen it, and energy is from the meter values, as for 1.6.
    assert_eq!(tx["chargingState"], "Idle");
    assert_eq!(tx["energyWh"], 5_000, "{tx}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_an_ended_event_for_a_transaction_never_seen_is_answered_and_kept() {
    let app = open_app().await;
    let mut cp = booted(&app, "CS-LOST").await;
    let ended = tx_event(
        "Ended",
        5,
        "TX-GHOST",
        Some(2_000.0),
        json!({"offline": true, "transactionInfo": {"stoppedReason": "PowerLoss"}}),
    );
    result(cp.call("TransactionEvent", ended).await.unwrap());
    let list = app.get("/api/transactions?station=CS-LOST").await.json();
    assert_eq!(list[0]["stationTransactionId"], "TX-GHOST");
    assert_eq!(list[0]["stopReason"], "PowerLoss");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f01_request_start_transaction_links_the_transaction_by_remote_start_id() {
    let app = open_app().await;
    tag(&app, "REMOTE", TokenStatus::Accepted, None).await;
    let mut cp = booted(&app, "CS-REMOTE").await;
    let path = "/api/stations/CS-REMOTE/commands/RequestStartTransaction";
    let body = r#"{"idToken": {"idToken": "REMOTE", "type": "Central"}, "remoteStartId": 42, "evseId": 1}"#;
    let request = app.request("POST", path, Some(body));
    let station = async {
        let call = cp.next_call(WAIT).await.unwrap();
        assert_eq!(call.action(), Some("RequestStartTransaction"));
        // The station starts at once, before its answer is out.
        let started = tx_event(
            "Started",
            0,
            "TX-R",
            Some(100.0),
            json!({"triggerReason": "RemoteStart",
                   "idToken": {"idToken": "REMOTE", "type": "Central"},
                   "transactionInfo": {"remoteStartId": 42}}),
        );
        result(cp.call("TransactionEvent", started).await.unwrap());
        cp.answer(
            &call,
            json!({"status": "Accepted", "transactionId": "TX-R"}),
        )
        .await
        .unwrap();
    };
    let (response, ()) = tokio::join!(request, station);
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["status"], "Accepted");
    let list = app.get("/api/transactions?station=CS-REMOTE").await.json();
    assert!(
        list[0]["remoteStartRequestedAt"].as_str().is_some(),
        "{list}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part4_bad_frames_and_payloads_get_2_0_1_error_codes_and_the_connection_goes_on() {
    let app = open_app().await;
    let mut cp = booted(&app, "CS-BAD").await;
    let cases: [(&str, &str, &str); 5] = [
        ("this is not json", "-1", "RpcFrameworkError"),
        (r#"[2, "m1", "Heartbeat"]"#, "m1", "FormatViolation"),
        (
            r#"[9, "m3", "Heartbeat", {}]"#,
            "m3",
            "MessageTypeNotSupported",
        ),
        (
            r#"[2, "m4", "StartTransaction", {}]"#,
            "m4",
            "NotImplemented",
        ),
        (
            r#"[2, "m5", "Reset", {"type": "Immediate"}]"#,
            "m5",
            "NotSupported",
        ),
    ];
    for (text, id, code) in cases {
        cp.send_text(text).await.unwrap();
        let answer = cp.next_frame(WAIT).await.unwrap();
        assert_eq!(answer[0], 4, "{text} -> {answer}");
        assert_eq!(answer[1], id, "{text} -> {answer}");
        assert_eq!(answer[2], code, "{text} -> {answer}");
    }
    let payloads = [
        (json!({}), "OccurrenceConstraintViolation"),
        (
            json!({"idToken": {"idToken": 5, "type": "ISO14443"}}),
            "TypeConstraintViolation",
        ),
        (
            json!({"idToken": {"idToken": "A", "type": "Barcode"}}),
            "PropertyConstraintViolation",
        ),
        (
            json!({"idToken": {"idToken": "A", "type": "Local"}, "extra": 1}),
            "FormatViolation",
        ),
    ];
    for (payload, code) in payloads {
        let reply = cp.call("Authorize", payload.clone()).await.unwrap();
        assert_eq!(error_code(reply), code, "{payload}");
    }
    // DataTransfer to a vendor Centrale does not implement (P02.FR.06).
    let answer = result(
        cp.call("DataTransfer", json!({"vendorId": "org.example"}))
            .await
            .unwrap(),
    );
    assert_eq!(answer["status"], "UnknownVendorId");
    // No certificate services: Failed, exiResponse present even then.
    let answer = result(
        cp.call(
            "Get15118EVCertificate",
            json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install", "exiRequest": "AA=="}),
        )
        .await
        .unwrap(),
    );
    assert_eq!(answer["status"], "Failed");
    assert_eq!(answer["exiResponse"], "");
    result(cp.call("Heartbeat", json!({})).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g_evse_status_follows_its_connectors_and_notify_event_is_kept() {
    let app = open_app().await;
    let mut cp = booted(&app, "CS-EVSE").await;
    for (connector, status) in [(1, "Available"), (2, "Occupied")] {
        let payload = json!({"timestamp": now(), "connectorStatus": status, "evseId": 1, "connectorId": connector});
        result(cp.call("StatusNotification", payload).await.unwrap());
    }
    let station = app.get("/api/stations/CS-EVSE").await.json();
    assert_eq!(station["connectors"][0]["connectorId"], 1);
    assert_eq!(station["connectors"][0]["status"], "Occupied", "{station}");
    let evses = app.get("/api/stations/CS-EVSE/evses").await.json();
    assert_eq!(evses.as_array().unwrap().len(), 2);
    let event = json!({"generatedAt": now(), "seqNo": 0, "eventData": [{
        "eventId": 1, "timestamp": now(), "trigger": "Alerting", "actualValue": "81",
        "techCode": "OVERTEMP", "eventNotificationType": "HardWiredMonitor",
        "component": {"name": "ChargingStation"}, "variable": {"name": "Temperature"}}]});
    result(cp.call("NotifyEvent", event).await.unwrap());
    let alerts = app.get("/api/stations/CS-EVSE/alerts").await.json();
    assert_eq!(alerts[0]["techCode"], "OVERTEMP");
    assert_eq!(alerts[0]["actualValue"], "81");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_fleet_each_station_gets_its_own_version_and_commands_are_checked_against_it() {
    let app = open_app().await;
    let mut new = booted(&app, "CS-NEW").await;
    let mut old = Station::connect(&app.ocpp_base(), "CP-OLD").await.unwrap();
    result(
        old.call(
            "BootNotification",
            json!({"chargePointVendor": "Acme", "chargePointModel": "Classic"}),
        )
        .await
        .unwrap(),
    );
    // An action of the other version is a 400 that names it.
    let wrong = app
        .request(
            "POST",
            "/api/stations/CS-NEW/commands/RemoteStartTransaction",
            Some(r#"{"idTag": "X"}"#),
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong
            .body
            .contains("RemoteStartTransaction is an OCPP 1.6 action"),
        "{}",
        wrong.body
    );
    let wrong = app
        .request(
            "POST",
            "/api/stations/CP-OLD/commands/RequestStartTransaction",
            Some("{}"),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("2.0.1"), "{}", wrong.body);
    // A field of the other version is named too.
    let wrong = app
        .request(
            "POST",
            "/api/stations/CS-NEW/commands/Reset",
            Some(r#"{"type": "Hard"}"#),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("type"), "{}", wrong.body);
    // Each gets a command in its own version.
    let reset_new = app.request(
        "POST",
        "/api/stations/CS-NEW/commands/Reset",
        Some(r#"{"type": "OnIdle"}"#),
    );
    let reset_old = app.request(
        "POST",
        "/api/stations/CP-OLD/commands/Reset",
        Some(r#"{"type": "Soft"}"#),
    );
    let stations = async {
        let a = new.next_call(WAIT).await.unwrap();
        new.answer(&a, json!({"status": "Scheduled"}))
            .await
            .unwrap();
        let b = old.next_call(WAIT).await.unwrap();
        old.answer(&b, json!({"status": "Accepted"})).await.unwrap();
    };
    let (a, b, ()) = tokio::join!(reset_new, reset_old, stations);
    assert_eq!(a.json()["status"], "Scheduled", "{}", a.body);
    assert_eq!(b.json()["status"], "Accepted", "{}", b.body);
}
