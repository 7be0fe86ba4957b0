//! `centrale`: the OCPP central system with its dashboard, in one process.

// Leptos view types nest deeply (see `app`).
#![recursion_limit = "256"]

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = server::Cli::parse();
    server::init_tracing();
    let result = match cli.command {
        None => server::run(cli.config).await,
        Some(command) => server::cli::run(&cli.config, command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: what failed and why ("a: b: c"), never a backtrace or a password.
            eprintln!("centrale: {e:#}");
            ExitCode::FAILURE
        }
    }
}
