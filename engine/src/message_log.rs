//! The message log: every OCPP frame in and out, kept (bounded) for the trace viewer and
//! announced on the event feed.
//!
//! Frames are handed to a background writer that inserts them in batches, so logging never
//! delays a station's answer. The log is a trace, not acknowledged data: at a crash the last
//! batch (at most [`FLUSH_EVERY`] old) may be missing.

use crate::{Engine, EngineError, Event};
use serde::Serialize;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long a logged frame waits at most before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// How many frames are written in one transaction at most.
const BATCH: usize = 500;
/// How many frames may wait for the writer; beyond that frames are dropped (and counted).
const BACKLOG: usize = 20_000;

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// From the station.
    In,
    /// To the station.
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// One logged frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedFrame {
    /// Row id, once stored (0 before).
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

/// Where the writer puts frames: the store implements it (the message log does not depend on
/// the store's types).
pub(crate) trait FrameStore: Send + Sync + 'static {
    /// Appends frames, in one transaction.
    fn append(
        &self,
        frames: &[LoggedFrame],
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// Keeps only the newest `keep` frames.
    fn prune(&self, keep: u64) -> impl Future<Output = Result<(), EngineError>> + Send;
}

/// The writer's handle.
#[derive(Debug, Clone)]
pub(crate) struct MessageLog {
    queue: mpsc::Sender<LoggedFrame>,
    /// Frames not logged because the backlog was full, and when that was last reported.
    dropped: std::sync::Arc<Dropped>,
}

#[derive(Debug, Default)]
struct Dropped {
    count: std::sync::atomic::AtomicU64,
    reported_at: std::sync::Mutex<Option<std::time::Instant>>,
}

impl MessageLog {
    /// Counts frames that were not logged; says so in the log at most once a second.
    fn dropped(&self, n: u64) {
        use std::sync::atomic::Ordering;
        let total = self.dropped.count.fetch_add(n, Ordering::Relaxed) + n;
        let Ok(mut reported) = self.dropped.reported_at.try_lock() else {
            return;
        };
        if reported.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
            *reported = Some(std::time::Instant::now());
            tracing::warn!(
                total,
                "message log backlog full: frames are not being logged (the trace only; \
                 what stations report is stored)"
            );
        }
    }

    /// Starts the writer; it drains what is queued and stops at `shutdown`.
    pub(crate) fn start(
        store: impl FrameStore,
        retention: u64,
        shutdown: CancellationToken,
        tasks: &tokio_util::task::TaskTracker,
    ) -> MessageLog {
        let (queue, mut frames) = mpsc::channel::<LoggedFrame>(BACKLOG);
        tasks.spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            let mut written_since_prune = 0u64;
            loop {
                let open = tokio::select! {
                    () = shutdown.cancelled() => false,
                    n = frames.recv_many(&mut batch, BATCH) => n > 0,
                };
                if !open {
                    // Take what is still queued, then write it and stop.
                    frames.close();
                    while let Ok(frame) = frames.try_recv() {
                        batch.push(frame);
                    }
                }
                let full = batch.len() >= BATCH;
                if !batch.is_empty() {
                    if let Err(e) = store.append(&batch).await {
                        tracing::error!(error = %e, frames = batch.len(), "could not write the message log");
                    }
                    written_since_prune += batch.len() as u64;
                    batch.clear();
                }
                if written_since_prune >= 1_000 || !open {
                    written_since_prune = 0;
                    if let Err(e) = store.prune(retention).await {
                        tracing::warn!(error = %e, "could not prune the message log");
                    }
                }
                if !open {
                    return;
                }
                // Let frames gather into the next batch, unless they are already waiting.
                if !full {
                    tokio::time::sleep(FLUSH_EVERY).await;
                }
            }
        });
        MessageLog {
            queue,
            dropped: std::sync::Arc::default(),
        }
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
        self.emit(Event::MessageLogged {
            frame: frame.clone(),
        });
        if self.inner.message_log.queue.try_send(frame).is_err() {
            self.inner.message_log.dropped(1);
        }
    }

    /// The latest logged frames, newest first, of one station or all.
    pub async fn messages(
        &self,
        station: Option<&protocol::StationId>,
        limit: u32,
    ) -> Result<Vec<LoggedFrame>, crate::EngineError> {
        self.inner.store.messages(station, limit).await
    }
}
