//! Calls from the central system toward stations, through the engine the REST API uses.

use crate::helpers::TestApp;
use engine::calls::CallError;
use engine::model::{Registration, RegistrationPolicy};
use protocol::{Frame, StationId};
use serde_json::{Value, json};
use simulator::Station;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

fn action_of(call: &Frame) -> &str {
    match call {
        Frame::Call { action, .. } => action,
        _ => "",
    }
}

fn payload_of(call: &Frame) -> Value {
    match call {
        Frame::Call { payload, .. } => serde_json::from_str(payload.get()).unwrap(),
        _ => Value::Null,
    }
}

async fn accepted_station(app: &TestApp, id: &str) -> Station {
    let mut cp = Station::connect(&app.ocpp_base(), id).await.unwrap();
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "M"});
    cp.call("BootNotification", boot).await.unwrap();
    cp
}

fn open(c: &mut server::Config) {
    c.registration = RegistrationPolicy::Open;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_reaches_the_station_and_its_answer_is_kept() {
    let app = TestApp::spawn_with(open).await;
    let mut cp = accepted_station(&app, "CP-CFG").await;
    let engine = app.server.engine().clone();
    let id = StationId::parse("CP-CFG").unwrap();

    let call = tokio::spawn({
        let engine = engine.clone();
        let id = id.clone();
        async move {
            engine
                .call_json("test", &id, "GetConfiguration", "{}")
                .await
        }
    });
    let incoming = cp.next_call(WAIT).await.unwrap();
    assert_eq!(action_of(&incoming), "GetConfiguration");
    let keys = json!({"configurationKey": [
        {"key": "HeartbeatInterval", "readonly": false, "value": "300"},
        {"key": "NumberOfConnectors", "readonly": true, "value": "2"}
    ], "unknownKey": []});
    cp.answer(&incoming, keys.clone()).await.unwrap();
    assert_eq!(call.await.unwrap().unwrap(), keys);
    let stored = engine.configuration(&id).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .any(|k| k.key == "NumberOfConnectors" && k.readonly)
    );

    // An accepted ChangeConfiguration updates the kept value.
    let call = tokio::spawn({
        let engine = engine.clone();
        let id = id.clone();
        async move {
            engine
                .call_json(
                    "test",
                    &id,
                    "ChangeConfiguration",
                    r#"{"key":"HeartbeatInterval","value":"60"}"#,
                )
                .await
        }
    });
    let incoming = cp.next_call(WAIT).await.unwrap();
    assert_eq!(
        payload_of(&incoming),
        json!({"key": "HeartbeatInterval", "value": "60"})
    );
    cp.answer(&incoming, json!({"status": "Accepted"}))
        .await
        .unwrap();
    assert_eq!(call.await.unwrap().unwrap(), json!({"status": "Accepted"}));
    let stored = engine.configuration(&id).await.unwrap();
    let beat = stored
        .iter()
        .find(|k| k.key == "HeartbeatInterval")
        .unwrap();
    assert_eq!(beat.value.as_deref(), Some("60"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_are_sent_one_at_a_time_in_order() {
    let app = TestApp::spawn_with(open).await;
    let mut cp = accepted_station(&app, "CP-Q").await;
    let engine = app.server.engine().clone();
    let id = StationId::parse("CP-Q").unwrap();
    let mut calls = Vec::new();
    for connector in 1..=3 {
        let engine = engine.clone();
        let id = id.clone();
        calls.push(tokio::spawn(async move {
            engine
                .call_json(
                    "test",
                    &id,
                    "UnlockConnector",
                    &format!(r#"{{"connectorId":{connector}}}"#),
                )
                .await
        }));
        // Queue them in this order.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for connector in 1..=3 {
        let incoming = cp.next_call(WAIT).await.unwrap();
        assert_eq!(payload_of(&incoming)["connectorId"], connector);
        // Nothing else is sent while this call is outstanding.
        let early = cp.next_call(Duration::from_millis(300)).await;
        assert!(
            early.is_err(),
            "a second call while one is outstanding: {early:?}"
        );
        cp.answer(&incoming, json!({"status": "Unlocked"}))
            .await
            .unwrap();
    }
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), json!({"status": "Unlocked"}));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_station_times_out_and_the_next_call_goes_out() {
    let app = TestApp::spawn_with(|c| {
        open(c);
        c.call_timeout = 1;
    })
    .await;
    let mut cp = accepted_station(&app, "CP-SLOW").await;
    let engine = app.server.engine().clone();
    let id = StationId::parse("CP-SLOW").unwrap();
    let first = tokio::spawn({
        let engine = engine.clone();
        let id = id.clone();
        async move { engine.call_json("test", &id, "ClearCache", "{}").await }
    });
    let ignored = cp.next_call(WAIT).await.unwrap();
    assert_eq!(action_of(&ignored), "ClearCache");
    assert!(matches!(first.await.unwrap(), Err(CallError::Timeout(_))));

    let second = tokio::spawn({
        let engine = engine.clone();
        let id = id.clone();
        async move {
            engine
                .call_json("test", &id, "GetLocalListVersion", "{}")
                .await
        }
    });
    let incoming = cp.next_call(WAIT).await.unwrap();
    assert_eq!(action_of(&incoming), "GetLocalListVersion");
    // A late answer to the timed-out call is dropped, not mistaken for this one.
    cp.answer(&ignored, json!({"status": "Accepted"}))
        .await
        .unwrap();
    cp.answer(&incoming, json!({"listVersion": 7}))
        .await
        .unwrap();
    assert_eq!(second.await.unwrap().unwrap(), json!({"listVersion": 7}));
    assert_eq!(engine.local_list_version(&id).await.unwrap(), Some(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_invalid_answers_and_invalid_requests_are_told_apart() {
    let app = TestApp::spawn_with(open).await;
    let mut cp = accepted_station(&app, "CP-ERR").await;
    let engine = app.server.engine().clone();
    let id = StationId::parse("CP-ERR").unwrap();

    let call = tokio::spawn({
        let (engine, id) = (engine.clone(), id.clone());
        async move {
            engine
                .call_json("test", &id, "Reset", r#"{"type":"Hard"}"#)
                .await
        }
    });
    let incoming = cp.next_call(WAIT).await.unwrap();
    cp.answer_error(&incoming, "NotSupported", "no reset here")
        .await
        .unwrap();
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::Rejected {
            code: "NotSupported".into(),
            description: "no reset here".into()
        })
    );

    let call = tokio::spawn({
        let (engine, id) = (engine.clone(), id.clone());
        async move {
            engine
                .call_json("test", &id, "Reset", r#"{"type":"Soft"}"#)
                .await
        }
    });
    let incoming = cp.next_call(WAIT).await.unwrap();
    cp.answer(&incoming, json!({"status": "Maybe"}))
        .await
        .unwrap();
    assert!(matches!(
        call.await.unwrap(),
        Err(CallError::InvalidResponse(_))
    ));

    // An invalid request is refused before anything is sent.
    let refused = engine
        .call_json("test", &id, "Reset", r#"{"type":"Sideways"}"#)
        .await;
    assert!(
        matches!(refused, Err(CallError::InvalidRequest(_))),
        "{refused:?}"
    );
    let refused = engine.call_json("test", &id, "Heartbeat", "{}").await;
    assert!(
        matches!(refused, Err(CallError::InvalidRequest(_))),
        "{refused:?}"
    );
    assert!(
        cp.next_call(Duration::from_millis(300)).await.is_err(),
        "nothing was sent"
    );

    let stranger = StationId::parse("NOBODY").unwrap();
    let err = engine
        .call_json("test", &stranger, "ClearCache", "{}")
        .await;
    assert!(matches!(err, Err(CallError::UnknownStation(_))), "{err:?}");
    drop(cp);
    app.wait_connected(0).await;
    let err = engine.call_json("test", &id, "ClearCache", "{}").await;
    assert!(matches!(err, Err(CallError::NotConnected(_))), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_a_pending_station_triggers_its_boot_at_once() {
    let app = TestApp::spawn().await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-WAITING")
        .await
        .unwrap();
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "M"});
    let Ok(simulator::Reply::Result(answer)) = cp.call("BootNotification", boot.clone()).await
    else {
        panic!("no boot answer");
    };
    assert_eq!(answer["status"], "Pending");

    let id = StationId::parse("CP-WAITING").unwrap();
    app.server
        .engine()
        .set_registration(&id, Registration::Accepted)
        .await
        .unwrap();
    let trigger = cp.next_call(WAIT).await.unwrap();
    assert_eq!(action_of(&trigger), "TriggerMessage");
    assert_eq!(
        payload_of(&trigger),
        json!({"requestedMessage": "BootNotification"})
    );
    cp.answer(&trigger, json!({"status": "Accepted"}))
        .await
        .unwrap();
    let Ok(simulator::Reply::Result(answer)) = cp.call("BootNotification", boot).await else {
        panic!("no boot answer");
    };
    assert_eq!(answer["status"], "Accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_that_stops_answering_pings_is_dropped() {
    let app = TestApp::spawn_with(|c| {
        open(c);
        c.ping_interval = 1;
    })
    .await;
    // This station never reads, so it never answers the server's pings.
    let _mute = Station::connect(&app.ocpp_base(), "CP-MUTE").await.unwrap();
    app.wait_connected(1).await;
    app.wait_connected_within(0, Duration::from_secs(10)).await;
}
