//! `centrale-sim`: connects simulated charging stations to a central system.

use anyhow::Context;
use clap::Parser;
use serde_json::json;
use simulator::{Reply, Station};
use std::time::Duration;

/// Connects N stations, boots each, keeps them connected for a while, then closes them.
#[derive(Debug, Parser)]
#[command(name = "centrale-sim", version, about)]
struct Args {
    /// Base WebSocket URL; each station connects to `{url}/{id}`.
    #[arg(long, default_value = "ws://127.0.0.1:8080/ocpp")]
    url: String,
    /// How many stations.
    #[arg(long, default_value_t = 1)]
    stations: u32,
    /// Station ids are this prefix and a number.
    #[arg(long, default_value = "SIM-")]
    id_prefix: String,
    /// Seconds to stay connected (0: until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    duration: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut stations = Vec::new();
    for n in 1..=args.stations {
        let id = format!("{}{n:04}", args.id_prefix);
        let mut station = Station::connect(&args.url, &id)
            .await
            .with_context(|| format!("{id}: could not connect to {}", args.url))?;
        let boot = json!({"chargePointVendor": "Centrale", "chargePointModel": "Simulator"});
        match station.call("BootNotification", boot).await? {
            Reply::Result(answer) => println!("{id}: BootNotification -> {answer}"),
            Reply::Error { code, description } => {
                println!("{id}: BootNotification -> CALLERROR {code}: {description}");
            }
        }
        stations.push(station);
    }
    println!("{} station(s) connected", stations.len());
    if args.duration == 0 {
        tokio::signal::ctrl_c().await?;
    } else {
        tokio::time::sleep(Duration::from_secs(args.duration)).await;
    }
    for station in stations {
        station.close().await?;
    }
    Ok(())
}
