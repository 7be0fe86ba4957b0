//! A station moved to a higher security profile, and back with it, is recorded at that profile
//! and cannot come back in below it (1.6 ChangeConfiguration of SecurityProfile; 2.0.1
//! SetNetworkProfile then NetworkConfigurationPriority).

use crate::helpers::TestApp;
use crate::security::{
    PASSWORD, Pki, boots_accepted, central_events, password, refused, set_security, tls, tls_app,
    wss_base,
};
use serde_json::{Value, json};
use simulator::{Security, Station};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// Sends a command through the REST API while `station` answers it with `answer`.
async fn command(
    app: &TestApp,
    station: &mut Station,
    id: &str,
    action: &str,
    body: Value,
    answer: Value,
) {
    let path = format!("/api/stations/{id}/commands/{action}");
    let body = body.to_string();
    let sent = app.request("POST", &path, Some(&body));
    let answering = async {
        let call = station.next_call(WAIT).await.unwrap();
        assert_eq!(call.action(), Some(action));
        station.answer(&call, answer).await.unwrap();
    };
    let (response, ()) = tokio::join!(sent, answering);
    assert_eq!(response.status, 200, "{action}: {}", response.body);
}

async fn profile_of(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/stations/{id}")).await.json()["securityProfile"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_6_station_that_moved_to_profile_2_cannot_come_back_over_plain_ws() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "fleet");
    let app = tls_app(&pki, |_| {}).await;
    let (status, _) = set_security(
        &app,
        "CP-UP",
        json!({"securityProfile": 1, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    let mut station = Station::connect_with(&app.ocpp_base(), "CP-UP", &password(PASSWORD))
        .await
        .unwrap();
    boots_accepted(&mut station).await;
    command(
        &app,
        &mut station,
        "CP-UP",
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "2"}),
        json!({"status": "Accepted"}),
    )
    .await;
    // Agreed, not yet done: still profile 1 until it is back with TLS.
    assert_eq!(profile_of(&app, "CP-UP").await, 1);
    station.close().await.unwrap();

    let secure = Security {
        password: Some(PASSWORD.to_owned()),
        tls: tls(&pki, None),
    };
    let mut station = Station::connect_with(&wss_base(&app), "CP-UP", &secure)
        .await
        .unwrap();
    boots_accepted(&mut station).await;
    assert_eq!(profile_of(&app, "CP-UP").await, 2);
    station.close().await.unwrap();
    // The right password over plain ws:// is now a downgrade.
    assert_eq!(
        refused(Station::connect_with(&app.ocpp_base(), "CP-UP", &password(PASSWORD)).await),
        401
    );
    let events = central_events(&app, "CP-UP").await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["SecurityProfileRaised", "SecurityProfileDowngrade"],
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2_0_1_station_moved_by_network_profile_and_priority_is_recorded_at_its_new_profile() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "fleet");
    let app = tls_app(&pki, |_| {}).await;
    let (status, _) = set_security(
        &app,
        "CS-UP",
        json!({"securityProfile": 1, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    let v201 = ["ocpp2.0.1"];
    let mut station =
        Station::connect_offering(&app.ocpp_base(), "CS-UP", &v201, &password(PASSWORD))
            .await
            .unwrap();
    crate::ocpp201::result(
        station
            .call("BootNotification", crate::ocpp201::boot())
            .await
            .unwrap(),
    );
    let profile = json!({"configurationSlot": 2, "connectionData": {"ocppVersion": "OCPP20",
        "ocppTransport": "JSON", "ocppCsmsUrl": wss_base(&app), "messageTimeout": 30,
        "securityProfile": 2, "ocppInterface": "Wired0"}});
    command(
        &app,
        &mut station,
        "CS-UP",
        "SetNetworkProfile",
        profile,
        json!({"status": "Accepted"}),
    )
    .await;
    // A profile in a slot is not a move yet: the priority makes it the one used next.
    assert_eq!(profile_of(&app, "CS-UP").await, 1);
    let priority = json!({"setVariableData": [{"attributeValue": "2,1",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"}}]});
    let accepted = json!({"setVariableResult": [{"attributeStatus": "RebootRequired",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"}}]});
    command(
        &app,
        &mut station,
        "CS-UP",
        "SetVariables",
        priority,
        accepted,
    )
    .await;
    assert_eq!(profile_of(&app, "CS-UP").await, 1);
    station.close().await.unwrap();

    let secure = Security {
        password: Some(PASSWORD.to_owned()),
        tls: tls(&pki, None),
    };
    let station = Station::connect_offering(&wss_base(&app), "CS-UP", &v201, &secure)
        .await
        .unwrap();
    assert_eq!(profile_of(&app, "CS-UP").await, 2);
    station.close().await.unwrap();
    assert_eq!(
        refused(
            Station::connect_offering(&app.ocpp_base(), "CS-UP", &v201, &password(PASSWORD)).await
        ),
        401
    );
}
