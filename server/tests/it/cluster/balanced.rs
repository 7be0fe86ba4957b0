//! Three nodes behind HAProxy (Debian's package, run by the test), a mixed fleet through it,
//! and one node killed under load: its stations reconnect through HAProxy to the others, and
//! nothing a station was answered for is lost.

use super::{cluster_database, names, node, wait_for};
use crate::helpers::{Killed, http_get, http_with};
use crate::soak::{Acknowledged, lost, soak_station, soak_station_v201};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Stations in the fleet; every third speaks 2.0.1.
const STATIONS: usize = 200;

/// HAProxy's binary, or `None` (and why) when it is not installed and not required.
fn haproxy() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("haproxy"))
        .find(|bin| bin.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CENTRALE_REQUIRE_HAPROXY").is_none(),
            "haproxy is required here (make test installs Debian's package)"
        );
        eprintln!("not run here: no haproxy (make test installs it)");
    }
    found
}

/// The README's HAProxy configuration (`deploy/haproxy.cfg`), bound to `bind`, in front of
/// `nodes` (their addresses).
fn haproxy_config(bind: &str, nodes: &[&str]) -> String {
    let mut config = String::new();
    for line in include_str!("../../../../deploy/haproxy.cfg").lines() {
        match line.trim_start() {
            l if l.starts_with("bind ") => config.push_str(&format!("    bind {bind}\n")),
            l if l.starts_with("server ") => {}
            _ => config.push_str(&format!("{line}\n")),
        }
    }
    for (i, addr) in nodes.iter().enumerate() {
        config.push_str(&format!("    server node-{} {addr} check\n", i + 1));
    }
    config
}

/// HAProxy with the README's configuration in front of `nodes`, on a free loopback port.
/// Returns the process and its address once it answers.
async fn start_haproxy(bin: &PathBuf, dir: &std::path::Path, nodes: &[&str]) -> (Killed, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = haproxy_config(&format!("127.0.0.1:{port}"), nodes);
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let child = std::process::Command::new(bin)
        .arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Killed(child);
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok()
            && http_get(&addr, "/healthz").await.status == 200
        {
            return (proxy, addr);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("HAProxy did not answer on {addr}");
}

/// A station of the fleet through `base` until `until`, connecting again (at most 40 times,
/// 250 ms apart) while no node takes it: a real station retries.
async fn station(
    base: String,
    n: usize,
    round: usize,
    until: tokio::time::Instant,
) -> Acknowledged {
    let id = format!("LB-{n:03}");
    let mut acked = Acknowledged::default();
    for _ in 0..40 {
        let got = if n % 3 == 2 {
            soak_station_v201(base.clone(), id.clone(), round, until).await
        } else {
            soak_station(base.clone(), id.clone(), round, until).await
        };
        let booted = !got.boots.is_empty();
        acked.extend(got);
        if booted || tokio::time::Instant::now() >= until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_behind_haproxy_lose_nothing_when_one_is_killed_under_load() {
    let Some(bin) = haproxy() else { return };
    let Some(database) = cluster_database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = Vec::new();
    for i in 1..=3 {
        nodes.push(node(&database, &format!("node-{i}")).await);
    }
    let addrs: Vec<&str> = nodes.iter().map(|(_, addr, _)| addr.as_str()).collect();
    let (_proxy, proxy) = start_haproxy(&bin, dir.path(), &addrs).await;
    let (first, auth) = (nodes[0].1.clone(), nodes[0].2.clone());
    let get = |addr: String, path: String| {
        let auth = auth.clone();
        async move { http_with(&addr, &auth, "GET", &path, None).await }
    };
    let online_at = |addr: String| {
        let get = &get;
        async move { get(addr, "/api/fleet".to_owned()).await.json()["online"].clone() }
    };

    // The fleet, through HAProxy, until a deadline past everything below.
    let base = format!("ws://{proxy}/ocpp");
    let until = tokio::time::Instant::now() + Duration::from_secs(16);
    let mut fleet: Vec<_> = (0..STATIONS)
        .map(|n| Some(tokio::spawn(station(base.clone(), n, 0, until))))
        .collect();
    wait_for(
        Duration::from_secs(30),
        async || online_at(first.clone()).await,
        |online| *online == STATIONS,
    )
    .await;
    // Every node sees every station; HAProxy spread them over the three.
    for addr in &addrs {
        assert_eq!(
            online_at((*addr).to_owned()).await,
            STATIONS,
            "seen from {addr}"
        );
    }
    let held = names(&get(first.clone(), "/api/nodes".to_owned()).await.json());
    assert_eq!(held.len(), 3, "{held:?}");
    assert!(
        held.iter().all(|(_, n, alive)| *n > 0 && *alive),
        "{held:?}"
    );
    assert_eq!(held.iter().map(|(_, n, _)| n).sum::<u64>(), STATIONS as u64);

    // kill -9 of node-2 under load: its stations lose their links and connect again through
    // HAProxy, which sends them to the nodes alive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let on_second: Vec<usize> = get(first.clone(), "/api/stations?connection=online".to_owned())
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["node"] == "node-2")
        .filter_map(|s| s["id"].as_str()?.strip_prefix("LB-")?.parse().ok())
        .collect();
    assert!(!on_second.is_empty());
    let killed = Instant::now();
    drop(nodes.remove(1));
    let mut acked = Acknowledged::default();
    for n in &on_second {
        if let Some(handle) = fleet[*n].take() {
            acked.extend(handle.await.unwrap());
        }
        fleet[*n] = Some(tokio::spawn(station(base.clone(), *n, 1, until)));
    }
    let back = wait_for(
        Duration::from_secs(30),
        async || get(first.clone(), "/api/nodes".to_owned()).await.json(),
        |nodes| {
            let held = names(nodes);
            held.len() == 2 && held.iter().map(|(_, n, _)| n).sum::<u64>() == STATIONS as u64
        },
    )
    .await;
    eprintln!(
        "kill -9 of a node holding {} of {STATIONS} stations: all serving on the other two \
         after {:.1} s (node taken for dead after 5 s)",
        on_second.len(),
        killed.elapsed().as_secs_f64()
    );
    assert_eq!(
        names(&back)
            .iter()
            .map(|(name, _, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["node-1", "node-3"]
    );

    // Once the fleet stopped: every acknowledged message is in the database.
    for handle in fleet.into_iter().flatten() {
        acked.extend(handle.await.unwrap());
    }
    let read = |path: String| get(first.clone(), path);
    let (lost, lost_events) = lost(&acked, read).await;
    eprintln!(
        "through HAProxy: acknowledged (boots, starts, meter values, stops) = ({}, {}, {}, {}) \
         and {} 2.0.1 events; lost {lost:?} and {lost_events}",
        acked.boots.len(),
        acked.started.len(),
        acked.samples.len(),
        acked.stopped.len(),
        acked.events.len()
    );
    assert!(!acked.samples.is_empty() && !acked.events.is_empty());
    assert_eq!((lost, lost_events), ((0, 0, 0, 0), 0));
}
