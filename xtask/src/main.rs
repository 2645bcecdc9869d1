//! Project chores, in the style of rust-analyzer's xtask (see matklad/cargo-xtask):
//! `cargo xtask ci` runs what CI runs. Std only, on purpose: it is built before every chore.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod tidy;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci      what CI runs (.ci/run): fmt --check, clippy and doc with -D warnings, test --workspace, …
  bench   overhead, throughput (vs Python mstr-rest-requests), connect-cost, data (vs mstrio-py)
          and ceiling (vs a page server doing no work) benchmarks
          then report streaming rows/s and peak RSS (vs mstrio-py and a bare Python loop),
          then `mstr report` to Parquet and CSV (vs the library's .rows(), same run)
  build-cost
          clean build time of the facade with no features, then with each cloud feature
  conformance [--bless] [--scenario TEXT] [-v]
          mstr-rest vs the Python mstr-rest-requests on the wire, and the emulator vs its
          OpenAPI contract (docs/conformance.md; --bless rewrites it)
  help    this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("build-cost") => build_cost(),
        Some("conformance") => conformance(&args[1..]),
        Some("bench") => exit(
            run_cargo(
                &[
                    "bench",
                    "-p",
                    "mstr-rest",
                    "--bench",
                    "client",
                    "--bench",
                    "data",
                    "--bench",
                    "ceiling",
                ],
                &[],
            ) && run_cargo(&["bench", "-p", "mstr-rest-cli", "--bench", "cli"], &[]),
        ),
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

/// Runs `.ci/run`, the one definition of CI: fmt, clippy, doc, the rustls and feature-tree
/// checks, a local moto_server, `cargo test --workspace`, and what later issues add.
fn ci() -> ExitCode {
    println!("$ bash .ci/run");
    let status = Command::new("bash")
        .arg(".ci/run")
        .current_dir(project_root())
        .status();
    match status {
        Ok(s) if s.success() => {
            println!("xtask ci: all steps passed");
            ExitCode::SUCCESS
        }
        Ok(s) => {
            eprintln!("xtask ci: .ci/run failed ({s})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("xtask ci: could not run bash: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Clean-builds `mstr-rest` once per feature set, each in its own empty target directory,
/// and prints the wall time of each: what a user pays for the cloud they enable.
fn build_cost() -> ExitCode {
    let sets: [(&str, &[&str]); 4] = [
        ("no features", &[]),
        ("aws", &["--features", "aws"]),
        ("azure", &["--features", "azure"]),
        ("gcp", &["--features", "gcp"]),
    ];
    let mut rows = Vec::new();
    for (name, flags) in sets {
        let dir = project_root()
            .join("target/build-cost")
            .join(name.replace(' ', "-"));
        let _ = std::fs::remove_dir_all(&dir);
        let dir_text = dir.to_string_lossy().into_owned();
        let mut args = vec!["build", "-q", "-p", "mstr-rest", "--target-dir", &dir_text];
        args.extend_from_slice(flags);
        let started = std::time::Instant::now();
        if !run_cargo(&args, &[]) {
            return ExitCode::FAILURE;
        }
        let secs = started.elapsed().as_secs_f64();
        let units = std::fs::read_dir(dir.join("debug/deps"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "rlib"))
                    .count()
            })
            .unwrap_or(0);
        let _ = std::fs::remove_dir_all(&dir);
        rows.push((name, secs, units));
    }
    println!("\n| features | clean build (s) | crates compiled |\n|---|---|---|");
    for (name, secs, units) in rows {
        println!("| {name} | {secs:.0} | {units} |");
    }
    ExitCode::SUCCESS
}

/// Builds the standalone emulator and the conformance runner (`tools/mstr-rest-conformance`),
/// then runs the runner, passing the remaining arguments on. It finds the emulator next to
/// itself and keeps its Python venv under `target/conformance/`.
fn conformance(extra: &[String]) -> ExitCode {
    let build = [
        "build",
        "-p",
        "mstr-rest-emulator",
        "-p",
        "mstr-rest-conformance",
        "--bins",
    ];
    if !run_cargo(&build, &[]) {
        return ExitCode::FAILURE;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target"));
    let runner = target.join("debug").join("mstr-conformance");
    println!("$ {} {}", runner.display(), extra.join(" "));
    match Command::new(&runner)
        .args(extra)
        .current_dir(project_root())
        .status()
    {
        Ok(status) => exit(status.success()),
        Err(e) => {
            eprintln!("xtask: cannot run {}: {e}", runner.display());
            ExitCode::FAILURE
        }
    }
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
