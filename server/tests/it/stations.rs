use crate::helpers::{TestApp, read_until_bytes, test_id_text};
use serde_json::json;
use simulator::{Reply, SimError, Station};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn station_connects_with_ocpp16_on_both_routes() {
    let app = TestApp::spawn().await;
    let a = Station::connect(&app.ocpp_base(), "CP-A").await.unwrap();
    assert_eq!(a.protocol(), Some("ocpp1.6"));
    let b = Station::connect(&format!("ws://{}/central", app.server.addr()), "CP-B")
        .await
        .unwrap();
    assert_eq!(b.protocol(), Some("ocpp1.6"));
    app.wait_connected(2).await;
    assert_eq!(app.server.engine().count_stations().await.unwrap(), 2);
    a.close().await.unwrap();
    b.close().await.unwrap();
    app.wait_connected(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_action_gets_not_implemented() {
    let app = TestApp::spawn().await;
    let mut station = Station::connect(&app.ocpp_base(), "CP-1").await.unwrap();
    let reply = station.call("NoSuchAction", json!({})).await.unwrap();
    let Reply::Error { code, .. } = reply else {
        panic!("expected a CALLERROR, got {reply:?}");
    };
    assert_eq!(code, "NotImplemented");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_their_callerror_and_the_connection_goes_on() {
    let app = TestApp::spawn().await;
    let mut station = Station::connect(&app.ocpp_base(), "CP-BAD").await.unwrap();
    let cases: [(&str, &str, &str); 5] = [
        ("this is not json", "-1", "FormationViolation"),
        (r#"{"an": "object"}"#, "-1", "FormationViolation"),
        (r#"[2, "m1", "Heartbeat"]"#, "m1", "FormationViolation"),
        (r#"[2, "m2", "Heartbeat", [1]]"#, "m2", "FormationViolation"),
        (r#"[9, "m3", "Heartbeat", {}]"#, "m3", "FormationViolation"),
    ];
    for (text, id, code) in cases {
        station.send_text(text).await.unwrap();
        let answer = station.next_frame(WAIT).await.unwrap();
        assert_eq!(answer[0], 4, "{text} -> {answer}");
        assert_eq!(answer[1], id, "{text} -> {answer}");
        assert_eq!(answer[2], code, "{text} -> {answer}");
        assert!(answer[3].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(answer[4], json!({}));
    }
    // A broken CALLRESULT is not answered (that would start a loop); the link still works.
    station.send_text(r#"[3, "x"]"#).await.unwrap();
    let reply = station.call("NoSuchAction", json!({})).await.unwrap();
    assert!(matches!(reply, Reply::Error { .. }), "{reply:?}");
}

/// The head of the answer to a raw upgrade request offering `protocols` (none: no header).
/// Raw, because WebSocket client libraries hide what a refusal looks like.
async fn upgrade_answer(app: &TestApp, id: &str, protocols: Option<&str>) -> String {
    let addr = app.server.addr().to_string();
    let mut socket = TcpStream::connect(&addr).await.unwrap();
    let offer = protocols.map_or_else(String::new, |p| format!("Sec-WebSocket-Protocol: {p}\r\n"));
    let request = format!(
        "GET /ocpp/{id} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n{offer}\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let seen = read_until_bytes(&mut socket, b"\r\n\r\n").await;
    let end = seen.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    String::from_utf8_lossy(&seen[..end]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tc_b_58_a_station_offering_no_supported_subprotocol_is_refused_without_a_websocket() {
    let app = TestApp::spawn().await;
    for offer in [Some("ocpp0.1"), Some("ocpp1.5, OCPP1.6"), None] {
        let head = upgrade_answer(&app, "CP-OLD", offer).await;
        assert!(head.starts_with("HTTP/1.1 400"), "{offer:?}: {head}");
        assert!(
            !head.to_lowercase().contains("upgrade: websocket"),
            "{head}"
        );
    }
    // Step 3 of TC_B_58: an unsupported version beside a supported one is fine.
    let head = upgrade_answer(&app, "CP-NEW", Some("ocpp0.1,ocpp2.0.1")).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(
        head.to_lowercase()
            .contains("sec-websocket-protocol: ocpp2.0.1"),
        "{head}"
    );
    assert!(
        !app.server
            .engine()
            .connected_stations()
            .iter()
            .any(|s| s.as_str() == "CP-OLD")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_the_versions_offered_the_newest_is_chosen() {
    let app = TestApp::spawn().await;
    let security = simulator::Security::default();
    let both = ["ocpp1.6", "ocpp2.0.1"];
    let station = Station::connect_offering(&app.ocpp_base(), "CP-BOTH", &both, &security)
        .await
        .unwrap();
    assert_eq!(station.protocol(), Some("ocpp2.0.1"));
    let old = Station::connect_offering(&app.ocpp_base(), "CP-OLD", &["ocpp1.6"], &security)
        .await
        .unwrap();
    assert_eq!(old.protocol(), Some("ocpp1.6"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_station_identity_is_refused_before_the_upgrade() {
    let app = TestApp::spawn().await;
    let too_long = "X".repeat(49);
    let err = Station::connect(&app.ocpp_base(), &too_long)
        .await
        .err()
        .expect("refused");
    let SimError::WebSocket(tokio_tungstenite::tungstenite::Error::Http(response)) = err else {
        panic!("expected an HTTP refusal, got {err:?}");
    };
    assert_eq!(response.status(), 400);
    let err = Station::connect(&app.ocpp_base(), "a:b")
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, SimError::WebSocket(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_connection_with_the_same_id_replaces_the_first() {
    let app = TestApp::spawn().await;
    let mut first = Station::connect(&app.ocpp_base(), "CP-TWICE")
        .await
        .unwrap();
    app.wait_connected(1).await;
    let mut second = Station::connect(&app.ocpp_base(), "CP-TWICE")
        .await
        .unwrap();

    let close = first.closed(WAIT).await.unwrap();
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1000));
    app.wait_connected(1).await;
    // The newer connection is the one served.
    let reply = second.call("NoSuchAction", json!({})).await.unwrap();
    assert!(matches!(reply, Reply::Error { .. }));
    assert_eq!(app.server.engine().count_stations().await.unwrap(), 1);
    // The older connection's end leaves the station online in the database, under the newer.
    let online = app.get("/api/stations?connection=online").await.json();
    assert_eq!(online[0]["id"], "CP-TWICE", "{online}");
    assert_eq!(app.get("/api/fleet").await.json()["online"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_stations_cleanly_and_data_survives_a_restart() {
    let app = TestApp::spawn().await;
    let mut station = Station::connect(&app.ocpp_base(), "CP-KEEP").await.unwrap();
    app.wait_connected(1).await;
    let url = app.database_url();
    let app = {
        let stop = tokio::spawn(async move { app.restart().await });
        let close = station.closed(WAIT).await.unwrap();
        assert_eq!(close.map(|c| u16::from(c.code)), Some(1000));
        stop.await.unwrap()
    };
    assert_eq!(app.database_url(), url);
    assert_eq!(app.server.engine().count_stations().await.unwrap(), 1);
    assert_eq!(app.server.engine().connected_stations().len(), 0);
    let page = app.get("/").await;
    assert_eq!(
        test_id_text(&page.body, "stat-stations"),
        Some("1"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_closes_the_connection_with_1009() {
    let app = TestApp::spawn_with(|c| {
        c.registration = engine::model::RegistrationPolicy::Open;
        c.max_message_size = 4_096;
    })
    .await;
    let mut station = Station::connect(&app.ocpp_base(), "CP-BIG").await.unwrap();
    // Within the limit: answered.
    let data = "x".repeat(3_000);
    let reply = station
        .call("DataTransfer", json!({"vendorId": "acme", "data": data}))
        .await
        .unwrap();
    assert!(matches!(reply, Reply::Result(_)), "{reply:?}");
    // Over it: the connection is closed with 1009, nothing is answered.
    let big = format!(
        r#"[2,"big","DataTransfer",{{"vendorId":"acme","data":"{}"}}]"#,
        "x".repeat(5_000)
    );
    station.send_text(&big).await.unwrap();
    let close = station.closed(Duration::from_secs(5)).await.unwrap();
    let close = close.expect("a close frame");
    assert_eq!(u16::from(close.code), 1009, "{close:?}");
    // The station may connect again at once.
    let mut again = Station::connect(&app.ocpp_base(), "CP-BIG").await.unwrap();
    assert!(matches!(
        again.call("Heartbeat", json!({})).await.unwrap(),
        Reply::Result(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retransmitted_call_is_answered_again_without_being_applied_twice() {
    let app =
        TestApp::spawn_with(|c| c.registration = engine::model::RegistrationPolicy::Open).await;
    let engine = app.server.engine().clone();
    let mut station = Station::connect(&app.ocpp_base(), "CP-DUP").await.unwrap();
    let started = station
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-24T10:00:00Z"}),
        )
        .await
        .unwrap();
    let Reply::Result(started) = started else {
        panic!("{started:?}")
    };
    let tx = started["transactionId"].as_i64().unwrap();
    let meter = |wh: u32| {
        format!(
            r#"[2,"mv-1","MeterValues",{{"connectorId":1,"transactionId":{tx},"meterValue":[{{"timestamp":"2026-11-24T10:01:00Z","sampledValue":[{{"value":"{wh}"}}]}}]}}]"#
        )
    };
    // The same CALL three times (a station that missed our answers): one answer each, the
    // same, and the value stored once.
    let mut answers = Vec::new();
    for _ in 0..3 {
        station.send_text(&meter(500)).await.unwrap();
        answers.push(station.next_frame(Duration::from_secs(5)).await.unwrap());
    }
    assert_eq!(answers[0], json!([3, "mv-1", {}]));
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let samples = engine.transaction_samples(tx).await.unwrap();
    assert_eq!(samples.len(), 1, "{samples:?}");
    // The same id with other content is another CALL: applied.
    station.send_text(&meter(900)).await.unwrap();
    station.next_frame(Duration::from_secs(5)).await.unwrap();
    let samples = engine.transaction_samples(tx).await.unwrap();
    assert_eq!(samples.len(), 2, "{samples:?}");
    station.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_beyond_the_limit_are_refused_until_one_leaves() {
    let app = TestApp::spawn_with(|c| {
        c.registration = engine::model::RegistrationPolicy::Open;
        c.max_stations = Some(2);
    })
    .await;
    let a = Station::connect(&app.ocpp_base(), "CP-L1").await.unwrap();
    let _b = Station::connect(&app.ocpp_base(), "CP-L2").await.unwrap();
    app.wait_connected(2).await;
    let refused = |err: SimError| match err {
        SimError::WebSocket(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            response.status().as_u16()
        }
        other => panic!("expected an HTTP refusal, got {other:?}"),
    };
    let err = Station::connect(&app.ocpp_base(), "CP-L3")
        .await
        .err()
        .expect("refused");
    assert_eq!(refused(err), 503);
    // A connected station may reconnect: its new connection replaces the old one.
    let mut again = Station::connect(&app.ocpp_base(), "CP-L2").await.unwrap();
    assert!(matches!(
        again.call("Heartbeat", json!({})).await.unwrap(),
        Reply::Result(_)
    ));
    // Once one leaves, another gets in.
    a.close().await.unwrap();
    app.wait_connected(1).await;
    let mut third = Station::connect(&app.ocpp_base(), "CP-L3").await.unwrap();
    assert!(matches!(
        third.call("Heartbeat", json!({})).await.unwrap(),
        Reply::Result(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_over_its_message_rate_is_slowed_and_loses_nothing() {
    // 20 messages per second, bursts of 20 (the least burst).
    let app = TestApp::spawn_with(|c| {
        c.max_message_rate = 20.0;
        c.registration = engine::model::RegistrationPolicy::Open;
    })
    .await;
    let mut station = Station::connect(&app.ocpp_base(), "CP-FLOOD")
        .await
        .unwrap();
    let mut quiet = Station::connect(&app.ocpp_base(), "CP-QUIET")
        .await
        .unwrap();
    // 60 CALLs at once, not waiting for answers (as OCPP-J asks stations to).
    let started = std::time::Instant::now();
    for n in 0..60 {
        station
            .send_text(&format!(r#"[2,"f{n}","Heartbeat",{{}}]"#))
            .await
            .unwrap();
    }
    // Another station is answered meanwhile.
    assert!(matches!(
        quiet.call("Heartbeat", json!({})).await.unwrap(),
        Reply::Result(_)
    ));
    let mut answered = Vec::new();
    while answered.len() < 60 {
        let frame = station.next_frame(WAIT).await.unwrap();
        assert_eq!(frame[0], 3, "{frame}");
        answered.push(frame[1].as_str().unwrap().to_owned());
    }
    let expected: Vec<String> = (0..60).map(|n| format!("f{n}")).collect();
    assert_eq!(answered, expected, "every message answered, in order");
    // The 40 beyond the burst took at least 40 / 20 s to be read (a lower bound: a slower
    // machine only takes longer).
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    let events = app
        .get("/api/security-events?station=CP-FLOOD")
        .await
        .json();
    assert_eq!(events[0]["eventType"], "MessageRateExceeded", "{events}");
    assert_eq!(
        events.as_array().unwrap().len(),
        1,
        "reported once: {events}"
    );
}
