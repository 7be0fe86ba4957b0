//! The REST API, over HTTP, against a real server and real stations.

use crate::helpers::TestApp;
use engine::model::RegistrationPolicy;

use serde_json::json;
use simulator::Station;
use std::time::Duration;

pub(crate) const WAIT: Duration = Duration::from_secs(5);

pub(crate) fn open(c: &mut server::Config) {
    c.registration = RegistrationPolicy::Open;
}

pub(crate) async fn booted(app: &TestApp, id: &str) -> Station {
    let mut cp = Station::connect(&app.ocpp_base(), id).await.unwrap();
    cp.call(
        "BootNotification",
        json!({"chargePointVendor": "Acme", "chargePointModel": "M"}),
    )
    .await
    .unwrap();
    cp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_can_be_added_accepted_listed_and_removed() {
    let app = TestApp::spawn().await;
    let created = app
        .request("POST", "/api/stations", Some(r#"{"id":"CP-API"}"#))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["registration"], "Accepted");
    assert_eq!(created.json()["connected"], false);

    let again = app
        .request("POST", "/api/stations", Some(r#"{"id":"CP-API"}"#))
        .await;
    assert_eq!(again.status, 409);
    assert!(again.json()["error"].as_str().unwrap().contains("exists"));
    for bad in [
        r#"{"id":"a:b"}"#,
        r#"{"id":1}"#,
        "not json",
        r#"{"id":"X","extra":1}"#,
    ] {
        let refused = app.request("POST", "/api/stations", Some(bad)).await;
        assert_eq!(refused.status, 400, "{bad}");
        assert!(refused.json()["error"].is_string(), "{bad}");
    }

    // A pending station shows up, is accepted through the API.
    let mut cp = Station::connect(&app.ocpp_base(), "CP-PEND").await.unwrap();
    cp.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await
    .unwrap();
    let list = app.request("GET", "/api/stations", None).await.json();
    let pending = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "CP-PEND")
        .unwrap();
    assert_eq!(pending["registration"], "Pending");
    assert_eq!(pending["connected"], true);
    assert_eq!(pending["vendor"], "V");
    let patched = app
        .request(
            "PATCH",
            "/api/stations/CP-PEND",
            Some(r#"{"registration":"Accepted"}"#),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.json()["registration"], "Accepted");
    let bad = app
        .request(
            "PATCH",
            "/api/stations/CP-PEND",
            Some(r#"{"registration":"Maybe"}"#),
        )
        .await;
    assert_eq!(bad.status, 400);
    let missing = app
        .request(
            "PATCH",
            "/api/stations/NOPE",
            Some(r#"{"registration":"Accepted"}"#),
        )
        .await;
    assert_eq!(missing.status, 404);

    assert_eq!(
        app.request("DELETE", "/api/stations/CP-API", None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.request("GET", "/api/stations/CP-API", None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.request("DELETE", "/api/stations/CP-API", None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_shows_its_connectors_and_identity() {
    let app = TestApp::spawn_with(open).await;
    let mut cp = booted(&app, "CP-SHOW").await;
    cp.call(
        "StatusNotification",
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Charging"}),
    )
    .await
    .unwrap();
    let station = app.request("GET", "/api/stations/CP-SHOW", None).await;
    assert_eq!(station.status, 200);
    let station = station.json();
    assert_eq!(station["model"], "M");
    assert_eq!(station["protocol"], "ocpp1.6");
    assert_eq!(station["connectors"][0]["connectorId"], 1);
    assert_eq!(station["connectors"][0]["status"], "Charging");
    assert_eq!(station["connectors"][0]["errorCode"], "NoError");
    assert!(station["lastSeen"].is_string());
}

/// A valid request of each central-system action and a valid answer a station would give.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_tags_and_transactions_through_the_api() {
    let app = TestApp::spawn_with(open).await;
    let put = app
        .request("PUT", "/api/id-tags/CARD-1", Some(r#"{"status":"Accepted","expiryDate":"2030-01-01T00:00:00Z","parentIdTag":"FLEET"}"#))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    for bad in [
        r#"{"status":"Sometimes"}"#,
        r#"{"status":"Accepted","expiryDate":"tomorrow"}"#,
        r#"{"status":"ConcurrentTx"}"#,
    ] {
        assert_eq!(
            app.request("PUT", "/api/id-tags/CARD-2", Some(bad))
                .await
                .status,
            400,
            "{bad}"
        );
    }
    // One store for both versions: up to 2.0.1's 36 characters, not one more.
    let long = format!("/api/id-tags/{}", "X".repeat(37));
    assert_eq!(
        app.request("PUT", &long, Some(r#"{"status":"Accepted"}"#))
            .await
            .status,
        400
    );
    let longest = format!("/api/id-tags/{}", "E".repeat(36));
    assert_eq!(
        app.request("PUT", &longest, Some(r#"{"status":"Accepted"}"#))
            .await
            .status,
        200
    );

    let mut cp = booted(&app, "CP-TXAPI").await;
    let auth = cp
        .call("Authorize", json!({"idTag": "CARD-1"}))
        .await
        .unwrap();
    assert!(
        matches!(auth, simulator::Reply::Result(ref a) if a["idTagInfo"]["status"] == "Accepted")
    );
    let simulator::Reply::Result(started) = cp
        .call("StartTransaction", json!({"connectorId": 1, "idTag": "CARD-1", "meterStart": 100, "timestamp": "2026-11-24T10:00:00Z"}))
        .await
        .unwrap()
    else {
        panic!("start refused")
    };
    let tx = started["transactionId"].as_i64().unwrap();
    let tags = app.request("GET", "/api/id-tags", None).await.json();
    assert_eq!(tags[0]["idTag"], "CARD-1");
    assert_eq!(tags[0]["inTransaction"], true);

    let active = app
        .request(
            "GET",
            "/api/transactions?active=true&station=CP-TXAPI",
            None,
        )
        .await
        .json();
    assert_eq!(active.as_array().unwrap().len(), 1);
    cp.call("StopTransaction", json!({"transactionId": tx, "meterStop": 1600, "timestamp": "2026-11-24T11:00:00Z",
        "transactionData": [{"timestamp": "2026-11-24T11:00:00Z", "sampledValue": [{"value": "1600"}]}]}))
        .await
        .unwrap();
    let active = app
        .request("GET", "/api/transactions?active=true", None)
        .await
        .json();
    assert!(active.as_array().unwrap().is_empty());
    let one = app
        .request("GET", &format!("/api/transactions/{tx}"), None)
        .await;
    assert_eq!(one.status, 200);
    let one = one.json();
    assert_eq!(one["energyWh"], 1500);
    assert_eq!(one["stationId"], "CP-TXAPI");
    assert_eq!(one["meterValues"][0]["value"], "1600");
    assert_eq!(
        app.request("GET", "/api/transactions/999", None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.request("GET", "/api/transactions/abc", None)
            .await
            .status,
        400
    );
    assert_eq!(
        app.request("GET", "/api/transactions?active=maybe", None)
            .await
            .status,
        400
    );

    assert_eq!(
        app.request("DELETE", "/api/id-tags/CARD-1", None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.request("DELETE", "/api/id-tags/CARD-1", None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_are_filtered_by_tag_and_start_time_and_paged() {
    let app = TestApp::spawn_with(open).await;
    for tag in ["TAG-A", "TAG-B"] {
        let put = app
            .request(
                "PUT",
                &format!("/api/id-tags/{tag}"),
                Some(r#"{"status":"Accepted"}"#),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
    }
    let mut cp = booted(&app, "CP-PAGES").await;
    // Five sessions, one a day from 1 to 5 November, tags A, B, A, B, A.
    for day in 1..=5 {
        let tag = if day % 2 == 1 { "TAG-A" } else { "TAG-B" };
        let start = json!({"connectorId": 1, "idTag": tag, "meterStart": day * 1000,
                           "timestamp": format!("2026-11-0{day}T10:00:00Z")});
        let simulator::Reply::Result(started) = cp.call("StartTransaction", start).await.unwrap()
        else {
            panic!("start refused")
        };
        let stop = json!({"transactionId": started["transactionId"], "meterStop": day * 1000 + 500,
                          "timestamp": format!("2026-11-0{day}T11:00:00Z")});
        cp.call("StopTransaction", stop).await.unwrap();
    }
    let list = |query: &'static str| {
        let app = &app;
        async move {
            let answer = app.get(&format!("/api/transactions?{query}")).await;
            assert_eq!(answer.status, 200, "{query}: {}", answer.body);
            let starts: Vec<String> = answer
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["startedAt"].as_str().unwrap_or_default()[..10].to_owned())
                .collect();
            let total: u64 = answer.header("x-total-count").unwrap().parse().unwrap();
            (starts, total)
        }
    };
    assert_eq!(
        list("limit=2").await,
        (vec!["2026-11-05".into(), "2026-11-04".into()], 5)
    );
    assert_eq!(
        list("limit=2&offset=4").await,
        (vec!["2026-11-01".into()], 5)
    );
    assert_eq!(list("tag=TAG-B").await.1, 2);
    assert_eq!(
        list("from=2026-11-02&to=2026-11-04").await,
        (vec!["2026-11-03".into(), "2026-11-02".into()], 2)
    );
    assert_eq!(list("tag=TAG-A&from=2026-11-02T00:00:00Z").await.1, 2);
    assert_eq!(list("active=false&station=CP-PAGES").await.1, 5);
    assert_eq!(list("active=true").await.1, 0);

    // The CSV export takes the same filters.
    let csv = app
        .get("/api/transactions.csv?from=2026-11-02&to=2026-11-04")
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
    assert_eq!(csv.header("x-total-count"), Some("2"));

    for (query, field) in [
        ("from=yesterday", "from"),
        ("limit=0", "limit"),
        ("tagg=A", "tagg"),
    ] {
        let answer = app.get(&format!("/api/transactions?{query}")).await;
        assert_eq!(answer.status, 400, "{query}");
        assert!(answer.body.contains(field), "{query}: {}", answer.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_lists_live_connections_as_springocpp_did() {
    let app = TestApp::spawn_with(open).await;
    let _a = booted(&app, "CP-A").await;
    let _b = Station::connect(&format!("ws://{}/central", app.server.addr()), "CP-B")
        .await
        .unwrap();
    app.wait_connected(2).await;
    let list = app.request("GET", "/connect", None).await.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for entry in list {
        assert_eq!(entry["client"], "ok");
        assert_eq!(entry["id"].as_str().unwrap().len(), 36, "a uuid: {entry}");
    }
    assert!(
        list[0]["session"].as_str().unwrap().ends_with("/ocpp/CP-A"),
        "{list:?}"
    );
    assert!(
        list[1]["session"]
            .as_str()
            .unwrap()
            .ends_with("/central/CP-B"),
        "{list:?}"
    );
    assert_ne!(list[0]["id"], list[1]["id"]);
}
