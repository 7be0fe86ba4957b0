//! Several nodes on one PostgreSQL, through real parts: `centrale` binaries and in-process
//! servers on one database, stations over WebSocket, SIGTERM and SIGKILL. Run when
//! `CENTRALE_TEST_POSTGRES` names a server (`make test` starts one); the SQLite refusal always.

mod balanced;
mod crossing;

use crate::helpers::{Killed, TestApp, http_with};
use crate::lifecycle::{admin_token_header, failed_with_one_line, start_binary};
use crate::ocpp16::result;
use crate::webhooks::receiver::{Mode, Receiver, free_address};
use engine::model::RegistrationPolicy;
use engine::store::testing;
use serde_json::{Value, json};
use simulator::Station;
use std::time::Duration;

/// A 1.6 station connected to `addr` and booted (kept open while the value lives).
async fn booted(addr: &str, id: &str) -> Station {
    let mut cp = Station::connect(&format!("ws://{addr}/ocpp"), id)
        .await
        .unwrap();
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "N"});
    result(cp.call("BootNotification", boot).await.unwrap());
    cp
}

/// A fresh PostgreSQL database, or `None` (and why) when there is no server to test on.
async fn cluster_database() -> Option<String> {
    let admin = testing::postgres_or_say_why()?;
    Some(testing::fresh_postgres_database(&admin).await.unwrap())
}

/// Node `name` as a `centrale` process on `database` that takes any station: the process,
/// its address, and an admin's token header for it.
async fn node(database: &str, name: &str) -> (Killed, String, String) {
    let args = [
        "--registration",
        "open",
        "--database",
        database,
        "--node-name",
        name,
    ];
    let (child, addr, _out) = start_binary(&args, None).await;
    let auth = admin_token_header(database);
    (Killed(child), addr, auth)
}

/// Node `name` in this process, on `database`.
async fn node_here(database: &str, name: &str) -> TestApp {
    TestApp::join(database, |c| {
        c.registration = RegistrationPolicy::Open;
        c.node_name = Some(name.to_owned());
    })
    .await
}

/// The stations online as `app` sees them: (id, node), by id.
async fn online(app: &TestApp) -> Vec<(String, String)> {
    let page = app.get("/api/stations?connection=online").await.json();
    page.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["node"].as_str().unwrap_or("(none)").to_owned(),
            )
        })
        .collect()
}

/// Polls `app` (every 50 ms, at most `within`) until `done` holds of what `read` answers.
async fn wait_for<T: std::fmt::Debug>(
    within: Duration,
    mut read: impl AsyncFnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let rounds = within.as_millis() / 50;
    let mut last = read().await;
    for _ in 0..rounds {
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        last = read().await;
    }
    panic!("not reached within {within:?}; last {last:?}");
}

fn names(nodes: &Value) -> Vec<(String, u64, bool)> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_owned(),
                n["stations"].as_u64().unwrap(),
                n["alive"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_name_with_sqlite_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("c.db").display());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args(["--listen", "127.0.0.1:0", "--database", &database])
        .args(["--node-name", "node-a"])
        .output()
        .unwrap();
    let line = failed_with_one_line(&output);
    assert!(line.contains("--node-name"), "{line}");
    assert!(line.contains("PostgreSQL"), "{line}");
    // Refused before the database is opened: nothing was made.
    assert!(!dir.path().join("c.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_sees_every_station_and_a_killed_nodes_stations_go_offline_then_reconnect() {
    let Some(database) = cluster_database().await else {
        return;
    };
    let (a, a_addr, a_auth) = node(&database, "node-a").await;
    let b = node_here(&database, "node-b").await;
    let b_addr = b.server.addr().to_string();
    let mut on_a = Vec::new();
    for i in 0..3 {
        on_a.push(booted(&a_addr, &format!("CL-A{i}")).await);
    }
    let _on_b = [
        booted(&b_addr, "CL-B0").await,
        booted(&b_addr, "CL-B1").await,
    ];

    // Both nodes see all five, each held by its node.
    let expected: Vec<(String, String)> = [
        ("CL-A0", "node-a"),
        ("CL-A1", "node-a"),
        ("CL-A2", "node-a"),
        ("CL-B0", "node-b"),
        ("CL-B1", "node-b"),
    ]
    .iter()
    .map(|(s, n)| ((*s).to_owned(), (*n).to_owned()))
    .collect();
    assert_eq!(online(&b).await, expected);
    let from_a = http_with(
        &a_addr,
        &a_auth,
        "GET",
        "/api/stations?connection=online",
        None,
    )
    .await
    .json();
    let ids: Vec<&str> = from_a
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["CL-A0", "CL-A1", "CL-A2", "CL-B0", "CL-B1"]);
    assert!(
        from_a
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["connected"] == true)
    );
    let nodes = b.get("/api/nodes").await.json();
    assert_eq!(
        names(&nodes),
        [
            ("node-a".to_owned(), 3, true),
            ("node-b".to_owned(), 2, true)
        ]
    );
    assert_eq!(nodes[1]["thisNode"], true);
    assert_eq!(nodes[0]["thisNode"], false);

    // kill -9: node-a's row goes stale; node-b takes it for dead and its stations offline.
    drop(a);
    let nodes = wait_for(
        Duration::from_secs(20),
        async || b.get("/api/nodes").await.json(),
        |nodes| nodes.as_array().is_some_and(|n| n.len() == 1),
    )
    .await;
    assert_eq!(names(&nodes), [("node-b".to_owned(), 2, true)]);
    assert_eq!(
        online(&b).await,
        [
            ("CL-B0".to_owned(), "node-b".to_owned()),
            ("CL-B1".to_owned(), "node-b".to_owned())
        ]
    );
    // Its connection is history, ended when node-a was last seen.
    let history = b.get("/api/stations/CL-A0/history").await.json();
    assert_eq!(history["onlineSince"], Value::Null, "{history}");
    // Their sockets died with node-a; they reconnect (through a load balancer, to the node
    // alive).
    drop(on_a);
    let mut back = Vec::new();
    for i in 0..3 {
        back.push(booted(&b_addr, &format!("CL-A{i}")).await);
    }
    let all = online(&b).await;
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(all.iter().all(|(_, node)| node == "node-b"), "{all:?}");
    b.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_stopped_with_sigterm_leaves_the_cluster_at_once() {
    let Some(database) = cluster_database().await else {
        return;
    };
    let (mut a, a_addr, _) = node(&database, "node-a").await;
    let b = node_here(&database, "node-b").await;
    let cp = booted(&a_addr, "CL-TERM").await;
    assert_eq!(names(&b.get("/api/nodes").await.json()).len(), 2);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &a.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exited = tokio::task::spawn_blocking(move || {
        let status = a.0.wait();
        (a, status)
    })
    .await
    .unwrap();
    assert!(exited.1.unwrap().success());
    drop(cp);
    // Once it has exited, nothing of it is left: no waiting for it to be taken for dead.
    assert_eq!(
        names(&b.get("/api/nodes").await.json()),
        [("node-b".to_owned(), 0, true)]
    );
    assert_eq!(online(&b).await, Vec::<(String, String)>::new());
    b.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_delivers_the_webhooks_and_another_takes_over_when_it_dies() {
    let Some(database) = cluster_database().await else {
        return;
    };
    // node-a starts first and so leads: it delivers every node's events.
    let (a, a_addr, a_auth) = node(&database, "node-a").await;
    let receiver = Receiver::start(free_address().await, Mode::Answer(204)).await;
    let body = json!({"url": receiver.url(), "kinds": ["stationConnected", "stationDisconnected"]});
    let added = http_with(
        &a_addr,
        &a_auth,
        "POST",
        "/api/webhooks",
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let b = node_here(&database, "node-b").await;
    let b_addr = b.server.addr().to_string();
    let _a1 = booted(&a_addr, "WH-A1").await;
    let _b1 = booted(&b_addr, "WH-B1").await;
    let kinds = |got: &[crate::webhooks::receiver::Got]| -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = got
            .iter()
            .map(|g| {
                let v = g.json();
                (
                    v["stationId"].as_str().unwrap_or_default().to_owned(),
                    v["type"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        all.sort();
        all
    };
    let connected = |s: &str| (s.to_owned(), "stationConnected".to_owned());
    let got = receiver
        .wait_until(Duration::from_secs(20), |got| got.len() >= 2)
        .await;
    assert_eq!(kinds(&got), [connected("WH-A1"), connected("WH-B1")]);
    // Delivery is at least once: a node killed between the receiver's answer and its note of
    // it would rightly send that event again. Kill node-a only once both are noted delivered,
    // so that "each event once" below tests that one node delivers at a time.
    let id = added.json()["id"].as_i64().unwrap_or_default();
    let delivered = crate::webhooks::noted_delivered(&b, id, 2)
        .await
        .iter()
        .filter(|d| d["deliveredAt"].is_string())
        .count();
    assert_eq!(delivered, 2, "both deliveries noted within 5 s");

    // node-a dies: node-b takes the lead, tells of node-a's station, and delivers its own.
    drop(a);
    let _b2 = booted(&b_addr, "WH-B2").await;
    let got = receiver
        .wait_until(Duration::from_secs(30), |got| got.len() >= 4)
        .await;
    assert_eq!(
        kinds(&got),
        [
            connected("WH-A1"),
            ("WH-A1".to_owned(), "stationDisconnected".to_owned()),
            connected("WH-B1"),
            connected("WH-B2"),
        ],
        "{:?}",
        got.iter().map(|g| g.json()).collect::<Vec<_>>()
    );
    // Each event once: one node delivered at a time.
    let mut ids: Vec<String> = got
        .iter()
        .map(|g| g.header("centrale-event-id").to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "{ids:?}");
    b.server.stop().await.unwrap();
}
