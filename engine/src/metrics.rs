//! What Centrale counts for Prometheus, and its text exposition (version 0.0.4).
//!
//! Counters and histograms are kept per engine (tests run many in one process) and cost an
//! atomic add or a short lock where they are counted: frames in and out per action (counted
//! where the message log takes them, both versions), CALLERRORs per code, commands' round trips
//! per action, the group-commit writers' commit times and batch sizes, event-stream resyncs,
//! message-log frames dropped, rate-limited messages, refused connections per reason. Gauges
//! (stations connected per version, event-stream subscribers, the process) are read when
//! scraped. Label values a station chooses (actions, error codes) are bounded: past
//! [`MAX_LABELS`] distinct ones, the rest count as `other`.

use crate::message_log::Direction;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Distinct values one label takes at most (an action, an error code).
pub const MAX_LABELS: usize = 256;
/// The label value of whatever is past [`MAX_LABELS`].
const OTHER: &str = "other";

/// Round trips of commands, and commits, in seconds.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Rows in one group commit.
const ROWS: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0,
];

/// A writer that commits in groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Writer {
    MeterValues,
    Audit,
    MessageLog,
}

impl Writer {
    fn as_str(self) -> &'static str {
        match self {
            Writer::MeterValues => "meter_values",
            Writer::Audit => "audit",
            Writer::MessageLog => "message_log",
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refused {
    /// `--max-stations` reached.
    Full,
    /// Not known, and registration is closed.
    Unknown,
    /// Credentials below the station's security profile, wrong, or locked out.
    Credentials,
    /// No OCPP version both sides speak.
    Subprotocol,
}

impl Refused {
    fn as_str(self) -> &'static str {
        match self {
            Refused::Full => "full",
            Refused::Unknown => "unknown_station",
            Refused::Credentials => "credentials",
            Refused::Subprotocol => "subprotocol",
        }
    }
}

/// Counts of observations at or under each bound, their sum and their number.
#[derive(Debug, Clone, Default)]
struct Histogram {
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], value: f64) {
        if self.buckets.len() != bounds.len() {
            self.buckets = vec![0; bounds.len()];
        }
        for (bucket, bound) in self.buckets.iter_mut().zip(bounds) {
            if value <= *bound {
                *bucket += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    /// Its samples, each with `labels` (none: "").
    fn render(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (n, bound) in bounds.iter().enumerate() {
            let count = self.buckets.get(n).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let plain = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{plain} {}", self.sum);
        let _ = writeln!(out, "{name}_count{plain} {}", self.count);
    }
}

/// What Centrale counted since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    /// action → frames, per direction and message type ([`slot`]).
    frames: Mutex<BTreeMap<String, [u64; 8]>>,
    /// code → CALLERRORs received and sent.
    call_errors: Mutex<BTreeMap<String, [u64; 2]>>,
    /// action → round trips of commands sent to stations.
    commands: Mutex<BTreeMap<String, Histogram>>,
    commits: Mutex<BTreeMap<Writer, (Histogram, Histogram)>>,
    refused: Mutex<BTreeMap<Refused, u64>>,
    resyncs: AtomicU64,
    frames_dropped: AtomicU64,
    rate_limited: AtomicU64,
    /// Webhook delivery attempts: delivered, failed (tried again later), given up.
    webhooks: [AtomicU64; 3],
    /// Seconds from an event to its delivery.
    webhook_delay: Mutex<Histogram>,
    /// Deliveries waiting, as the delivery task last counted them.
    webhook_backlog: AtomicU64,
}

/// How a webhook delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The receiver answered 2xx.
    Delivered,
    /// It did not; the delivery is tried again later.
    Failed,
    /// It did not, and the retry period is over.
    GaveUp,
}

impl Delivery {
    const ALL: [Delivery; 3] = [Delivery::Delivered, Delivery::Failed, Delivery::GaveUp];

    fn as_str(self) -> &'static str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::Failed => "failed",
            Delivery::GaveUp => "given_up",
        }
    }
}

/// `map`'s entry for `key`, or `other` once the map holds [`MAX_LABELS`] keys.
fn bounded<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    let key = if map.contains_key(key) || map.len() < MAX_LABELS {
        key
    } else {
        OTHER
    };
    map.entry(key.to_owned()).or_default()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

const DIRECTIONS: [&str; 2] = ["in", "out"];
const TYPES: [&str; 4] = ["CALL", "CALLRESULT", "CALLERROR", "unreadable"];

/// Where a frame of `direction` and message type `t` counts in an action's row.
fn slot(direction: Direction, t: Option<u8>) -> usize {
    let kind = match t {
        Some(2) => 0,
        Some(3) => 1,
        Some(4) => 2,
        _ => 3,
    };
    usize::from(direction == Direction::Out) * 4 + kind
}

impl Metrics {
    /// Frames of one action went: each its direction, message type and text (for a
    /// CALLERROR, the text gives its code). A CALL and its answer count under one lock.
    pub fn frames(&self, action: Option<&str>, frames: &[(Direction, Option<u8>, &str)]) {
        {
            let mut counts = lock(&self.frames);
            let action = action.unwrap_or("");
            let row = match counts.get_mut(action) {
                Some(row) => row,
                None => bounded(&mut counts, action),
            };
            for (direction, t, _) in frames {
                row[slot(*direction, *t)] += 1;
            }
        }
        for (direction, _, text) in frames.iter().filter(|(_, t, _)| *t == Some(4)) {
            let code = serde_json::from_str::<Vec<serde_json::Value>>(text)
                .ok()
                .and_then(|frame| frame.get(2)?.as_str().map(str::to_owned))
                .unwrap_or_default();
            bounded(&mut lock(&self.call_errors), &code)
                [usize::from(*direction == Direction::Out)] += 1;
        }
    }

    /// A command to a station took `took`, from the request to its answer (or its end).
    pub fn command(&self, action: &str, took: Duration) {
        bounded(&mut lock(&self.commands), action).observe(SECONDS, took.as_secs_f64());
    }

    /// `writer` committed `rows` in `took`.
    pub fn commit(&self, writer: Writer, rows: usize, took: Duration) {
        let mut commits = lock(&self.commits);
        let (time, size) = commits.entry(writer).or_default();
        time.observe(SECONDS, took.as_secs_f64());
        size.observe(ROWS, rows as f64);
    }

    /// A connection was refused.
    pub fn refused(&self, why: Refused) {
        *lock(&self.refused).entry(why).or_default() += 1;
    }

    /// An event-stream subscriber fell behind and was told to read again.
    pub fn resync(&self) {
        self.resyncs.fetch_add(1, Ordering::Relaxed);
    }

    /// The message log's writer was behind: `frames` were not written.
    pub fn frames_dropped(&self, frames: u64) {
        self.frames_dropped.fetch_add(frames, Ordering::Relaxed);
    }

    /// A station went over its message rate (its messages wait).
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// A webhook delivery attempt ended as `result`; a delivered one `delay` after its event.
    pub fn webhook(&self, result: Delivery, delay: Option<Duration>) {
        self.webhooks[result as usize].fetch_add(1, Ordering::Relaxed);
        if let Some(delay) = delay {
            lock(&self.webhook_delay).observe(SECONDS, delay.as_secs_f64());
        }
    }

    /// The deliveries waiting now.
    pub fn webhook_backlog(&self, waiting: u64) {
        self.webhook_backlog.store(waiting, Ordering::Relaxed);
    }

    /// The exposition: everything counted, and `gauges` read now.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(16 * 1024);
        head(
            &mut out,
            "centrale_build_info",
            "gauge",
            "Centrale's version.",
        );
        let _ = writeln!(
            out,
            "centrale_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        head(
            &mut out,
            "centrale_stations_connected",
            "gauge",
            "Stations connected now, per OCPP version.",
        );
        for (version, n) in &gauges.connected {
            let _ = writeln!(
                out,
                "centrale_stations_connected{{version=\"{version}\"}} {n}"
            );
        }
        head(
            &mut out,
            "centrale_frames_total",
            "counter",
            "OCPP frames received (in) and sent (out), per message type and action.",
        );
        for (action, row) in lock(&self.frames).iter() {
            for (n, count) in row.iter().enumerate().filter(|(_, c)| **c > 0) {
                let _ = writeln!(
                    out,
                    "centrale_frames_total{{direction=\"{}\",type=\"{}\",action=\"{}\"}} {count}",
                    DIRECTIONS[n / 4],
                    TYPES[n % 4],
                    escape(action)
                );
            }
        }
        head(
            &mut out,
            "centrale_call_errors_total",
            "counter",
            "CALLERRORs received (in) and sent (out), per error code.",
        );
        for (code, row) in lock(&self.call_errors).iter() {
            for (n, count) in row.iter().enumerate().filter(|(_, c)| **c > 0) {
                let _ = writeln!(
                    out,
                    "centrale_call_errors_total{{direction=\"{}\",code=\"{}\"}} {count}",
                    DIRECTIONS[n],
                    escape(code)
                );
            }
        }
        head(
            &mut out,
            "centrale_command_duration_seconds",
            "histogram",
            "Commands sent to stations, from the request to the answer (or timeout), per action.",
        );
        for (action, h) in lock(&self.commands).iter() {
            let labels = format!("action=\"{}\"", escape(action));
            h.render(
                &mut out,
                "centrale_command_duration_seconds",
                &labels,
                SECONDS,
            );
        }
        head(
            &mut out,
            "centrale_commit_duration_seconds",
            "histogram",
            "Group commits of each writer: how long each took.",
        );
        let commits = lock(&self.commits);
        for (writer, (time, _)) in commits.iter() {
            let labels = format!("writer=\"{}\"", writer.as_str());
            time.render(
                &mut out,
                "centrale_commit_duration_seconds",
                &labels,
                SECONDS,
            );
        }
        head(
            &mut out,
            "centrale_commit_rows",
            "histogram",
            "Group commits of each writer: how many rows (messages, entries) each held.",
        );
        for (writer, (_, size)) in commits.iter() {
            let labels = format!("writer=\"{}\"", writer.as_str());
            size.render(&mut out, "centrale_commit_rows", &labels, ROWS);
        }
        drop(commits);
        head(
            &mut out,
            "centrale_refused_connections_total",
            "counter",
            "Station connections refused, per reason.",
        );
        for (why, n) in lock(&self.refused).iter() {
            let _ = writeln!(
                out,
                "centrale_refused_connections_total{{reason=\"{}\"}} {n}",
                why.as_str()
            );
        }
        single(
            &mut out,
            "centrale_rate_limited_total",
            "counter",
            "Times a station went over --max-message-rate (its messages then wait).",
            self.rate_limited.load(Ordering::Relaxed),
        );
        single(
            &mut out,
            "centrale_message_log_dropped_frames_total",
            "counter",
            "Frames the message log's writer was too far behind to keep (a gap in the trace).",
            self.frames_dropped.load(Ordering::Relaxed),
        );
        single(
            &mut out,
            "centrale_event_stream_resyncs_total",
            "counter",
            "Event-stream subscribers that fell behind and were told to read again.",
            self.resyncs.load(Ordering::Relaxed),
        );
        single(
            &mut out,
            "centrale_event_stream_subscribers",
            "gauge",
            "Subscribers of the event feed now (dashboards, API streams, internal).",
            gauges.subscribers,
        );
        head(
            &mut out,
            "centrale_webhook_deliveries_total",
            "counter",
            "Webhook delivery attempts, by result (failed ones are tried again; given_up ones wait for a replay).",
        );
        for result in Delivery::ALL {
            let _ = writeln!(
                out,
                "centrale_webhook_deliveries_total{{result=\"{}\"}} {}",
                result.as_str(),
                self.webhooks[result as usize].load(Ordering::Relaxed)
            );
        }
        head(
            &mut out,
            "centrale_webhook_delivery_delay_seconds",
            "histogram",
            "Time from an event to its delivery to an endpoint.",
        );
        lock(&self.webhook_delay).render(
            &mut out,
            "centrale_webhook_delivery_delay_seconds",
            "",
            SECONDS,
        );
        single(
            &mut out,
            "centrale_webhook_backlog",
            "gauge",
            "Webhook deliveries waiting (due now or retried later).",
            self.webhook_backlog.load(Ordering::Relaxed),
        );
        process(&mut out);
        out
    }
}

/// The `# HELP` and `# TYPE` lines of a metric family.
fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A metric family of one sample without labels.
fn single(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    head(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// What is read when scraped.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// (OCPP version, stations connected).
    pub connected: Vec<(&'static str, usize)>,
    pub subscribers: usize,
}

/// A label value as the exposition format writes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The process' own figures, as Prometheus' client libraries name them (Linux: `/proc`).
fn process(out: &mut String) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the command name (which may hold spaces), from field 3 on.
    let Some(fields) = stat.rsplit_once(')').map(|(_, rest)| {
        rest.split_whitespace()
            .map(|f| f.parse::<f64>().unwrap_or(0.0))
            .collect::<Vec<_>>()
    }) else {
        return;
    };
    let field = |n: usize| fields.get(n - 3).copied().unwrap_or(0.0);
    // /proc counts CPU time in USER_HZ ticks, 100 a second on every Linux.
    let ticks = 100.0;
    // Memory from /proc/self/status, in kB.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| {
                l.strip_prefix(key)?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .unwrap_or(0.0)
            * 1024.0
    };
    let boot = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime ")?.trim().parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count);
    single(
        out,
        "process_cpu_seconds_total",
        "counter",
        "User and system CPU time, in seconds.",
        (field(14) + field(15)) / ticks,
    );
    single(
        out,
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory, in bytes.",
        kb("VmRSS:"),
    );
    single(
        out,
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory, in bytes.",
        kb("VmSize:"),
    );
    single(
        out,
        "process_start_time_seconds",
        "gauge",
        "When the process started, in seconds since 1970.",
        boot + field(22) / ticks,
    );
    single(
        out,
        "process_open_fds",
        "gauge",
        "Open file descriptors.",
        fds as f64,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_count_each_value_in_every_bucket_at_or_over_it() {
        let mut h = Histogram::default();
        for v in [0.003, 0.2, 100.0] {
            h.observe(SECONDS, v);
        }
        let mut out = String::new();
        h.render(&mut out, "x", "a=\"b\"", SECONDS);
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.0025\"} 0\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.25\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"60\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{a=\"b\"} 3\n"), "{out}");
    }

    #[test]
    fn actions_a_station_invents_are_bounded() {
        let metrics = Metrics::default();
        for n in 0..MAX_LABELS + 10 {
            metrics.frames(Some(&format!("Made{n}Up")), &[(Direction::In, Some(2), "")]);
        }
        let frames = lock(&metrics.frames);
        assert_eq!(frames.len(), MAX_LABELS + 1);
        assert_eq!(frames.get(OTHER).map(|row| row[0]), Some(10));
    }

    #[test]
    fn a_callerror_is_counted_by_its_code_and_labels_are_escaped() {
        let metrics = Metrics::default();
        let text = r#"[4,"1","FormationViolation","bad",{}]"#;
        metrics.frames(None, &[(Direction::Out, Some(4), text)]);
        metrics.frames(Some("We\"ird"), &[(Direction::In, Some(2), "")]);
        let out = metrics.render(&Gauges::default());
        assert!(
            out.contains(
                "centrale_call_errors_total{direction=\"out\",code=\"FormationViolation\"} 1"
            ),
            "{out}"
        );
        assert!(out.contains("action=\"We\\\"ird\"} 1"), "{out}");
    }
}
