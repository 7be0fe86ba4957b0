//! `centrale-sim`: a fleet of simulated charging stations against Centrale or any OCPP 1.6J or
//! 2.0.1 central system.

use clap::Parser;
use protocol::OcppVersion;
use simulator::charger::{Charger, ChargerConfig, SessionPlan, Stats};
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
    /// Password for HTTP Basic auth (security profile 1; the user is the station id).
    #[arg(long, env = "CENTRALE_SIM_PASSWORD")]
    password: Option<String>,
    /// CA certificate(s) (PEM) to trust for a `wss://` URL (security profiles 2 and 3).
    #[arg(long, env = "CENTRALE_SIM_CA")]
    ca: Option<std::path::PathBuf>,
    /// Client certificate (PEM) for security profile 3; with one station its CN must be the
    /// station id.
    #[arg(long, requires = "client_key", requires = "ca")]
    client_cert: Option<std::path::PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, requires = "client_cert")]
    client_key: Option<std::path::PathBuf>,
    /// Seconds between heartbeats (default: the interval the central system gives).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    heartbeat: Option<u64>,
    /// Sessions each connector starts by itself per hour, at random (0: only when the central
    /// system asks with RemoteStartTransaction).
    #[arg(long, default_value_t = 0.0)]
    session_rate: f64,
    /// Mean length of a session, in seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    session_length: u64,
    /// Id tags the drivers present (comma-separated); the central system must accept them.
    /// `{station}` and `{connector}` are replaced (e.g. `{station}-{connector}`: one tag per
    /// connector, as a tag charges at one place at a time).
    #[arg(long, default_value = "SIM-TAG", value_delimiter = ',')]
    id_tags: Vec<String>,
    /// Seed of the random choices (session times, tags): the same seed, the same run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds between station starts, so a big fleet does not connect all at once (0: at once).
    #[arg(long, default_value_t = 0.0)]
    ramp: f64,
    /// Seconds to run (0: until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    duration: u64,
    /// No summary line (for scripts).
    #[arg(long)]
    quiet: bool,
    /// The OCPP versions the stations speak (`1.6`, `2.0.1`); several, comma-separated, make a
    /// mixed fleet, station by station in turn.
    #[arg(long, default_value = "1.6", value_delimiter = ',', value_parser = parse_version)]
    ocpp: Vec<OcppVersion>,
}

fn parse_version(text: &str) -> Result<OcppVersion, String> {
    match text.trim() {
        "1.6" | "ocpp1.6" => Ok(OcppVersion::V16),
        "2.0.1" | "ocpp2.0.1" => Ok(OcppVersion::V201),
        other => Err(format!(
            "{other:?} is not an OCPP version the simulator speaks (1.6, 2.0.1)"
        )),
    }
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
    let tls = match &args.ca {
        Some(ca) => Some(simulator::tls_config(
            ca,
            args.client_cert.as_deref().zip(args.client_key.as_deref()),
        )?),
        None => None,
    };
    let security = simulator::Security {
        password: args.password.clone(),
        tls,
    };
    let stats = Arc::new(Stats::default());
    let mut fleet = Vec::with_capacity(args.stations as usize);
    for n in 1..=args.stations {
        let mut config = ChargerConfig::new(&args.url, format!("{}{n:04}", args.id_prefix));
        config.connectors = args.connectors;
        config.meter_interval = Duration::from_secs(args.meter_interval);
        config.power_w = args.power;
        config.security = security.clone();
        config.heartbeat = args.heartbeat.map(Duration::from_secs);
        config.seed = args.seed;
        config.ocpp = args.ocpp[(n as usize - 1) % args.ocpp.len()];
        if args.session_rate > 0.0 {
            config.sessions = Some(SessionPlan {
                per_hour: args.session_rate,
                mean_duration: Duration::from_secs(args.session_length),
                id_tags: args.id_tags.clone(),
            });
        }
        fleet.push(Charger::spawn(config, Arc::clone(&stats)));
        if args.ramp > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(args.ramp)).await;
        }
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
