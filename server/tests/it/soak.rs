//! The kill -9 soak: a mixed 1.6 and 2.0.1 fleet under load, the process killed again and
//! again; nothing a station was answered for may be missing afterwards.

use crate::helpers::{fresh_database, http_with};
use crate::lifecycle::{admin_token_header, start_binary};
use std::time::Duration;

/// What the stations of the soak test were told was done: counted on their side.
#[derive(Default)]
pub(crate) struct Acknowledged {
    pub(crate) boots: Vec<String>,
    /// Transaction id and meter start.
    pub(crate) started: Vec<(i64, i64)>,
    /// Transaction id and the energy register value sent.
    pub(crate) samples: Vec<(i64, i64)>,
    /// Transaction id and meter stop.
    pub(crate) stopped: Vec<(i64, i64)>,
    /// 2.0.1: (station, the station's transaction id, what) of each acknowledged event: the
    /// register value sent with it, and whether it ended the transaction.
    pub(crate) events: Vec<(String, String, i64, bool)>,
}

impl Acknowledged {
    pub(crate) fn extend(&mut self, more: Acknowledged) {
        self.boots.extend(more.boots);
        self.started.extend(more.started);
        self.samples.extend(more.samples);
        self.stopped.extend(more.stopped);
        self.events.extend(more.events);
    }
}

/// One station of the fleet: boots, then charges in a loop (start, meter values, stop) until
/// its link drops or `until` passes; records each message that was answered.
pub(crate) async fn soak_station(
    base: String,
    id: String,
    round: usize,
    until: tokio::time::Instant,
) -> Acknowledged {
    use serde_json::json;
    use simulator::{Reply, Station};
    let mut acked = Acknowledged::default();
    let Ok(mut station) = Station::connect(&base, &id).await else {
        return acked;
    };
    let boot = json!({"chargePointVendor": "Soak", "chargePointModel": "Kill9"});
    if !matches!(
        station.call("BootNotification", boot).await,
        Ok(Reply::Result(_))
    ) {
        return acked;
    }
    acked.boots.push(id.clone());
    let mut register = (round as i64) * 1_000_000;
    while tokio::time::Instant::now() < until {
        register += 1;
        let start = json!({"connectorId": 1, "idTag": format!("{id}-TAG"), "meterStart": register, "timestamp": "2026-11-24T10:00:00Z"});
        let Ok(Reply::Result(answer)) = station.call("StartTransaction", start).await else {
            return acked;
        };
        let Some(tx) = answer["transactionId"].as_i64() else {
            return acked;
        };
        acked.started.push((tx, register));
        for _ in 0..5 {
            register += 7;
            let values = json!({"connectorId": 1, "transactionId": tx, "meterValue": [{
            "timestamp": "2026-11-24T10:01:00Z",
            "sampledValue": [
                {"value": register.to_string(), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"},
                {"value": "230.1", "measurand": "Voltage", "unit": "V"}
            ]}]});
            let Ok(Reply::Result(_)) = station.call("MeterValues", values).await else {
                return acked;
            };
            acked.samples.push((tx, register));
        }
        register += 1;
        let stop = json!({"transactionId": tx, "meterStop": register, "timestamp": "2026-11-24T10:02:00Z", "reason": "Local"});
        let Ok(Reply::Result(_)) = station.call("StopTransaction", stop).await else {
            return acked;
        };
        acked.stopped.push((tx, register));
    }
    acked
}

/// A 2.0.1 station of the fleet: boots, then charges in a loop (TransactionEvent Started, five
/// Updated, Ended, each with an energy reading) until its link drops or `until` passes;
/// records each event that was answered.
pub(crate) async fn soak_station_v201(
    base: String,
    id: String,
    round: usize,
    until: tokio::time::Instant,
) -> Acknowledged {
    use serde_json::json;
    use simulator::{Reply, Station};
    let mut acked = Acknowledged::default();
    let Ok(mut station) = Station::connect_v201(&base, &id).await else {
        return acked;
    };
    let boot =
        json!({"reason": "PowerUp", "chargingStation": {"vendorName": "Soak", "model": "Kill9"}});
    if !matches!(
        station.call("BootNotification", boot).await,
        Ok(Reply::Result(_))
    ) {
        return acked;
    }
    acked.boots.push(id.clone());
    let mut register = (round as i64) * 1_000_000;
    for n in 0.. {
        if tokio::time::Instant::now() >= until {
            break;
        }
        let tx = format!("{id}-R{round}-{n}");
        for seq in 0..7 {
            register += 7;
            let kind = match seq {
                0 => "Started",
                6 => "Ended",
                _ => "Updated",
            };
            let event = json!({"eventType": kind, "timestamp": "2026-11-24T10:00:00Z", "seqNo": seq,
                "triggerReason": "MeterValuePeriodic", "transactionInfo": {"transactionId": tx},
                "evse": {"id": 1, "connectorId": 1},
                "meterValue": [{"timestamp": "2026-11-24T10:00:00Z", "sampledValue": [
                    {"value": register, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}}]}]});
            let Ok(Reply::Result(_)) = station.call("TransactionEvent", event).await else {
                return acked;
            };
            acked
                .events
                .push((id.clone(), tx.clone(), register, kind == "Ended"));
        }
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_loses_nothing_acknowledged_across_repeated_kill_9() {
    const STATIONS: usize = 25;
    const ROUNDS: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let args = [
        "--registration",
        "open",
        "--database",
        database.as_str(),
        "--max-message-rate",
        "0",
    ];
    let mut acked = Acknowledged::default();
    for round in 0..ROUNDS {
        let (mut child, addr, _out) = start_binary(&args, None).await;
        let base = format!("ws://{addr}/ocpp");
        // A mixed fleet: every third station speaks 2.0.1.
        let fleet: Vec<_> = (0..STATIONS)
            .map(|n| {
                let id = format!("SOAK-{n:02}");
                // Until the kill below ends their links.
                let until = tokio::time::Instant::now() + Duration::from_secs(60);
                if n % 3 == 2 {
                    tokio::spawn(soak_station_v201(base.clone(), id, round, until))
                } else {
                    tokio::spawn(soak_station(base.clone(), id, round, until))
                }
            })
            .collect();
        // Under load, then SIGKILL: no shutdown, no flush, answers in flight are lost.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        for station in fleet {
            acked.extend(station.await.unwrap());
        }
    }

    let (mut child, addr, _out) = start_binary(&args, None).await;
    let auth = admin_token_header(&database);
    let get = |path: String| {
        let (addr, auth) = (addr.clone(), auth.clone());
        async move { http_with(&addr, &auth, "GET", &path, None).await }
    };
    let (lost, lost_events) = lost(&acked, get).await;
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!(
        "kill -9 soak, 2.0.1 stations: {} events acknowledged, {lost_events} lost",
        acked.events.len()
    );
    assert!(!acked.events.is_empty(), "the 2.0.1 stations sent nothing");
    assert_eq!(lost_events, 0, "2.0.1 events acknowledged but not stored");
    let acknowledged = (
        acked.boots.len(),
        acked.started.len(),
        acked.samples.len(),
        acked.stopped.len(),
    );
    eprintln!(
        "kill -9 soak, {ROUNDS} kills under {STATIONS} stations: acknowledged \
         (boots, starts, meter values, stops) = {acknowledged:?}, lost = {lost:?}"
    );
    assert!(acknowledged.2 > 0, "the fleet sent nothing");
    assert_eq!(lost, (0, 0, 0, 0), "acknowledged but not stored");
}

/// What of `acked` the database lacks, read through the API by `get`: (boots, starts, meter
/// values, stops) of 1.6 stations, and 2.0.1 events.
pub(crate) async fn lost<F, Fut>(
    acked: &Acknowledged,
    get: F,
) -> ((usize, usize, usize, usize), usize)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = crate::helpers::HttpResponse>,
{
    let stations = get("/api/stations".to_owned()).await.json();
    let known: std::collections::HashSet<&str> = stations
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    let lost_boots = acked
        .boots
        .iter()
        .filter(|b| !known.contains(b.as_str()))
        .count();
    let mut lost = (lost_boots, 0, 0, 0);
    let transactions: std::collections::BTreeSet<i64> =
        acked.started.iter().map(|(tx, _)| *tx).collect();
    let mut stored = std::collections::HashMap::new();
    for tx in &transactions {
        let t = get(format!("/api/transactions/{tx}")).await;
        let csv = get(format!("/api/transactions/{tx}/meter-values.csv"))
            .await
            .body;
        stored.insert(*tx, (t.status, t.json(), csv));
    }
    for (tx, meter_start) in &acked.started {
        let (status, t, _) = &stored[tx];
        if *status != 200 || t["meterStart"] != *meter_start {
            lost.1 += 1;
        }
    }
    for (tx, value) in &acked.samples {
        let (_, _, csv) = &stored[tx];
        let row = format!(",Energy.Active.Import.Register,,{value},Wh,");
        if !csv.contains(&row) {
            lost.2 += 1;
        }
    }
    for (tx, meter_stop) in &acked.stopped {
        let (_, t, _) = &stored[tx];
        if t["meterStop"] != *meter_stop || t["stoppedAt"].is_null() {
            lost.3 += 1;
        }
    }
    // 2.0.1: every acknowledged event's reading is kept with its transaction, and an
    // acknowledged Ended has stopped it.
    let mut lost_events = 0;
    let mut by_station: std::collections::HashMap<String, serde_json::Value> =
        std::collections::HashMap::new();
    for (station, tx, value, ended) in &acked.events {
        if !by_station.contains_key(station) {
            let list = get(format!("/api/transactions?station={station}"))
                .await
                .json();
            by_station.insert(station.clone(), list);
        }
        let found = by_station[station]
            .as_array()
            .and_then(|list| {
                list.iter()
                    .find(|t| t["stationTransactionId"] == tx.as_str())
            })
            .and_then(|t| t["id"].as_i64());
        let Some(id) = found else {
            lost_events += 1;
            continue;
        };
        let csv = get(format!("/api/transactions/{id}/meter-values.csv"))
            .await
            .body;
        let t = get(format!("/api/transactions/{id}")).await.json();
        if !csv.contains(&format!(",Energy.Active.Import.Register,,{value},Wh,"))
            || (*ended && t["stoppedAt"].is_null())
        {
            lost_events += 1;
        }
    }
    (lost, lost_events)
}
