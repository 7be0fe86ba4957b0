//! The message log: every OCPP frame in and out, kept (bounded) for the trace viewer and
//! announced on the event feed.
//!
//! Entries are handed to a background writer that inserts them in large batches, so logging
//! never delays a station's answer. A station's CALL and the answer Centrale sent to it are one
//! entry (one row), written with the answer: the busiest traffic (a station's messages) costs
//! one row per round trip. The log is a trace, not acknowledged data: at a crash the last batch
//! (at most [`FLUSH_EVERY`] old) may be missing. When the writer cannot keep up and its backlog
//! is full, the frames it skips are counted per station and the gap is written into that
//! station's trace, so a trace is complete or says what it misses.

use crate::{Engine, EngineError, Event};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long a logged frame waits at most before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// How many entries are written in one transaction at most. Few large commits cost far less
/// than many small ones (a commit rewrites every page it touched, and the station index has a
/// page per few stations, whatever the number of rows on it); but the log shares the one
/// writing connection with what stations report, which waits while a batch is written
/// (a few milliseconds at this size).
const BATCH: usize = 2_048;
/// How many entries may wait for the writer (about a second of 100 000 frames/s); beyond that
/// frames are skipped, and the gap recorded.
const BACKLOG: usize = 65_536;
/// How many rows are written between two prunings to the retention.
const PRUNE_EVERY: u64 = 20_000;

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// From the station.
    In,
    /// To the station.
    Out,
}

impl Direction {
    /// The other way.
    pub fn reversed(self) -> Direction {
        match self {
            Direction::In => Direction::Out,
            Direction::Out => Direction::In,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// One logged frame.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoggedFrame {
    /// Its id once stored (0 before): a row's CALL has twice the row's id, its answer one more.
    pub id: i64,
    pub station_id: String,
    pub direction: Direction,
    /// 2 (CALL), 3 (CALLRESULT), 4 (CALLERROR); none for an unreadable frame.
    pub message_type: Option<u8>,
    pub message_id: Option<String>,
    /// The action, for results and errors the action of the call they answer.
    pub action: Option<String>,
    /// The frame exactly as sent or received.
    pub frame: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One row of the log: a frame, and for a station's CALL the answer Centrale sent to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogEntry {
    pub(crate) frame: LoggedFrame,
    pub(crate) reply: Option<Reply>,
}

/// The answer to a logged CALL: it goes the other way, with the CALL's message id and action.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// 3 (CALLRESULT) or 4 (CALLERROR).
    pub(crate) message_type: u8,
    pub(crate) frame: String,
    pub(crate) at: OffsetDateTime,
}

impl LogEntry {
    /// The answer as a frame of its own.
    pub(crate) fn reply_frame(&self) -> Option<LoggedFrame> {
        let reply = self.reply.as_ref()?;
        Some(LoggedFrame {
            id: 0,
            station_id: self.frame.station_id.clone(),
            direction: self.frame.direction.reversed(),
            message_type: Some(reply.message_type),
            message_id: self.frame.message_id.clone(),
            action: self.frame.action.clone(),
            frame: reply.frame.clone(),
            at: reply.at,
        })
    }
}

/// Where the writer puts entries: the store implements it (the message log does not depend on
/// the store's types).
pub(crate) trait FrameStore: Send + Sync + 'static {
    /// Appends entries, in one transaction.
    fn append(&self, entries: &[LogEntry]) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// Keeps only about the newest `keep` frames.
    fn prune(&self, keep: u64) -> impl Future<Output = Result<(), EngineError>> + Send;
}

/// The writer's handle.
#[derive(Debug, Clone)]
pub(crate) struct MessageLog {
    queue: mpsc::Sender<LogEntry>,
    /// Frames not logged because the backlog was full.
    skipped: Arc<Skipped>,
}

/// Frames skipped, per station, until the writer records the gap.
#[derive(Debug, Default)]
struct Skipped {
    total: AtomicU64,
    per_station: Mutex<HashMap<String, u64>>,
    reported_at: Mutex<Option<std::time::Instant>>,
}

impl Skipped {
    /// Counts `n` frames of `station` not logged; says so in the log at most once a second.
    fn add(&self, station: &protocol::StationId, n: u64) {
        let total = self.total.fetch_add(n, Ordering::Relaxed) + n;
        let mut per_station = self.per_station.lock().unwrap_or_else(|p| p.into_inner());
        // While the log is behind this runs for every frame: the id is copied once per gap.
        match per_station.get_mut(station.as_str()) {
            Some(count) => *count += n,
            None => {
                per_station.insert(station.to_string(), n);
            }
        }
        drop(per_station);
        let Ok(mut reported) = self.reported_at.try_lock() else {
            return;
        };
        if reported.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
            *reported = Some(std::time::Instant::now());
            tracing::warn!(
                total,
                "message log backlog full: frames are not being logged (the trace only, and \
                 each gap is noted in the station's trace; what stations report is stored)"
            );
        }
    }

    /// An entry per station that had frames skipped since the last call, saying how many.
    fn gaps(&self) -> Vec<LogEntry> {
        let skipped =
            std::mem::take(&mut *self.per_station.lock().unwrap_or_else(|p| p.into_inner()));
        let at = OffsetDateTime::now_utc();
        skipped
            .into_iter()
            .map(|(station_id, n)| LogEntry {
                frame: LoggedFrame {
                    id: 0,
                    station_id,
                    direction: Direction::In,
                    message_type: None,
                    message_id: None,
                    action: None,
                    frame: format!("<{n} frame(s) not logged here: the message log was behind>"),
                    at,
                },
                reply: None,
            })
            .collect()
    }
}

impl MessageLog {
    /// Starts the writer; it drains what is queued and stops at `shutdown`.
    pub(crate) fn start(
        store: impl FrameStore,
        metrics: Arc<crate::metrics::Metrics>,
        retention: u64,
        shutdown: CancellationToken,
        tasks: &tokio_util::task::TaskTracker,
    ) -> MessageLog {
        let (queue, mut entries) = mpsc::channel::<LogEntry>(BACKLOG);
        let skipped = Arc::new(Skipped::default());
        let gaps = skipped.clone();
        tasks.spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            let mut written_since_prune = 0u64;
            loop {
                let open = tokio::select! {
                    () = shutdown.cancelled() => false,
                    n = entries.recv_many(&mut batch, BATCH) => n > 0,
                };
                if !open {
                    // Take what is still queued, then write it and stop.
                    entries.close();
                    while let Ok(entry) = entries.try_recv() {
                        batch.push(entry);
                    }
                }
                let full = batch.len() >= BATCH;
                batch.extend(gaps.gaps());
                if !batch.is_empty() {
                    let started = std::time::Instant::now();
                    if let Err(e) = store.append(&batch).await {
                        tracing::error!(error = %e, entries = batch.len(), "could not write the message log");
                    }
                    metrics.commit(
                        crate::metrics::Writer::MessageLog,
                        batch.len(),
                        started.elapsed(),
                    );
                    written_since_prune += batch.len() as u64;
                    batch.clear();
                }
                // A small retention is pruned to more often, so the log stays near it.
                if written_since_prune >= PRUNE_EVERY.min(retention.max(1)) || !open {
                    written_since_prune = 0;
                    if let Err(e) = store.prune(retention).await {
                        tracing::warn!(error = %e, "could not prune the message log");
                    }
                }
                if !open {
                    return;
                }
                // Let entries gather into the next batch, unless they are already waiting.
                if !full {
                    tokio::time::sleep(FLUSH_EVERY).await;
                }
            }
        });
        MessageLog { queue, skipped }
    }
}

impl Engine {
    /// Logs a frame of `station` and announces it.
    pub(crate) fn log_frame(
        &self,
        station: &protocol::StationId,
        direction: Direction,
        text: &str,
        message_type: Option<u8>,
        message_id: Option<&str>,
        action: Option<&str>,
    ) {
        let frame = LoggedFrame {
            id: 0,
            station_id: station.to_string(),
            direction,
            message_type,
            message_id: message_id.map(str::to_owned),
            action: action.map(str::to_owned),
            frame: text.to_owned(),
            at: OffsetDateTime::now_utc(),
        };
        self.log(station, LogEntry { frame, reply: None });
    }

    /// Logs a station's CALL (received at `received`) and the answer sent to it, as one entry,
    /// and announces both frames.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn log_exchange(
        &self,
        station: &protocol::StationId,
        call: &str,
        received: OffsetDateTime,
        message_id: &str,
        action: &str,
        reply_type: u8,
        reply: &str,
    ) {
        let frame = LoggedFrame {
            id: 0,
            station_id: station.to_string(),
            direction: Direction::In,
            message_type: Some(2),
            message_id: Some(message_id.to_owned()),
            action: Some(action.to_owned()),
            frame: call.to_owned(),
            at: received,
        };
        let reply = Reply {
            message_type: reply_type,
            frame: reply.to_owned(),
            at: OffsetDateTime::now_utc(),
        };
        self.log(
            station,
            LogEntry {
                frame,
                reply: Some(reply),
            },
        );
    }

    fn log(&self, station: &protocol::StationId, entry: LogEntry) {
        let f = &entry.frame;
        let frame = (f.direction, f.message_type, f.frame.as_str());
        match &entry.reply {
            Some(reply) => self.metrics().frames(
                f.action.as_deref(),
                &[
                    frame,
                    (
                        f.direction.reversed(),
                        Some(reply.message_type),
                        &reply.frame,
                    ),
                ],
            ),
            None => self.metrics().frames(f.action.as_deref(), &[frame]),
        }
        // Announced only when someone follows the feed: building the events costs copies.
        if self.inner.events.receiver_count() > 0 {
            let reply = entry.reply_frame();
            self.emit(Event::MessageLogged {
                frame: entry.frame.clone(),
            });
            if let Some(frame) = reply {
                self.emit(Event::MessageLogged { frame });
            }
        }
        let frames = 1 + u64::from(entry.reply.is_some());
        if self.inner.message_log.queue.try_send(entry).is_err() {
            self.inner.message_log.skipped.add(station, frames);
            self.metrics().frames_dropped(frames);
        }
    }

    /// The frames `query` asks for, newest first, `limit` of them (`default_limit` when it
    /// says none), and the cursor of the next (older) page if there is one.
    pub async fn message_page(
        &self,
        query: &MessageQuery,
        default_limit: u32,
    ) -> Result<MessagePage, crate::EngineError> {
        let limit = query.limit.unwrap_or(default_limit);
        let mut frames = self.inner.store.messages(query, limit + 1).await?;
        let shown = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = frames.len() > shown;
        frames.truncate(shown);
        let next_before = if more {
            frames.last().map(|f| f.id)
        } else {
            None
        };
        Ok(MessagePage {
            frames,
            next_before,
        })
    }
}

/// Which logged frames, newest first: of one station, of one action, only CALLERRORs, and
/// older than a frame (`before`, the cursor a page gives for the next). Paged by cursor, not
/// by offset or count: the log is long and grows by the millisecond.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageQuery {
    pub station: Option<protocol::StationId>,
    /// A CALL's action (its answer carries it too), as spelled.
    pub action: Option<String>,
    /// Only CALLERRORs.
    pub errors: bool,
    /// Only frames with a smaller id.
    pub before: Option<i64>,
    /// At most this many; `None`: the caller's default.
    pub limit: Option<u32>,
}

impl MessageQuery {
    /// Reads a query from URL parameters: `station`, `action`, `errors` (`true`, `false`),
    /// `before` (a frame id), `limit` (1 to `max_limit`). An empty value is none; an unknown
    /// parameter is refused.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        max_limit: u32,
    ) -> Result<MessageQuery, crate::listing::BadQuery> {
        use crate::listing::{BadQuery, flag_param, given, limit_param, station_param};
        let mut query = MessageQuery::default();
        for (key, value) in given(params) {
            match key {
                "station" => query.station = Some(station_param(value)?),
                "action" => query.action = Some(value.to_owned()),
                "errors" => query.errors = flag_param("errors", value)?,
                "before" => {
                    query.before = Some(value.parse().ok().filter(|id| *id > 0).ok_or_else(
                        || BadQuery {
                            field: "before",
                            message: "expected a frame id, 1 or more".into(),
                        },
                    )?)
                }
                "limit" => query.limit = Some(limit_param(value, max_limit)?),
                _ => return Err(BadQuery::unknown(key)),
            }
        }
        Ok(query)
    }
}

/// A page of the message log.
#[derive(Debug, Clone, PartialEq)]
pub struct MessagePage {
    pub frames: Vec<LoggedFrame>,
    /// `before` of the next (older) page; `None` on the last.
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_query_is_read_from_url_parameters_and_a_bad_one_named() {
        let query = MessageQuery::from_params(
            [
                ("station", "CP-1"),
                ("action", "Heartbeat"),
                ("errors", "true"),
                ("before", "42"),
                ("limit", "10"),
            ],
            1000,
        )
        .unwrap();
        assert_eq!(query.station.as_ref().map(|s| s.as_str()), Some("CP-1"));
        assert_eq!(query.action.as_deref(), Some("Heartbeat"));
        assert!(query.errors);
        assert_eq!((query.before, query.limit), (Some(42), Some(10)));
        for (key, value, field) in [
            ("errors", "1", "errors"),
            ("before", "0", "before"),
            ("before", "x", "before"),
            ("limit", "1001", "limit"),
            ("offset", "3", "query"),
        ] {
            let error = MessageQuery::from_params([(key, value)], 1000).unwrap_err();
            assert_eq!(error.field, field, "{key}={value}: {error}");
        }
    }

    #[test]
    fn skipped_frames_become_a_gap_in_each_stations_trace() {
        let skipped = Skipped::default();
        let a = protocol::StationId::parse("CP-A").unwrap();
        let b = protocol::StationId::parse("CP-B").unwrap();
        skipped.add(&a, 2);
        skipped.add(&b, 1);
        skipped.add(&a, 1);
        let mut gaps = skipped.gaps();
        gaps.sort_by(|x, y| x.frame.station_id.cmp(&y.frame.station_id));
        let shown: Vec<(&str, &str)> = gaps
            .iter()
            .map(|g| (g.frame.station_id.as_str(), g.frame.frame.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "CP-A",
                    "<3 frame(s) not logged here: the message log was behind>"
                ),
                (
                    "CP-B",
                    "<1 frame(s) not logged here: the message log was behind>"
                ),
            ]
        );
        assert_eq!(skipped.total.load(Ordering::Relaxed), 4);
        // Each gap is written once.
        assert!(skipped.gaps().is_empty());
    }
}
