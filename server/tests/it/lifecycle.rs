//! The `centrale` binary as a user runs it.

use crate::helpers::{fresh_database, http_get, http_with};
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

/// The one line the binary printed on stderr, and that it failed.
pub(crate) fn failed_with_one_line(output: &std::process::Output) -> String {
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    lines[0].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_one_clear_line_without_the_password() {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    for url in [
        "postgres://centrale:hunter2-secret@127.0.0.1:1/centrale",
        "postgresql://centrale:hunter2-secret@127.0.0.1:1/centrale",
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_centrale"))
            .args(["--listen", "127.0.0.1:0", "--database", url])
            .output()
            .unwrap();
        let line = failed_with_one_line(&output);
        assert!(line.contains("cannot reach the server"), "{line}");
        assert!(line.contains("centrale:***@127.0.0.1:1"), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }
    // A URL that does not parse says so, without its password either.
    let output = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database",
            "postgres://u:hunter2-secret@[::1/x",
        ])
        .output()
        .unwrap();
    let line = failed_with_one_line(&output);
    assert!(line.contains("invalid database URL"), "{line}");
    assert!(!line.contains("hunter2"), "{line}");
    // The command line fails the same way, without starting anything.
    let output = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args([
            "--database",
            "postgres://u:hunter2-secret@127.0.0.1:1/x",
            "user",
            "list",
        ])
        .output()
        .unwrap();
    let line = failed_with_one_line(&output);
    assert!(!line.contains("hunter2"), "{line}");
    // Nor does --help show it from the environment.
    let help = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .arg("--help")
        .env(
            "CENTRALE_DATABASE",
            "postgres://u:hunter2-secret@127.0.0.1:1/x",
        )
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("CENTRALE_DATABASE"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_beside_a_server_starting_on_a_new_database_works() {
    // Both open a database nobody has opened yet at the same moment: they must take turns to
    // set it up (once, it failed on SQLite with "duplicate column name" or "database is
    // locked").
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let database = fresh_database(dir.path()).await;
        let mut server = Command::new(env!("CARGO_BIN_EXE_centrale"))
            .args(["--listen", "127.0.0.1:0", "--database", &database])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let user = format!("ops{round}");
        let added = Command::new(env!("CARGO_BIN_EXE_centrale"))
            .args([
                "--database",
                &database,
                "user",
                "add",
                &user,
                "--role",
                "viewer",
            ])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            added.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&added.stderr)
        );
        let listed = centrale(&["--database", &database, "user", "list"], "");
        assert!(listed.contains(&user), "{listed}");
        // The server started too, and is still running.
        assert!(
            server.try_wait().unwrap().is_none(),
            "round {round}: the server stopped"
        );
        server.kill().unwrap();
        let output = server.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("could not open"),
            "round {round}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_postgres_credentials_are_one_clear_line() {
    if engine::store::testing::postgres_or_say_why().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let wrong = url.replace(":centrale-test-app-password@", ":not-the-password@");
    assert_ne!(wrong, url);
    let output = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args(["--listen", "127.0.0.1:0", "--database", &wrong])
        .output()
        .unwrap();
    let line = failed_with_one_line(&output);
    assert!(line.contains("refused the user name or password"), "{line}");
    assert!(!line.contains("not-the-password"), "{line}");
    let missing = format!("{}_missing", url);
    let output = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args(["--listen", "127.0.0.1:0", "--database", &missing])
        .output()
        .unwrap();
    let line = failed_with_one_line(&output);
    assert!(line.contains("does not exist"), "{line}");
}

/// Starts the real binary with `args` (in `cwd`, if given) and returns it with its address and
/// its stdout, kept open as a terminal would. What it printed before the address is in
/// `printed`.
pub(crate) async fn start_binary(
    args: &[&str],
    cwd: Option<&std::path::Path>,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStdout>,
) {
    let (child, addr, reader, _) = start_binary_printing(args, cwd).await;
    (child, addr, reader)
}

async fn start_binary_printing(
    args: &[&str],
    cwd: Option<&std::path::Path>,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStdout>,
    String,
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
    let (line, reader, printed) = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut printed = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line.contains("http://") {
                return std::io::Result::Ok((line, reader, printed));
            }
            printed.push_str(&line);
        }
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
    (child, addr, reader, printed)
}

/// An API token of the admin, with the admin role, made with `centrale token add` on
/// `database`, as a header line.
pub(crate) fn admin_token_header(database: &str) -> String {
    let printed = centrale(
        &[
            "--database",
            database,
            "token",
            "add",
            "--user",
            "admin",
            "--name",
            "tests",
            "--role",
            "admin",
        ],
        "",
    );
    let token = printed.lines().last().unwrap_or_default().trim();
    format!("Authorization: Bearer {token}\r\n")
}

/// Runs `centrale ARGS` to completion; answers its stdout.
fn centrale(args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "centrale {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_when_the_process_is_killed() {
    use serde_json::json;
    use simulator::{Reply, Station};

    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
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
    let auth = admin_token_header(&database);
    let http_get = |addr: String, path: String| {
        let auth = auth.clone();
        async move { http_with(&addr, &auth, "GET", &path, None).await }
    };
    for id in acknowledged {
        let response = http_get(addr.clone(), format!("/api/transactions/{id}")).await;
        assert_eq!(
            response.status, 200,
            "transaction {id} was acknowledged but is gone"
        );
    }
    let station = http_get(addr.clone(), "/api/stations/CP-KILL".to_owned()).await;
    assert!(
        station.body.contains("\"status\":\"Charging\""),
        "{}",
        station.body
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_database_gets_an_admin_whose_password_is_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let sign_in = |addr: String, user: &'static str, password: String| async move {
        http_with(
            &addr,
            "Content-Type: application/x-www-form-urlencoded\r\n",
            "POST",
            "/login",
            Some(&format!("username={user}&password={password}")),
        )
        .await
    };

    let (mut child, addr, _out, printed) =
        start_binary_printing(&["--database", &database], None).await;
    let password = printed
        .split("with the password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no admin password in {printed:?}"))
        .to_owned();
    assert!(password.len() >= 16, "{password}");
    let signed_in = sign_in(addr.clone(), "admin", password.clone()).await;
    assert_eq!(signed_in.status, 303);
    assert!(signed_in.headers.contains("centrale_session="));
    child.kill().unwrap();
    child.wait().unwrap();

    // Users from the shell; the password from stdin, never on the command line.
    let added = centrale(
        &[
            "--database",
            &database,
            "user",
            "add",
            "ops",
            "--role",
            "operator",
            "--password-stdin",
        ],
        "operator-password-1\n",
    );
    assert!(added.contains("added operator ops"), "{added}");
    let listed = centrale(&["--database", &database, "user", "list"], "");
    assert_eq!(listed, "admin\tadmin\nops\toperator\n");

    // The next start makes no admin and prints no password.
    let (mut child, addr, _out, printed) =
        start_binary_printing(&["--database", &database], None).await;
    assert!(!printed.contains("password"), "{printed:?}");
    let ops = sign_in(addr.clone(), "ops", "operator-password-1".to_owned()).await;
    assert_eq!(ops.status, 303);
    assert!(ops.headers.contains("centrale_session="));
    let wrong = sign_in(addr, "ops", "operator-password-2".to_owned()).await;
    assert!(!wrong.headers.contains("centrale_session="));
    child.kill().unwrap();
    child.wait().unwrap();
}
