use crate::helpers::{TestApp, read_until, test_id_text};
use simulator::Station;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_ok_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_is_rendered_on_the_server_with_counts_from_the_engine() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers
            .to_lowercase()
            .contains("content-type: text/html")
    );
    assert_eq!(
        test_id_text(&page.body, "stat-stations"),
        Some("0"),
        "{}",
        page.body
    );
    // The page loads its browser bundle.
    assert!(page.body.contains("/pkg/centrale.js"));
    assert!(page.body.contains("centrale_bg"));

    let station = Station::connect(&app.ocpp_base(), "CP-SSR").await.unwrap();
    app.wait_connected(1).await;
    let page = app.get("/").await;
    assert_eq!(
        test_id_text(&page.body, "stat-stations"),
        Some("1"),
        "{}",
        page.body
    );
    assert_eq!(
        test_id_text(&page.body, "stat-online"),
        Some("1"),
        "{}",
        page.body
    );
    // Gone, it is among the stations offline longest, by name.
    station.close().await.unwrap();
    app.wait_online_in_database(0).await;
    let page = app.get("/").await;
    assert_eq!(test_id_text(&page.body, "stat-offline"), Some("1"));
    assert!(page.body.contains("data-testid=\"longest-offline\""));
    assert!(page.body.contains("CP-SSR"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_404_and_unknown_api_paths_are_json_404() {
    let app = TestApp::spawn().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Page not found"));

    let api = app.get("/api/no-such-thing").await;
    assert_eq!(api.status, 404);
    assert!(api.headers.contains("application/json"));
    let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(body["error"], "no such API endpoint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_stream_carries_station_events_with_their_names() {
    let app = TestApp::spawn().await;
    let addr = app.server.addr().to_string();
    let mut sse = TcpStream::connect(&addr).await.unwrap();
    sse.write_all(
        format!(
            "GET /api/events HTTP/1.1\r\nHost: {addr}\r\n{}Accept: text/event-stream\r\n\r\n",
            app.auth_header()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let head = read_until(&mut sse, "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/event-stream"), "{head}");

    let station = Station::connect(&app.ocpp_base(), "CP-SSE").await.unwrap();
    let seen = read_until(&mut sse, "\"stationId\":\"CP-SSE\"").await;
    assert!(seen.contains("event: stationConnected"), "{seen}");
    assert!(seen.contains("\"protocol\":\"ocpp1.6\""), "{seen}");

    station.close().await.unwrap();
    let seen = read_until(&mut sse, "event: stationDisconnected").await;
    assert!(seen.contains("CP-SSE"), "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meter_values_update_their_transaction_on_the_event_stream() {
    let app =
        TestApp::spawn_with(|c| c.registration = engine::model::RegistrationPolicy::Open).await;
    let addr = app.server.addr().to_string();
    let mut sse = TcpStream::connect(&addr).await.unwrap();
    sse.write_all(
        format!(
            "GET /api/events HTTP/1.1\r\nHost: {addr}\r\n{}\r\n",
            app.auth_header()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    read_until(&mut sse, "\r\n\r\n").await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-LIVE").await.unwrap();
    let start = serde_json::json!({"connectorId": 1, "idTag": "X", "meterStart": 1000, "timestamp": "2026-11-24T10:00:00Z"});
    let simulator::Reply::Result(started) = cp.call("StartTransaction", start).await.unwrap()
    else {
        panic!("start refused");
    };
    let mv = serde_json::json!({"connectorId": 1, "transactionId": started["transactionId"], "meterValue": [{
        "timestamp": "2026-11-24T10:05:00Z", "sampledValue": [
            {"value": "2.5", "unit": "kWh"},
            {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"}]}]});
    cp.call("MeterValues", mv).await.unwrap();
    // Read whole events until the transactionUpdated one is complete.
    let mut seen = String::new();
    let event = loop {
        seen.push_str(&read_until(&mut sse, "\n\n").await);
        if let Some(at) = seen.find("event: transactionUpdated")
            && let Some(end) = seen[at..].find("\n\n")
        {
            break seen[at..at + end].to_owned();
        }
    };
    let seen = event;
    assert!(seen.contains("event: transactionUpdated"), "{seen}");
    assert!(seen.contains("\"energyWh\":1500.0"), "{seen}");
    assert!(seen.contains("\"powerW\":7200.0"), "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_events_decode_as_the_dashboards_live_events() {
    // The browser reads /api/events with app::dto::LiveEvent: the two shapes must agree.
    let at = time::OffsetDateTime::now_utc();
    let events = [
        engine::Event::StationConnected {
            station_id: "A".into(),
            protocol: protocol::OcppVersion::V16,
            at,
        },
        engine::Event::StationDisconnected {
            station_id: "A".into(),
            at,
        },
        engine::Event::TransactionStarted {
            station_id: "A".into(),
            connector_id: 1,
            transaction_id: 7,
            id_tag: "T".into(),
            meter_start: 0,
            at,
        },
        engine::Event::TransactionUpdated {
            station_id: "A".into(),
            connector_id: 1,
            transaction_id: 7,
            energy_wh: Some(1.0),
            power_w: None,
            at,
        },
        engine::Event::StationReport {
            station_id: "A".into(),
            report: "firmware".into(),
            status: "Installing".into(),
            at,
        },
        engine::Event::CommandAnswered {
            station_id: "A".into(),
            action: "Reset".into(),
            result: engine::calls::CallOutcome::Failed {
                error: "timeout".into(),
            },
            at,
        },
        engine::Event::MessageLogged {
            frame: engine::message_log::LoggedFrame {
                id: 0,
                station_id: "A".into(),
                direction: engine::message_log::Direction::In,
                message_type: Some(2),
                message_id: Some("1".into()),
                action: Some("Heartbeat".into()),
                frame: r#"[2,"1","Heartbeat",{}]"#.into(),
                at,
            },
        },
    ];
    for event in events {
        let json = serde_json::to_string(&event).unwrap();
        let live: app::dto::LiveEvent = serde_json::from_str(&json).unwrap();
        assert_ne!(live, app::dto::LiveEvent::Other, "{json}");
        assert_eq!(live.station_id(), Some("A"));
        assert!(app::dto::LiveEvent::KINDS.contains(&event.kind()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_stream_keeps_only_the_kinds_and_station_asked_for() {
    let app =
        TestApp::spawn_with(|c| c.registration = engine::model::RegistrationPolicy::Open).await;
    let addr = app.server.addr().to_string();
    let bad = app
        .get("/api/events?kinds=stationConnected,noSuchKind")
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("noSuchKind"), "{}", bad.body);

    let mut sse = TcpStream::connect(&addr).await.unwrap();
    sse.write_all(
        format!(
            "GET /api/events?kinds=connectorStatusChanged,messageLogged&station=CP-B HTTP/1.1\r\nHost: {addr}\r\n{}\r\n",
            app.auth_header()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let head = read_until(&mut sse, "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let status = |n: u32| serde_json::json!({"connectorId": n, "errorCode": "NoError", "status": "Available"});
    let mut a = Station::connect(&app.ocpp_base(), "CP-A").await.unwrap();
    a.call("StatusNotification", status(1)).await.unwrap();
    let mut b = Station::connect(&app.ocpp_base(), "CP-B").await.unwrap();
    b.call("StatusNotification", status(2)).await.unwrap();
    a.call("StatusNotification", status(3)).await.unwrap();
    b.call("Heartbeat", serde_json::json!({})).await.unwrap();
    // Everything up to CP-B's heartbeat answer: only CP-B's status and frames.
    let mut seen = String::new();
    while !seen.contains(r#""action":"Heartbeat","frame":"[3,"#) {
        seen.push_str(&read_until(&mut sse, "\n\n").await);
    }
    assert!(!seen.contains("CP-A"), "{seen}");
    assert!(!seen.contains("event: stationConnected"), "{seen}");
    assert!(seen.contains("event: connectorStatusChanged"), "{seen}");
    assert!(seen.contains(r#""connectorId":2"#), "{seen}");
    a.close().await.unwrap();
    b.close().await.unwrap();
}
