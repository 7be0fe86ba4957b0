//! The systems under test: each runs as its own process, pinned to its own core, and is
//! measured from outside (`/proc`).

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Which core the server runs on; the load generator runs on the others.
pub const SERVER_CORE: &str = "0";

/// Where a Centrale under test keeps its data.
#[derive(Debug, Clone)]
pub enum Db {
    /// A fresh SQLite file (the embedded default).
    Sqlite,
    /// A fresh database on the PostgreSQL cluster `make bench` started, pinned to its own core
    /// (durable commits: fsync on): its superuser's URL, and its data folder, through which its
    /// CPU time is read.
    Postgres { admin: String, data: PathBuf },
}

impl Db {
    /// SQLite, and PostgreSQL when `make bench` started a cluster (`CENTRALE_BENCH_POSTGRES`,
    /// `CENTRALE_BENCH_POSTGRES_DATA`).
    pub fn available() -> Vec<Db> {
        let mut all = vec![Db::Sqlite];
        let admin = std::env::var("CENTRALE_BENCH_POSTGRES").unwrap_or_default();
        let data = std::env::var("CENTRALE_BENCH_POSTGRES_DATA").unwrap_or_default();
        if !admin.is_empty() && !data.is_empty() {
            all.push(Db::Postgres {
                admin,
                data: PathBuf::from(data),
            });
        }
        all
    }

    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres { .. } => "PostgreSQL",
        }
    }

    /// The CPU time the database server has used so far (none for SQLite, which runs inside
    /// Centrale and is counted with it).
    pub fn cpu(&self) -> Duration {
        match self {
            Db::Sqlite => Duration::ZERO,
            Db::Postgres { data, .. } => cluster_cpu(data).unwrap_or_default(),
        }
    }
}

/// The CPU time of a PostgreSQL cluster: its postmaster and every process it started, live
/// (their own times) or gone (in the postmaster's children's times).
fn cluster_cpu(data: &Path) -> Option<Duration> {
    let pid: u32 = std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()?;
    let mut total = stat_times(pid)?.1;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some((parent, times)) = stat_times(child)
            && parent == pid
        {
            total += times;
        }
    }
    Some(total)
}

/// A process's parent, and its CPU time with that of its children it waited for.
fn stat_times(pid: u32) -> Option<(u32, Duration)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let parent: u32 = fields.get(1)?.parse().ok()?;
    let ticks: u64 = (11..=14)
        .map(|i| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    let per_second = ticks_per_second().max(1);
    Some((
        parent,
        Duration::from_nanos(ticks * 1_000_000_000 / per_second),
    ))
}

/// A server process under test.
pub struct Target {
    pub name: &'static str,
    child: Child,
    pid: u32,
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// The WebSocket base a station appends its id to.
    pub ws_base: String,
    /// An API token (Centrale's REST API and event stream need one).
    token: Option<String>,
    /// Where the data goes (SQLite for the peers, which keep none).
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    /// A fresh Centrale (release build) on a new SQLite file, open registration, no heartbeat
    /// or ping traffic of its own during the measurement.
    pub async fn centrale(root: &Path, extra: &[&str]) -> anyhow::Result<Target> {
        Target::centrale_on(root, extra, &Db::Sqlite).await
    }

    /// [`Target::centrale`] on a fresh database of `on`.
    pub async fn centrale_on(root: &Path, extra: &[&str], on: &Db) -> anyhow::Result<Target> {
        let dir = tempfile::tempdir()?;
        let db = match on {
            Db::Sqlite => format!("sqlite://{}", dir.path().join("centrale.db").display()),
            Db::Postgres { admin, .. } => {
                engine::store::testing::fresh_postgres_database(admin).await?
            }
        };
        Target::centrale_at(root, extra, on, &db, dir).await
    }

    /// Node `name` of a cluster on the PostgreSQL database `db` (of `on`): [`Target::centrale`]
    /// there.
    pub async fn centrale_node(
        root: &Path,
        on: &Db,
        db: &str,
        name: &str,
    ) -> anyhow::Result<Target> {
        let dir = tempfile::tempdir()?;
        Target::centrale_at(root, &["--node-name", name], on, db, dir).await
    }

    async fn centrale_at(
        root: &Path,
        extra: &[&str],
        on: &Db,
        db: &str,
        dir: tempfile::TempDir,
    ) -> anyhow::Result<Target> {
        let bin = root.join("target/release/centrale");
        let mut args = vec![
            "--listen",
            "127.0.0.1:0",
            "--database",
            db,
            "--registration",
            "open",
            "--heartbeat-interval",
            "86400",
            "--ping-interval",
            "3600",
            // The closed loops here send as fast as answers come: measured, not limited.
            "--max-message-rate",
            "0",
        ];
        args.extend_from_slice(extra);
        let site = root.join("target/site");
        let site = site.to_string_lossy().into_owned();
        args.extend_from_slice(&["--site-root", &site]);
        let token = api_token(&bin, db).await?;
        let (child, line) = spawn(&bin, &args, &[("RUST_LOG", "warn")], "open http://").await?;
        let addr =
            between(&line, "open http://", "/").context("no address in Centrale's output")?;
        let pid = child.id().context("no pid")?;
        Ok(Target {
            name: "Centrale",
            child,
            pid,
            ws_base: format!("ws://{addr}/ocpp"),
            addr,
            token: Some(token),
            db: on.clone(),
            _dir: Some(dir),
        })
    }

    /// The header line that signs a request in (empty for systems without sign-in).
    pub fn auth(&self) -> String {
        self.token
            .as_ref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default()
    }

    /// The raw ceiling: this binary's `ceiling` mode (same runtime and WebSocket library,
    /// parses each frame, answers a canned CALLRESULT, stores nothing).
    pub async fn ceiling() -> anyhow::Result<Target> {
        let me = std::env::current_exe()?;
        let (child, line) = spawn(&me, &["ceiling"], &[], "listening ").await?;
        let addr = line.trim_start_matches("listening ").trim().to_owned();
        let pid = child.id().context("no pid")?;
        Ok(Target {
            name: "raw ceiling",
            child,
            pid,
            ws_base: format!("ws://{addr}/ocpp"),
            addr,
            token: None,
            db: Db::Sqlite,
            _dir: None,
        })
    }

    /// npm `ocpp-rpc`'s server in strict mode (schema validation), run by Node.
    pub async fn ocpp_rpc(root: &Path) -> anyhow::Result<Target> {
        let script = root.join("bench/ocpp-rpc-server.mjs");
        let modules = root.join("end2end/node_modules");
        if !modules.join("ocpp-rpc").exists() {
            bail!("npm ocpp-rpc is not installed: run `npm ci` in end2end/ (make test does)");
        }
        let node = PathBuf::from("node");
        let script = script.to_string_lossy().into_owned();
        let modules = modules.to_string_lossy().into_owned();
        let (child, line) =
            spawn(&node, &[&script], &[("NODE_PATH", &modules)], "listening ").await?;
        let port = line.trim_start_matches("listening ").trim().to_owned();
        let pid = child.id().context("no pid")?;
        let addr = format!("127.0.0.1:{port}");
        Ok(Target {
            name: "ocpp-rpc (strict)",
            child,
            pid,
            ws_base: format!("ws://{addr}/ocpp"),
            addr,
            token: None,
            db: Db::Sqlite,
            _dir: None,
        })
    }

    /// CPU time (user + system) the process has used so far.
    pub fn cpu(&self) -> Duration {
        cpu_of(self.pid).unwrap_or_default()
    }

    /// A function reading the process's CPU time, for another task.
    pub fn cpu_probe(&self) -> impl Fn() -> Duration + Send + 'static {
        let pid = self.pid;
        move || cpu_of(pid).unwrap_or_default()
    }

    /// Resident memory, bytes.
    pub fn rss(&self) -> u64 {
        rss_of(self.pid).unwrap_or_default()
    }

    /// Stops the process with SIGKILL (no shutdown: what a crash or power loss leaves). A
    /// profiler wrapping it (`CENTRALE_BENCH_WRAP`) gets SIGTERM first and up to 30 s to write
    /// its profile (`perf record` killed leaves an unreadable file).
    pub async fn stop(mut self) {
        if profiler().is_some() {
            // The whole group: a wrapper that is a shell script does not pass signals on.
            let group = format!("-{}", self.pid);
            let _ = Command::new("kill")
                .args(["-TERM", "--", &group])
                .status()
                .await;
            let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .status()
                .await;
        }
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Whether `taskset` can pin processes here.
pub fn can_pin() -> bool {
    std::process::Command::new("taskset")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Starts `bin args` pinned to [`SERVER_CORE`] and waits for a stdout line containing `ready`.
/// Makes an admin and an API token on Centrale's database `db` with its CLI.
async fn api_token(bin: &Path, db: &str) -> anyhow::Result<String> {
    // `centrale --database DB ARGS`, its stdout.
    let run = |args: &'static [&'static str]| async move {
        let out = Command::new(bin)
            .arg("--database")
            .arg(db)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .await?;
        if !out.status.success() {
            bail!(
                "centrale {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    };
    // A second node of a cluster finds the user made by the first.
    if let Err(e) = run(&["user", "add", "bench", "--role", "admin"]).await
        && !e.to_string().contains("exists")
    {
        return Err(e);
    }
    let printed = run(&[
        "token", "add", "--user", "bench", "--name", "bench", "--role", "admin",
    ])
    .await?;
    printed
        .lines()
        .last()
        .map(|t| t.trim().to_owned())
        .context("centrale token add printed no token")
}

/// The profiler command `CENTRALE_BENCH_WRAP` names, if it names one.
fn profiler() -> Option<String> {
    std::env::var("CENTRALE_BENCH_WRAP")
        .ok()
        .filter(|w| !w.trim().is_empty())
}

async fn spawn(
    bin: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    ready: &str,
) -> anyhow::Result<(Child, String)> {
    // A profiler may wrap the server under test: `CENTRALE_BENCH_WRAP="heaptrack -o /tmp/h"`
    // (the figures of such a run are the profiler's, not to report). `{n}` in it is the number
    // of the server started (1, 2, ...), so that each row of a scenario gets its own profile.
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let wrap = profiler()
        .unwrap_or_default()
        .replace("{n}", &n.to_string());
    let mut words: Vec<&std::ffi::OsStr> = Vec::new();
    if can_pin() {
        words.extend(["taskset", "-c", SERVER_CORE].map(std::ffi::OsStr::new));
    }
    words.extend(wrap.split_whitespace().map(std::ffi::OsStr::new));
    words.push(bin.as_os_str());
    let mut command = Command::new(words[0]);
    if !wrap.is_empty() {
        // Its own process group, so that stopping it reaches the server under the profiler.
        command.process_group(0);
    }
    command
        .args(&words[1..])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .with_context(|| format!("could not start {}", bin.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if line.contains(ready) {
                return Ok::<_, anyhow::Error>(line);
            }
        }
        bail!("{} exited before it was ready", bin.display())
    })
    .await
    .with_context(|| format!("{} did not get ready", bin.display()))??;
    // Keep draining stdout so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, line))
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let rest = &text[from..];
    Some(rest[..rest.find(end).unwrap_or(rest.len())].to_owned())
}

/// Clock ticks per second of `/proc/*/stat` times.
fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

fn cpu_of(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3; utime 14, stime 15.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = ticks_per_second().max(1);
    Some(Duration::from_nanos(
        (utime + stime) * 1_000_000_000 / ticks,
    ))
}

fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The kernel's count of connections dropped because a listen queue was full (all sockets).
pub fn listen_overflows() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/net/netstat") else {
        return 0;
    };
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        if !names.starts_with("TcpExt:") {
            continue;
        }
        let names = names.split_whitespace();
        let values = values.split_whitespace();
        for (name, value) in names.zip(values) {
            if name == "ListenOverflows" {
                return value.parse().unwrap_or(0);
            }
        }
    }
    0
}
