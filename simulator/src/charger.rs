//! A simulated charging station that behaves like a real one, in OCPP 1.6 or 2.0.1: it boots
//! (retrying while Pending or Rejected), reports its connectors, sends heartbeats at the
//! interval it was given, charges (Preparing → Authorize → StartTransaction → Charging with
//! rising meter values → StopTransaction → Finishing → Available; in 2.0.1 a transaction's
//! Started / Updated / Ended events), answers every central-system call sensibly
//! ([`calls`] for 1.6, [`calls_v201`] for 2.0.1, with its device model), and reconnects with
//! backoff when the link drops.
//!
//! Per connection, a reader task routes answers to the call awaiting them and handles the
//! central system's calls, a writer task owns the socket's sink, and the charger's own
//! behaviour is sequential code over [`Link::call`], which keeps one CALL outstanding.

mod calls;
mod calls_v201;
mod session;

use crate::{SimError, station_url};
use futures_util::{SinkExt, StreamExt};
use protocol::{Frame, OcppVersion};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

/// How a simulated station is set up.
#[derive(Debug, Clone)]
pub struct ChargerConfig {
    /// Base URL; the station connects to `{base_url}/{id}`.
    pub base_url: String,
    pub id: String,
    /// Connectors 1..=n (0 is the station itself).
    pub connectors: u32,
    /// How often a charging connector sends MeterValues.
    pub meter_interval: Duration,
    /// Charging power in W while a session runs.
    pub power_w: f64,
    /// How long a call waits for its answer.
    pub call_timeout: Duration,
    /// How it proves who it is: Basic auth password, TLS settings for `wss://`.
    pub security: crate::Security,
    /// Heartbeat at this interval instead of the one the central system gives.
    pub heartbeat: Option<Duration>,
    /// Sessions the station starts by itself (drivers plugging in), if any.
    pub sessions: Option<SessionPlan>,
    /// Seeds the station's random choices (with its id): the same seed, the same fleet.
    pub seed: u64,
    /// The OCPP version it speaks.
    pub ocpp: OcppVersion,
}

/// Drivers arriving at a station: each connector starts sessions at random times (a Poisson
/// process of `per_hour`), each lasting a random time around `mean_duration`, with an id tag
/// picked from `id_tags` (`{station}` and `{connector}` in a tag are replaced by the station id
/// and connector number: a tag charges one connector at a time, or the central system answers
/// ConcurrentTx).
#[derive(Debug, Clone)]
pub struct SessionPlan {
    /// Sessions per connector per hour.
    pub per_hour: f64,
    pub mean_duration: Duration,
    pub id_tags: Vec<String>,
}

impl ChargerConfig {
    pub fn new(base_url: impl Into<String>, id: impl Into<String>) -> ChargerConfig {
        ChargerConfig {
            base_url: base_url.into(),
            id: id.into(),
            connectors: 2,
            meter_interval: Duration::from_secs(10),
            power_w: 11_000.0,
            call_timeout: Duration::from_secs(30),
            security: crate::Security::default(),
            heartbeat: None,
            sessions: None,
            seed: 0,
            ocpp: OcppVersion::V16,
        }
    }
}

/// A small deterministic random generator (SplitMix64): enough for simulated drivers, and no
/// dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Seeded by `seed` and `name`, so each station of a fleet has its own sequence.
    pub fn for_station(seed: u64, name: &str, n: u32) -> Rng {
        // FNV-1a of the name, mixed with the seed and the connector.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Rng(seed ^ hash ^ (u64::from(n) << 32))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Exponentially distributed with this mean (waiting times of a Poisson process).
    pub fn exponential(&mut self, mean: Duration) -> Duration {
        mean.mul_f64(-(1.0 - self.unit()).ln())
    }

    /// Uniform in [0, n); 0 if n is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Counters of one or many stations, for the CLI's summary line.
#[derive(Debug, Default)]
pub struct Stats {
    pub connected: AtomicU64,
    pub sessions: AtomicU64,
    pub messages: AtomicU64,
    pub errors: AtomicU64,
}

/// A connector's state, as the charger sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorState {
    pub status: String,
    /// The central system's transaction id (1.6).
    pub transaction_id: Option<i64>,
    /// The station's own transaction id (2.0.1).
    pub station_transaction_id: Option<String>,
    pub meter_wh: f64,
    pub reservation_id: Option<i64>,
}

#[derive(Debug)]
struct Connector {
    state: ConnectorState,
    /// Wakes the running session to stop it.
    stop: Option<Arc<Notify>>,
    /// Why it is being stopped (a StopTransaction reason).
    stop_reason: &'static str,
}

impl Connector {
    /// Asks the running session, if any, to stop for `reason`.
    fn request_stop(&mut self, reason: &'static str) -> bool {
        match &self.stop {
            Some(stop) => {
                self.stop_reason = reason;
                stop.notify_one();
                true
            }
            None => false,
        }
    }
}

#[derive(Debug)]
struct State {
    connectors: Vec<Connector>,
    /// key -> (value, readonly)
    configuration: BTreeMap<String, (String, bool)>,
    /// The 2.0.1 device model.
    variables: calls_v201::DeviceModel,
    heartbeat: Duration,
    local_list_version: i32,
    /// A password set by the central system (AuthorizationKey, BasicAuthPassword), used from
    /// the next connection on.
    password: Option<String>,
    /// Why the next BootNotification is sent (2.0.1).
    boot_reason: &'static str,
    /// Transactions started so far (for 2.0.1 transaction ids).
    transactions: u64,
}

/// A running simulated station.
pub struct Charger {
    config: ChargerConfig,
    state: Mutex<State>,
    stats: Arc<Stats>,
    /// Set to reboot: the connection is closed and the station boots again.
    reboot: Notify,
    /// A triggered BootNotification was accepted: stop waiting to retry the boot.
    boot_accepted: Notify,
}

/// The handle of a spawned charger.
pub struct ChargerHandle {
    charger: Arc<Charger>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ChargerHandle {
    /// The state of connector `n` (1-based).
    pub fn connector(&self, n: u32) -> Option<ConnectorState> {
        let state = self.charger.lock();
        state.connectors.get(n as usize).map(|c| c.state.clone())
    }

    /// Stops the station and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Charger {
    /// Starts a station; it runs until stopped.
    pub fn spawn(config: ChargerConfig, stats: Arc<Stats>) -> ChargerHandle {
        let connectors = (0..=config.connectors)
            .map(|_| Connector {
                state: ConnectorState {
                    status: "Available".to_owned(),
                    transaction_id: None,
                    station_transaction_id: None,
                    meter_wh: 0.0,
                    reservation_id: None,
                },
                stop: None,
                stop_reason: "Local",
            })
            .collect();
        let configuration = BTreeMap::from([
            ("HeartbeatInterval".to_owned(), ("300".to_owned(), false)),
            (
                "MeterValueSampleInterval".to_owned(),
                (config.meter_interval.as_secs().to_string(), false),
            ),
            (
                "NumberOfConnectors".to_owned(),
                (config.connectors.to_string(), true),
            ),
            (
                "AuthorizeRemoteTxRequests".to_owned(),
                ("true".to_owned(), false),
            ),
            (
                "ChargePointModel".to_owned(),
                ("centrale-sim".to_owned(), true),
            ),
        ]);
        let variables = calls_v201::DeviceModel::new(&config);
        let charger = Arc::new(Charger {
            config,
            state: Mutex::new(State {
                connectors,
                configuration,
                variables,
                heartbeat: Duration::from_secs(300),
                local_list_version: 0,
                password: None,
                boot_reason: "PowerUp",
                transactions: 0,
            }),
            stats,
            reboot: Notify::new(),
            boot_accepted: Notify::new(),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(Arc::clone(&charger).run(stopped));
        ChargerHandle {
            charger,
            stop,
            task,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connects, serves, and reconnects with backoff until stopped.
    async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(500);
        loop {
            if *stopped.borrow() {
                return;
            }
            let outcome = tokio::select! {
                _ = stopped.changed() => return,
                outcome = Arc::clone(&self).connection() => outcome,
            };
            match outcome {
                Ok(()) => backoff = Duration::from_millis(500),
                Err(e) => {
                    self.stats.errors.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(station = %self.config.id, error = %e, "link lost");
                }
            }
            tokio::select! {
                _ = stopped.changed() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    }

    /// One connection: boot, report, heartbeat, serve calls, until it drops or a reset.
    async fn connection(self: Arc<Self>) -> Result<(), SimError> {
        let url = station_url(&self.config.base_url, &self.config.id);
        let mut security = self.config.security.clone();
        if let Some(password) = self.lock().password.clone() {
            security.password = Some(password);
        }
        let protocol = self.config.ocpp.subprotocol();
        let (socket, _) =
            crate::connect::open(&url, &self.config.id, &[protocol], &security).await?;
        let (mut sink, mut stream) = socket.split();
        self.stats.connected.fetch_add(1, Ordering::Relaxed);
        let (out, mut outbox) = mpsc::unbounded_channel::<Message>();
        let link = Arc::new(Link {
            out,
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            call_lock: tokio::sync::Mutex::new(()),
            timeout: self.config.call_timeout,
            stats: Arc::clone(&self.stats),
        });
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            while let Some(message) = outbox.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let reader = {
            let (charger, link) = (Arc::clone(&self), Arc::clone(&link));
            async move {
                while let Some(Ok(message)) = stream.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    charger.stats.messages.fetch_add(1, Ordering::Relaxed);
                    match Frame::parse(&text) {
                        Ok(Frame::Call {
                            id,
                            action,
                            payload,
                        }) => {
                            let payload: Value =
                                serde_json::from_str(payload.get()).unwrap_or_default();
                            let reply = match charger.config.ocpp {
                                OcppVersion::V16 => {
                                    Arc::clone(&charger).on_call(&link, &action, payload)
                                }
                                OcppVersion::V201 => {
                                    Arc::clone(&charger).on_call_v201(&link, &action, payload)
                                }
                            };
                            link.send(&reply.frame(id));
                        }
                        Ok(Frame::CallResult { id, payload }) => {
                            let value = serde_json::from_str(payload.get()).unwrap_or_default();
                            link.answered(id.as_str(), Ok(value));
                        }
                        Ok(Frame::CallError {
                            id,
                            code,
                            description,
                            ..
                        }) => {
                            link.answered(
                                id.as_str(),
                                Err(SimError::Request(format!("{code}: {description}"))),
                            );
                        }
                        Err(_) => {
                            charger.stats.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        };
        let behaviour = Arc::clone(&self).behave(Arc::clone(&link));
        let result = tokio::select! {
            () = reader => Err(SimError::Closed(None)),
            result = behaviour => result,
            () = self.reboot.notified() => Ok(()),
        };
        tasks.abort_all();
        self.stats.connected.fetch_sub(1, Ordering::Relaxed);
        result
    }

    /// Boot until accepted, report the connectors, then heartbeat forever.
    async fn behave(self: Arc<Self>, link: Arc<Link>) -> Result<(), SimError> {
        loop {
            let answer = link.call("BootNotification", self.boot_payload()).await?;
            let interval = Duration::from_secs(answer["interval"].as_u64().unwrap_or(60).max(1));
            if answer["status"] == "Accepted" {
                self.lock().heartbeat = interval;
                break;
            }
            // Pending or Rejected: ask again after the interval (calls are still answered),
            // unless a BootNotification the central system triggered is accepted first.
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = self.boot_accepted.notified() => break,
            }
        }
        self.lock().boot_reason = "PowerUp";
        for n in 0..=self.config.connectors {
            self.send_status(&link, n).await?;
        }
        let drivers = futures_util::future::join_all(
            self.config
                .sessions
                .iter()
                .flat_map(|plan| (1..=self.config.connectors).map(move |n| (plan, n)))
                .map(|(plan, n)| Arc::clone(&self).drive(Arc::clone(&link), n, plan.clone())),
        );
        let heartbeats = async {
            loop {
                let interval = self
                    .config
                    .heartbeat
                    .unwrap_or_else(|| self.lock().heartbeat);
                tokio::time::sleep(interval).await;
                link.call("Heartbeat", json!({})).await?;
            }
        };
        // Drivers never end the connection: once they are done (or if there are none), only
        // the heartbeats (and the link) do.
        let drivers = async {
            drivers.await;
            std::future::pending::<()>().await
        };
        tokio::select! {
            result = heartbeats => result,
            () = drivers => Ok(()),
        }
    }

    /// Drivers arriving at connector `n`: wait, plug in (a session), charge a while, leave.
    async fn drive(self: Arc<Self>, link: Arc<Link>, n: u32, plan: SessionPlan) {
        if plan.per_hour <= 0.0 || plan.id_tags.is_empty() {
            return;
        }
        let mut rng = Rng::for_station(self.config.seed, &self.config.id, n);
        let between = Duration::from_secs_f64(3600.0 / plan.per_hour);
        loop {
            tokio::time::sleep(rng.exponential(between)).await;
            let id_tag = plan.id_tags[rng.below(plan.id_tags.len())]
                .replace("{station}", &self.config.id)
                .replace("{connector}", &n.to_string());
            if !self.start_session(&link, n, id_tag, None) {
                continue;
            }
            // Between half and one and a half times the mean.
            let stay = plan.mean_duration.mul_f64(0.5 + rng.unit());
            tokio::time::sleep(stay).await;
            if let Some(c) = self.lock().connectors.get_mut(n as usize) {
                c.request_stop("EVDisconnected");
            }
        }
    }
}

/// One connection's way to send: frames go to the writer task; a call waits for its answer.
struct Link {
    out: mpsc::UnboundedSender<Message>,
    pending: Mutex<HashMap<String, oneshot::Sender<Result<Value, SimError>>>>,
    next_id: AtomicU64,
    /// One outstanding CALL at a time, as OCPP-J asks.
    call_lock: tokio::sync::Mutex<()>,
    timeout: Duration,
    stats: Arc<Stats>,
}

impl Link {
    fn send(&self, text: &str) {
        self.stats.messages.fetch_add(1, Ordering::Relaxed);
        let _ = self.out.send(Message::text(text));
    }

    fn answered(&self, id: &str, result: Result<Value, SimError>) {
        let waiting = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        if let Some(waiting) = waiting {
            let _ = waiting.send(result);
        }
    }

    async fn call(&self, action: &str, payload: Value) -> Result<Value, SimError> {
        let _one_at_a_time = self.call_lock.lock().await;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone(), tx);
        let frame = json!([2, id, action, payload]).to_string();
        self.send(&frame);
        let answer = tokio::time::timeout(self.timeout, rx).await;
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        match answer {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(SimError::Closed(None)),
            Err(_) => Err(SimError::Timeout(self.timeout)),
        }
    }
}

/// Now, as OCPP writes it.
fn now() -> String {
    protocol::types::DateTime::now().to_string()
}
