//! `centrale`: the OCPP central system with its dashboard, in one process.

// Leptos view types nest deeply (see `app`).
#![recursion_limit = "256"]

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = server::Config::parse();
    server::init_tracing();
    server::run(config).await
}
