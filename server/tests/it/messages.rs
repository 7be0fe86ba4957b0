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
