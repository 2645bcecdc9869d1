//! Project chores, in the style of rust-analyzer's xtask (see matklad/cargo-xtask):
//! `cargo xtask ci` runs what CI runs. Std only, on purpose: it is built before every chore.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod tidy;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci      cargo fmt --check, clippy -D warnings, doc -D warnings, test --workspace
  bench   overhead, throughput (vs Python mstr-rest-requests) and connect-cost benchmarks
  help    this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => exit(run_cargo(
            &["bench", "-p", "mstr-rest", "--bench", "client"],
            &[],
        )),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root: xtask's parent directory.
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A cargo invocation: its arguments and extra environment.
type Step = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

fn ci() -> ExitCode {
    let steps: &[Step] = &[
        (&["fmt", "--all", "--", "--check"], &[]),
        (
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
        (
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
        (&["test", "--workspace"], &[]),
    ];
    for (args, envs) in steps {
        if !run_cargo(args, envs) {
            return ExitCode::FAILURE;
        }
    }
    println!("xtask ci: all steps passed");
    ExitCode::SUCCESS
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_cargo(args: &[&str], envs: &[(&str, &str)]) -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let shown: Vec<String> = envs.iter().map(|(k, v)| format!("{k}={v:?} ")).collect();
    println!("$ {}cargo {}", shown.concat(), args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(project_root())
        .status();
    match status {
        Ok(s) if s.success() => true,
        Ok(s) => {
            eprintln!("xtask: `cargo {}` failed ({s})", args.join(" "));
            false
        }
        Err(e) => {
            eprintln!("xtask: could not run cargo: {e}");
            false
        }
    }
}
