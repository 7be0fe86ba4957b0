//! The `centrale` server: configuration, HTTP routes, the OCPP WebSocket endpoint and the
//! dashboard, all on one port.
//!
//! - [`Config`]: command line and environment.
//! - [`run`] / [`Server::start`]: open the engine, bind, serve, shut down gracefully.
//! - [`http`]: the routes: `/ocpp/{id}` and `/central/{id}` (stations), `/api/events` (the live
//!   event stream), `/healthz`, and everything else rendered by the Leptos app.

// Leptos view types nest deeply (see `app`).
#![recursion_limit = "256"]

pub mod cli;
pub mod http;
mod site;
pub mod tls;

use anyhow::Context;
use clap::Parser;
use engine::model::RegistrationPolicy;
use engine::security::SecurityProfile;
use engine::store::backend::redact;
use engine::{Engine, EngineConfig};
use leptos::config::LeptosOptions;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
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
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on, for stations (WebSocket), the API and the dashboard.
    #[arg(long, env = "CENTRALE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Database URL: `sqlite://PATH` (created if missing) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (PostgreSQL 15 or newer).
    #[arg(
        long,
        env = "CENTRALE_DATABASE",
        default_value = "sqlite://centrale.db",
        // `--help` would show the environment's value, password included.
        hide_env_values = true
    )]
    pub database: String,

    /// Directory with the dashboard's browser files (`pkg/centrale.js`, `.wasm`, `.css`).
    /// Default: the files compiled into the binary (`make release`), else `target/site`.
    #[arg(long, env = "CENTRALE_SITE_ROOT")]
    pub site_root: Option<String>,

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

    /// About how many OCPP frames the message log keeps: half as many rows (a station's CALL
    /// and its answer are one row), the oldest pruned after every 20 000 rows written.
    #[arg(long, env = "CENTRALE_MESSAGE_LOG_RETENTION", default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub message_log_retention: u64,

    /// How many days meter values are kept: older ones are pruned in the background (every
    /// hour). 0: kept forever. Transactions are always kept.
    #[arg(long, env = "CENTRALE_METER_VALUES_RETENTION_DAYS", default_value_t = 400, value_parser = clap::value_parser!(u64).range(0..=36_500))]
    pub meter_values_retention_days: u64,

    /// How many days logged frames are kept (besides --message-log-retention), and the
    /// stations' histories (status changes, connections) with them: older ones are pruned in
    /// the background (every hour). 0: no age limit.
    #[arg(long, env = "CENTRALE_MESSAGE_LOG_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=36_500))]
    pub message_log_retention_days: u64,

    /// The largest WebSocket message (and frame) a station may send, in bytes; a bigger one
    /// closes the connection with 1009 (message too big).
    #[arg(long, env = "CENTRALE_MAX_MESSAGE_SIZE", default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1_024..=16_777_216))]
    pub max_message_size: u64,

    /// How many stations may be connected at once; more are refused (503) at the upgrade until
    /// some leave. Unlimited if not set (the open-file limit still applies).
    #[arg(long, env = "CENTRALE_MAX_STATIONS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_stations: Option<u64>,

    /// Messages per second a station may send on average (bursts of as many, at least 20);
    /// over it, its messages wait unread, so one flooding station slows only
    /// itself. 0: no limit. A station that waits for each answer, as OCPP-J asks, sends far
    /// fewer.
    #[arg(long, env = "CENTRALE_MAX_MESSAGE_RATE", default_value_t = 50.0, value_parser = parse_rate)]
    pub max_message_rate: f64,

    /// The least security profile every station must connect with: 0 (none), 1 (HTTP Basic
    /// auth), 2 (TLS and Basic auth) or 3 (TLS with a client certificate). A station's own
    /// profile, set through the API or the dashboard, may ask for more.
    #[arg(long, env = "CENTRALE_SECURITY_PROFILE", default_value = "0", value_parser = parse_profile)]
    pub security_profile: SecurityProfile,

    /// The server's certificate chain (PEM), for the `wss://` / `https://` listener.
    #[arg(long, env = "CENTRALE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of `--tls-cert`.
    #[arg(long, env = "CENTRALE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// A second certificate chain (PEM) of the other key type than `--tls-cert`: with an RSA and
    /// an ECDSA certificate, stations that support only one kind connect (OCPP 2.0.1
    /// A00.FR.318).
    #[arg(
        long,
        env = "CENTRALE_TLS_SECOND_CERT",
        requires = "tls_second_key",
        requires = "tls_cert"
    )]
    pub tls_second_cert: Option<PathBuf>,

    /// The private key (PEM) of `--tls-second-cert`.
    #[arg(long, env = "CENTRALE_TLS_SECOND_KEY", requires = "tls_second_cert")]
    pub tls_second_key: Option<PathBuf>,

    /// The CA certificates (PEM) that issue stations' client certificates (security profile
    /// 3); a certificate's subject CN must be the station id.
    #[arg(long, env = "CENTRALE_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,

    /// The CA certificate (PEM) that signs the certificates stations ask for with
    /// SignCertificate (then sent to them with CertificateSigned). Usually the same CA as
    /// `--tls-client-ca`, so the station can then connect with security profile 3.
    #[arg(long, env = "CENTRALE_STATION_CA_CERT", requires = "station_ca_key")]
    pub station_ca_cert: Option<PathBuf>,

    /// The private key (PEM) of `--station-ca-cert`.
    #[arg(long, env = "CENTRALE_STATION_CA_KEY", requires = "station_ca_cert")]
    pub station_ca_key: Option<PathBuf>,

    /// How long the station certificates Centrale signs are valid, in days.
    #[arg(long, env = "CENTRALE_STATION_CERT_DAYS", default_value_t = 365, value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub station_cert_days: u64,

    /// Address of the TLS listener (with `--tls-cert`).
    #[arg(long, env = "CENTRALE_TLS_LISTEN", default_value = "127.0.0.1:8443")]
    pub tls_listen: SocketAddr,

    /// Serve TLS only: no plain `ws://` / `http://` listener on `--listen`.
    #[arg(long, env = "CENTRALE_TLS_ONLY", requires = "tls_cert")]
    pub tls_only: bool,

    /// This node's name in a cluster (several Centrale processes on one PostgreSQL database),
    /// unique there; shown on the dashboard beside the stations it holds. Default: the host
    /// name and the port (`host:8080`). PostgreSQL only: SQLite serves one node.
    #[arg(long, env = "CENTRALE_NODE_NAME")]
    pub node_name: Option<String>,

    /// Also serve Prometheus metrics (`/metrics`) on this address, without credentials: bind
    /// it where only the scraper reaches (e.g. `127.0.0.1:9464`). On the main port `/metrics`
    /// always needs a session or an API token.
    #[arg(long, env = "CENTRALE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

/// The command line: run the server, or manage users and tokens.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "centrale",
    version,
    about = "Centrale: an OCPP central system with a live dashboard",
    args_conflicts_with_subcommands = false
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<cli::Command>,
}

/// A number of days as a duration; 0 is none (no limit).
fn days(n: u64) -> Option<Duration> {
    (n > 0).then(|| Duration::from_secs(n * 86_400))
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err(format!(
            "{s:?} is not a rate: give messages per second, 0 or more"
        )),
    }
}

fn parse_profile(s: &str) -> Result<SecurityProfile, String> {
    let n: u8 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a security profile: use 0, 1, 2 or 3"))?;
    SecurityProfile::try_from(n)
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
            site_root: None,
            registration: RegistrationPolicy::Pending,
            heartbeat_interval: 300,
            call_timeout: 30,
            ping_interval: 30,
            message_log_retention: 200_000,
            meter_values_retention_days: 400,
            message_log_retention_days: 30,
            max_message_size: 65_536,
            max_stations: None,
            max_message_rate: 50.0,
            security_profile: SecurityProfile::Unsecured,
            tls_cert: None,
            tls_key: None,
            tls_second_cert: None,
            tls_second_key: None,
            tls_client_ca: None,
            tls_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls_only: false,
            station_ca_cert: None,
            station_ca_key: None,
            station_cert_days: 365,
            metrics_listen: None,
            node_name: None,
        }
    }
}

/// The node name `config` gives, or the default: this host's name and the port of `addr`
/// (the address stations connect to). A name with SQLite is refused: it serves one node.
fn node_name(config: &Config, addr: SocketAddr) -> anyhow::Result<String> {
    let backend = engine::store::backend::Backend::of(&config.database)?;
    match &config.node_name {
        Some(_) if backend == engine::store::backend::Backend::Sqlite => anyhow::bail!(
            "--node-name is for a cluster on PostgreSQL (--database postgres://...); \
             a SQLite database serves one node"
        ),
        Some(name) if name.trim().is_empty() || name.len() > 100 => {
            anyhow::bail!("--node-name must be 1 to 100 characters, not {name:?}")
        }
        Some(name) => Ok(name.trim().to_owned()),
        None => {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .or_else(|| std::env::var("HOSTNAME").ok())
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "localhost".to_owned());
            Ok(format!("{host}:{}", addr.port()))
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
    let stop = shutdown_signal();
    // No default password: a fresh database gets an admin with a random one, shown once.
    if let Some(password) = server.engine().first_admin("admin").await? {
        println!("No users yet: made the admin \"admin\" with the password {password}");
        println!("(shown once; sign in and change it, or add users with `centrale user add`)");
    }
    if let Some(addr) = server.plain_addr() {
        println!("Centrale is running: open http://{addr}/ in a browser");
        println!(
            "Stations connect to ws://{addr}/ocpp/STATION_ID (subprotocol ocpp2.0.1 or ocpp1.6)"
        );
    }
    if let Some(addr) = server.tls_addr() {
        println!("Over TLS: https://{addr}/ and wss://{addr}/ocpp/STATION_ID");
    }
    stop.await;
    tracing::info!("shutting down");
    server.stop().await
}

/// A running server: its address and the means to stop it.
pub struct Server {
    plain: Option<SocketAddr>,
    tls: Option<SocketAddr>,
    metrics: Option<SocketAddr>,
    engine: Engine,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Opens the engine, binds `config.listen` (port 0 picks a free port) and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        let station_ca = match (&config.station_ca_cert, &config.station_ca_key) {
            (Some(cert), Some(key)) => {
                let read = |path: &Path| {
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))
                };
                let validity = Duration::from_secs(config.station_cert_days * 86_400);
                let ca = engine::pki::StationCa::from_pem(&read(cert)?, &read(key)?, validity)
                    .map_err(|e| anyhow::anyhow!("the station CA: {e}"))?;
                Some(std::sync::Arc::new(ca))
            }
            _ => None,
        };
        let tls_config = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => {
                let mut certificates = vec![(cert.as_path(), key.as_path())];
                if let (Some(cert), Some(key)) = (&config.tls_second_cert, &config.tls_second_key) {
                    certificates.push((cert.as_path(), key.as_path()));
                }
                Some(tls::server_config(
                    &certificates,
                    config.tls_client_ca.as_deref(),
                )?)
            }
            _ => None,
        };
        if tls_config.is_none() && config.security_profile >= SecurityProfile::TlsBasic {
            tracing::warn!(
                "security profile {} needs TLS, and no --tls-cert is given: no station can connect",
                config.security_profile
            );
        }
        let plain = if config.tls_only {
            None
        } else {
            Some(
                listen(config.listen)
                    .with_context(|| format!("could not listen on {}", config.listen))?,
            )
        };
        let secure = match tls_config {
            Some(tls_config) => {
                let tcp = listen(config.tls_listen)
                    .with_context(|| format!("could not listen on {}", config.tls_listen))?;
                Some(tls::TlsListener::new(tcp, tls_config)?)
            }
            None => None,
        };
        let plain_addr = plain.as_ref().map(TcpListener::local_addr).transpose()?;
        let tls_addr = secure
            .as_ref()
            .map(|l| axum::serve::Listener::local_addr(l).map(|peer| peer.addr))
            .transpose()?;
        let Some(addr) = plain_addr.or(tls_addr) else {
            anyhow::bail!("nothing to listen on: --tls-only needs --tls-cert and --tls-key");
        };
        let metrics = config
            .metrics_listen
            .map(|at| listen(at).with_context(|| format!("could not listen on {at}")))
            .transpose()?;
        let metrics_addr = metrics.as_ref().map(TcpListener::local_addr).transpose()?;

        let engine = Engine::start(EngineConfig {
            database_url: config.database.clone(),
            registration: config.registration,
            heartbeat_interval: Duration::from_secs(config.heartbeat_interval),
            call_timeout: Duration::from_secs(config.call_timeout),
            ping_interval: Duration::from_secs(config.ping_interval),
            message_log_retention: config.message_log_retention,
            retention: engine::Retention {
                meter_values: days(config.meter_values_retention_days),
                message_log: days(config.message_log_retention_days),
            },
            max_stations: config
                .max_stations
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            security_profile: config.security_profile,
            max_message_rate: (config.max_message_rate > 0.0).then(|| engine::RateLimit {
                per_second: config.max_message_rate,
                burst: config.max_message_rate.max(20.0),
            }),
            station_ca,
            node_name: node_name(&config, addr)?,
            ..EngineConfig::default()
        })
        .await
        .with_context(|| format!("could not open the database {}", redact(&config.database)))?;

        let embedded = config.site_root.is_none() && site::embedded();
        let site_root = config.site_root.as_deref().unwrap_or("target/site");
        let options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(site_root)
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let js = Path::new(site_root)
            .join("pkg")
            .join(format!("{}.js", app::OUTPUT_NAME));
        if embedded {
            tracing::info!(
                bytes = site::embedded_size(),
                "dashboard files served from the binary"
            );
        } else if !js.exists() {
            tracing::warn!(
                "dashboard files not found at {}: pages render but will not be interactive \
                 (build them with `make build`)",
                js.display()
            );
        }

        let max_message = usize::try_from(config.max_message_size).unwrap_or(usize::MAX);
        let router = http::router(engine.clone(), options, max_message, embedded);
        let stop = CancellationToken::new();
        // Sessions and event streams end on the engine's token, so that the HTTP servers' wait
        // for open connections ends too.
        let graceful = |stop: CancellationToken, engine_stop: CancellationToken| async move {
            stop.cancelled().await;
            engine_stop.cancel();
        };
        let mut tasks = Vec::new();
        if let Some(listener) = plain {
            let service = router
                .clone()
                .into_make_service_with_connect_info::<tls::Peer>();
            let shutdown = graceful(stop.clone(), engine.shutdown_token());
            tasks.push(tokio::spawn(async move {
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }));
        }
        if let Some(listener) = metrics {
            let service = http::metrics::router(engine.clone());
            let shutdown = graceful(stop.clone(), engine.shutdown_token());
            tasks.push(tokio::spawn(async move {
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }));
        }
        if let Some(listener) = secure {
            let service = router.into_make_service_with_connect_info::<tls::Peer>();
            let shutdown = graceful(stop.clone(), engine.shutdown_token());
            tasks.push(tokio::spawn(async move {
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }));
        }
        tracing::info!(
            plain = ?plain_addr,
            tls = ?tls_addr,
            metrics = ?metrics_addr,
            database = %redact(&config.database),
            "listening"
        );
        Ok(Server {
            plain: plain_addr,
            tls: tls_addr,
            metrics: metrics_addr,
            engine,
            stop,
            tasks,
        })
    }

    /// The address of the plain listener, or else of the TLS one.
    pub fn addr(&self) -> SocketAddr {
        self.plain
            .or(self.tls)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The plain (`ws://`, `http://`) listener's address, unless `--tls-only`.
    pub fn plain_addr(&self) -> Option<SocketAddr> {
        self.plain
    }

    /// The TLS (`wss://`, `https://`) listener's address, with `--tls-cert`.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls
    }

    /// The metrics listener's address, with `--metrics-listen`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
    }

    /// The engine behind the server.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Stops accepting, closes every station session cleanly and flushes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.cancel();
        let stopped = async {
            for task in self.tasks {
                task.await.context("server task failed")??;
            }
            self.engine.shutdown().await;
            anyhow::Ok(())
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, stopped).await {
            Ok(result) => result,
            Err(_) => anyhow::bail!("shutdown took longer than {SHUTDOWN_GRACE:?}"),
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is called,
/// not when first awaited: a signal that arrives between the two is not lost (nor does it
/// kill the process the default way).
fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            let (mut interrupt, mut terminate) = match (interrupt, terminate) {
                (Ok(i), Ok(t)) => (i, t),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::error!(error = %e, "cannot listen for SIGINT or SIGTERM");
                    return std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}
