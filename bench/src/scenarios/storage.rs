//! Scenarios 3 and 4, the ones the database bounds: each runs on every backend of
//! [`Db::available`] (SQLite, and PostgreSQL when `make bench` started a cluster).

use super::{Scale, closed_loop, fleet_of};
use crate::client::{BenchStation, Http, Ocpp, payloads};
use crate::measure::{Latencies, Table, count, f1, f2};
use crate::target::{Db, Target, listen_overflows};
use futures_util::future::join_all;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// 3. Reconnect storm: every station connects at once, boots and reports two connectors.
pub async fn storm(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let n = scale.pick(10_000, 1_000);
    let mut table = Table::new(
        "3. Reconnect storm (connect + BootNotification + 2 StatusNotification, all at once)",
        &[
            "database",
            "stations",
            "all accepted after s",
            "p50 s",
            "p99 s",
            "persisted",
            "listen overflows",
            "errors",
            "server CPU s",
            "PostgreSQL CPU s",
        ],
    );
    for db in Db::available() {
        table.row(storm_on(root, n, &db).await?);
    }
    table.print();
    println!("target: <= 2 s for 10 000 stations, 0 overflows, 0 errors");
    Ok(())
}

/// One storm of `n` stations on a fresh Centrale on `db`: its table row.
async fn storm_on(root: &Path, n: usize, db: &Db) -> anyhow::Result<Vec<String>> {
    let target = Target::centrale_on(root, &[], db).await?;
    let (cpu, db_cpu) = (target.cpu(), db.cpu());
    let overflows = listen_overflows();
    let started = Instant::now();
    let tasks = (0..n).map(|i| {
        let base = target.ws_base.clone();
        tokio::spawn(async move {
            let id = format!("STORM-{i:05}");
            let mut station = BenchStation::connect(&base, &id).await.ok()?;
            let boot = station
                .call("BootNotification", &payloads::boot())
                .await
                .ok()?;
            if boot["status"] != "Accepted" {
                return None;
            }
            for c in 1..=2 {
                station
                    .call(
                        "StatusNotification",
                        &payloads::status(c, "Available", "storm"),
                    )
                    .await
                    .ok()?;
            }
            Some((started.elapsed(), station))
        })
    });
    let mut done = Latencies::default();
    let mut errors = 0u64;
    let mut stations = Vec::new();
    for outcome in join_all(tasks).await {
        match outcome {
            Ok(Some((at, station))) => {
                done.record(at);
                stations.push(station);
            }
            _ => errors += 1,
        }
    }
    let all = started.elapsed();
    let (cpu, db_cpu) = (
        target.cpu().saturating_sub(cpu),
        db.cpu().saturating_sub(db_cpu),
    );
    let overflowed = listen_overflows().saturating_sub(overflows);
    let mut http = Http::connect(&target.addr, &target.auth()).await?;
    let (_, persisted) = http.get("/api/stations").await?;
    let persisted = serde_json::from_str::<Value>(&persisted)?
        .as_array()
        .map_or(0, |stations| {
            stations
                .iter()
                .filter(|s| s["connectors"].as_array().is_some_and(|c| c.len() >= 2))
                .count()
        });
    join_all(stations.into_iter().map(BenchStation::close)).await;
    target.stop().await;
    Ok(vec![
        db.name().to_owned(),
        count(n as u64),
        f2(all.as_secs_f64()),
        f2(done.ms(0.5) / 1000.0),
        f2(done.ms(0.99) / 1000.0),
        count(persisted as u64),
        count(overflowed),
        count(errors),
        f2(cpu.as_secs_f64()),
        f2(db_cpu.as_secs_f64()),
    ])
}

/// Scenario 4: meter values with 10 sampled values each, closed loop, acknowledged after
/// commit; 1.6 MeterValues, and 2.0.1 TransactionEvent Updated.
pub async fn ingestion(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "4. Meter values ingestion (10 sampled values each, closed loop)",
        &[
            "database",
            "message",
            "stations",
            "messages/s",
            "values/s",
            "ack p50 ms",
            "ack p99 ms",
            "server CPU µs/msg",
            "PostgreSQL CPU µs/msg",
            "errors",
        ],
    );
    let runs = [
        (Ocpp::V16, 10),
        (Ocpp::V16, 50),
        (Ocpp::V16, 200),
        (Ocpp::V201, 10),
        (Ocpp::V201, 200),
    ];
    for (db, (version, n)) in Db::available()
        .into_iter()
        .flat_map(|db| runs.map(|run| (db.clone(), run)))
    {
        let target = Target::centrale_on(root, &[], &db).await?;
        let prefix = format!("MV{}-", version.name());
        let (mut stations, errors) = fleet_of(&target, version, &prefix, n, 128).await;
        let (mut run, stations) = match version {
            Ocpp::V16 => {
                let mut transactions = Vec::new();
                for station in &mut stations {
                    let started = station
                        .call("StartTransaction", &payloads::start(1))
                        .await?;
                    transactions.push(started["transactionId"].as_i64().unwrap_or(0));
                }
                // Each station meters its own transaction.
                let transactions = Arc::new(transactions);
                closed_loop(&target, stations, scale.run, "MeterValues", move |i, k| {
                    payloads::meter_values(transactions[i], k)
                })
                .await
            }
            Ocpp::V201 => {
                for (i, station) in stations.iter_mut().enumerate() {
                    station
                        .call(
                            "TransactionEvent",
                            &payloads::started_v201(&format!("TX-{i}")),
                        )
                        .await?;
                }
                closed_loop(&target, stations, scale.run, "TransactionEvent", |i, k| {
                    payloads::updated_v201(&format!("TX-{i}"), k)
                })
                .await
            }
        };
        let rate = run.per_second();
        table.row(vec![
            db.name().to_owned(),
            match version {
                Ocpp::V16 => "1.6 MeterValues",
                Ocpp::V201 => "2.0.1 TransactionEvent",
            }
            .to_owned(),
            count(n as u64),
            count(rate as u64),
            count((rate * 10.0) as u64),
            f2(run.latencies.ms(0.5)),
            f2(run.latencies.ms(0.99)),
            f1(run.cpu_us_each()),
            f1(run.db_cpu_us_each()),
            count(errors + run.errors),
        ]);
        join_all(stations.into_iter().map(BenchStation::close)).await;
        target.stop().await;
    }
    table.print();
    println!("target: >= 15 000 MeterValues/s with ack p99 <= 20 ms at 200 stations");
    Ok(())
}
