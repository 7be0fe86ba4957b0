//! The `centrale` binary as a user runs it.

use crate::helpers::http_get;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_where_to_open_it_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // The default database, sqlite://centrale.db, lands in the working directory.
    let (mut child, addr, _reader) = start_binary(&[], Some(dir.path())).await;

    assert_eq!(http_get(&addr, "/healthz").await.status, 200);
    assert!(dir.path().join("centrale.db").exists());

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_database_url_is_a_clear_startup_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args(["--listen", "127.0.0.1:0", "--database", "mysql://nope"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mysql://nope"), "{stderr}");
    assert!(stderr.contains("sqlite://"), "{stderr}");
}

/// Starts the real binary with `args` (in `cwd`, if given) and returns it with its address and
/// its stdout, kept open as a terminal would.
async fn start_binary(
    args: &[&str],
    cwd: Option<&std::path::Path>,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStdout>,
) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_centrale"));
    command
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (line, reader) = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).map(|_| (line, reader))
    })
    .await
    .unwrap()
    .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, addr, reader)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_when_the_process_is_killed() {
    use serde_json::json;
    use simulator::{Reply, Station};

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("centrale.db").display());
    let (mut child, addr, _out) =
        start_binary(&["--registration", "open", "--database", &database], None).await;
    let mut cp = Station::connect(&format!("ws://{addr}/ocpp"), "CP-KILL")
        .await
        .unwrap();
    cp.call(
        "BootNotification",
        json!({"chargePointVendor": "A", "chargePointModel": "B"}),
    )
    .await
    .unwrap();
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let start = json!({"connectorId": 1, "idTag": format!("T{i}"), "meterStart": i, "timestamp": "2026-11-24T10:00:00Z"});
        let Reply::Result(answer) = cp.call("StartTransaction", start).await.unwrap() else {
            panic!("start refused");
        };
        acknowledged.push(answer["transactionId"].as_i64().unwrap());
        let status = json!({"connectorId": 1, "errorCode": "NoError", "status": "Charging"});
        cp.call("StatusNotification", status).await.unwrap();
    }
    // SIGKILL: no shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, addr, _out) =
        start_binary(&["--registration", "open", "--database", &database], None).await;
    for id in acknowledged {
        let response = http_get(&addr, &format!("/api/transactions/{id}")).await;
        assert_eq!(
            response.status, 200,
            "transaction {id} was acknowledged but is gone"
        );
    }
    let station = http_get(&addr, "/api/stations/CP-KILL").await;
    assert!(
        station.body.contains("\"status\":\"Charging\""),
        "{}",
        station.body
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
