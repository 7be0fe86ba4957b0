//! Centrale driving the simulator's behavioural charger, as an operator would.

use crate::helpers::TestApp;
use engine::model::{IdTag, Registration, RegistrationPolicy, TokenStatus};
use protocol::StationId;
use serde_json::json;
use simulator::charger::{Charger, ChargerConfig, Stats};
use std::sync::Arc;
use std::time::Duration;

/// Polls `check` every 20 ms for up to 10 s.
pub(crate) async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..500 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never happened: {what}");
}

pub(crate) fn config(app: &TestApp, id: &str) -> ChargerConfig {
    let mut config = ChargerConfig::new(app.ocpp_base(), id);
    config.meter_interval = Duration::from_millis(200);
    config.power_w = 22_000.0;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_start_charges_with_rising_meter_values_until_remote_stop() {
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
    let charger = Charger::spawn(config(&app, "SIM-1"), Arc::new(Stats::default()));
    let id = StationId::parse("SIM-1").unwrap();
    eventually("the station reports its connectors", async || {
        let connectors = engine.connectors(&id).await.ok()?;
        (connectors.len() == 3).then_some(())
    })
    .await;

    let answer = engine
        .call_json(
            "test",
            &id,
            "RemoteStartTransaction",
            r#"{"connectorId":2,"idTag":"DRIVER"}"#,
        )
        .await
        .unwrap();
    assert_eq!(answer, json!({"status": "Accepted"}));
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
        "linked to the remote start"
    );
    eventually("meter values rise", async || {
        let samples = engine.transaction_samples(tx.id).await.ok()?;
        let energy: Vec<f64> = samples
            .iter()
            .filter(|s| s.measurand == "Energy.Active.Import.Register")
            .filter_map(|s| s.value.parse().ok())
            .collect();
        (energy.len() >= 3 && energy.windows(2).all(|w| w[1] > w[0])).then_some(())
    })
    .await;
    let status = engine.connectors(&id).await.unwrap();
    assert_eq!(status[2].status, "Charging");

    let answer = engine
        .call_json(
            "test",
            &id,
            "RemoteStopTransaction",
            &format!(r#"{{"transactionId":{}}}"#, tx.id),
        )
        .await
        .unwrap();
    assert_eq!(answer, json!({"status": "Accepted"}));
    let stopped = eventually("the transaction stops", async || {
        engine
            .transaction(tx.id)
            .await
            .ok()?
            .filter(|t| t.stopped_at.is_some())
    })
    .await;
    assert_eq!(stopped.stop_reason.as_deref(), Some("Remote"));
    assert!(stopped.energy_wh.unwrap() > 0, "{stopped:?}");
    eventually("the connector is available again", async || {
        let c = engine.connectors(&id).await.ok()?;
        (c[2].status == "Available").then_some(())
    })
    .await;
    assert_eq!(charger.connector(2).unwrap().transaction_id, None);
    charger.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_charger_boots_accepted_once_the_operator_accepts_it() {
    let app = TestApp::spawn().await; // pending policy
    let engine = app.server.engine().clone();
    let charger = Charger::spawn(config(&app, "SIM-NEW"), Arc::new(Stats::default()));
    let id = StationId::parse("SIM-NEW").unwrap();
    eventually("the station boots pending", async || {
        let s = engine.station(&id).await.ok()??;
        (s.vendor.is_some() && s.registration == Registration::Pending).then_some(())
    })
    .await;
    assert!(
        engine.connectors(&id).await.unwrap().is_empty(),
        "nothing but boot while pending"
    );
    engine
        .set_registration(&id, Registration::Accepted)
        .await
        .unwrap();
    eventually("the accepted station reports its connectors", async || {
        (engine.connectors(&id).await.ok()?.len() == 3).then_some(())
    })
    .await;
    charger.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_charger_answers_configuration_trigger_and_reset_sensibly() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let engine = app.server.engine().clone();
    let charger = Charger::spawn(config(&app, "SIM-OPS"), Arc::new(Stats::default()));
    let id = StationId::parse("SIM-OPS").unwrap();
    eventually("connected", async || engine.is_connected(&id).then_some(())).await;

    let keys = engine
        .call_json("test", &id, "GetConfiguration", "{}")
        .await
        .unwrap();
    assert!(keys["configurationKey"].as_array().unwrap().len() >= 4);
    let changed = engine
        .call_json(
            "test",
            &id,
            "ChangeConfiguration",
            r#"{"key":"HeartbeatInterval","value":"60"}"#,
        )
        .await
        .unwrap();
    assert_eq!(changed, json!({"status": "Accepted"}));
    let readonly = engine
        .call_json(
            "test",
            &id,
            "ChangeConfiguration",
            r#"{"key":"NumberOfConnectors","value":"9"}"#,
        )
        .await
        .unwrap();
    assert_eq!(readonly, json!({"status": "Rejected"}));

    let unavailable = engine
        .call_json(
            "test",
            &id,
            "ChangeAvailability",
            r#"{"connectorId":1,"type":"Inoperative"}"#,
        )
        .await
        .unwrap();
    assert_eq!(unavailable, json!({"status": "Accepted"}));
    eventually("connector 1 reported unavailable", async || {
        let c = engine.connectors(&id).await.ok()?;
        (c.len() == 3 && c[1].status == "Unavailable").then_some(())
    })
    .await;

    let before = engine.connections()[0].1;
    let reset = engine
        .call_json("test", &id, "Reset", r#"{"type":"Soft"}"#)
        .await
        .unwrap();
    assert_eq!(reset, json!({"status": "Accepted"}));
    eventually("the station reconnects after the reset", async || {
        let now = engine.connections();
        (now.len() == 1 && now[0].1 != before).then_some(())
    })
    .await;
    charger.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drivers_arrive_charge_and_leave_by_themselves() {
    let app = TestApp::spawn_with(|c| c.registration = RegistrationPolicy::Open).await;
    let engine = app.server.engine().clone();
    for tag in ["FLEET-A", "FLEET-B"] {
        engine
            .put_id_tag(IdTag {
                id_tag: tag.into(),
                status: TokenStatus::Accepted,
                expiry_date: None,
                parent_id_tag: None,
            })
            .await
            .unwrap();
    }
    let mut config = config(&app, "SIM-DRIVERS");
    config.connectors = 1;
    // A driver every ~100 ms, charging ~400 ms: several sessions in a few seconds.
    config.sessions = Some(simulator::charger::SessionPlan {
        per_hour: 36_000.0,
        mean_duration: Duration::from_millis(400),
        id_tags: vec!["FLEET-A".into(), "FLEET-B".into()],
    });
    config.seed = 42;
    let charger = Charger::spawn(config, Arc::new(Stats::default()));
    let id = StationId::parse("SIM-DRIVERS").unwrap();
    let finished = eventually("two sessions end with the driver leaving", async || {
        let done: Vec<_> = engine
            .transactions(Some(&id), Some(false), 10)
            .await
            .ok()?
            .into_iter()
            .filter(|t| t.stop_reason.as_deref() == Some("EVDisconnected"))
            .collect();
        (done.len() >= 2).then_some(done)
    })
    .await;
    for t in &finished {
        assert!(["FLEET-A", "FLEET-B"].contains(&t.id_tag.as_str()), "{t:?}");
        assert!(t.energy_wh.is_some_and(|wh| wh > 0), "{t:?}");
        assert!(
            t.remote_start_requested_at.is_none(),
            "started by the driver"
        );
    }
    charger.stop().await;
}
