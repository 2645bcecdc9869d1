//! `mstr-emulator`: runs the MicroStrategy REST emulator as a standalone server, for trying a
//! client by hand or from another language.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use mstr_rest_emulator::{Emulator, EmulatorBuilder, ReportSpec};

const USAGE: &str = "\
usage: mstr-emulator [--port N] [--idle-timeout SECS] [--user NAME:PASSWORD]... [--admin]

Runs a fake MicroStrategy REST server on 127.0.0.1 until Ctrl-C or SIGTERM.

options:
  --port N               port to listen on (default: a free port)
  --idle-timeout SECS    session idle timeout in seconds (default: 1800)
  --user NAME:PASSWORD   add a standard user, or change a default user's password (repeatable)
  --admin                serve the control routes under /__emulator/ (recorded exchanges, reset,
                         faults, clock, stats, openapi.yaml) for drivers in other languages
  --report ID:ROWS       serve a report with ROWS generated rows (default grid; repeatable)
  --cube ID:ROWS         serve a cube likewise (repeatable)
  --no-record            do not record requests (for long benchmarks)
  -h, --help             print this help

default users: dave/hellodave, administrator with an empty password, LDAP ldapdave/ldappass,
API key supersecretapikey (as dave), anonymous Guest.";

enum Command {
    Help,
    Run(EmulatorBuilder),
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut builder = Emulator::builder();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        builder = match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--no-record" => builder.record_requests(false),
            flag @ ("--report" | "--cube") => {
                let spec = value(flag)?;
                let (id, rows) = spec
                    .split_once(':')
                    .and_then(|(id, rows)| Some((id, rows.parse::<u64>().ok()?)))
                    .filter(|(id, _)| !id.is_empty())
                    .ok_or_else(|| format!("{flag}: expected ID:ROWS"))?;
                builder.report(if flag == "--cube" {
                    ReportSpec::cube(id, "Generated cube").rows(rows)
                } else {
                    ReportSpec::new(id, "Generated report").rows(rows)
                })
            }
            "--admin" => builder.admin_routes(true),
            "--port" => {
                let port = value("--port")?;
                builder.port(
                    port.parse()
                        .map_err(|_| format!("--port: not a port number: {port}"))?,
                )
            }
            "--idle-timeout" => {
                let secs = value("--idle-timeout")?;
                let secs: u64 = secs
                    .parse()
                    .map_err(|_| format!("--idle-timeout: not a number of seconds: {secs}"))?;
                builder.idle_timeout(Duration::from_secs(secs))
            }
            "--user" => {
                let spec = value("--user")?;
                let (name, password) = spec
                    .split_once(':')
                    .filter(|(name, _)| !name.is_empty())
                    .ok_or("--user: expected NAME:PASSWORD")?;
                builder.user(name, password)
            }
            other => return Err(format!("unknown argument: {other}")),
        };
    }
    Ok(Command::Run(builder))
}

#[tokio::main]
async fn main() -> ExitCode {
    let builder = match parse(std::env::args().skip(1)) {
        Ok(Command::Run(builder)) => builder,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("mstr-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = match builder.try_start().await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("mstr-emulator: cannot listen on 127.0.0.1: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Scripts wait for this exact line to learn the port, so it must not sit in a buffer.
    let mut stdout = std::io::stdout().lock();
    let announced = writeln!(stdout, "mstr-emulator listening on {}", emulator.base_url())
        .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = announced {
        eprintln!("mstr-emulator: cannot write to stdout: {error}");
        return ExitCode::FAILURE;
    }
    if let Err(error) = stop_signal().await {
        eprintln!("mstr-emulator: cannot wait for a stop signal: {error}");
    }
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
