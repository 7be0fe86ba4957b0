//! The nodes of a cluster on one PostgreSQL: which are alive, and the stations a dead one held.
//! See [`crate::cluster`] for who calls these and when.

use super::Store;
use super::backend::{Conn, on};
use super::outbox::{Reports, note};
use crate::EngineError;
use time::OffsetDateTime;

/// A node as its row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRow {
    pub name: String,
    pub started_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// A station a dead node held: offline since `at`, the moment that node was last known alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphaned {
    pub station_id: String,
    pub at: OffsetDateTime,
}

impl Store {
    /// Every node's row, by name.
    pub async fn nodes(&self) -> Result<Vec<NodeRow>, EngineError> {
        let rows: Vec<(String, OffsetDateTime, OffsetDateTime)> = on!(&self.reads, |db| {
            sqlx::query_as("SELECT name, started_at, last_seen_at FROM nodes ORDER BY name")
                .fetch_all(db)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(name, started_at, last_seen_at)| NodeRow {
                name,
                started_at,
                last_seen_at,
            })
            .collect())
    }

    /// How many stations each node holds, by node name.
    pub async fn stations_per_node(&self) -> Result<Vec<(String, u64)>, EngineError> {
        let rows: Vec<(String, i64)> = on!(&self.reads, |db| {
            sqlx::query_as(
                "SELECT online_node, COUNT(*) FROM stations WHERE online_node IS NOT NULL \
                 GROUP BY online_node",
            )
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(node, n)| (node, super::count(n)))
            .collect())
    }

    /// Writes the row of node `name`, started now as `incarnation`. False if another node of
    /// that name has a row (alive, or dead and not yet swept).
    pub async fn node_joined(
        &self,
        name: &str,
        incarnation: &str,
        at: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        let written = on!(&self.writes, |db| {
            sqlx::query(
                "INSERT INTO nodes (name, incarnation, started_at, last_seen_at) \
                 VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(incarnation)
            .bind(at)
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(written == 1)
    }

    /// Node `name` (as `incarnation`) is alive at `at`. False if its row is gone or another
    /// incarnation's: it was taken for dead, and its stations were marked offline.
    pub async fn node_beat(
        &self,
        name: &str,
        incarnation: &str,
        at: OffsetDateTime,
    ) -> Result<bool, EngineError> {
        let written = on!(&self.writes, |db| {
            sqlx::query("UPDATE nodes SET last_seen_at = $3 WHERE name = $1 AND incarnation = $2")
                .bind(name)
                .bind(incarnation)
                .bind(at)
                .execute(db)
                .await?
                .rows_affected()
        });
        Ok(written == 1)
    }

    /// Node `name` (as `incarnation`) stopped: its row goes. Its stations were marked offline
    /// by their sessions' ends; any left are swept as a dead node's.
    pub async fn node_left(&self, name: &str, incarnation: &str) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("DELETE FROM nodes WHERE name = $1 AND incarnation = $2")
                .bind(name)
                .bind(incarnation)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Deletes the rows of nodes not seen since `before` and, in the same transaction, marks
    /// offline every station held by a node that has no row (those, and any a node left
    /// behind): each one's connection is kept as ended when its node was last seen (for a node
    /// nobody knew, the latest of the station's last-seen time and the last power sample; `now`
    /// if none), marked estimated. Answers the stations, once: of nodes
    /// sweeping at the same time, each station is marked by one (the row's lock decides).
    pub async fn sweep_dead_nodes(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
        reports: Reports<'_, Vec<Orphaned>>,
    ) -> Result<Vec<Orphaned>, EngineError> {
        let orphaned = on!(&self.writes, |db| {
            let mut tx = db.begin().await?;
            let dead: Vec<(String, OffsetDateTime)> = sqlx::query_as(
                "DELETE FROM nodes WHERE last_seen_at < $1 RETURNING name, last_seen_at",
            )
            .bind(before)
            .fetch_all(&mut *tx)
            .await?;
            let held: Vec<(String,)> = sqlx::query_as(
                "SELECT DISTINCT online_node FROM stations WHERE online_node IS NOT NULL \
                 AND online_node NOT IN (SELECT name FROM nodes)",
            )
            .fetch_all(&mut *tx)
            .await?;
            // For a node nobody knew (one from before nodes were kept): when the server was
            // last known alive, as at a single server's start (its latest power sample).
            let alive: Option<OffsetDateTime> = if held
                .iter()
                .any(|(node,)| !dead.iter().any(|(name, _)| name == node))
            {
                sqlx::query_scalar("SELECT MAX(at) FROM fleet_power")
                    .fetch_one(&mut *tx)
                    .await?
            } else {
                None
            };
            let mut orphaned = Vec::new();
            for (node,) in held {
                let known = dead
                    .iter()
                    .find(|(name, _)| *name == node)
                    .map(|(_, seen)| *seen);
                // Cleared under the row's lock: a sweeper that waited for another finds the
                // row changed and leaves it (as it does a station that reconnected meanwhile).
                // `online_since` and `last_seen_at` are returned unchanged, then set.
                let stations: Vec<(String, Option<OffsetDateTime>, Option<OffsetDateTime>)> =
                    sqlx::query_as(
                        "UPDATE stations SET online_session = NULL, online_node = NULL \
                         WHERE online_node = $1 RETURNING id, online_since, last_seen_at",
                    )
                    .bind(&node)
                    .fetch_all(&mut *tx)
                    .await?;
                for (station, since, seen) in stations {
                    let at = [known.or(alive), seen, since]
                        .into_iter()
                        .flatten()
                        .max()
                        .unwrap_or(now);
                    if let Some(since) = since {
                        sqlx::query(
                            "INSERT INTO station_connections (station_id, connected_at, \
                             disconnected_at, estimated) VALUES ($1, $2, $3, TRUE)",
                        )
                        .bind(&station)
                        .bind(since)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query(
                        "UPDATE stations SET online_since = NULL, last_seen_at = $2 WHERE id = $1",
                    )
                    .bind(&station)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    orphaned.push(Orphaned {
                        station_id: station,
                        at,
                    });
                }
            }
            let noted = self.noted(reports, &orphaned);
            note(Conn::from(&mut *tx), &noted).await?;
            tx.commit().await?;
            self.noted_committed(&noted);
            orphaned
        });
        Ok(orphaned)
    }
}

/// The advisory lock the node that runs the cluster's background work holds (an arbitrary key,
/// "Centrale" in ASCII; sqlx's migration lock uses another).
const LEAD_LOCK: i64 = 0x4365_6E74_7261_6C65;

/// The right to run what one node of a cluster runs (webhook delivery, retention, power
/// samples): on PostgreSQL an advisory lock held by a connection of its own (released by
/// the server when that connection ends, a dead node's included); on SQLite, always.
#[derive(Debug)]
pub enum Lead {
    Sole,
    Postgres(sqlx::PgConnection),
}

impl Lead {
    /// Whether the lock is still held: its connection still answers.
    pub async fn holds(&mut self) -> bool {
        match self {
            Lead::Sole => true,
            Lead::Postgres(c) => {
                use sqlx::Connection;
                tokio::time::timeout(super::backend::CONNECT_TIMEOUT, c.ping())
                    .await
                    .is_ok_and(|pinged| pinged.is_ok())
            }
        }
    }
}

impl Store {
    /// Takes the lead if no other node holds it; `None` if one does.
    pub async fn lead(&self) -> Result<Option<Lead>, EngineError> {
        use sqlx::Connection;
        let super::backend::Pool::Postgres(pool) = &self.writes else {
            return Ok(Some(Lead::Sole));
        };
        let mut c = sqlx::PgConnection::connect_with(&pool.connect_options()).await?;
        // A node that dies without closing the connection (power loss) must release the lock
        // in seconds, not after the kernel's two hours: the server probes the connection.
        sqlx::query(
            "SELECT set_config('tcp_keepalives_idle', '2', FALSE), \
             set_config('tcp_keepalives_interval', '1', FALSE), \
             set_config('tcp_keepalives_count', '3', FALSE), \
             set_config('tcp_user_timeout', '5000', FALSE)",
        )
        .execute(&mut c)
        .await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEAD_LOCK)
            .fetch_one(&mut c)
            .await?;
        Ok(locked.then_some(Lead::Postgres(c)))
    }
}

/// The channel nodes notify each other on (NOTIFY is scoped to the database).
const CHANNEL: &str = "centrale";

/// A notification's payload must stay under PostgreSQL's 8000 bytes.
pub const NOTIFY_LIMIT: usize = 7_900;

impl Store {
    /// A listener on the nodes' channel; `None` on SQLite.
    pub async fn listen(&self) -> Result<Option<sqlx::postgres::PgListener>, EngineError> {
        let super::backend::Pool::Postgres(pool) = &self.writes else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(listener))
    }

    /// Tells every node `payload` (at most [`NOTIFY_LIMIT`] bytes); nothing on SQLite.
    pub async fn notify(&self, payload: &str) -> Result<(), EngineError> {
        if let super::backend::Pool::Postgres(pool) = &self.writes {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Keeps a message too long to notify; its id.
    pub async fn put_node_message(
        &self,
        body: &str,
        at: OffsetDateTime,
    ) -> Result<i64, EngineError> {
        Ok(on!(&self.writes, |db| {
            sqlx::query_scalar(
                "INSERT INTO node_messages (body, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(body)
            .bind(at)
            .fetch_one(db)
            .await?
        }))
    }

    /// A message kept by [`Store::put_node_message`].
    pub async fn node_message(&self, id: i64) -> Result<Option<String>, EngineError> {
        Ok(on!(&self.writes, |db| {
            sqlx::query_scalar("SELECT body FROM node_messages WHERE id = $1")
                .bind(id)
                .fetch_optional(db)
                .await?
        }))
    }

    /// Deletes the messages kept before `before` (every node has read them by then).
    pub async fn prune_node_messages(&self, before: OffsetDateTime) -> Result<(), EngineError> {
        on!(&self.writes, |db| {
            sqlx::query("DELETE FROM node_messages WHERE created_at < $1")
                .bind(before)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// The node and connection that hold `station` as the database says; `None` if offline.
    pub async fn station_holder(
        &self,
        station: &protocol::StationId,
    ) -> Result<Option<(String, String)>, EngineError> {
        let found: Option<(Option<String>, Option<String>)> = on!(&self.reads, |db| {
            sqlx::query_as("SELECT online_node, online_session FROM stations WHERE id = $1")
                .bind(station.as_str())
                .fetch_optional(db)
                .await?
        });
        Ok(found.and_then(|(node, session)| node.zip(session)))
    }
}
