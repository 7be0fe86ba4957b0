//! `centrale-sim`: a fleet of simulated charging stations against Centrale or any OCPP 1.6J
//! central system.

use clap::Parser;
use simulator::charger::{Charger, ChargerConfig, Stats};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Runs N stations that boot, report, heartbeat and answer the central system's calls
/// (RemoteStartTransaction starts a charging session with rising meter values, and so on).
#[derive(Debug, Parser)]
#[command(name = "centrale-sim", version, about)]
struct Args {
    /// Base WebSocket URL; each station connects to `{url}/{id}`.
    #[arg(long, default_value = "ws://127.0.0.1:8080/ocpp")]
    url: String,
    /// How many stations.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    stations: u32,
    /// Connectors per station.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    connectors: u32,
    /// Station ids are this prefix and a number.
    #[arg(long, default_value = "SIM-")]
    id_prefix: String,
    /// Seconds between MeterValues of a charging connector.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    meter_interval: u64,
    /// Charging power in W.
    #[arg(long, default_value_t = 11_000.0)]
    power: f64,
    /// Seconds to run (0: until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    duration: u64,
    /// No summary line (for scripts).
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let stats = Arc::new(Stats::default());
    let mut fleet = Vec::with_capacity(args.stations as usize);
    for n in 1..=args.stations {
        let mut config = ChargerConfig::new(&args.url, format!("{}{n:04}", args.id_prefix));
        config.connectors = args.connectors;
        config.meter_interval = Duration::from_secs(args.meter_interval);
        config.power_w = args.power;
        fleet.push(Charger::spawn(config, Arc::clone(&stats)));
    }
    let until = async {
        if args.duration == 0 {
            let _ = tokio::signal::ctrl_c().await;
        } else {
            tokio::time::sleep(Duration::from_secs(args.duration)).await;
        }
    };
    tokio::pin!(until);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last_messages = 0;
    loop {
        tokio::select! {
            () = &mut until => break,
            _ = tick.tick() => {
                if args.quiet {
                    continue;
                }
                let messages = stats.messages.load(Ordering::Relaxed);
                let line = format!(
                    "\r{} stations: {} connected, {} sessions, {} msg/s, {} errors   ",
                    args.stations,
                    stats.connected.load(Ordering::Relaxed),
                    stats.sessions.load(Ordering::Relaxed),
                    messages - last_messages,
                    stats.errors.load(Ordering::Relaxed),
                );
                last_messages = messages;
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(line.as_bytes());
                let _ = out.flush();
            }
        }
    }
    for charger in fleet {
        charger.stop().await;
    }
    if !args.quiet {
        println!();
    }
    Ok(())
}
