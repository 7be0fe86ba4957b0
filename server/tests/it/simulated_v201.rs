//! Centrale driving the simulator's behavioural charger speaking OCPP 2.0.1.

use crate::helpers::TestApp;
use crate::simulated::eventually;
use engine::model::{IdTag, RegistrationPolicy, TokenStatus};
use protocol::{OcppVersion, StationId};
use serde_json::json;
use simulator::charger::{Charger, ChargerConfig, Stats};
use std::sync::Arc;

/// A charger of the simulator speaking 2.0.1, quick to meter.
fn config(app: &TestApp, id: &str) -> ChargerConfig {
    let mut config = crate::simulated::config(app, id);
    config.ocpp = OcppVersion::V201;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_start_charges_by_events_until_request_stop() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let engine = app.server.engine().clone();
    engine
        .put_id_tag(IdTag {
            id_tag: "DRIVER".into(),
            status: TokenStatus::Accepted,
            expiry_date: None,
            parent_id_tag: None,
        })
        .await
        .unwrap();
    let charger = Charger::spawn(config(&app, "SIM-201"), Arc::new(Stats::default()));
    let id = StationId::parse("SIM-201").unwrap();
    eventually("the station reports its EVSEs", async || {
        let connectors = engine.connectors(&id).await.ok()?;
        (connectors.len() == 2).then_some(())
    })
    .await;
    let body = r#"{"idToken": {"idToken": "DRIVER", "type": "ISO14443"}, "remoteStartId": 77, "evseId": 2}"#;
    let answer = engine
        .call_json("test", &id, "RequestStartTransaction", body)
        .await
        .unwrap();
    assert_eq!(answer["status"], "Accepted");
    let tx = eventually("a transaction starts", async || {
        engine
            .transactions(Some(&id), Some(true), 10)
            .await
            .ok()?
            .pop()
    })
    .await;
    assert_eq!(tx.connector_id, 2);
    assert!(
        tx.remote_start_requested_at.is_some(),
        "linked by remoteStartId"
    );
    let station_tx = tx.station_transaction_id.clone().unwrap();
    eventually("energy rises", async || {
        let samples = engine.transaction_samples(tx.id).await.ok()?;
        let energy: Vec<f64> = samples
            .iter()
            .filter(|s| s.measurand == "Energy.Active.Import.Register")
            .filter_map(|s| s.value.parse().ok())
            .collect();
        (energy.len() >= 3 && energy.windows(2).all(|w| w[1] > w[0])).then_some(())
    })
    .await;
    let evse = engine.connectors(&id).await.unwrap();
    assert_eq!(evse[1].status, "Occupied");

    let stop = format!(r#"{{"transactionId": "{station_tx}"}}"#);
    let answer = engine
        .call_json("test", &id, "RequestStopTransaction", &stop)
        .await
        .unwrap();
    assert_eq!(answer["status"], "Accepted");
    let done = eventually("the transaction ends", async || {
        engine
            .transaction(tx.id)
            .await
            .ok()?
            .filter(|t| t.stopped_at.is_some())
    })
    .await;
    assert_eq!(done.stop_reason.as_deref(), Some("Remote"));
    assert!(done.energy_wh.is_some_and(|wh| wh > 0), "{done:?}");
    let events = engine.transaction_events(tx.id).await.unwrap();
    assert_eq!(
        events.first().map(|e| e.trigger_reason.as_str()),
        Some("RemoteStart")
    );
    assert_eq!(events.last().map(|e| e.event_type.as_str()), Some("Ended"));
    charger.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_report_arrives_in_parts_and_a_set_variable_changes_the_device_model() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let engine = app.server.engine().clone();
    let charger = Charger::spawn(config(&app, "SIM-DM"), Arc::new(Stats::default()));
    let id = StationId::parse("SIM-DM").unwrap();
    eventually("the station is connected", async || {
        engine.is_connected(&id).then_some(())
    })
    .await;
    let answer = engine
        .call_json(
            "test",
            &id,
            "GetBaseReport",
            r#"{"requestId": 1, "reportBase": "FullInventory"}"#,
        )
        .await
        .unwrap();
    assert_eq!(answer["status"], "Accepted");
    let variables = eventually("the whole report arrives", async || {
        let variables = engine.device_variables(&id).await.ok()?;
        (variables.len() >= 10).then_some(variables)
    })
    .await;
    let interval = variables
        .iter()
        .find(|v| v.path.variable == "HeartbeatInterval")
        .unwrap();
    assert_eq!(interval.value.as_deref(), Some("300"));
    assert_eq!(interval.mutability.as_deref(), Some("ReadWrite"));
    // The message log is written in the background: it shows the parts soon after.
    eventually("the report's parts in the message log", async || {
        let query = engine::message_log::MessageQuery {
            station: Some(id.clone()),
            ..Default::default()
        };
        let messages = engine.message_page(&query, 100).await.ok()?.frames;
        let parts = messages
            .iter()
            .filter(|m| m.action.as_deref() == Some("NotifyReport") && m.message_type == Some(2))
            .count();
        (parts >= 3).then_some(())
    })
    .await;

    let set = json!({"setVariableData": [{"attributeValue": "60",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]});
    let answer = engine
        .call_json("test", &id, "SetVariables", &set.to_string())
        .await
        .unwrap();
    assert_eq!(
        answer["setVariableResult"][0]["attributeStatus"],
        "Accepted"
    );
    let variables = engine.device_variables(&id).await.unwrap();
    let interval = variables
        .iter()
        .find(|v| v.path.variable == "HeartbeatInterval")
        .unwrap();
    assert_eq!(interval.value.as_deref(), Some("60"));
    charger.stop().await;
}
