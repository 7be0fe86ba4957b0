//! 8. Webhooks: stations' events POSTed to a receiver on loopback.

use super::{Scale, fleet};
use crate::client::{Http, payloads};
use crate::measure::{Latencies, Table, count, f1, f2};
use crate::target::Target;
use futures_util::future::join_all;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Receiver {
    /// No endpoint registered: what the stations' messages cost without webhooks.
    None,
    /// 204 at once.
    Answers,
    /// Never (the server gives each attempt up after 10 s).
    Hangs,
}

/// What the receiver saw: each event's marker (its `data.info`) with when it arrived.
type Arrivals = Arc<Mutex<Vec<(String, Instant)>>>;

/// Starts a receiver on loopback; its address and what it saw.
async fn receiver(mode: Receiver) -> anyhow::Result<(String, Arrivals)> {
    let arrivals: Arrivals = Arc::default();
    let seen = Arc::clone(&arrivals);
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let seen = Arc::clone(&seen);
        async move {
            let at = Instant::now();
            let info = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|b| b["data"]["info"].as_str().map(str::to_owned))
                .unwrap_or_default();
            if let Ok(mut seen) = seen.lock() {
                seen.push((info, at));
            }
            if mode == Receiver::Hangs {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            axum::http::StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((addr, arrivals))
}

/// Scenario 8: every station sends StatusNotification in a closed loop for the run; an endpoint wants
/// `connectorStatusChanged`. Measured: how fast the events reach the receiver, how long after
/// the station was answered (the event committed), and the stations' round trips, with a
/// receiver that answers and one that hangs.
pub async fn webhooks(root: &Path, scale: Scale) -> anyhow::Result<()> {
    let mut table = Table::new(
        "8. Webhooks: StatusNotification events POSTed to a local receiver (signed, in order per station)",
        &[
            "stations",
            "receiver",
            "events",
            "events/s",
            "received",
            "delivered/s",
            "delay p50 ms",
            "delay p99 ms",
            "drained in s",
            "station RTT p50 ms",
            "station RTT p99 ms",
            "errors",
        ],
    );
    let stations = scale.pick(100, 10);
    for mode in [Receiver::None, Receiver::Answers, Receiver::Hangs] {
        let target = Target::centrale(root, &[]).await?;
        let (addr, arrivals) = receiver(mode).await?;
        if mode != Receiver::None {
            let mut http = Http::connect(&target.addr, &target.auth()).await?;
            let endpoint =
                format!(r#"{{"url":"http://{addr}/hook","kinds":["connectorStatusChanged"]}}"#);
            let (status, body) = http.post("/api/webhooks", &endpoint).await?;
            anyhow::ensure!(
                status == 201,
                "could not register the endpoint: {status} {body}"
            );
        }
        let (fleet, mut errors) = fleet(&target, "WH-", stations, 50).await;

        let started = Instant::now();
        let end = started + scale.run;
        let tasks = fleet.into_iter().enumerate().map(|(i, mut station)| {
            tokio::spawn(async move {
                let mut answered = Vec::new();
                let mut rtt = Latencies::default();
                let mut failed = 0u64;
                let mut n = 0u64;
                while Instant::now() < end {
                    n += 1;
                    let info = format!("{i}-{n}");
                    let status = if n.is_multiple_of(2) {
                        "Charging"
                    } else {
                        "SuspendedEV"
                    };
                    let sent = Instant::now();
                    match station
                        .call("StatusNotification", &payloads::status(1, status, &info))
                        .await
                    {
                        Ok(_) => {
                            rtt.record(sent.elapsed());
                            answered.push((info, Instant::now()));
                        }
                        Err(_) => {
                            failed += 1;
                            break;
                        }
                    }
                }
                station.close().await;
                (answered, rtt, failed)
            })
        });
        let mut answered_at = HashMap::new();
        let mut rtt = Latencies::default();
        for (answered, latencies, failed) in join_all(tasks).await.into_iter().flatten() {
            answered_at.extend(answered);
            rtt.extend(latencies);
            errors += failed;
        }
        let load_ended = Instant::now();
        let events = answered_at.len();
        // What the load left waiting goes out after it (up to a minute is waited for).
        let mut drained = None;
        if mode == Receiver::Answers {
            for _ in 0..600 {
                if arrivals.lock().map_or(0, |a| a.len()) >= events {
                    drained = Some(load_ended.elapsed());
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let seen = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
        let mut delay = Latencies::default();
        let mut last = started;
        for (info, at) in &seen {
            if let Some(answered) = answered_at.get(info) {
                delay.record(at.saturating_duration_since(*answered));
                last = last.max(*at);
            }
        }
        // Only a receiver that answers has deliveries to time.
        let answered = mode == Receiver::Answers && delay.len() > 0;
        let delivered_per_s = if answered {
            count((delay.len() as f64 / last.duration_since(started).as_secs_f64()) as u64)
        } else {
            "-".to_owned()
        };
        let delivered_ms = |latencies: &mut Latencies, q| {
            if answered {
                f2(latencies.ms(q))
            } else {
                "-".to_owned()
            }
        };
        table.row(vec![
            count(stations as u64),
            match mode {
                Receiver::None => "no endpoint".to_owned(),
                Receiver::Answers => "answers 204".to_owned(),
                Receiver::Hangs => "hangs".to_owned(),
            },
            count(events as u64),
            count((events as f64 / scale.run.as_secs_f64()) as u64),
            count(seen.len() as u64),
            delivered_per_s,
            delivered_ms(&mut delay, 0.5),
            delivered_ms(&mut delay, 0.99),
            drained.map_or_else(|| "-".to_owned(), |d| f1(d.as_secs_f64())),
            f2(rtt.ms(0.5)),
            f2(rtt.ms(0.99)),
            count(errors),
        ]);
        target.stop().await;
    }
    table.print();
    println!(
        "delay: from the station's answer (the event committed) to the receiver; a hanging receiver holds one delivery per station (received), never the stations"
    );
    Ok(())
}
