//! Scenario 9: several nodes on one PostgreSQL behind HAProxy (`deploy/haproxy.cfg`):
//! throughput with one node and with two, a command's round trip through the node holding the
//! station and through another, and the time from a node's kill -9 to its stations serving on
//! the other.

use super::{Scale, fleet_at, remote_starts};
use crate::client::{BenchStation, Http, Ocpp, payloads};
use crate::measure::{Latencies, Table, count, f1, f2};
use crate::target::{Db, Target};
use futures_util::future::join_all;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// HAProxy's binary, if installed.
fn haproxy() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("haproxy"))
        .find(|bin| bin.is_file())
}

/// HAProxy with `deploy/haproxy.cfg` in front of `nodes`, on a free loopback port.
struct Proxy {
    child: tokio::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Proxy {
    async fn start(bin: &Path, root: &Path, nodes: &[&Target]) -> anyhow::Result<Proxy> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let template = std::fs::read_to_string(root.join("deploy/haproxy.cfg"))?;
        let mut config = String::new();
        for line in template.lines() {
            match line.trim_start() {
                l if l.starts_with("bind ") => {
                    config.push_str(&format!("    bind 127.0.0.1:{port}\n"));
                }
                l if l.starts_with("server ") => {}
                _ => config.push_str(&format!("{line}\n")),
            }
        }
        for (i, node) in nodes.iter().enumerate() {
            config.push_str(&format!("    server node-{i} {} check\n", node.addr));
        }
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config)?;
        let child = tokio::process::Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let addr = format!("127.0.0.1:{port}");
        for _ in 0..100 {
            if let Ok(mut http) = Http::connect(&addr, "").await
                && http.get("/healthz").await.is_ok_and(|(s, _)| s == 200)
            {
                return Ok(Proxy {
                    child,
                    addr,
                    _dir: dir,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("HAProxy did not answer on {addr}")
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// `n` nodes on a fresh database of `pg`.
async fn nodes(root: &Path, pg: &Db, n: usize) -> anyhow::Result<Vec<Target>> {
    let Db::Postgres { admin, .. } = pg else {
        anyhow::bail!("a cluster needs PostgreSQL");
    };
    let db = engine::store::testing::fresh_postgres_database(admin).await?;
    let mut all = Vec::new();
    for i in 0..n {
        all.push(Target::centrale_node(root, pg, &db, &format!("node-{i}")).await?);
    }
    Ok(all)
}

/// Each station calls `action` in a closed loop for `run`: messages a second, p50, p99, errors.
async fn closed_loop(
    stations: Vec<BenchStation>,
    run: Duration,
    action: &'static str,
    payload: impl Fn(usize, u64) -> Value + Send + Sync + Clone + 'static,
) -> (f64, Latencies, u64) {
    let began = Instant::now();
    let end = began + run;
    let tasks = stations.into_iter().enumerate().map(|(i, mut station)| {
        let payload = payload.clone();
        tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let mut n = 0u64;
            while Instant::now() < end {
                n += 1;
                let sent = Instant::now();
                if station.call(action, &payload(i, n)).await.is_err() {
                    return (latencies, 1);
                }
                latencies.record(sent.elapsed());
            }
            station.close().await;
            (latencies, 0)
        })
    });
    let mut all = Latencies::default();
    let mut errors = 0;
    for (latencies, failed) in join_all(tasks).await.into_iter().flatten() {
        all.extend(latencies);
        errors += failed;
    }
    (
        all.len() as f64 / began.elapsed().as_secs_f64(),
        all,
        errors,
    )
}

/// Scenario 9 (PostgreSQL and HAProxy; skipped without them).
pub async fn cluster(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let Some(pg) = Db::available()
        .into_iter()
        .find(|db| matches!(db, Db::Postgres { .. }))
    else {
        println!("9. several nodes: skipped (needs the PostgreSQL cluster `make bench` starts)");
        return Ok(());
    };
    let Some(bin) = haproxy() else {
        println!("9. several nodes: skipped (needs haproxy; `make bench` installs it)");
        return Ok(());
    };
    throughput(root, &pg, &bin, scale).await?;
    commands(root, &pg, scale).await?;
    failover(root, &pg, &bin, scale).await
}

/// 9a. The same closed loops through HAProxy in front of one node, then two.
async fn throughput(root: &Path, pg: &Db, bin: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "9a. Through HAProxy, closed loop, PostgreSQL: one node, then two (on the same cores)",
        &[
            "nodes", "messages", "stations", "msgs/s", "p50 ms", "p99 ms", "errors",
        ],
    );
    let stations = scale.pick(200, 20);
    for n in [1, 2] {
        let targets = nodes(root, pg, n).await?;
        let proxy = Proxy::start(bin, root, &targets.iter().collect::<Vec<_>>()).await?;
        let base = format!("ws://{}/ocpp", proxy.addr);
        let (fleet, errors) =
            fleet_at(&base, None, Ocpp::V16, &format!("HB{n}-"), stations, 100).await;
        let (rate, mut latencies, failed) =
            closed_loop(fleet, scale.run, "Heartbeat", |_, _| payloads::heartbeat()).await;
        table.row(vec![
            count(n as u64),
            "Heartbeat".to_owned(),
            count(stations as u64),
            count(rate as u64),
            f2(latencies.ms(0.5)),
            f2(latencies.ms(0.99)),
            count(errors + failed),
        ]);
        let (mut fleet, mut errors) =
            fleet_at(&base, None, Ocpp::V16, &format!("MV{n}-"), stations, 100).await;
        let mut transactions = Vec::new();
        for station in &mut fleet {
            match station.call("StartTransaction", &payloads::start(1)).await {
                Ok(started) => transactions.push(started["transactionId"].as_i64().unwrap_or(0)),
                Err(_) => {
                    errors += 1;
                    transactions.push(0);
                }
            }
        }
        let (rate, mut latencies, failed) =
            closed_loop(fleet, scale.run, "MeterValues", move |i, k| {
                payloads::meter_values(transactions[i], k)
            })
            .await;
        table.row(vec![
            count(n as u64),
            "MeterValues (10 values)".to_owned(),
            count(stations as u64),
            count(rate as u64),
            f2(latencies.ms(0.5)),
            f2(latencies.ms(0.99)),
            count(errors + failed),
        ]);
        proxy.stop().await;
        for target in targets {
            target.stop().await;
        }
    }
    table.print();
    Ok(())
}

/// 9b. RemoteStartTransaction through the node holding the station, and through the other.
async fn commands(root: &Path, pg: &Db, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "9b. REST RemoteStartTransaction round trip: through the station's node, through another",
        &[
            "through",
            "concurrent",
            "commands/s",
            "p50 ms",
            "p99 ms",
            "errors",
        ],
    );
    let targets = nodes(root, pg, 2).await?;
    let (stations, errors) = fleet_at(&targets[0].ws_base, None, Ocpp::V16, "CMD-", 100, 100).await;
    let serving: Vec<_> = stations
        .into_iter()
        .map(|s| tokio::spawn(s.serve()))
        .collect();
    // The second node learns of the first within a beat.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (through, target) in [("same node", &targets[0]), ("other node", &targets[1])] {
        for concurrent in [1usize, 10] {
            let began = Instant::now();
            let (mut all, failed) =
                remote_starts(&target.addr, &target.auth(), "CMD-", concurrent, scale.run).await;
            let failed = failed + errors;
            let n = all.len() as f64;
            table.row(vec![
                through.to_owned(),
                count(concurrent as u64),
                count((n / began.elapsed().as_secs_f64()) as u64),
                f2(all.ms(0.5)),
                f2(all.ms(0.99)),
                count(failed),
            ]);
        }
    }
    for task in serving {
        task.abort();
    }
    for target in targets {
        target.stop().await;
    }
    table.print();
    Ok(())
}

/// 9c. 1,000 stations through HAProxy on two nodes; one node killed (SIGKILL): how long until
/// each of its stations is connected again (through HAProxy, to the other node), booted and
/// answered, and until the database shows the dead node's stations held by the other.
async fn failover(root: &Path, pg: &Db, bin: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "9c. kill -9 of one of two nodes behind HAProxy",
        &[
            "stations",
            "on the killed node",
            "all serving again s",
            "p50 s",
            "all held by the other node in the database s",
            "not back",
        ],
    );
    let stations = scale.pick(1_000, 100);
    let mut targets = nodes(root, pg, 2).await?;
    let proxy = Proxy::start(bin, root, &targets.iter().collect::<Vec<_>>()).await?;
    let base = format!("ws://{}/ocpp", proxy.addr);
    let (fleet, _) = fleet_at(&base, None, Ocpp::V16, "KILL-", stations, 100).await;
    let survivor = targets.remove(1);
    let killed_node = targets.remove(0);
    let mut http = Http::connect(&survivor.addr, &survivor.auth()).await?;
    let killed_at = Instant::now();
    // Each station serves until its connection drops, then connects again through HAProxy
    // (every 100 ms, at most 100 times) and boots: how long that took after the kill.
    let tasks: Vec<_> = fleet
        .into_iter()
        .enumerate()
        .map(|(i, station)| {
            let base = base.clone();
            tokio::spawn(async move {
                let _ = station.serve().await;
                let lost = Instant::now();
                for _ in 0..100 {
                    if let Ok(mut again) =
                        BenchStation::connect(&base, &format!("KILL-{i:05}")).await
                        && again
                            .call("BootNotification", &payloads::boot())
                            .await
                            .is_ok()
                    {
                        let back = Instant::now();
                        tokio::spawn(again.serve());
                        return Some((lost, back));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                None
            })
        })
        .collect();
    killed_node.stop().await;
    let mut back = Vec::new();
    let mut not_back = 0u64;
    let on_killed = stations
        - usize::try_from(
            serde_json::from_str::<Value>(&http.get("/api/nodes").await?.1)?
                .as_array()
                .and_then(|n| n.iter().find(|n| n["thisNode"] == true))
                .and_then(|n| n["stations"].as_u64())
                .unwrap_or(0),
        )?;
    // The stations on the survivor never lose their connection: only the others finish.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut pending = tasks;
    while !pending.is_empty()
        && Instant::now() < deadline
        && back.len() + (not_back as usize) < on_killed
    {
        let (finished, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|t| t.is_finished());
        pending = rest;
        for task in finished {
            match task.await {
                Ok(Some((_, at))) => back.push(at.duration_since(killed_at).as_secs_f64()),
                _ => not_back += 1,
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let held_at = loop {
        let nodes: Value = serde_json::from_str(&http.get("/api/nodes").await?.1)?;
        let all_here = nodes
            .as_array()
            .is_some_and(|n| n.len() == 1 && n[0]["stations"].as_u64() == Some(stations as u64));
        if all_here || Instant::now() >= deadline {
            break killed_at.elapsed().as_secs_f64();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    back.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        back.get(((back.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    table.row(vec![
        count(stations as u64),
        count(on_killed as u64),
        f1(quantile(1.0)),
        f1(quantile(0.5)),
        f1(held_at),
        count(not_back + (on_killed.saturating_sub(back.len() + not_back as usize)) as u64),
    ]);
    for task in pending {
        task.abort();
    }
    proxy.stop().await;
    survivor.stop().await;
    table.print();
    Ok(())
}
