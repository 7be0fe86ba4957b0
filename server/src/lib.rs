//! The `centrale` server: configuration, HTTP routes, the OCPP WebSocket endpoint and the
//! dashboard, all on one port.
//!
//! - [`Config`]: command line and environment.
//! - [`run`] / [`Server::start`]: open the engine, bind, serve, shut down gracefully.
//! - [`http`]: the routes: `/ocpp/{id}` and `/central/{id}` (stations), `/api/events` (the live
//!   event stream), `/healthz`, and everything else rendered by the Leptos app.

// Leptos view types nest deeply (see `app`).
#![recursion_limit = "256"]

pub mod http;

use anyhow::Context;
use clap::Parser;
use engine::model::RegistrationPolicy;
use engine::{Engine, EngineConfig};
use leptos::config::LeptosOptions;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};

/// Pending connections the kernel may queue: a fleet reconnecting at once (after a network
/// outage or a restart) must not overflow it. The kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` with a listen backlog of [`LISTEN_BACKLOG`].
fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long shutdown waits for sessions and writes before giving up.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Centrale's settings: each flag also reads an environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "centrale",
    version,
    about = "Centrale: an OCPP central system with a live dashboard"
)]
pub struct Config {
    /// Address to listen on, for stations (WebSocket), the API and the dashboard.
    #[arg(long, env = "CENTRALE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Database URL: `sqlite://PATH` (created if missing).
    #[arg(
        long,
        env = "CENTRALE_DATABASE",
        default_value = "sqlite://centrale.db"
    )]
    pub database: String,

    /// Directory with the dashboard's browser files (`pkg/centrale.js`, `.wasm`, `.css`).
    #[arg(long, env = "CENTRALE_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// How unknown stations are treated: `open` (accepted at once), `pending` (recorded, told
    /// to wait until an operator accepts them) or `closed` (refused with HTTP 404).
    #[arg(long, env = "CENTRALE_REGISTRATION", default_value = "pending", value_parser = parse_policy)]
    pub registration: RegistrationPolicy,

    /// Heartbeat interval given to accepted stations, in seconds.
    #[arg(long, env = "CENTRALE_HEARTBEAT_INTERVAL", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub heartbeat_interval: u64,

    /// How long a call toward a station waits for its answer, in seconds.
    #[arg(long, env = "CENTRALE_CALL_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub call_timeout: u64,

    /// WebSocket ping interval, in seconds; a station silent for two intervals is dropped.
    #[arg(long, env = "CENTRALE_PING_INTERVAL", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub ping_interval: u64,

    /// How many OCPP frames the message log keeps: the oldest are pruned after every thousand
    /// frames written, so the log holds at most this many plus a thousand.
    #[arg(long, env = "CENTRALE_MESSAGE_LOG_RETENTION", default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub message_log_retention: u64,

    /// The largest WebSocket message (and frame) a station may send, in bytes; a bigger one
    /// closes the connection with 1009 (message too big).
    #[arg(long, env = "CENTRALE_MAX_MESSAGE_SIZE", default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1_024..=16_777_216))]
    pub max_message_size: u64,

    /// How many stations may be connected at once; more are refused (503) at the upgrade until
    /// some leave. Unlimited if not set (the open-file limit still applies).
    #[arg(long, env = "CENTRALE_MAX_STATIONS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_stations: Option<u64>,
}

fn parse_policy(s: &str) -> Result<RegistrationPolicy, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a registration policy: use open, pending or closed"))
}

impl Config {
    /// The defaults with another listen address and database, for tests and embedding.
    pub fn new(listen: SocketAddr, database: impl Into<String>) -> Config {
        Config {
            listen,
            database: database.into(),
            site_root: "target/site".to_owned(),
            registration: RegistrationPolicy::Pending,
            heartbeat_interval: 300,
            call_timeout: 30,
            ping_interval: 30,
            message_log_retention: 200_000,
            max_message_size: 65_536,
            max_stations: None,
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default: info, with sqlx's statement logs at warn).
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Runs Centrale until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let server = Server::start(config).await?;
    println!(
        "Centrale is running: open http://{}/ in a browser",
        server.addr()
    );
    println!(
        "Stations connect to ws://{}/ocpp/STATION_ID (subprotocol ocpp1.6)",
        server.addr()
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await
}

/// A running server: its address and the means to stop it.
pub struct Server {
    addr: SocketAddr,
    engine: Engine,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Opens the engine, binds `config.listen` (port 0 picks a free port) and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        let engine = Engine::start(EngineConfig {
            database_url: config.database.clone(),
            registration: config.registration,
            heartbeat_interval: Duration::from_secs(config.heartbeat_interval),
            call_timeout: Duration::from_secs(config.call_timeout),
            ping_interval: Duration::from_secs(config.ping_interval),
            message_log_retention: config.message_log_retention,
            max_stations: config
                .max_stations
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            ..EngineConfig::default()
        })
        .await
        .with_context(|| format!("could not open the database {}", config.database))?;

        let listener = listen(config.listen)
            .with_context(|| format!("could not listen on {}", config.listen))?;
        let addr = listener.local_addr()?;

        let options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(config.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let js = Path::new(&config.site_root)
            .join("pkg")
            .join(format!("{}.js", app::OUTPUT_NAME));
        if !js.exists() {
            tracing::warn!(
                "dashboard files not found at {}: pages render but will not be interactive \
                 (build them with `make build`)",
                js.display()
            );
        }

        let max_message = usize::try_from(config.max_message_size).unwrap_or(usize::MAX);
        let router = http::router(engine.clone(), options, max_message);
        let stop = CancellationToken::new();
        let engine_stop = engine.shutdown_token();
        let until = stop.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    until.cancelled().await;
                    // Sessions and event streams end on the engine's token, so that the HTTP
                    // server's wait for open connections ends too.
                    engine_stop.cancel();
                })
                .await
        });
        tracing::info!(%addr, database = %config.database, "listening");
        Ok(Server {
            addr,
            engine,
            stop,
            task,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The engine behind the server.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Stops accepting, closes every station session cleanly and flushes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.cancel();
        let stopped = async {
            self.task.await.context("server task failed")??;
            self.engine.shutdown().await;
            anyhow::Ok(())
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, stopped).await {
            Ok(result) => result,
            Err(_) => anyhow::bail!("shutdown took longer than {SHUTDOWN_GRACE:?}"),
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
