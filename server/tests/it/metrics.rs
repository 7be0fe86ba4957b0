//! Prometheus metrics: `/metrics` behind credentials on the main port, open on
//! `--metrics-listen`, the exposition checked by `promtool check metrics`, and figures that
//! move with real traffic.

use crate::helpers::{TestApp, http_get};
use crate::ocpp16::result;
use engine::model::RegistrationPolicy;
use serde_json::json;
use simulator::Station;
use std::time::Duration;

/// The value of the sample `series` (its name and labels exactly as exposed), if present.
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.parse().ok()
    })
}

/// Runs `promtool check metrics` on the exposition, when promtool is installed (`make test`
/// installs it; `CENTRALE_REQUIRE_PROMTOOL=1`, which it sets, makes its absence a failure).
fn promtool_check(exposition: &str) {
    use std::io::Write;
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var_os("CENTRALE_REQUIRE_PROMTOOL").is_none(),
                "promtool is required here: {e}"
            );
            eprintln!("promtool not installed ({e}): the exposition is not checked by it");
            return;
        }
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(exposition.as_bytes())
        .expect("write to promtool");
    let out = child.wait_with_output().expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{exposition}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_follow_real_traffic_and_pass_promtool() {
    let app = TestApp::spawn_with(|c| {
        c.registration = RegistrationPolicy::Open;
        c.metrics_listen = Some("127.0.0.1:0".parse().expect("address"));
    })
    .await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-METRICS")
        .await
        .unwrap();
    let boot = json!({"chargePointVendor": "Acme", "chargePointModel": "M"});
    result(cp.call("BootNotification", boot).await.unwrap());
    for _ in 0..3 {
        result(cp.call("Heartbeat", json!({})).await.unwrap());
    }
    // Unreadable: answered with a CALLERROR.
    cp.send_text("garbage").await.unwrap();
    cp.next_frame(Duration::from_secs(5)).await.unwrap();
    // A command through the API, answered by the station.
    let path = "/api/stations/CP-METRICS/commands/GetConfiguration";
    let (answered, command) = tokio::join!(
        async {
            let call = cp.next_call(Duration::from_secs(5)).await.unwrap();
            cp.answer(&call, json!({"configurationKey": []}))
                .await
                .unwrap();
        },
        app.request("POST", path, Some("{}"))
    );
    let () = answered;
    assert_eq!(command.status, 200, "{}", command.body);
    // A connection that offers no OCPP version Centrale speaks is refused.
    let refused = Station::connect_url(&format!("{}/CP-NOPE", app.ocpp_base()), &["ocpp9"]).await;
    assert!(refused.is_err());

    // On the main port, only with credentials.
    let anonymous = http_get(&app.server.addr().to_string(), "/metrics").await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    // The message log's writer counts its commits once it wrote: wait for it.
    let mut exposition = String::new();
    for _ in 0..100 {
        let scraped = app.get("/metrics").await;
        assert_eq!(scraped.status, 200, "{}", scraped.body);
        assert!(
            scraped
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
            "{}",
            scraped.headers
        );
        exposition = scraped.body;
        if sample(
            &exposition,
            "centrale_commit_rows_count{writer=\"message_log\"}",
        )
        .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let value = |series: &str| {
        sample(&exposition, series).unwrap_or_else(|| panic!("no {series} in\n{exposition}"))
    };
    assert_eq!(
        value("centrale_stations_connected{version=\"ocpp1.6\"}"),
        1.0
    );
    assert_eq!(
        value("centrale_stations_connected{version=\"ocpp2.0.1\"}"),
        0.0
    );
    let frames = |direction: &str, kind: &str, action: &str| {
        value(&format!(
            "centrale_frames_total{{direction=\"{direction}\",type=\"{kind}\",action=\"{action}\"}}"
        ))
    };
    assert_eq!(frames("in", "CALL", "Heartbeat"), 3.0);
    assert_eq!(frames("out", "CALLRESULT", "Heartbeat"), 3.0);
    assert_eq!(frames("in", "unreadable", ""), 1.0);
    assert_eq!(frames("out", "CALL", "GetConfiguration"), 1.0);
    assert_eq!(frames("in", "CALLRESULT", "GetConfiguration"), 1.0);
    assert_eq!(
        value("centrale_call_errors_total{direction=\"out\",code=\"FormationViolation\"}"),
        1.0,
        "the answer to garbage, as 1.6 spells it"
    );
    assert_eq!(
        value("centrale_command_duration_seconds_count{action=\"GetConfiguration\"}"),
        1.0
    );
    assert!(value("centrale_commit_rows_count{writer=\"audit\"}") >= 1.0);
    assert!(value("centrale_commit_rows_sum{writer=\"message_log\"}") >= 1.0);
    assert_eq!(
        value("centrale_refused_connections_total{reason=\"subprotocol\"}"),
        1.0
    );
    assert_eq!(value("centrale_message_log_dropped_frames_total"), 0.0);
    assert!(value("process_resident_memory_bytes") > 1_000_000.0);
    assert!(value("process_open_fds") > 0.0);
    promtool_check(&exposition);

    // On --metrics-listen, without credentials; nothing else is served there.
    let own = app
        .server
        .metrics_addr()
        .expect("metrics listener")
        .to_string();
    let open = http_get(&own, "/metrics").await;
    assert_eq!(open.status, 200, "{}", open.body);
    assert!(open.body.contains("centrale_build_info{version="));
    assert_eq!(http_get(&own, "/api/stations").await.status, 404);
}
