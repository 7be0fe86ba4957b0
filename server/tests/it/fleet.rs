//! The stations list at fleet scale: filtered, sorted and paged by the database through
//! `GET /api/stations`, the fleet's counters at `GET /api/fleet`, and who is online kept in
//! the database as connections come and go.

use crate::helpers::TestApp;
use crate::ocpp16::result;
use engine::model::RegistrationPolicy;
use serde_json::{Value, json};
use simulator::Station;
use time::{Duration, OffsetDateTime};

/// The ids of a list of stations, in order.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The ids `path` lists, and its `X-Total-Count`.
async fn page(app: &TestApp, path: &str) -> (Vec<String>, u64) {
    let answer = app.get(path).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    let total = answer
        .header("x-total-count")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{path}: no X-Total-Count in {}", answer.headers));
    (ids(&answer.json()), total)
}

async fn boot16(app: &TestApp, id: &str, vendor: &str, model: &str, status: &str) -> Station {
    let mut cp = Station::connect(&app.ocpp_base(), id).await.unwrap();
    let boot = json!({"chargePointVendor": vendor, "chargePointModel": model});
    result(cp.call("BootNotification", boot).await.unwrap());
    let payload = json!({"connectorId": 1, "errorCode": "NoError", "status": status});
    result(cp.call("StatusNotification", payload).await.unwrap());
    cp
}

/// A 2.0.1 station `id`, connected and booted.
async fn boot201(app: &TestApp, id: &str) -> Station {
    let mut cp = Station::connect_v201(&app.ocpp_base(), id).await.unwrap();
    result(
        cp.call("BootNotification", crate::ocpp201::boot())
            .await
            .unwrap(),
    );
    cp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_are_filtered_sorted_and_paged_by_the_database() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    // 25 stations an operator registered, never seen (one of them still Pending).
    for n in 0..25 {
        let registration = if n == 7 { "Pending" } else { "Accepted" };
        let body = json!({"id": format!("FLEET-{n:03}"), "registration": registration});
        let added = app
            .request("POST", "/api/stations", Some(&body.to_string()))
            .await;
        assert_eq!(added.status, 201, "{}", added.body);
    }
    let _charging = boot16(&app, "ACME-A", "Acme", "Wallbox 22", "Charging").await;
    let faulted = boot16(&app, "ACME-B", "Acme", "Pillar", "Faulted").await;
    let mut zed = boot201(&app, "ZED-1").await;
    // ZED-1 charges: a 2.0.1 EVSE says Occupied, its transaction runs.
    let occupied = json!({"timestamp": crate::ocpp201::now(), "connectorStatus": "Occupied",
                          "evseId": 1, "connectorId": 1});
    result(zed.call("StatusNotification", occupied).await.unwrap());
    let started = crate::ocpp201::tx_event("Started", 0, "ZED-TX", Some(0.0), json!({}));
    result(zed.call("TransactionEvent", started).await.unwrap());
    app.wait_connected(3).await;

    // Pages in id order, none overlapping, the total on each.
    let (first, total) = page(&app, "/api/stations?limit=10").await;
    assert_eq!(total, 28);
    assert_eq!(first[..3], ["ACME-A", "ACME-B", "FLEET-000"]);
    let (third, _) = page(&app, "/api/stations?limit=10&offset=20").await;
    assert_eq!(third.len(), 8);
    assert_eq!(third.last().map(String::as_str), Some("ZED-1"));
    let (all, _) = page(&app, "/api/stations").await;
    assert_eq!(all.len(), 28, "no limit: every station");
    let (descending, _) = page(&app, "/api/stations?order=desc&limit=2").await;
    assert_eq!(descending, ["ZED-1", "FLEET-024"]);

    // Filters, alone and together; text over id, vendor and model, any case.
    let (online, n) = page(&app, "/api/stations?connection=online").await;
    assert_eq!(
        (online, n),
        (vec!["ACME-A".into(), "ACME-B".into(), "ZED-1".into()], 3)
    );
    let (_, offline) = page(&app, "/api/stations?connection=offline").await;
    assert_eq!(offline, 25);
    let (acme, _) = page(&app, "/api/stations?q=acme%20pill").await;
    assert_eq!(acme, ["ACME-B"]);
    let (by_model, _) = page(&app, "/api/stations?q=WALLBOX").await;
    assert_eq!(by_model, ["ACME-A", "ZED-1"], "ZED-1's model is Wallbox 2");
    let (literal, _) = page(&app, "/api/stations?q=FLEET_00").await;
    assert_eq!(literal, Vec::<String>::new(), "_ is no wildcard");
    let (faulty, _) = page(&app, "/api/stations?status=Faulted").await;
    assert_eq!(faulty, ["ACME-B"]);
    let (pending, _) = page(&app, "/api/stations?registration=Pending").await;
    assert_eq!(pending, ["FLEET-007"]);
    let (v201, _) = page(&app, "/api/stations?version=2.0.1").await;
    assert_eq!(v201, ["ZED-1"]);
    let (both, _) = page(&app, "/api/stations?version=1.6&connection=online&q=acme").await;
    assert_eq!(both, ["ACME-A", "ACME-B"]);

    // Sorts: the most pressing status first; online (seen now) first; by vendor and model.
    let (by_status, _) = page(&app, "/api/stations?sort=status&limit=2").await;
    assert_eq!(by_status, ["ACME-B", "ACME-A"]);
    let (seen, _) = page(&app, "/api/stations?sort=lastSeen&order=desc&limit=3").await;
    let mut seen_first = seen.clone();
    seen_first.sort();
    assert_eq!(
        seen_first,
        ["ACME-A", "ACME-B", "ZED-1"],
        "online first: {seen:?}"
    );
    let (never, _) = page(&app, "/api/stations?sort=lastSeen&limit=1").await;
    assert_eq!(never, ["FLEET-000"], "never seen first when ascending");
    let (by_model, _) = page(&app, "/api/stations?sort=model&limit=3").await;
    assert_eq!(
        by_model,
        ["ACME-B", "ZED-1", "ACME-A"],
        "Pillar, Wallbox 2, Wallbox 22"
    );
    let (by_version, _) = page(&app, "/api/stations?sort=version&order=desc&limit=1").await;
    assert_eq!(by_version, ["ZED-1"]);

    // The counters cover the whole fleet.
    let counters = app.get("/api/fleet").await.json();
    assert_eq!(
        counters,
        json!({"stations": 28, "online": 3, "charging": 2, "faulted": 1, "pending": 1}),
        "ACME-A says Charging (1.6), ZED-1 runs a transaction (2.0.1)"
    );

    // A station that goes is offline in the database too.
    faulted.close().await.unwrap();
    app.wait_online_in_database(2).await;
    let (online, _) = page(&app, "/api/stations?connection=online").await;
    assert_eq!(online, ["ACME-A", "ZED-1"]);
    assert_eq!(app.get("/api/fleet").await.json()["online"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_list_parameter_is_a_400_that_names_it() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("sort=vendor", "sort"),
        ("order=up", "order"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-3", "offset"),
        ("connection=maybe", "connection"),
        ("version=3", "version"),
        ("registration=yes", "registration"),
        ("stauts=Faulted", "stauts"),
    ] {
        let answer = app.get(&format!("/api/stations?{query}")).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        let error = answer.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains(field), "{query}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_a_dead_process_left_online_is_offline_after_a_restart() {
    let app = TestApp::spawn().await;
    // What a process killed with -9 leaves: a station marked online by a connection that is
    // gone with it.
    let store = engine::store::Store::open(&app.database).await.unwrap();
    let ghost = protocol::StationId::parse("CP-GHOST").unwrap();
    let now = OffsetDateTime::now_utc();
    store
        .station_connected(
            &ghost,
            engine::store::Holder {
                connection: uuid::Uuid::new_v4(),
                node: "gone",
            },
            protocol::OcppVersion::V16,
            now - Duration::minutes(10),
            engine::model::Registration::Accepted,
            &engine::store::outbox::nothing,
        )
        .await
        .unwrap();
    // The dead process wrote the fleet's power 2 minutes ago: it was alive then.
    store
        .add_fleet_power(now - Duration::minutes(2), 0, 0)
        .await
        .unwrap();
    store.close().await;
    assert_eq!(app.get("/api/fleet").await.json()["online"], 1);

    let app = app.restart().await;
    let (online, _) = page(&app, "/api/stations?connection=online").await;
    assert_eq!(online, Vec::<String>::new());
    assert_eq!(app.get("/api/fleet").await.json()["online"], 0);
    // Its connection is history: online from its connection until the process was last
    // known alive (8 minutes), no longer.
    let history = app.get("/api/stations/CP-GHOST/history").await.json();
    assert_eq!(history["onlineSince"], Value::Null);
    let online_s: f64 = history["uptime"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["onlineS"].as_f64().unwrap())
        .sum();
    assert!((479.0..=481.0).contains(&online_s), "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_history_has_its_power_sessions_status_changes_and_uptime() {
    let app = open_app_with_driver().await;
    let now = OffsetDateTime::now_utc();
    let ago = |s: i64| now - Duration::seconds(s);
    let status = |status: &str, error: &str| json!({"connectorId": 1, "errorCode": error, "status": status, "info": "seen"});

    let mut cp = boot16(&app, "HIS-1", "Acme", "W", "Available").await;
    // A repeated status is no change.
    result(
        cp.call("StatusNotification", status("Available", "NoError"))
            .await
            .unwrap(),
    );
    let tx = start(&mut cp, 0, ago(600)).await;
    result(
        cp.call("StatusNotification", status("Charging", "NoError"))
            .await
            .unwrap(),
    );
    meter(&mut cp, tx, ago(590), "10", Some("7200")).await;
    meter(&mut cp, tx, ago(580), "30", Some("7200")).await;
    let stop = json!({"transactionId": tx, "meterStop": 1_000, "timestamp": stamp(ago(1))});
    result(cp.call("StopTransaction", stop).await.unwrap());
    result(
        cp.call("StatusNotification", status("Faulted", "GroundFailure"))
            .await
            .unwrap(),
    );
    // Offline a moment, then back.
    cp.close().await.unwrap();
    app.wait_online_in_database(0).await;
    let _cp = Station::connect(&app.ocpp_base(), "HIS-1").await.unwrap();
    app.wait_online_in_database(1).await;

    let history = app.get("/api/stations/HIS-1/history").await;
    assert_eq!(history.status, 200, "{}", history.body);
    let h = history.json();
    let changes: Vec<(&str, &str)> = h["statusChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["status"].as_str().unwrap(),
                c["errorCode"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("Faulted", "GroundFailure"),
            ("Charging", "NoError"),
            ("Available", "NoError")
        ],
        "the latest first, the repeated Available not a change"
    );
    assert_eq!(h["sessionCount"], 1);
    assert_eq!(h["sessions"][0]["id"], tx);
    // The bucket of the readings shows their power; before the session nothing ran: 0 W.
    let power = h["power"].as_array().unwrap();
    assert!(power.iter().any(|p| p["watts"] == 7200.0), "{h}");
    assert_eq!(power.first().map(|p| &p["watts"]), Some(&json!(0.0)), "{h}");
    assert!(
        power.len() >= 280,
        "a point per 5 minutes over a day: {}",
        power.len()
    );
    // Online today, twice; online again now.
    let today = &h["uptime"][6];
    assert!(today["onlineS"].as_f64().unwrap() <= today["knownS"].as_f64().unwrap());
    assert!(today["knownS"].as_f64().unwrap() > 0.0, "{h}");
    assert!(h["uptimeRatio"].as_f64().unwrap() > 0.0, "{h}");
    assert!(h["onlineSince"].is_string(), "{h}");

    // A 2.0.1 EVSE's status changes too, its connector named.
    let mut zed = boot201(&app, "HIS-2").await;
    for status in ["Available", "Occupied", "Occupied"] {
        let s = json!({"timestamp": crate::ocpp201::now(), "connectorStatus": status,
                       "evseId": 1, "connectorId": 1});
        result(zed.call("StatusNotification", s).await.unwrap());
    }
    let h = app.get("/api/stations/HIS-2/history").await.json();
    let changes: Vec<(&str, &str)> = h["statusChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["status"].as_str().unwrap(), c["info"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            ("Occupied", "connector 1: Occupied"),
            ("Available", "connector 1: Available")
        ]
    );

    let unknown = app.get("/api/stations/NOPE/history").await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

/// A server open to any station, with id tag DRIVER accepted.
async fn open_app_with_driver() -> TestApp {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let driver = json!({"status": "Accepted"}).to_string();
    let put = app
        .request("PUT", "/api/id-tags/DRIVER", Some(&driver))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    app
}

/// `t` as the stations write it.
fn stamp(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Starts a transaction on connector 1 at `at`; its id.
async fn start(cp: &mut Station, meter: i64, at: OffsetDateTime) -> i64 {
    let start =
        json!({"connectorId": 1, "idTag": "DRIVER", "meterStart": meter, "timestamp": stamp(at)});
    result(cp.call("StartTransaction", start).await.unwrap())["transactionId"]
        .as_i64()
        .unwrap()
}

/// A MeterValues of connector 1 at `at`: its energy register, and its power if given.
async fn meter(cp: &mut Station, tx: i64, at: OffsetDateTime, wh: &str, w: Option<&str>) {
    let mut values = vec![json!({"value": wh, "unit": "Wh"})];
    if let Some(w) = w {
        values.push(json!({"value": w, "unit": "W", "measurand": "Power.Active.Import"}));
    }
    let mv = json!({"connectorId": 1, "transactionId": tx,
                    "meterValue": [{"timestamp": stamp(at), "sampledValue": values}]});
    result(cp.call("MeterValues", mv).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_follows_what_the_fleet_draws_and_counts_its_days() {
    let app = open_app_with_driver().await;
    let now = OffsetDateTime::now_utc();
    let ago = |s: i64| now - Duration::seconds(s);

    // A reports its power; B only its energy register (183.33 Wh in a minute: 11 kW).
    let mut a = boot16(&app, "OV-A", "Acme", "W", "Charging").await;
    let tx_a = start(&mut a, 1_000, ago(120)).await;
    meter(&mut a, tx_a, ago(60), "1600", Some("7200")).await;
    let mut b = boot16(&app, "OV-B", "Acme", "W", "Charging").await;
    let tx_b = start(&mut b, 0, ago(120)).await;
    meter(&mut b, tx_b, ago(60), "100", None).await;
    meter(&mut b, tx_b, ago(0), "283.333", None).await;
    // C charged 5 kWh earlier, then faulted; D came and went.
    let mut c = boot16(&app, "OV-C", "Acme", "W", "Available").await;
    let tx_c = start(&mut c, 0, ago(3_000)).await;
    let stop = json!({"transactionId": tx_c, "meterStop": 5_000, "timestamp": stamp(ago(1_000))});
    result(c.call("StopTransaction", stop).await.unwrap());
    let fault =
        json!({"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted", "info": "RCD"});
    result(c.call("StatusNotification", fault).await.unwrap());
    let d = Station::connect(&app.ocpp_base(), "OV-D").await.unwrap();
    app.wait_connected(4).await;
    d.close().await.unwrap();
    app.wait_online_in_database(3).await;

    let overview = app.get("/api/fleet/overview").await.json();
    let near =
        |value: &Value, expected: f64| value.as_f64().is_some_and(|v| (v - expected).abs() < 0.5);
    assert!(near(&overview["powerW"], 18_200.0), "{overview}");
    assert_eq!(overview["chargingConnectors"], 2);
    assert_eq!(
        overview["counters"],
        json!({"stations": 4, "online": 3, "charging": 2, "faulted": 1, "pending": 0})
    );
    // Today: what A and B delivered so far, and C's session if it ended today (UTC).
    let c_today = ago(1_000).date() == now.date();
    let today = 883.0 + if c_today { 5_000.0 } else { 0.0 };
    assert!(near(&overview["energyTodayWh"], today), "{overview}");
    let days = overview["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["day"], now.date().to_string());
    let total = |field: &str| days.iter().map(|d| d[field].as_i64().unwrap()).sum::<i64>();
    assert_eq!((total("energyWh"), total("sessions")), (5_883, 3));
    assert_eq!(overview["faults"][0]["stationId"], "OV-C");
    assert_eq!(overview["faults"][0]["errorCode"], "GroundFailure");
    assert_eq!(overview["faults"].as_array().unwrap().len(), 1);
    assert_eq!(overview["offline"][0]["stationId"], "OV-D");
    assert_eq!(overview["power"].as_array().unwrap().len(), 1, "now only");

    // A point written down is in the history; a stopped transaction no longer draws.
    app.server.engine().record_fleet_power(now).await.unwrap();
    let stop = json!({"transactionId": tx_a, "meterStop": 1_700, "timestamp": stamp(ago(0))});
    result(a.call("StopTransaction", stop).await.unwrap());
    let overview = app.get("/api/fleet/overview").await.json();
    let power = overview["power"].as_array().unwrap();
    assert_eq!(power.len(), 2);
    assert!(near(&power[0]["watts"], 18_200.0), "{overview}");
    assert!(near(&power[1]["watts"], 11_000.0), "{overview}");
    assert!(near(&overview["powerW"], 11_000.0), "{overview}");
}
