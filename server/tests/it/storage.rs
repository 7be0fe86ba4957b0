//! Moving and backing up data: `centrale migrate-data` (SQLite to PostgreSQL) and
//! `centrale backup`, on real files, a real PostgreSQL and the real binary.

use crate::helpers::{admin_token, fresh_database, http_with};
use engine::operators::Role;
use serde_json::json;
use server::{Config, Server};
use simulator::{Reply, Station};
use std::process::{Command, Output};

/// A server on `database` whose stations are accepted at once, and an admin token.
async fn serve(database: &str) -> (Server, String) {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), database);
    config.registration = engine::model::RegistrationPolicy::Open;
    let server = Server::start(config).await.unwrap();
    let token = admin_token(&server, Role::Admin).await;
    (server, format!("Authorization: Bearer {token}\r\n"))
}

/// A station that boots, reports, charges once (with meter values) and stops; the id of its
/// transaction.
async fn charge_once(server: &Server, station: &str, tag: &str) -> i64 {
    let mut cp = Station::connect(&format!("ws://{}/ocpp", server.addr()), station)
        .await
        .unwrap();
    let boot = json!({"chargePointVendor": "V", "chargePointModel": "M"});
    cp.call("BootNotification", boot).await.unwrap();
    let status = json!({"connectorId": 1, "errorCode": "NoError", "status": "Charging"});
    cp.call("StatusNotification", status).await.unwrap();
    let start = json!({"connectorId": 1, "idTag": tag, "meterStart": 100, "timestamp": "2026-11-30T10:00:00Z"});
    let Reply::Result(started) = cp.call("StartTransaction", start).await.unwrap() else {
        panic!("start refused");
    };
    let id = started["transactionId"].as_i64().unwrap();
    let meter = json!({"connectorId": 1, "transactionId": id, "meterValue": [{"timestamp": "2026-11-30T10:05:00Z",
        "sampledValue": [{"value": "1100", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                         {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"}]}]});
    cp.call("MeterValues", meter).await.unwrap();
    let stop = json!({"transactionId": id, "meterStop": 2100, "timestamp": "2026-11-30T10:10:00Z", "idTag": tag});
    cp.call("StopTransaction", stop).await.unwrap();
    cp.close().await.unwrap();
    id
}

/// `GET path` on `server`, signed in with `auth`.
async fn get(server: &Server, auth: &str, path: &str) -> crate::helpers::HttpResponse {
    http_with(&server.addr().to_string(), auth, "GET", path, None).await
}

fn centrale(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_data_moves_a_populated_sqlite_database_to_postgres() {
    if engine::store::testing::postgres_or_say_why().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("old.db").display());
    let (server, auth) = serve(&sqlite).await;
    let addr = server.addr().to_string();
    let tag = json!({"status": "Accepted"}).to_string();
    let put = http_with(&addr, &auth, "PUT", "/api/id-tags/TAG-1", Some(&tag)).await;
    assert!(put.status < 300, "{}", put.body);
    let first = charge_once(&server, "CP-OLD-1", "TAG-1").await;
    let second = charge_once(&server, "CP-OLD-2", "TAG-1").await;
    server.stop().await.unwrap();

    let postgres = fresh_database(dir.path()).await;
    assert!(postgres.starts_with("postgres://"));
    let printed = stdout(&centrale(&[
        "migrate-data",
        "--from",
        &sqlite,
        "--to",
        &postgres,
        "--with-message-log",
    ]));
    for table in [
        "stations",
        "transactions",
        "meter_readings",
        "users",
        "api_tokens",
        "message_log",
    ] {
        let line = printed
            .lines()
            .find(|l| l.starts_with(&format!("{table}: counted")))
            .unwrap_or_else(|| panic!("no count for {table}: {printed}"));
        let numbers: Vec<&str> = line
            .split_whitespace()
            .filter(|w| w.parse::<u64>().is_ok())
            .collect();
        assert_eq!(numbers.len(), 2, "{line}");
        assert_eq!(numbers[0], numbers[1], "{line}");
        assert_ne!(numbers[0], "0", "{line}");
    }
    assert!(!printed.contains("centrale-test-app-password"), "{printed}");

    // A second run finds the target full and changes nothing.
    let again = centrale(&["migrate-data", "--from", &sqlite, "--to", &postgres]);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("--replace"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    // The moved data serves: same ids, same meter values, the same tokens sign in.
    let (server, _) = serve(&postgres).await;
    let addr = server.addr().to_string();
    for id in [first, second] {
        let got = http_with(
            &addr,
            &auth,
            "GET",
            &format!("/api/transactions/{id}"),
            None,
        )
        .await;
        assert_eq!(got.status, 200, "{}", got.body);
        assert!(got.body.contains("\"energyWh\":2000"), "{}", got.body);
        assert!(got.body.contains("\"7200\""), "{}", got.body);
    }
    // New rows get fresh ids past the copied ones.
    let third = charge_once(&server, "CP-NEW", "TAG-1").await;
    assert!(third > second, "{third} after {second}");
    server.stop().await.unwrap();

    // --replace empties the target and copies again (rerunnable after a failure).
    let replaced = stdout(&centrale(&[
        "migrate-data",
        "--from",
        &sqlite,
        "--to",
        &postgres,
        "--replace",
    ]));
    assert!(replaced.contains("done:"), "{replaced}");
    let (server, _) = serve(&postgres).await;
    let gone = get(&server, &auth, &format!("/api/transactions/{third}")).await;
    assert_eq!(gone.status, 404, "{}", gone.body);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_a_running_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("live.db").display());
    let (server, auth) = serve(&sqlite).await;
    let id = charge_once(&server, "CP-BACKUP", "TAG-B").await;
    let file = dir.path().join("copy.db");
    let file_str = file.to_str().unwrap();
    // While the server runs.
    let printed = stdout(&centrale(&["--database", &sqlite, "backup", file_str]));
    assert!(printed.contains("backed up"), "{printed}");
    server.stop().await.unwrap();

    // Restoring is starting on the copy.
    let restored = format!("sqlite://{file_str}");
    let (server, _) = serve(&restored).await;
    let got = get(&server, &auth, &format!("/api/transactions/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    server.stop().await.unwrap();

    // Never over an existing file; PostgreSQL is pg_dump's.
    let refused = centrale(&["--database", &sqlite, "backup", file_str]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("exists already"));
    let postgres = centrale(&[
        "--database",
        "postgres://u:hunter2-secret@127.0.0.1:1/x",
        "backup",
        "/tmp/never.db",
    ]);
    let stderr = String::from_utf8_lossy(&postgres.stderr);
    assert!(
        stderr.contains("pg_dump") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_meter_values_and_frames_are_pruned_and_transactions_kept() {
    let app = crate::helpers::TestApp::spawn_with(|c| {
        c.registration = engine::model::RegistrationPolicy::Open;
    })
    .await;
    let engine = app.server.engine();
    let mut cp = Station::connect(&app.ocpp_base(), "CP-OLD").await.unwrap();
    let boot = json!({"chargePointVendor": "V", "chargePointModel": "M"});
    cp.call("BootNotification", boot).await.unwrap();
    let start = json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2024-01-01T10:00:00Z"});
    let Reply::Result(started) = cp.call("StartTransaction", start).await.unwrap() else {
        panic!("start refused");
    };
    let id = started["transactionId"].as_i64().unwrap();
    let sample = |at: &str, wh: u32| {
        json!({"connectorId": 1, "transactionId": id, "meterValue": [{"timestamp": at,
            "sampledValue": [{"value": wh.to_string(), "measurand": "Energy.Active.Import.Register"}]}]})
    };
    // Two years old, then fresh.
    for (at, wh) in [("2024-01-01T10:05:00Z", 10), ("2024-01-01T10:10:00Z", 20)] {
        cp.call("MeterValues", sample(at, wh)).await.unwrap();
    }
    let now = time::OffsetDateTime::now_utc();
    let fresh = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    cp.call("MeterValues", sample(&fresh, 30)).await.unwrap();
    // The message log is written in the background: wait for the frames.
    let mut logged = 0;
    for _ in 0..200 {
        logged = engine
            .message_page(&Default::default(), 100)
            .await
            .unwrap()
            .frames
            .len();
        if logged >= 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(logged >= 10, "{logged} frames logged");

    // Default retention: meter values 400 days, frames 30 days.
    let (samples, frames) = engine.prune_old_data(now).await.unwrap();
    assert_eq!((samples, frames), (2, 0));
    let kept = engine.transaction_samples(id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].value, "30");
    assert!(engine.transaction(id).await.unwrap().is_some());

    // A month and a day on, the frames have gone; the fresh sample and the transaction stay.
    let later = now + time::Duration::days(31);
    let (samples, frames) = engine.prune_old_data(later).await.unwrap();
    assert_eq!(samples, 0);
    assert_eq!(frames as usize, logged);
    assert!(
        engine
            .message_page(&Default::default(), 100)
            .await
            .unwrap()
            .frames
            .is_empty()
    );
    assert_eq!(engine.transaction_samples(id).await.unwrap().len(), 1);
    assert!(engine.transaction(id).await.unwrap().is_some());
}
