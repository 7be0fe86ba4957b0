//! The message log: every frame in and out, with its action, bounded.

use crate::helpers::TestApp;
use engine::model::RegistrationPolicy;
use serde_json::{Value, json};
use simulator::Station;
use std::time::Duration;

/// Polls `GET /api/messages{query}` until `done` holds (the log is written in batches).
async fn messages_until(app: &TestApp, query: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..100 {
        let response = app
            .request("GET", &format!("/api/messages{query}"), None)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        last = response.json().as_array().unwrap().clone();
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the message log never got there: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_frame_in_and_out_is_logged_with_its_action() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-LOG").await.unwrap();
    cp.call(
        "BootNotification",
        json!({"chargePointVendor": "A", "chargePointModel": "B"}),
    )
    .await
    .unwrap();
    cp.send_text("garbage").await.unwrap();
    cp.next_frame(Duration::from_secs(5)).await.unwrap();
    let _other = Station::connect(&app.ocpp_base(), "CP-OTHER")
        .await
        .unwrap();

    let log = messages_until(&app, "?station=CP-LOG", |m| m.len() >= 4).await;
    // Newest first: the CALLERROR for the garbage, the garbage, the boot answer, the boot.
    let (reply, garbage, answer, boot) = (&log[0], &log[1], &log[2], &log[3]);
    assert_eq!(boot["direction"], "in");
    assert_eq!(boot["messageType"], 2);
    assert_eq!(boot["action"], "BootNotification");
    assert_eq!(answer["direction"], "out");
    assert_eq!(answer["messageType"], 3);
    assert_eq!(
        answer["action"], "BootNotification",
        "a result carries the action it answers"
    );
    assert_eq!(answer["messageId"], boot["messageId"]);
    assert_eq!(garbage["frame"], "garbage");
    assert_eq!(reply["messageType"], 4);
    assert_eq!(reply["messageId"], "-1");
    assert!(log.iter().all(|m| m["stationId"] == "CP-LOG"));
    assert_eq!(
        app.request("GET", "/api/messages?station=a:b", None)
            .await
            .status,
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_keeps_only_the_newest_frames() {
    let app = TestApp::spawn_with(|c| {
        c.registration = RegistrationPolicy::Open;
        c.message_log_retention = 10;
    })
    .await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-MANY").await.unwrap();
    for _ in 0..600 {
        cp.call("Heartbeat", json!({})).await.unwrap();
    }
    // 1200 frames were logged (600 rows: each CALL with its answer); pruning runs after each
    // batch written when the retention is this small.
    let log = messages_until(&app, "?limit=1000", |m| !m.is_empty() && m.len() <= 210).await;
    assert!(log.len() <= 210, "{}", log.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_read_a_page_at_a_time_by_station_action_and_errors() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-PAGE").await.unwrap();
    for _ in 0..7 {
        cp.call("Heartbeat", json!({})).await.unwrap();
    }
    // A CALL the station cannot read: answered with a CALLERROR.
    cp.send_text("[2,\"bad\",\"Heartbeat\",[]]").await.unwrap();
    cp.next_frame(Duration::from_secs(5)).await.unwrap();
    let mut other = Station::connect(&app.ocpp_base(), "CP-ELSE").await.unwrap();
    other.call("Heartbeat", json!({})).await.unwrap();
    // 16 frames of CP-PAGE: 7 Heartbeats and their answers, the bad CALL and its CALLERROR
    // (a frame that could not be read has no action in the log).
    messages_until(&app, "?station=CP-PAGE", |m| m.len() >= 16).await;
    messages_until(&app, "?station=CP-ELSE", |m| m.len() >= 2).await;

    // Pages of 5, newest first, each older than the last, every frame once.
    let mut seen: Vec<i64> = Vec::new();
    let mut before: Option<String> = None;
    for _ in 0..10 {
        let path = match &before {
            Some(b) => format!("/api/messages?station=CP-PAGE&action=Heartbeat&limit=5&before={b}"),
            None => "/api/messages?station=CP-PAGE&action=Heartbeat&limit=5".to_owned(),
        };
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let ids: Vec<i64> = page
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert_eq!(f["stationId"], "CP-PAGE");
                assert_eq!(f["action"], "Heartbeat");
                f["id"].as_i64().unwrap()
            })
            .collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
        assert!(
            seen.last()
                .is_none_or(|last| ids.iter().all(|id| id < last))
        );
        seen.extend(&ids);
        before = page.header("x-next-before").map(str::to_owned);
        if before.is_none() {
            break;
        }
        assert_eq!(ids.len(), 5, "a page before the last is full");
        assert_eq!(
            before.as_deref(),
            ids.last().map(|id| id.to_string()).as_deref()
        );
    }
    assert_eq!(
        seen.len(),
        14,
        "the 7 Heartbeats and their answers: {seen:?}"
    );

    // Only the CALLERRORs: the answer to the bad CALL.
    let errors = app.get("/api/messages?errors=true").await.json();
    let errors = errors.as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["messageType"], 4);
    assert_eq!(errors[0]["messageId"], "bad");

    // A cursor inside a row: the CALL of an answer is on the next page.
    let answer = seen[0];
    assert_eq!(answer % 2, 1, "the newest is an answer");
    let next = app
        .get(&format!(
            "/api/messages?station=CP-PAGE&limit=1&before={answer}"
        ))
        .await
        .json();
    assert_eq!(next[0]["id"], answer - 1);

    for (query, field) in [
        ("before=0", "before"),
        ("errors=yes", "errors"),
        ("page=2", "page"),
    ] {
        let bad = app.get(&format!("/api/messages?{query}")).await;
        assert_eq!(bad.status, 400, "{query}: {}", bad.body);
        assert!(bad.body.contains(field), "{query}: {}", bad.body);
    }
}
