//! Webhooks through real parts: a real HTTP receiver on loopback, stations over WebSocket, the
//! REST API, and the `centrale` binary killed with SIGKILL. Signatures are checked here with
//! the `hmac` crate, independently of the server's code.

pub(crate) mod receiver;

use crate::helpers::{Killed, TestApp, fresh_database, http_with};
use crate::lifecycle::{admin_token_header, start_binary};
use crate::ocpp16::result;
use engine::model::RegistrationPolicy;
use receiver::{Got, Mode, Receiver, free_address, signed_with};
use serde_json::{Value, json};
use simulator::Station;
use std::time::Duration;

/// Registers an endpoint through the API: its id and secret.
async fn register(app: &TestApp, url: &str, kinds: &[&str]) -> (i64, String) {
    let body = json!({"url": url, "kinds": kinds}).to_string();
    let answer = app.request("POST", "/api/webhooks", Some(&body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let added = answer.json();
    (
        added["id"].as_i64().expect("an id"),
        added["secret"].as_str().expect("a secret").to_owned(),
    )
}

async fn open_app() -> TestApp {
    TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await
}

/// A 1.6 station that boots, reports a status, and runs a short session with meter values.
async fn charge(app_ocpp: &str, id: &str) {
    let mut cp = Station::connect(app_ocpp, id).await.unwrap();
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "M"});
    result(cp.call("BootNotification", boot).await.unwrap());
    let status = |s: &str| json!({"connectorId": 1, "errorCode": "NoError", "status": s});
    result(
        cp.call("StatusNotification", status("Preparing"))
            .await
            .unwrap(),
    );
    let start = json!({"connectorId": 1, "idTag": "WH-TAG", "meterStart": 1000, "timestamp": "2026-12-02T10:00:00Z"});
    let started = result(cp.call("StartTransaction", start).await.unwrap());
    let tx = started["transactionId"].as_i64().unwrap();
    let meter = json!({"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": "2026-12-02T10:05:00Z",
        "sampledValue": [{"value": "2500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]});
    result(cp.call("MeterValues", meter).await.unwrap());
    let stop = json!({"transactionId": tx, "meterStop": 4000, "timestamp": "2026-12-02T10:10:00Z", "reason": "Local"});
    result(cp.call("StopTransaction", stop).await.unwrap());
    result(
        cp.call("StatusNotification", status("Available"))
            .await
            .unwrap(),
    );
    cp.close().await.unwrap();
}

/// What one station's session says, in order, to an endpoint that wants every kind.
const SESSION: [&str; 7] = [
    "stationConnected",
    "connectorStatusChanged",
    "transactionStarted",
    "transactionUpdated",
    "transactionStopped",
    "connectorStatusChanged",
    "stationDisconnected",
];

/// The deliveries of endpoint `id` (up to 100), once at least `n` are listed and all are noted
/// delivered (a delivery is noted after the receiver answered), or as they are after 5 s.
pub(crate) async fn noted_delivered(app: &TestApp, id: i64, n: usize) -> Vec<Value> {
    let mut deliveries = Vec::new();
    for _ in 0..250 {
        deliveries = app
            .get(&format!("/api/webhooks/{id}/deliveries?limit=100"))
            .await
            .json()
            .as_array()
            .cloned()
            .unwrap_or_default();
        if deliveries.len() >= n && deliveries.iter().all(|d| d["deliveredAt"].is_string()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    deliveries
}

/// The kinds of the deliveries about `station`, in the order they arrived.
fn kinds_of(got: &[Got], station: &str) -> Vec<String> {
    got.iter()
        .map(Got::json)
        .filter(|b| b["stationId"] == station)
        .map(|b| b["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arrive_signed_once_each_and_in_order_per_station() {
    let app = open_app().await;
    let receiver = Receiver::start("127.0.0.1:0".parse().unwrap(), Mode::Answer(204)).await;
    let (id, secret) = register(&app, &receiver.url(), &[]).await;
    let base = app.ocpp_base();
    tokio::join!(charge(&base, "CP-WH-A"), charge(&base, "CP-WH-B"));

    let got = receiver
        .wait_until(Duration::from_secs(20), |got| {
            got.len() >= 2 * SESSION.len()
        })
        .await;
    for station in ["CP-WH-A", "CP-WH-B"] {
        assert_eq!(kinds_of(&got, station), SESSION, "{station}");
    }
    let mut ids = Vec::new();
    for delivery in &got {
        assert!(signed_with(delivery, &secret), "{delivery:?}");
        // A receiver with another secret sees the signature is not theirs.
        assert!(!signed_with(delivery, "not-the-endpoints-secret"));
        let mut tampered = delivery.clone();
        tampered.body = tampered.body.replacen("CP-WH", "CP-XX", 1);
        assert!(!signed_with(&tampered, &secret));
        let body = delivery.json();
        assert_eq!(delivery.header("content-type"), "application/json");
        assert_eq!(delivery.header("centrale-event-id"), body["id"].to_string());
        assert_eq!(delivery.header("centrale-event-type"), body["type"]);
        assert_eq!(body["data"]["type"], body["type"]);
        assert_eq!(body["data"]["stationId"], body["stationId"]);
        assert!(body["createdAt"].as_str().unwrap().ends_with('Z'), "{body}");
        ids.push(body["id"].as_i64().unwrap());
    }
    // Once each (no delivery repeated), and per station in the order of the event ids.
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    for station in ["CP-WH-A", "CP-WH-B"] {
        let of: Vec<i64> = got
            .iter()
            .map(Got::json)
            .filter(|b| b["stationId"] == station)
            .map(|b| b["id"].as_i64().unwrap())
            .collect();
        assert!(of.windows(2).all(|w| w[0] < w[1]), "{station}: {of:?}");
    }
    let stopped = got
        .iter()
        .map(Got::json)
        .find(|b| b["type"] == "transactionStopped")
        .unwrap();
    assert_eq!(stopped["data"]["energyWh"], 3000);
    assert_eq!(stopped["data"]["reason"], "Local");

    // The API shows them delivered (noted once the receiver answered), with nothing waiting.
    let deliveries = noted_delivered(&app, id, got.len()).await;
    assert_eq!(deliveries.len(), got.len());
    assert!(
        deliveries
            .iter()
            .all(|d| d["deliveredAt"].is_string() && d["lastStatus"] == 204 && d["attempts"] == 1),
        "{deliveries:?}"
    );
    let endpoints = app.get("/api/webhooks").await.json();
    assert_eq!(endpoints[0]["waiting"], 0, "{endpoints}");
    assert!(endpoints[0]["lastDeliveredAt"].is_string());
    assert!(
        endpoints[0].get("secret").is_none(),
        "the secret is shown once"
    );
    let metrics = app.get("/metrics").await.body;
    assert!(
        metrics.contains(&format!(
            "centrale_webhook_deliveries_total{{result=\"delivered\"}} {}",
            got.len()
        )),
        "{metrics}"
    );
    app.server.stop().await.unwrap();
}

/// Waits (up to 5 s) until the API says `station` is connected, or not.
async fn wait_connected(app: &TestApp, station: &str, connected: bool) {
    for _ in 0..250 {
        let seen = app.get(&format!("/api/stations/{station}")).await.json();
        if seen["connected"] == connected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{station} did not become connected = {connected}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_gets_only_its_kinds_and_nothing_while_disabled() {
    let app = open_app().await;
    let receiver = Receiver::start("127.0.0.1:0".parse().unwrap(), Mode::Answer(200)).await;
    let (id, _) = register(
        &app,
        &receiver.url(),
        &["transactionStopped", "commandAnswered"],
    )
    .await;
    charge(&app.ocpp_base(), "CP-WH-KINDS").await;
    // A command answered, once the station is back (its first connection gone, the new one
    // registered).
    wait_connected(&app, "CP-WH-KINDS", false).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-WH-KINDS")
        .await
        .unwrap();
    wait_connected(&app, "CP-WH-KINDS", true).await;
    let path = "/api/stations/CP-WH-KINDS/commands/ClearCache";
    let (_, sent) = tokio::join!(
        async {
            let call = cp.next_call(Duration::from_secs(5)).await.unwrap();
            cp.answer(&call, json!({"status": "Accepted"}))
                .await
                .unwrap();
        },
        app.request("POST", path, Some("{}"))
    );
    assert_eq!(sent.status, 200, "{}", sent.body);
    let got = receiver
        .wait_until(Duration::from_secs(20), |got| got.len() >= 2)
        .await;
    assert_eq!(
        kinds_of(&got, "CP-WH-KINDS"),
        ["transactionStopped", "commandAnswered"]
    );
    let answered = got[1].json();
    assert_eq!(answered["data"]["action"], "ClearCache");
    assert_eq!(answered["data"]["result"]["payload"]["status"], "Accepted");

    // Disabled: new events are not kept for it.
    let off = app
        .request(
            "PATCH",
            &format!("/api/webhooks/{id}"),
            Some(r#"{"enabled":false}"#),
        )
        .await;
    assert_eq!(off.status, 204, "{}", off.body);
    cp.close().await.unwrap();
    charge(&app.ocpp_base(), "CP-WH-KINDS").await;
    let deliveries = app
        .get(&format!("/api/webhooks/{id}/deliveries"))
        .await
        .json();
    assert_eq!(deliveries.as_array().unwrap().len(), 2, "{deliveries}");
    assert_eq!(receiver.got().len(), 2);
    app.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_a_while_gets_everything_in_order_once_up_and_a_replay_again() {
    let app = open_app().await;
    // Nothing listens there yet: every attempt fails to connect.
    let addr = free_address().await;
    let (id, secret) = register(&app, &format!("http://{addr}/hooks/centrale"), &[]).await;
    charge(&app.ocpp_base(), "CP-WH-DOWN").await;
    // Tried, failed, waiting: the Admin view's figures say so.
    let mut waiting = Value::Null;
    for _ in 0..250 {
        waiting = app.get("/api/webhooks").await.json()[0].clone();
        if waiting["lastError"] == "could not connect" && waiting["waiting"] == SESSION.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(waiting["lastError"], "could not connect", "{waiting}");
    assert_eq!(waiting["waiting"], SESSION.len(), "{waiting}");
    // Later events of the station wait behind the first: only it was tried.
    let deliveries = app
        .get(&format!("/api/webhooks/{id}/deliveries"))
        .await
        .json();
    let tried: Vec<&Value> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["attempts"] != 0)
        .collect();
    assert_eq!(tried.len(), 1, "{deliveries}");
    assert_eq!(tried[0]["kind"], "stationConnected");
    assert!(tried[0]["nextAttemptAt"].is_string());

    let receiver = Receiver::start(addr, Mode::Answer(200)).await;
    let got = receiver
        .wait_until(Duration::from_secs(30), |got| got.len() >= SESSION.len())
        .await;
    assert_eq!(kinds_of(&got, "CP-WH-DOWN"), SESSION);
    assert!(got.iter().all(|g| signed_with(g, &secret)));

    // A replay sends a delivered event again, with its id.
    let first = got[0].json()["id"].as_i64().unwrap();
    let replay = app
        .request(
            "POST",
            &format!("/api/webhooks/{id}/deliveries/{first}/replay"),
            None,
        )
        .await;
    assert_eq!(replay.status, 204, "{}", replay.body);
    let again = receiver
        .wait_until(Duration::from_secs(10), |got| got.len() > SESSION.len())
        .await;
    assert_eq!(again[SESSION.len()].json()["id"], first);
    let missing = app
        .request(
            "POST",
            &format!("/api/webhooks/{id}/deliveries/999999/replay"),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    app.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_hangs_does_not_delay_the_stations() {
    let app = open_app().await;
    let receiver = Receiver::start("127.0.0.1:0".parse().unwrap(), Mode::Hang).await;
    register(&app, &receiver.url(), &[]).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-WH-HANG")
        .await
        .unwrap();
    // The first delivery reached the receiver, which holds it unanswered.
    receiver
        .wait_until(Duration::from_secs(10), |got| !got.is_empty())
        .await;
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "M"});
    result(cp.call("BootNotification", boot).await.unwrap());
    for status in ["Preparing", "Available", "Unavailable", "Available"] {
        for connector in 1..=5 {
            let report =
                json!({"connectorId": connector, "errorCode": "NoError", "status": status});
            result(cp.call("StatusNotification", report).await.unwrap());
        }
    }
    // Every message was answered while the receiver still held the first delivery: nothing
    // was delivered, and the station's later events wait behind it.
    assert_eq!(receiver.got().len(), 1);
    let endpoint = &app.get("/api/webhooks").await.json()[0];
    assert_eq!(endpoint["waiting"], 21, "{endpoint}");
    assert!(endpoint["lastDeliveredAt"].is_null());
    // The receiver answers again: the held delivery times out (10 s) and is sent again, then
    // the rest follow, in order.
    receiver.set_mode(Mode::Answer(200));
    let got = receiver
        .wait_until(Duration::from_secs(30), |got| got.len() >= 22)
        .await;
    assert_eq!(got[0].body, got[1].body, "the same event, tried again");
    let kinds = kinds_of(&got[1..], "CP-WH-HANG");
    assert_eq!(kinds[0], "stationConnected");
    assert_eq!(kinds.len(), 21);
    assert!(kinds[1..].iter().all(|k| k == "connectorStatusChanged"));
    app.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_left_undelivered_by_a_killed_process_are_delivered_after_its_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let args = ["--registration", "open", "--database", &database];
    let (child, addr, _out) = start_binary(&args, None).await;
    let first = Killed(child);
    let auth = admin_token_header(&database);
    // The receiver is down while the events happen.
    let receiver_addr = free_address().await;
    let body = json!({"url": format!("http://{receiver_addr}/"), "kinds": ["transactionStarted"]});
    let added = http_with(
        &addr,
        &auth,
        "POST",
        "/api/webhooks",
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let secret = added.json()["secret"].as_str().unwrap().to_owned();
    let mut cp = Station::connect(&format!("ws://{addr}/ocpp"), "CP-WH-KILL")
        .await
        .unwrap();
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "M"});
    result(cp.call("BootNotification", boot).await.unwrap());
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let start = json!({"connectorId": 1, "idTag": format!("K{i}"), "meterStart": i, "timestamp": "2026-12-02T10:00:00Z"});
        let answer = result(cp.call("StartTransaction", start).await.unwrap());
        acknowledged.push(answer["transactionId"].as_i64().unwrap());
    }
    // SIGKILL: no shutdown, nothing flushed.
    drop(first);

    let receiver = Receiver::start(receiver_addr, Mode::Answer(200)).await;
    let (child, _addr, _out) = start_binary(&args, None).await;
    let _second = Killed(child);
    // The backlog went out at once after the start (not at its next backoff), in order.
    let got = receiver
        .wait_until(Duration::from_secs(30), |got| {
            got.len() >= acknowledged.len()
        })
        .await;
    let started: Vec<i64> = got
        .iter()
        .map(|g| g.json()["data"]["transactionId"].as_i64().unwrap())
        .collect();
    assert_eq!(started, acknowledged);
    assert!(got.iter().all(|g| signed_with(g, &secret)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_endpoint_is_refused_naming_the_field_and_only_admins_manage_them() {
    let app = open_app().await;
    for (body, field) in [
        (json!({"url": "ftp://example.com/"}), "url"),
        (json!({"url": "not a url"}), "url"),
        (
            json!({"url": "http://127.0.0.1:9/", "kinds": ["meterValues"]}),
            "kinds",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "secret": "short"}),
            "secret",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "colour": "red"}),
            "colour",
        ),
    ] {
        let answer = app
            .request("POST", "/api/webhooks", Some(&body.to_string()))
            .await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert!(answer.body.contains(field), "{body}: {}", answer.body);
    }
    assert_eq!(app.get("/api/webhooks").await.json(), json!([]));
    let body =
        json!({"url": "https://billing.example/hook", "secret": "a-secret-of-24-characters"});
    let added = app
        .request("POST", "/api/webhooks", Some(&body.to_string()))
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.json()["secret"], "a-secret-of-24-characters");
    assert_eq!(added.json()["kinds"], json!([]));
    assert_eq!(
        app.request("DELETE", "/api/webhooks/999", None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.request("PATCH", "/api/webhooks/999", Some(r#"{"enabled":true}"#))
            .await
            .status,
        404
    );
    assert_eq!(app.get("/api/webhooks/999/deliveries").await.status, 404);

    let operator =
        crate::helpers::admin_token(&app.server, engine::operators::Role::Operator).await;
    let as_operator = format!("Authorization: Bearer {operator}\r\n");
    let addr = app.server.addr().to_string();
    let refused = http_with(&addr, &as_operator, "GET", "/api/webhooks", None).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = http_with(
        &addr,
        &as_operator,
        "POST",
        "/api/webhooks",
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        app.get("/api/webhooks")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let id = added.json()["id"].as_i64().unwrap();
    assert_eq!(
        app.request("DELETE", &format!("/api/webhooks/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(app.get("/api/webhooks").await.json(), json!([]));
    app.server.stop().await.unwrap();
}
