//! `centrale`: the OCPP central system with its dashboard, in one process.

// Leptos view types nest deeply (see `app`).
#![recursion_limit = "256"]

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = server::Cli::parse();
    server::init_tracing();
    match cli.command {
        None => server::run(cli.config).await,
        Some(command) => server::cli::run(&cli.config, command).await,
    }
}
