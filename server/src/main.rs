//! `centrale`: the OCPP central system with its dashboard, in one process.

// Leptos view types nest deeply (see `app`).
#![recursion_limit = "256"]

use clap::Parser;
use std::process::ExitCode;

/// Stack of each runtime thread. Rendering a page polls the futures of its whole view tree
/// nested on one stack; unoptimised (debug) builds keep large frames, and a stack overflow
/// aborts the process with every station on it. 8 MiB is reserved address space, touched
/// only as deep as a render goes.
const THREAD_STACK: usize = 8 << 20;

fn main() -> ExitCode {
    let cli = server::Cli::parse();
    server::init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("centrale: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None => server::run(cli.config).await,
            Some(command) => server::cli::run(&cli.config, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: what failed and why ("a: b: c"), never a backtrace or a password.
            eprintln!("centrale: {e:#}");
            ExitCode::FAILURE
        }
    }
}
