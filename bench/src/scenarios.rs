//! The nine scenarios. Each starts the system under test fresh, drives it from this process
//! (pinned to other cores than the server), measures from outside, and prints a table.

use crate::client::{BenchStation, EventReader, Http, Ocpp, payloads};
use crate::measure::{Latencies, Table, count, f1, f2};
use crate::target::Target;
use futures_util::future::join_all;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

mod cluster;
mod storage;
mod webhooks;
pub use cluster::cluster;
pub use storage::{ingestion, storm};
pub use webhooks::webhooks;

/// How big and how long: the issue's sizes, or small ones for a smoke run.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub quick: bool,
    /// How long each closed-loop measurement runs.
    pub run: Duration,
}

impl Scale {
    fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }
}

/// Connects `n` stations named `{prefix}{i}`, each sending BootNotification (at most `parallel`
/// connecting at once). Returns the stations and how many failed.
async fn fleet(
    target: &Target,
    prefix: &str,
    n: usize,
    parallel: usize,
) -> (Vec<BenchStation>, u64) {
    fleet_of(target, Ocpp::V16, prefix, n, parallel).await
}

/// [`fleet`] of stations speaking `version`.
async fn fleet_of(
    target: &Target,
    version: Ocpp,
    prefix: &str,
    n: usize,
    parallel: usize,
) -> (Vec<BenchStation>, u64) {
    fleet_at(&target.ws_base, None, version, prefix, n, parallel).await
}

/// [`fleet_of`] at the WebSocket base `base`, over TLS with `tls` (for a `wss://` base).
async fn fleet_at(
    base: &str,
    tls: Option<Arc<rustls::ClientConfig>>,
    version: Ocpp,
    prefix: &str,
    n: usize,
    parallel: usize,
) -> (Vec<BenchStation>, u64) {
    let gate = Arc::new(Semaphore::new(parallel));
    let tasks = (0..n).map(|i| {
        let gate = Arc::clone(&gate);
        let base = base.to_owned();
        let tls = tls.clone();
        let id = format!("{prefix}{i:05}");
        tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.ok()?;
            let mut station = BenchStation::connect_over(&base, tls.as_ref(), &id, version)
                .await
                .ok()?;
            station
                .call("BootNotification", &version.boot())
                .await
                .ok()?;
            Some(station)
        })
    });
    let mut stations = Vec::with_capacity(n);
    let mut errors = 0;
    for outcome in join_all(tasks).await {
        match outcome {
            Ok(Some(station)) => stations.push(station),
            _ => errors += 1,
        }
    }
    (stations, errors)
}

/// What a closed-loop run measured.
struct Run {
    count: u64,
    errors: u64,
    latencies: Latencies,
    elapsed: Duration,
    server_cpu: Duration,
    /// The database server's CPU time (PostgreSQL; none for SQLite, inside the server).
    db_cpu: Duration,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }

    fn cpu_us_each(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.count.max(1) as f64
    }

    fn db_cpu_us_each(&self) -> f64 {
        self.db_cpu.as_secs_f64() * 1e6 / self.count.max(1) as f64
    }
}

/// Every station sends `action` again as soon as the previous one is answered (one CALL
/// outstanding per station), for `duration`. `payload(i, n)` is station `i`'s `n`th request.
async fn closed_loop(
    target: &Target,
    stations: Vec<BenchStation>,
    duration: Duration,
    action: &'static str,
    payload: impl Fn(usize, u64) -> Value + Send + Sync + Clone + 'static,
) -> (Run, Vec<BenchStation>) {
    // A short warm-up, not measured.
    let warm = Instant::now() + Duration::from_millis(300);
    let cpu_before = Arc::new(std::sync::Mutex::new(None::<(Duration, Duration, Instant)>));
    let errors = Arc::new(AtomicU64::new(0));
    let end = warm + duration;
    let tasks = stations.into_iter().enumerate().map(|(i, mut station)| {
        let payload = payload.clone();
        let errors = Arc::clone(&errors);
        tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let mut n = 0u64;
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                n += 1;
                let sent = Instant::now();
                match station.call(action, &payload(i, n)).await {
                    Ok(_) if sent >= warm => latencies.record(sent.elapsed()),
                    Ok(_) => {}
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
            (latencies, station)
        })
    });
    let sampler = {
        let cpu_before = Arc::clone(&cpu_before);
        let pid_cpu = target.cpu_probe();
        let db = target.db.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(warm.into()).await;
            if let Ok(mut slot) = cpu_before.lock() {
                *slot = Some((pid_cpu(), db.cpu(), Instant::now()));
            }
        })
    };
    let mut latencies = Latencies::default();
    let mut stations = Vec::new();
    for outcome in join_all(tasks).await.into_iter().flatten() {
        latencies.extend(outcome.0);
        stations.push(outcome.1);
    }
    let _ = sampler.await;
    let cpu_after = target.cpu();
    let db_after = target.db.cpu();
    let (cpu_start, db_start, started) = cpu_before.lock().ok().and_then(|slot| *slot).unwrap_or((
        cpu_after,
        db_after,
        Instant::now(),
    ));
    let run = Run {
        count: latencies.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        latencies,
        elapsed: started.elapsed().min(duration + Duration::from_secs(1)),
        server_cpu: cpu_after.saturating_sub(cpu_start),
        db_cpu: db_after.saturating_sub(db_start),
    };
    (run, stations)
}

/// 1. Idle capacity: resident memory per connected, booted station (`ws://`, then `wss://`).
pub async fn idle_capacity(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "1. Idle capacity (booted stations, then idle)",
        &[
            "transport",
            "stations",
            "connected",
            "errors",
            "RSS before MiB",
            "RSS after MiB",
            "KiB / station",
        ],
    );
    let tls = crate::tls::Tls::new()?;
    let plain = scale.pick(vec![1_000, 10_000, 19_000], vec![1_000]);
    let secure = scale.pick(vec![10_000], vec![1_000]);
    let runs = plain
        .into_iter()
        .map(|n| (false, n))
        .chain(secure.into_iter().map(|n| (true, n)));
    for (over_tls, n) in runs {
        let listen = match over_tls {
            true => Some(format!("127.0.0.1:{}", crate::tls::free_port()?)),
            false => None,
        };
        let args = listen
            .as_deref()
            .map(|l| tls.server_args(l))
            .unwrap_or_default();
        let extra: Vec<&str> = args.iter().map(String::as_str).collect();
        let target = Target::centrale(root, &extra).await?;
        let (base, client) = match &listen {
            Some(listen) => (format!("wss://{listen}/ocpp"), Some(tls.client())),
            None => (target.ws_base.clone(), None),
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = target.rss();
        let (stations, errors) = fleet_at(&base, client, Ocpp::V16, "IDLE-", n, 256).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = target.rss();
        let per = after.saturating_sub(before) as f64 / 1024.0 / stations.len().max(1) as f64;
        table.row(vec![
            if over_tls { "wss" } else { "ws" }.to_owned(),
            count(n as u64),
            count(stations.len() as u64),
            count(errors),
            f1(before as f64 / 1048576.0),
            f1(after as f64 / 1048576.0),
            f2(per),
        ]);
        join_all(stations.into_iter().map(BenchStation::close)).await;
        target.stop().await;
    }
    table.print();
    println!("target: <= 4 KiB per station");
    Ok(())
}

/// 2. Heartbeat round trips, closed loop, one CALL outstanding per station.
pub async fn heartbeats(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "2. Heartbeat round trips (closed loop)",
        &[
            "OCPP",
            "connections",
            "round trips/s",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "server CPU µs/rt",
            "errors",
        ],
    );
    let target = Target::centrale(root, &[]).await?;
    let runs = [1, 100, 1000]
        .map(|n| (Ocpp::V16, n))
        .into_iter()
        .chain([(Ocpp::V201, 100), (Ocpp::V201, 1000)]);
    for (version, n) in runs {
        let prefix = format!("HB{}-{n}-", version.name());
        let (stations, errors) = fleet_of(&target, version, &prefix, n, 256).await;
        let (mut run, stations) = closed_loop(&target, stations, scale.run, "Heartbeat", |_, _| {
            payloads::heartbeat()
        })
        .await;
        table.row(vec![
            version.name().to_owned(),
            count(n as u64),
            count(run.per_second() as u64),
            f2(run.latencies.ms(0.5)),
            f2(run.latencies.ms(0.99)),
            f2(run.latencies.ms(0.999)),
            f1(run.cpu_us_each()),
            count(errors + run.errors),
        ]);
        join_all(stations.into_iter().map(BenchStation::close)).await;
    }
    target.stop().await;
    table.print();
    println!("target: <= 8 µs of server CPU per round trip");
    Ok(())
}

/// 5. Station event to dashboard event stream, with a subscriber that never reads.
pub async fn events(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "5. StatusNotification to /api/events subscribers (plus one that never reads)",
        &[
            "subscribers",
            "events",
            "p50 ms",
            "p99 ms",
            "station RTT p50 ms",
            "station RTT p99 ms",
            "errors",
        ],
    );
    let events = scale.pick(1_000, 200);
    for subscribers in [1usize, 100] {
        let target = Target::centrale(root, &[]).await?;
        let query = "?kinds=connectorStatusChanged";
        // The stalled one: subscribes, then never reads a byte.
        let stalled = EventReader::open(&target.addr, &target.auth(), query).await?;
        let mut readers = Vec::new();
        for _ in 0..subscribers {
            readers.push(EventReader::open(&target.addr, &target.auth(), query).await?);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let collecting: Vec<_> = readers
            .into_iter()
            .map(|r| tokio::spawn(r.collect("bench-", events)))
            .collect();
        let mut station = BenchStation::connect(&target.ws_base, "EVENTS-1").await?;
        station.call("BootNotification", &payloads::boot()).await?;
        let mut sent_at = Vec::with_capacity(events);
        let mut rtt = Latencies::default();
        for i in 0..events {
            let status = if i % 2 == 0 {
                "Charging"
            } else {
                "SuspendedEV"
            };
            let sent = Instant::now();
            sent_at.push(sent);
            station
                .call(
                    "StatusNotification",
                    &payloads::status(1, status, &format!("bench-{i}")),
                )
                .await?;
            rtt.record(sent.elapsed());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let mut latency = Latencies::default();
        let mut errors = 0u64;
        for outcome in join_all(collecting).await {
            match outcome {
                Ok(Ok(seen)) => {
                    for (i, at) in seen {
                        if let Some(sent) = sent_at.get(i as usize) {
                            latency.record(at.saturating_duration_since(*sent));
                        }
                    }
                }
                _ => errors += 1,
            }
        }
        table.row(vec![
            format!("{subscribers} + 1 stalled"),
            count(latency.len() as u64),
            f2(latency.ms(0.5)),
            f2(latency.ms(0.99)),
            f2(rtt.ms(0.5)),
            f2(rtt.ms(0.99)),
            count(errors),
        ]);
        drop(stalled);
        station.close().await;
        target.stop().await;
    }
    table.print();
    println!("target: p99 <= 50 ms; the stalled subscriber changes nothing for stations");
    Ok(())
}

/// 6. REST command round trip: RemoteStartTransaction through the API to a station and back.
pub async fn rest_commands(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "6. REST RemoteStartTransaction round trip (API -> station -> API)",
        &[
            "concurrent",
            "commands/s",
            "p50 ms",
            "p99 ms",
            "server CPU µs/cmd",
            "errors",
        ],
    );
    let target = Target::centrale(root, &[]).await?;
    let (stations, errors) = fleet(&target, "REST-", 100, 100).await;
    let serving: Vec<_> = stations
        .into_iter()
        .map(|s| tokio::spawn(s.serve()))
        .collect();
    for concurrent in [1usize, 100] {
        let cpu_before = target.cpu();
        let began = Instant::now();
        let (mut all, failed) =
            remote_starts(&target.addr, &target.auth(), "REST-", concurrent, scale.run).await;
        let failed = failed + errors;
        let elapsed = began.elapsed();
        let cpu = target.cpu().saturating_sub(cpu_before);
        let n = all.len() as u64;
        table.row(vec![
            count(concurrent as u64),
            count((n as f64 / elapsed.as_secs_f64()) as u64),
            f2(all.ms(0.5)),
            f2(all.ms(0.99)),
            f1(cpu.as_secs_f64() * 1e6 / n.max(1) as f64),
            count(failed),
        ]);
    }
    for task in serving {
        task.abort();
    }
    target.stop().await;
    table.print();
    println!("target: p99 <= 10 ms at 100 concurrent callers");
    Ok(())
}

/// `concurrent` API clients of `addr`, each sending RemoteStartTransaction to station
/// `{prefix}{i}` in a closed loop for `run`: the round trips of the 200s, and how many were not.
async fn remote_starts(
    addr: &str,
    auth: &str,
    prefix: &str,
    concurrent: usize,
    run: Duration,
) -> (Latencies, u64) {
    let end = Instant::now() + run;
    let workers = (0..concurrent).map(|i| {
        let (addr, auth) = (addr.to_owned(), auth.to_owned());
        let path = format!("/api/stations/{prefix}{i:05}/commands/RemoteStartTransaction");
        tokio::spawn(async move {
            let mut http = Http::connect(&addr, &auth).await?;
            let body = r#"{"idTag":"BENCH","connectorId":1}"#;
            let mut latencies = Latencies::default();
            let mut failed = 0u64;
            while Instant::now() < end {
                let sent = Instant::now();
                let (status, _) = http.post(&path, body).await?;
                if status == 200 {
                    latencies.record(sent.elapsed());
                } else {
                    failed += 1;
                }
            }
            Ok::<_, anyhow::Error>((latencies, failed))
        })
    });
    let mut all = Latencies::default();
    let mut failed = 0;
    for outcome in join_all(workers).await {
        match outcome {
            Ok(Ok((latencies, f))) => {
                all.extend(latencies);
                failed += f;
            }
            _ => failed += 1,
        }
    }
    (all, failed)
}

#[derive(Debug, Clone, Copy)]
enum Peer {
    Centrale,
    Ceiling,
    OcppRpc,
}

/// 7. The same heartbeat load against Centrale, a raw ceiling server and ocpp-rpc.
pub async fn side_by_side(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "7. Side by side: 100 connections, Heartbeat closed loop, same client",
        &[
            "server",
            "round trips/s",
            "p50 ms",
            "p99 ms",
            "server CPU µs/rt",
            "Centrale CPU ÷ this",
            "errors",
        ],
    );
    let mut results: Vec<(&'static str, Run)> = Vec::new();
    for peer in [Peer::Centrale, Peer::Ceiling, Peer::OcppRpc] {
        let started = match peer {
            Peer::Centrale => Target::centrale(root, &[]).await,
            Peer::Ceiling => Target::ceiling().await,
            Peer::OcppRpc => Target::ocpp_rpc(root).await,
        };
        let target = match started {
            Ok(target) => target,
            Err(e) => {
                println!("({peer:?} skipped: {e:#})");
                continue;
            }
        };
        let (stations, errors) = fleet(&target, "SIDE-", 100, 100).await;
        let (mut run, stations) = closed_loop(&target, stations, scale.run, "Heartbeat", |_, _| {
            payloads::heartbeat()
        })
        .await;
        run.errors += errors;
        join_all(stations.into_iter().map(BenchStation::close)).await;
        let name = target.name;
        target.stop().await;
        results.push((name, run));
    }
    let centrale_cpu = results
        .iter()
        .find(|(name, _)| *name == "Centrale")
        .map(|(_, run)| run.cpu_us_each());
    for (name, run) in &mut results {
        let ratio = centrale_cpu.map_or_else(|| "—".to_owned(), |c| f2(c / run.cpu_us_each()));
        table.row(vec![
            (*name).to_owned(),
            count(run.per_second() as u64),
            f2(run.latencies.ms(0.5)),
            f2(run.latencies.ms(0.99)),
            f1(run.cpu_us_each()),
            ratio,
            count(run.errors),
        ]);
    }
    table.print();
    Ok(())
}
