//! `mstr`: the MicroStrategy (Strategy) REST API from the shell, on the `mstr-rest` library —
//! logins from any secret source, saved sessions, raw calls, browsing, extracts to CSV,
//! Parquet, Arrow IPC or JSON lines, pushes, and cube publishing. `mstr --help` lists the
//! commands and the exit codes.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod config;
mod connect;
mod extract;
mod failure;
mod output;
mod progress;
mod push;
mod secrets;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; everything else clap refuses is usage.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    tracing_to_stderr(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let verbose = cli.verbose > 0;
    let outcome = runtime.block_on(async move {
        tokio::select! {
            outcome = commands::run(cli) => Some(outcome),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        Some(Ok(())) => ExitCode::SUCCESS,
        Some(Err(failure)) => {
            eprintln!("error: {failure}");
            if verbose {
                for cause in failure.chain() {
                    eprintln!("  caused by: {cause}");
                }
            }
            failure.exit_code()
        }
        None => {
            eprintln!("interrupted");
            ExitCode::from(130)
        }
    }
}

/// `-v` (info), `-vv` (debug), `-vvv` (trace), or `RUST_LOG`, to stderr; nothing otherwise.
fn tracing_to_stderr(verbose: u8) {
    let filter = match (std::env::var("RUST_LOG").ok(), verbose) {
        (Some(f), _) if !f.is_empty() => f,
        (_, 0) => return,
        (_, 1) => "info".to_owned(),
        (_, 2) => "debug".to_owned(),
        _ => "trace".to_owned(),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
