//! Several Centrale nodes on one PostgreSQL, coordinated through it alone.
//!
//! - **Liveness.** Each node has a row in `nodes`, written when it starts ([`Engine::start`])
//!   and every [`BEAT`]; a clean stop deletes it. A node that is not seen for [`DEAD_AFTER`]
//!   is dead: the first node to notice deletes its row and, in the same transaction, marks its
//!   stations offline (their connections ended when it was last seen); the load balancer sends
//!   them to the live nodes when they reconnect.
//! - **Ownership.** `stations.online_node` names the node whose connection holds a station,
//!   written with the connection (`online_session`) and cleared with it.
//! - **A node taken for dead** (stalled or cut off from the database for longer than
//!   [`DEAD_AFTER`]) finds its row gone at its next beat: it closes all its stations'
//!   connections (another node may hold them by now), then joins again.
//! - **One node runs the cluster's background work** (webhook delivery, retention, the fleet's
//!   power samples, pruning the messages between nodes): the one holding an advisory lock on
//!   a connection of its own, which PostgreSQL releases when that connection ends, a dead
//!   node's included ([`Lead`]).
//!
//! SQLite serves one node: no row, no beat; a start marks every station offline.

pub(crate) mod bus;
mod wire;

use crate::store::backend::Backend;
use crate::store::nodes::{Lead, NodeRow, Orphaned};
use crate::{Engine, EngineError, Event};
use std::time::Duration;
use time::OffsetDateTime;
use tokio_util::task::TaskTracker;

/// How often a node says it is alive.
pub const BEAT: Duration = Duration::from_secs(1);
/// How long a node may go unseen before it is taken for dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(5);
/// How long a message between nodes too long to notify is kept.
const KEPT: Duration = Duration::from_secs(60);

/// This process as a node of its cluster.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its name (`--node-name`), unique in the cluster.
    pub name: String,
    /// This run of it: a node restarted under the same name is another incarnation.
    incarnation: String,
    started_at: OffsetDateTime,
}

impl Node {
    pub fn new(name: String) -> Node {
        Node {
            name,
            incarnation: uuid::Uuid::new_v4().to_string(),
            started_at: OffsetDateTime::now_utc(),
        }
    }
}

/// A node as the Nodes view shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    /// Seen within [`DEAD_AFTER`].
    pub alive: bool,
    /// Whether it is the node that answered.
    pub this_node: bool,
    /// How many stations it holds.
    pub stations: u64,
}

fn ago(now: OffsetDateTime, d: Duration) -> OffsetDateTime {
    now - time::Duration::try_from(d).unwrap_or(time::Duration::ZERO)
}

impl Engine {
    /// This node's name.
    pub fn node_name(&self) -> &str {
        &self.inner.node.name
    }

    pub(crate) fn clustered(&self) -> bool {
        self.inner.store.backend() == Backend::Postgres
    }

    /// At a start, before any station is taken: on SQLite every station is offline (no
    /// connection outlives the server); on PostgreSQL this node joins the cluster, marking
    /// offline the stations of dead nodes, its own earlier run's included. If a live node has
    /// its name, it waits [`DEAD_AFTER`] for that row to go stale (a node killed and started
    /// again at once), then gives up.
    pub(crate) async fn join(&self) -> Result<(), EngineError> {
        if !self.clustered() {
            return self.inner.store.all_offline().await;
        }
        let node = &self.inner.node;
        let tries = (DEAD_AFTER.as_millis() / BEAT.as_millis()) as u32 + 3;
        for _ in 0..tries {
            self.sweep().await?;
            let now = OffsetDateTime::now_utc();
            if self
                .inner
                .store
                .node_joined(&node.name, &node.incarnation, now)
                .await?
            {
                tracing::info!(node = %node.name, "joined the cluster");
                return Ok(());
            }
            tokio::time::sleep(BEAT).await;
        }
        Err(EngineError::NodeNameTaken(node.name.clone()))
    }

    /// Marks offline the stations of nodes not seen for [`DEAD_AFTER`] (and of nodes gone
    /// without their stations), and tells of each.
    async fn sweep(&self) -> Result<(), EngineError> {
        let now = OffsetDateTime::now_utc();
        let reports = |orphaned: &Vec<Orphaned>| {
            orphaned
                .iter()
                .map(|o| Event::StationDisconnected {
                    station_id: o.station_id.clone(),
                    at: o.at,
                })
                .collect()
        };
        let orphaned = self
            .inner
            .store
            .sweep_dead_nodes(ago(now, DEAD_AFTER), now, &reports)
            .await?;
        if !orphaned.is_empty() {
            tracing::warn!(
                stations = orphaned.len(),
                "stations of a node that is gone marked offline"
            );
        }
        self.emit_reports(&reports, &orphaned);
        Ok(())
    }

    /// Every [`BEAT`] on PostgreSQL: this node is alive, and dead nodes are swept.
    pub(crate) fn start_beat(&self) {
        if !self.clustered() {
            return;
        }
        let engine = self.clone();
        let shutdown = self.inner.shutdown.clone();
        self.inner.tasks.spawn(async move {
            let mut every = tokio::time::interval(BEAT);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = every.tick() => {}
                }
                if let Err(e) = engine.beat().await {
                    tracing::warn!(error = %e, "could not tell the cluster this node is alive");
                }
            }
        });
    }

    async fn beat(&self) -> Result<(), EngineError> {
        let node = &self.inner.node;
        let store = &self.inner.store;
        let now = OffsetDateTime::now_utc();
        if !store.node_beat(&node.name, &node.incarnation, now).await? {
            // Taken for dead: its stations were marked offline and may have reconnected
            // elsewhere. Their connections here close (they reconnect), and the node joins
            // again.
            let sessions: Vec<_> = self.registry().values().map(|l| l.cancel.clone()).collect();
            tracing::error!(
                node = %node.name,
                stations = sessions.len(),
                "this node was taken for dead (not seen for {DEAD_AFTER:?}); closing its \
                 stations' connections so that they reconnect"
            );
            for cancel in sessions {
                cancel.cancel();
            }
            store.node_left(&node.name, &node.incarnation).await?;
            if !store
                .node_joined(&node.name, &node.incarnation, now)
                .await?
            {
                return Err(EngineError::NodeNameTaken(node.name.clone()));
            }
        }
        let nodes = store.nodes().await?;
        let stale = ago(now, DEAD_AFTER);
        self.inner.bus.set_others(
            nodes
                .iter()
                .filter(|n| n.name != node.name && n.last_seen_at >= stale)
                .map(|n| n.name.clone())
                .collect(),
        );
        if nodes.iter().any(|n| n.last_seen_at < stale) {
            self.sweep().await?;
        }
        Ok(())
    }

    /// Runs the cluster's background work while this node holds the lead (always, on SQLite):
    /// webhook delivery, retention and the fleet's power samples. A node that loses the lead
    /// (its lock's connection failed) stops them and tries to take it again.
    pub(crate) fn start_lead(&self) {
        let engine = self.clone();
        let shutdown = self.inner.shutdown.clone();
        self.inner.tasks.spawn(async move {
            loop {
                let Some(mut lead) = engine.take_lead().await else {
                    return;
                };
                let stop = shutdown.child_token();
                let tasks = TaskTracker::new();
                let now = OffsetDateTime::now_utc();
                if let Err(e) = engine.inner.store.outbox_restarted(now).await {
                    tracing::warn!(error = %e, "could not make waiting webhook deliveries due");
                }
                crate::webhooks::start(engine.inner.store.clone(), stop.clone(), &tasks);
                engine.start_retention(stop.clone(), &tasks);
                engine.start_power_samples(stop.clone(), &tasks);
                let mut beats = 0u64;
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(BEAT) => {}
                    }
                    if !lead.holds().await {
                        tracing::warn!("lost the lead of the cluster's background work");
                        break;
                    }
                    beats += 1;
                    if beats.is_multiple_of(KEPT.as_secs()) {
                        engine.prune_node_messages().await;
                    }
                }
                stop.cancel();
                tasks.close();
                tasks.wait().await;
                drop(lead);
                if shutdown.is_cancelled() {
                    return;
                }
            }
        });
    }

    /// Deletes the messages between nodes kept longer than [`KEPT`] (each was read within a
    /// second of being kept).
    async fn prune_node_messages(&self) {
        let before = ago(OffsetDateTime::now_utc(), KEPT);
        if let Err(e) = self.inner.store.prune_node_messages(before).await {
            tracing::warn!(error = %e, "could not prune the messages between nodes");
        }
    }

    /// Waits until this node holds the lead; `None` at shutdown.
    async fn take_lead(&self) -> Option<Lead> {
        let shutdown = &self.inner.shutdown;
        loop {
            match self.inner.store.lead().await {
                Ok(Some(lead)) => {
                    if self.clustered() {
                        tracing::info!(
                            node = %self.inner.node.name,
                            "this node runs the cluster's background work"
                        );
                    }
                    return Some(lead);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "could not try for the cluster's lead"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return None,
                () = tokio::time::sleep(BEAT) => {}
            }
        }
    }

    /// At a clean stop, once its stations' connections are closed: this node's row goes.
    pub(crate) async fn leave(&self) {
        if !self.clustered() {
            return;
        }
        let node = &self.inner.node;
        if let Err(e) = self
            .inner
            .store
            .node_left(&node.name, &node.incarnation)
            .await
        {
            tracing::warn!(error = %e, "could not tell the cluster this node stopped");
        }
    }

    /// The other node alive that holds `station`, as the database says; `None` if this node
    /// holds it, or none alive does (it is not connected).
    pub(crate) async fn held_elsewhere(&self, station: &protocol::StationId) -> Option<String> {
        match self.inner.store.station_holder(station).await {
            Ok(Some((node, _))) if self.inner.bus.alive(&node) => Some(node),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "could not read which node holds a station");
                None
            }
        }
    }

    /// The nodes of the cluster, with how many stations each holds (on SQLite, this one).
    pub async fn nodes(&self) -> Result<Vec<NodeView>, EngineError> {
        let now = OffsetDateTime::now_utc();
        if !self.clustered() {
            return Ok(vec![NodeView {
                name: self.inner.node.name.clone(),
                started_at: self.inner.node.started_at,
                last_seen_at: now,
                alive: true,
                this_node: true,
                stations: self.registry().len() as u64,
            }]);
        }
        let rows: Vec<NodeRow> = self.inner.store.nodes().await?;
        let held = self.inner.store.stations_per_node().await?;
        let stale = ago(now, DEAD_AFTER);
        Ok(rows
            .into_iter()
            .map(|n| NodeView {
                alive: n.last_seen_at >= stale,
                this_node: n.name == self.inner.node.name,
                stations: held
                    .iter()
                    .find(|(name, _)| *name == n.name)
                    .map_or(0, |(_, count)| *count),
                name: n.name,
                started_at: n.started_at,
                last_seen_at: n.last_seen_at,
            })
            .collect())
    }
}
