//! `centrale-bench`: Centrale's benchmark suite. Each scenario starts a fresh server (release
//! build) pinned to core 0, drives it from this process over loopback, measures the server from
//! outside (`/proc`: CPU time, resident memory; `/proc/net/netstat`: listen overflows) and
//! prints a table. The figures are reported against targets, never asserted.
//!
//! `centrale-bench ceiling` is the raw ceiling server of scenario 7: the same runtime and
//! WebSocket library as Centrale, parsing each frame and answering a canned CALLRESULT.

mod ceiling;
mod client;
mod measure;
mod scenarios;
mod target;
mod tls;

use clap::{Parser, Subcommand};
use scenarios::Scale;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "centrale-bench", version, about)]
struct Args {
    #[command(subcommand)]
    mode: Option<Mode>,
    /// Which scenarios (1-9), comma-separated; all by default.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u8).range(1..=9))]
    only: Vec<u8>,
    /// Small sizes and short runs: a smoke run, not figures to report.
    #[arg(long)]
    quick: bool,
    /// Seconds each closed-loop measurement runs.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// The repository root (where `target/release/centrale` is).
    #[arg(long, default_value = ".")]
    root: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Runs the raw ceiling server and prints `listening ADDR`.
    Ceiling,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(Mode::Ceiling) = args.mode {
        return runtime.block_on(ceiling::serve());
    }
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let root = args.root.canonicalize()?;
    let scale = Scale {
        quick: args.quick,
        run: Duration::from_secs(if args.quick { 2 } else { args.seconds }),
    };
    print_machine();
    let wanted = |n: u8| args.only.is_empty() || args.only.contains(&n);
    if wanted(1) {
        scenarios::idle_capacity(&root, scale).await?;
    }
    if wanted(2) {
        scenarios::heartbeats(&root, scale).await?;
    }
    if wanted(3) {
        scenarios::storm(&root, scale).await?;
    }
    if wanted(4) {
        scenarios::ingestion(&root, scale).await?;
    }
    if wanted(5) {
        scenarios::events(&root, scale).await?;
    }
    if wanted(6) {
        scenarios::rest_commands(&root, scale).await?;
    }
    if wanted(7) {
        scenarios::side_by_side(&root, scale).await?;
    }
    if wanted(8) {
        scenarios::webhooks(&root, scale).await?;
    }
    if wanted(9) {
        scenarios::cluster(&root, scale).await?;
    }
    Ok(())
}

/// What the figures were measured on.
fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let pinned = if target::can_pin() {
        format!(
            "server pinned to core {}, load generator on the others (taskset)",
            target::SERVER_CORE
        )
    } else {
        "no taskset: server and load generator share the cores".to_owned()
    };
    println!("centrale-bench on {cpu}; load generator: {cores} core(s); {pinned}");
}
