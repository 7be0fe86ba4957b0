//! Lenient mode: strict by default; a station set lenient has its known deviations tolerated,
//! each counted per station and shown, both versions.

use crate::helpers::TestApp;
use crate::ocpp201::booted;
use engine::model::RegistrationPolicy;
use serde_json::json;
use simulator::{Reply, Station};

fn code(reply: Reply) -> String {
    match reply {
        Reply::Error { code, .. } => code,
        Reply::Result(payload) => panic!("expected a CALLERROR, got {payload}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lenient_station_gets_its_deviations_tolerated_and_counted_a_strict_one_does_not() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let mut cp = booted(&app, "CS-SLOPPY").await;
    // A timestamp without an offset, a decimal connector id, a property of its own.
    let sloppy = json!({"timestamp": "2026-12-01T10:00:00", "connectorStatus": "Available",
        "evseId": 1, "connectorId": 1.0, "vendorMood": "cheerful"});
    let strict = cp.call("StatusNotification", sloppy.clone()).await.unwrap();
    assert_eq!(code(strict), "TypeConstraintViolation");
    assert_eq!(
        app.get("/api/stations/CS-SLOPPY").await.json()["lenient"],
        false
    );

    let set = app
        .request(
            "PATCH",
            "/api/stations/CS-SLOPPY",
            Some(r#"{"lenient": true}"#),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.json()["lenient"], true);
    for _ in 0..2 {
        let reply = cp.call("StatusNotification", sloppy.clone()).await.unwrap();
        assert!(matches!(reply, Reply::Result(_)), "{reply:?}");
    }
    let station = app.get("/api/stations/CS-SLOPPY").await.json();
    assert_eq!(station["connectors"][0]["status"], "Available", "{station}");
    let deviations = app.get("/api/stations/CS-SLOPPY/deviations").await.json();
    let seen: Vec<(String, String, u64)> = deviations
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["field"].as_str().unwrap().to_owned(),
                d["count"].as_u64().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("TimestampWithoutOffset", "timestamp"),
        ("DecimalForInteger", "connectorId"),
        ("UnknownProperty", "vendorMood"),
    ] {
        assert!(
            seen.iter()
                .any(|(k, f, n)| (k.as_str(), f.as_str()) == expected && *n == 2),
            "{expected:?} twice in {seen:?}"
        );
    }
    // Other faults are refused as in strict mode.
    let wrong = json!({"timestamp": "2026-12-01T10:00:00Z", "connectorStatus": "Sleepy", "evseId": 1, "connectorId": 1});
    assert_eq!(
        code(cp.call("StatusNotification", wrong).await.unwrap()),
        "PropertyConstraintViolation"
    );

    // Back to strict, at once.
    let set = app
        .request(
            "PATCH",
            "/api/stations/CS-SLOPPY",
            Some(r#"{"lenient": false}"#),
        )
        .await;
    assert_eq!(set.status, 200);
    assert_eq!(
        code(cp.call("StatusNotification", sloppy).await.unwrap()),
        "TypeConstraintViolation"
    );
    let empty = app
        .request("PATCH", "/api/stations/CS-SLOPPY", Some("{}"))
        .await;
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(empty.body.contains("lenient"), "{}", empty.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lenient_mode_applies_to_1_6_stations_too() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let mut cp = Station::connect(&app.ocpp_base(), "CP-SLOPPY")
        .await
        .unwrap();
    let boot =
        json!({"chargePointVendor": "Acme", "chargePointModel": "Old", "firmwareFlavour": "x"});
    assert_eq!(
        code(cp.call("BootNotification", boot.clone()).await.unwrap()),
        "FormationViolation"
    );
    let set = app
        .request(
            "PATCH",
            "/api/stations/CP-SLOPPY",
            Some(r#"{"lenient": true}"#),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let reply = cp.call("BootNotification", boot).await.unwrap();
    assert!(matches!(reply, Reply::Result(_)), "{reply:?}");
    let deviations = app.get("/api/stations/CP-SLOPPY/deviations").await.json();
    assert_eq!(deviations[0]["action"], "BootNotification");
    assert_eq!(deviations[0]["field"], "firmwareFlavour");
}
