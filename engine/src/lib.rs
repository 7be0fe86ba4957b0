//! The engine of Centrale: everything a central system does, without HTTP or HTML.
//!
//! [`Engine`] is a cheap-to-clone handle that the server puts behind its routes and the dashboard
//! behind its server functions. It owns:
//! - the registry of live station sessions (one per station id; a newer connection replaces an
//!   older one) — see [`session`];
//! - the [`store::Store`], the only place SQL runs;
//! - the event feed ([`Event`] on a broadcast channel) that the dashboard and `/api/events` follow;
//! - shutdown: a cancellation token and a task tracker, so every task it starts is waited for.
//!
//! The engine knows OCPP only through the `protocol` crate's types; it has no axum or leptos.

pub mod calls;
pub mod cluster;
mod effects;
pub mod event;
pub mod fleet;
pub mod history;
pub mod listing;
pub mod message_log;
pub mod metrics;
pub mod model;
mod ocpp;
pub mod operations;
pub mod operators;
pub mod pki;
pub mod reported;
pub mod secret;
pub mod security;
pub mod session;
pub mod store;
mod transactions;
pub mod webhooks;

pub use event::Event;
pub use session::{Incoming, Outgoing};

use model::RegistrationPolicy;
use protocol::StationId;
use session::Live;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use store::Store;
use thiserror::Error;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How many events a slow subscriber may fall behind before it is told it lagged.
const EVENT_BUFFER: usize = 4096;

/// What the engine needs to start.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where the data lives, e.g. `sqlite://centrale.db`.
    pub database_url: String,
    /// How unknown stations are treated.
    pub registration: RegistrationPolicy,
    /// The heartbeat interval given to accepted stations.
    pub heartbeat_interval: Duration,
    /// How long a Pending or Rejected station waits before booting again.
    pub pending_retry: Duration,
    /// How long a call toward a station waits for its answer.
    pub call_timeout: Duration,
    /// How often stations are pinged; one silent for two intervals is dropped.
    pub ping_interval: Duration,
    /// How many frames the message log keeps (the oldest are pruned).
    pub message_log_retention: u64,
    /// How long meter values and logged frames are kept (none: forever).
    pub retention: Retention,
    /// How many stations may be connected at once (none: no limit). A station already
    /// connected may always reconnect (its new connection replaces the old one).
    pub max_stations: Option<usize>,
    /// The least security profile any station must connect with; a station's own profile may
    /// ask for more.
    pub security_profile: security::SecurityProfile,
    /// How many messages a station may send (none: no limit); over it, its messages wait
    /// unread, so a flood slows the station, never the others.
    pub max_message_rate: Option<RateLimit>,
    /// The CA that signs the CSRs stations send (SignCertificate); none: they are refused.
    pub station_ca: Option<Arc<pki::StationCa>>,
    /// This node's name in its cluster (PostgreSQL), unique there.
    pub node_name: String,
}

/// How long the data that grows without end is kept; transactions are always kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Meter values sampled longer ago are pruned (none: kept forever).
    pub meter_values: Option<Duration>,
    /// Logged frames older than this are pruned (none: only the count limit applies).
    pub message_log: Option<Duration>,
}

impl Default for Retention {
    /// Meter values 400 days (a year of bills, and their disputes), frames 30 days.
    fn default() -> Self {
        Retention {
            meter_values: Some(Duration::from_secs(400 * 86_400)),
            message_log: Some(Duration::from_secs(30 * 86_400)),
        }
    }
}

/// How often the retention task runs (the first time a minute after start).
const RETENTION_EVERY: Duration = Duration::from_secs(3_600);

/// A rate: `per_second` on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            database_url: "sqlite://centrale.db".to_owned(),
            registration: RegistrationPolicy::Pending,
            heartbeat_interval: Duration::from_secs(300),
            pending_retry: Duration::from_secs(30),
            call_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(30),
            message_log_retention: 200_000,
            retention: Retention::default(),
            max_stations: None,
            security_profile: security::SecurityProfile::Unsecured,
            max_message_rate: None,
            station_ca: None,
            node_name: "centrale".to_owned(),
        }
    }
}

/// Errors the engine reports; callers match on them to pick an answer.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error(
        "unsupported database URL {0:?}: use sqlite://PATH (embedded) or \
         postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    UnsupportedDatabase(String),
    #[error("invalid database URL {0:?}: {1}")]
    BadDatabaseUrl(String, String),
    /// The database could not be reached or entered; says why and what to do.
    #[error("{0}")]
    Unreachable(String),
    #[error(
        "the database has schema version {0}, newer than this Centrale knows ({1}): \
         run the Centrale that migrated it, or a newer one"
    )]
    NewerSchema(i64, i64),
    #[error("{0}")]
    Copy(String),
    // The causes below are part of the message, not `source()`: a chain printed whole
    // (`{e:#}`) would say each twice.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("the meter values could not be committed: {0}")]
    GroupCommit(String),
    #[error("could not hash or check a secret: {0}")]
    Secret(String),
    #[error(
        "another running node is named {0:?}: give each node its own --node-name \
         (the default is the host name and port)"
    )]
    NodeNameTaken(String),
    #[error("the database holds a value this version does not know: {0}")]
    Corrupt(#[from] model::UnknownValue),
}

impl From<sqlx::Error> for EngineError {
    fn from(e: sqlx::Error) -> Self {
        EngineError::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for EngineError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        EngineError::Migrate(e)
    }
}

/// The handle on a running engine.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: EngineConfig,
    node: cluster::Node,
    /// What this node tells the other nodes, and hears from them.
    bus: cluster::bus::Bus,
    store: Store,
    message_log: message_log::MessageLog,
    events: broadcast::Sender<Event>,
    registry: Mutex<HashMap<StationId, Live>>,
    next_session: AtomicU64,
    verified_passwords: security::VerifiedPasswords,
    /// What the fleet draws now, from the transaction events.
    meter: fleet::meter::FleetMeter,
    /// Principals recently found by token.
    principals: operators::Principals,
    /// Failed operator sign-ins, per user name.
    login_failures: secret::Backoff,
    /// Failed station sign-ins, per station id.
    station_failures: secret::Backoff,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl Engine {
    /// Opens the database (running its migrations) and returns a ready engine.
    pub async fn start(config: EngineConfig) -> Result<Engine, EngineError> {
        let engine = Engine::open(config).await?;
        // No connection outlives a server: a station still marked online was held by a
        // process that stopped (or died) before it could say so.
        engine.join().await?;
        engine.start_bus().await?;
        engine.inner.store.refresh_wanted().await?;
        engine.start_beat();
        engine.start_lead();
        Ok(engine)
    }

    /// Opens the database (running its migrations) without the server's background work
    /// (retention): for the command line, which does one job and closes the database.
    pub async fn open(config: EngineConfig) -> Result<Engine, EngineError> {
        let store = Store::open(&config.database_url).await?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let shutdown = CancellationToken::new();
        let tasks = TaskTracker::new();
        let message_log = message_log::MessageLog::start(
            store.clone(),
            store.metrics().clone(),
            config.message_log_retention,
            shutdown.clone(),
            &tasks,
        );
        Ok(Engine {
            inner: Arc::new(Inner {
                node: cluster::Node::new(config.node_name.clone()),
                bus: cluster::bus::Bus::default(),
                config,
                store,
                message_log,
                events,
                registry: Mutex::new(HashMap::new()),
                next_session: AtomicU64::new(1),
                verified_passwords: security::VerifiedPasswords::default(),
                meter: fleet::meter::FleetMeter::default(),
                principals: operators::Principals::default(),
                login_failures: secret::Backoff::default(),
                station_failures: secret::Backoff::default(),
                shutdown,
                tasks,
            }),
        })
    }

    /// Prunes, every [`RETENTION_EVERY`], what is older than the configured retention, until
    /// `shutdown`.
    fn start_retention(&self, shutdown: CancellationToken, tasks: &TaskTracker) {
        let retention = self.inner.config.retention;
        if retention.meter_values.is_none() && retention.message_log.is_none() {
            return;
        }
        let engine = self.clone();
        tasks.spawn(async move {
            let first = tokio::time::Instant::now() + Duration::from_secs(60);
            let mut every = tokio::time::interval_at(first, RETENTION_EVERY);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = every.tick() => {}
                }
                if let Err(e) = engine.prune_old_data(time::OffsetDateTime::now_utc()).await {
                    tracing::warn!(error = %e, "could not prune old data");
                }
            }
        });
    }

    /// Deletes meter values and logged frames older than the retention, as seen at `now`;
    /// answers how many of each went.
    pub async fn prune_old_data(
        &self,
        now: time::OffsetDateTime,
    ) -> Result<(u64, u64), EngineError> {
        use store::retention::Pruned;
        let retention = self.inner.config.retention;
        let mut pruned = (0, 0);
        if let Some(age) = retention.meter_values {
            pruned.0 = self
                .inner
                .store
                .prune_older_than(Pruned::MeterValues, now - age)
                .await?;
            // The fleet's power samples go with the values they summed up.
            self.inner
                .store
                .prune_older_than(Pruned::FleetPower, now - age)
                .await?;
        }
        if let Some(age) = retention.message_log {
            pruned.1 = self
                .inner
                .store
                .prune_older_than(Pruned::MessageLog, now - age)
                .await?;
            // The stations' histories are what their messages said, kept as long; so are the
            // webhook deliveries that told of them.
            for history in [
                Pruned::StatusChanges,
                Pruned::Connections,
                Pruned::Deliveries,
            ] {
                self.inner
                    .store
                    .prune_older_than(history, now - age)
                    .await?;
            }
        }
        if pruned != (0, 0) {
            tracing::info!(
                meter_values = pruned.0,
                frames = pruned.1,
                "pruned data past its retention"
            );
        }
        Ok(pruned)
    }

    /// A new subscription to the event feed. A subscriber that falls more than a buffer behind
    /// gets `RecvError::Lagged` and must refetch its snapshot; it never slows the stations.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// How many stations the database knows (also a cheap probe that it answers).
    pub async fn count_stations(&self) -> Result<u64, EngineError> {
        self.inner.store.count_stations().await
    }

    /// The ids of the stations connected now, sorted.
    pub fn connected_stations(&self) -> Vec<StationId> {
        let mut ids: Vec<StationId> = self.registry().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The live connections: (station, connection uuid, the URL it connected to), by station.
    pub fn connections(&self) -> Vec<(StationId, uuid::Uuid, String)> {
        let mut all: Vec<_> = self
            .registry()
            .iter()
            .map(|(id, live)| (id.clone(), live.uuid, live.url.clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// What Centrale counts (frames, CALLERRORs, commands, commits, refusals...).
    pub fn metrics(&self) -> &metrics::Metrics {
        self.inner.store.metrics()
    }

    /// The Prometheus exposition: what was counted, and the gauges as they are now.
    pub fn metrics_text(&self) -> String {
        let mut connected = [
            (protocol::OcppVersion::V16, 0usize),
            (protocol::OcppVersion::V201, 0),
        ];
        for live in self.registry().values() {
            if let Some((_, n)) = connected.iter_mut().find(|(v, _)| *v == live.version) {
                *n += 1;
            }
        }
        let gauges = metrics::Gauges {
            connected: connected
                .iter()
                .map(|(v, n)| (v.subprotocol(), *n))
                .collect(),
            subscribers: self.inner.events.receiver_count(),
        };
        self.metrics().render(&gauges)
    }

    /// Cancelled when the engine starts shutting down; long-lived streams end on it.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    /// Runs `future` as a task the engine waits for at shutdown.
    pub fn spawn<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.tasks.spawn(future)
    }

    /// Closes every station session and waits for the engine's tasks and sessions to finish,
    /// then closes the database. Call once, after the HTTP server stopped accepting.
    pub async fn shutdown(&self) {
        self.inner.shutdown.cancel();
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
        self.leave().await;
        self.inner.store.close().await;
    }

    /// Emits every event `reports` makes of a committed write's `outcome` (the events the
    /// write put in the webhook outbox, and the others).
    fn emit_reports<R>(&self, reports: store::outbox::Reports<'_, R>, outcome: &R) {
        for event in reports(outcome) {
            self.emit(event);
        }
    }

    fn emit(&self, event: Event) {
        self.inner.bus.tell(&event);
        self.emit_here(event);
    }

    /// Emits `event` on this node only (one another node emitted, or told here).
    fn emit_here(&self, event: Event) {
        self.inner
            .meter
            .observe(&event, time::OffsetDateTime::now_utc);
        // No subscriber is fine: nobody is watching.
        let _ = self.inner.events.send(event);
    }

    fn registry(&self) -> MutexGuard<'_, HashMap<StationId, Live>> {
        // The registry holds plain data updated in single statements: a panic elsewhere while
        // it was held cannot have left it half-written, so a poisoned lock is still usable.
        self.inner
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a new session for `station`, closing the one it replaces. Returns the
    /// session number, its cancellation and the queue of calls toward the station.
    fn register(
        &self,
        station: &StationId,
        uuid: uuid::Uuid,
        version: protocol::OcppVersion,
        url: String,
        lenient: &Arc<std::sync::atomic::AtomicBool>,
    ) -> (u64, CancellationToken, calls::QueueReceiver<calls::Queued>) {
        let session = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        let cancel = self.inner.shutdown.child_token();
        let (commands, queue) = calls::command_queue(calls::QUEUE_DEPTH);
        let previous = self.registry().insert(
            station.clone(),
            Live {
                session,
                uuid,
                url,
                cancel: cancel.clone(),
                version,
                commands,
                heard: std::sync::Arc::default(),
                lenient: Arc::clone(lenient),
            },
        );
        if let Some(previous) = previous {
            tracing::info!(station_id = %station, old = previous.session, new = session, "newer connection replaces the old one");
            previous.cancel.cancel();
        }
        (session, cancel, queue)
    }

    /// Removes `session` from the registry if it is still the station's current one.
    fn unregister(&self, station: &StationId, session: u64) -> bool {
        let mut registry = self.registry();
        match registry.get(station) {
            Some(live) if live.session == session => {
                registry.remove(station);
                true
            }
            _ => false,
        }
    }

    /// Tracks a session future so that shutdown waits for it.
    pub fn track<F: Future>(&self, future: F) -> tokio_util::task::task_tracker::TrackedFuture<F> {
        self.inner.tasks.track_future(future)
    }
}
