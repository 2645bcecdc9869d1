//! `cargo xtask bench` (or `cargo bench -p mstr-rest --bench data`): rows per second and peak
//! resident memory streaming a 100,000- and a 1,000,000-row report, at concurrency 1, 4 and 8,
//! against two Python baselines measured in the same run on the same emulator: the vendor SDK
//! `mstrio-py` (`Report(conn, id).to_dataframe()`) and a bare `requests` loop that downloads
//! the same pages and only decodes their JSON — and this project's Python package,
//! `mstr_rest` (`.to_arrow()` and `.to_pandas()`, a release build installed into the same
//! venv by maturin).
//!
//! Each client runs in its own process and reports its own peak RSS (`VmHWM`, or
//! `ru_maxrss` in Python); the emulator runs in another process, so its memory is not counted.
//! The bench binary plays every Rust role itself: `--serve` (the emulator) and `--client`
//! (one streaming run). Not a timed test: it prints figures, it does not assert them.

#[path = "support/mod.rs"]
mod support;
use support::{Run, measure, peak_rss_kib, push_client, runtime};

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use futures_util::TryStreamExt;

use mstr_rest::prelude::*;
use mstr_rest::{Credentials, Session};
use mstr_rest_emulator::{Emulator, ReportSpec};

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const SIZES: [(u64, &str); 2] = [
    (100_000, "1000000000000000000000000000100K"),
    (1_000_000, "10000000000000000000000000000001"),
];
const PAGE_SIZE: u32 = 10_000;
const CONCURRENCY: [usize; 3] = [1, 4, 8];
const REPEATS: usize = 3;
const MSTRIO_VERSION: &str = "11.6.10.101";
const REQUESTS_VERSION: &str = "2.34.2";
const MATURIN_VERSION: &str = "1.16.0";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--serve") => serve(),
        Some("--client") => client(&args[1], &args[2], args[3].parse().expect("a concurrency")),
        Some("--push-client") => push_client(
            &args[1],
            PROJECT,
            args[2].parse().expect("a row count"),
            PUSH_CHUNK,
        ),
        _ => orchestrate(),
    }
}

/// The emulator process: prints its base URL, serves until stdin closes.
fn serve() {
    runtime().block_on(async {
        let mut builder = Emulator::builder()
            .record_requests(false)
            .no_default_reports();
        for (rows, id) in SIZES {
            builder = builder.report(ReportSpec::new(id, "Bench").rows(rows));
        }
        let emulator = builder.start().await;
        println!("{}", emulator.base_url());
        std::io::stdout().flush().expect("stdout");
        tokio::task::spawn_blocking(|| std::io::stdin().lines().for_each(drop))
            .await
            .expect("stdin");
        emulator.shutdown().await;
    });
}

/// One streaming run: prints `rows seconds peak_rss_kib`.
fn client(base_url: &str, report: &str, concurrency: usize) {
    let (rows, seconds) = runtime().block_on(async {
        let session = Session::builder(base_url).build().expect("a session");
        session
            .login(Credentials::standard("dave", "hellodave"))
            .await
            .expect("login");
        let started = Instant::now();
        let mut stream = session
            .report(report)
            .project(PROJECT)
            .page_size(PAGE_SIZE)
            .concurrency(concurrency)
            .rows();
        let (mut rows, mut sum) = (0u64, 0.0f64);
        while let Some(row) = stream.try_next().await.expect("a row") {
            rows += 1;
            sum += row.metrics()[0].unwrap_or(0.0) + row.attributes().len() as f64;
        }
        let seconds = started.elapsed().as_secs_f64();
        assert!(sum > 0.0);
        session.logout().await.expect("logout");
        (rows, seconds)
    });
    println!("{rows} {seconds} {}", peak_rss_kib());
}

/// Rows per upload chunk, for every push client.
const PUSH_CHUNK: usize = 100_000;
/// The push sizes: memory must not grow with the row count.
const PUSH_ROWS: [u64; 2] = [100_000, 1_000_000];

fn spread(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

/// Prints one line; returns the median rows/s and the peak RSS.
fn report(label: &str, rows: u64, runs: &[Run]) -> Option<(f64, u64)> {
    if runs.is_empty() {
        println!("{:>9}  {label:<24} (no figures)", rows);
        return None;
    }
    let (min, median, max) = spread(runs.iter().map(|r| r.rows_per_sec).collect());
    let peak = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    println!(
        "{rows:>9}  {label:<24} {min:>11.0} {median:>11.0} {max:>11.0}   {:>8.1} MiB",
        peak as f64 / 1024.0
    );
    Some((median, peak))
}

/// `rate` as a multiple of another figure's rows/s (`n/a` when there is none).
fn times(rate: f64, other: Option<(f64, u64)>) -> String {
    other.map_or("n/a".to_owned(), |(o, _)| format!("{:.1}x", rate / o))
}

/// Runs `benches/{script} {args}` under `python` `repeats` times; the median line's figure.
fn script_fig(
    python: Option<&str>,
    label: &str,
    script: &str,
    args: &[&str],
    rows: u64,
    repeats: usize,
) -> Option<(f64, u64)> {
    let python = python?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/").to_owned() + script;
    let runs: Vec<Run> = (0..repeats)
        .filter_map(|_| measure(Command::new(python).arg(&script).args(args), rows))
        .collect();
    report(label, rows, &runs)
}

fn python_venv() -> Option<String> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/data-bench-venv");
    let python = root.join("bin/python");
    let ready = root.join(format!("ready-{MSTRIO_VERSION}"));
    if !ready.exists() {
        let ok = (python.exists()
            || Command::new("python3")
                .args(["-m", "venv"])
                .arg(&root)
                .status()
                .is_ok_and(|s| s.success()))
            && Command::new(&python)
                .args(["-m", "pip", "install", "-q"])
                .arg(format!("mstrio-py=={MSTRIO_VERSION}"))
                .arg(format!("requests=={REQUESTS_VERSION}"))
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
        std::fs::write(&ready, b"").ok()?;
    }
    Some(python.to_string_lossy().into_owned())
}

/// Installs this project's Python package, built in release, into the bench venv.
fn python_package(python: &str) -> bool {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join("target/data-bench-venv");
    let ok = Command::new(python)
        .args(["-m", "pip", "install", "-q"])
        .arg(format!("maturin=={MATURIN_VERSION}"))
        .status()
        .is_ok_and(|s| s.success());
    ok && Command::new(venv.join("bin/maturin"))
        .args(["develop", "--release", "-q"])
        .current_dir(root.join("crates/mstr-rest-python"))
        .env("VIRTUAL_ENV", &venv)
        .status()
        .is_ok_and(|s| s.success())
}

fn orchestrate() {
    let me = std::env::current_exe().expect("the bench binary");
    let mut server: Child = Command::new(&me)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the emulator process");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the base URL");
    let base_url = line.trim().to_owned();
    let python = python_venv();
    let package = python.as_deref().is_some_and(python_package);

    println!(
        "mstr-rest data benchmark: default-grid report (2 attributes x 2 forms, 2 metrics), page size {PAGE_SIZE},\n\
         client and emulator in separate processes on the same 2 cores; {REPEATS} runs each\n"
    );
    println!(
        "{:>9}  {:<24} {:>11} {:>11} {:>11}   {:>12}",
        "rows", "client", "min rows/s", "median", "max", "peak RSS"
    );
    let mut summary = Vec::new();
    let mut package_summary = Vec::new();
    for (rows, id) in SIZES {
        let mut best_rust: Option<(f64, u64)> = None;
        for concurrency in CONCURRENCY {
            let runs: Vec<Run> = (0..REPEATS)
                .filter_map(|_| {
                    measure(
                        Command::new(&me).args([
                            "--client",
                            &base_url,
                            id,
                            &concurrency.to_string(),
                        ]),
                        rows,
                    )
                })
                .collect();
            if let Some(fig) = report(&format!("mstr-rest (conc. {concurrency})"), rows, &runs)
                && best_rust.is_none_or(|b| fig.0 > b.0)
            {
                best_rust = Some(fig);
            }
        }
        let page_size = PAGE_SIZE.to_string();
        let python_fig = |label: &str, script: &str, extra: &[&str], repeats: usize| {
            let mut args = vec![base_url.as_str(), id, page_size.as_str()];
            args.extend_from_slice(extra);
            script_fig(python.as_deref(), label, script, &args, rows, repeats)
        };
        let bare = python_fig("python bare loop", "data_bare_loop.py", &[], REPEATS);
        let mstrio = python_fig(
            &format!("mstrio-py {MSTRIO_VERSION}"),
            "data_mstrio.py",
            &[],
            if rows > 100_000 { 1 } else { REPEATS },
        );
        let (arrow, pandas) = if package {
            (
                python_fig(
                    "mstr_rest .to_arrow()",
                    "data_mstr_rest.py",
                    &["arrow"],
                    REPEATS,
                ),
                python_fig(
                    "mstr_rest .to_pandas()",
                    "data_mstr_rest.py",
                    &["pandas"],
                    REPEATS,
                ),
            )
        } else {
            (None, None)
        };
        summary.push((rows, best_rust, bare, mstrio));
        package_summary.push((rows, arrow, pandas, bare, mstrio));
    }
    if python.is_none() {
        println!("(python venv unavailable: Python figures skipped)");
    }
    println!();
    for (rows, rust, bare, mstrio) in summary {
        let Some((rust, peak)) = rust else { continue };
        println!(
            "{rows:>9} rows: best mstr-rest median is {} mstrio-py and {} the bare loop; peak RSS {:.1} MiB",
            times(rust, mstrio),
            times(rust, bare),
            peak as f64 / 1024.0
        );
    }
    if !package {
        println!("(the mstr_rest Python package could not be built: its figures skipped)");
    }

    println!(
        "\npush: a 3-column dataset (Id, Name, Revenue), chunks of {PUSH_CHUNK} rows, published and waited for"
    );
    let mut push_summary = Vec::new();
    for rows in PUSH_ROWS {
        let n = rows.to_string();
        let chunk = PUSH_CHUNK.to_string();
        let rust: Vec<Run> = (0..REPEATS)
            .filter_map(|_| {
                measure(
                    Command::new(&me).args(["--push-client", &base_url, &n]),
                    rows,
                )
            })
            .collect();
        let rust = report("mstr-rest push", rows, &rust);
        let push_fig = |label: &str, script: &str, repeats: usize| {
            let args = [base_url.as_str(), n.as_str(), chunk.as_str()];
            script_fig(python.as_deref(), label, script, &args, rows, repeats)
        };
        let ours = if package {
            push_fig("mstr_rest push (pandas)", "push_mstr_rest.py", REPEATS)
        } else {
            None
        };
        let bare = push_fig("python bare push loop", "push_bare_loop.py", REPEATS);
        // a push by mstrio-py takes seconds, not the minutes of its 1M-row read: as many runs
        let mstrio = push_fig(
            &format!("mstrio-py {MSTRIO_VERSION} SuperCube"),
            "push_mstrio.py",
            REPEATS,
        );
        push_summary.push((rows, rust, ours, bare, mstrio));
    }
    for (rows, rust, ours, bare, mstrio) in push_summary {
        for (label, fig) in [("mstr-rest push", rust), ("mstr_rest push (pandas)", ours)] {
            let Some((rate, peak)) = fig else { continue };
            println!(
                "{rows:>9} rows: {label} is {} mstrio-py and {} the bare loop; peak RSS {:.1} MiB",
                times(rate, mstrio),
                times(rate, bare),
                peak as f64 / 1024.0
            );
        }
    }
    for (rows, arrow, pandas, bare, mstrio) in package_summary {
        for (label, fig) in [(".to_arrow()", arrow), (".to_pandas()", pandas)] {
            let Some((rate, peak)) = fig else { continue };
            let rss = mstrio.map_or("n/a".to_owned(), |(_, m)| {
                format!("1/{:.1}", m as f64 / peak.max(1) as f64)
            });
            println!(
                "{rows:>9} rows: mstr_rest {label} is {} mstrio-py and {} the bare loop; peak RSS {:.1} MiB, {rss} of mstrio-py's",
                times(rate, mstrio),
                times(rate, bare),
                peak as f64 / 1024.0
            );
        }
    }
    drop(server.stdin.take());
    let _ = server.wait();
}
