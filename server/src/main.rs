//! `centrale`: the OCPP central system with its dashboard, in one process.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = server::Config::parse();
    server::init_tracing();
    server::run(config).await
}
