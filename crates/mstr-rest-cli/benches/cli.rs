//! `cargo xtask bench` (or `cargo bench -p mstr-rest-cli --bench cli`): `mstr report` of the
//! 1,000,000-row report to Parquet and to CSV, rows/s and peak RSS, against the library's
//! `.rows()` measured in the same run on the same emulator (in its own process).
//!
//! The `mstr` runs are timed end to end (process start, login, extract, file closed,
//! logout); the library run from its first request to its last row. The peak RSS of `mstr`
//! is sampled from `/proc/<pid>/status` (`VmHWM`) every millisecond while it runs. Not a
//! timed test: it prints figures, it does not assert them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use mstr_rest::prelude::*;
use mstr_rest_emulator::{Emulator, ReportSpec};

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const REPORT: &str = "10000000000000000000000000000001";
const ROWS: u64 = 1_000_000;
const PAGE_SIZE: u32 = 10_000;
const CONCURRENCY: usize = 4;
const REPEATS: usize = 3;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--serve") => serve(),
        Some("--client") => client(&args[1]),
        _ => orchestrate(),
    }
}

fn serve() {
    runtime().block_on(async {
        let emulator = Emulator::builder()
            .record_requests(false)
            .no_default_reports()
            .report(ReportSpec::new(REPORT, "Bench").rows(ROWS))
            .start()
            .await;
        println!("{}", emulator.base_url());
        std::io::stdout().flush().expect("stdout");
        tokio::task::spawn_blocking(|| std::io::stdin().lines().for_each(drop))
            .await
            .expect("stdin");
        emulator.shutdown().await;
    });
}

fn peak_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The library's `.rows()`: prints `seconds peak_kib`.
fn client(base_url: &str) {
    let seconds = runtime().block_on(async {
        let session = Session::builder(base_url).build().expect("a session");
        session
            .login(Credentials::standard("dave", "hellodave"))
            .await
            .expect("login");
        let started = Instant::now();
        let mut rows = session
            .report(REPORT)
            .project(PROJECT)
            .page_size(PAGE_SIZE)
            .concurrency(CONCURRENCY)
            .rows();
        let mut n = 0u64;
        while rows.try_next().await.expect("a row").is_some() {
            n += 1;
        }
        assert_eq!(n, ROWS, "every row");
        let seconds = started.elapsed().as_secs_f64();
        session.logout().await.expect("logout");
        seconds
    });
    println!("{seconds} {}", peak_kib(std::process::id()).unwrap_or(0));
}

struct Run {
    rows_per_sec: f64,
    peak_kib: u64,
}

fn library(me: &std::path::Path, base_url: &str) -> Option<Run> {
    let out = Command::new(me)
        .args(["--client", base_url])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    let seconds: f64 = fields.next()?.parse().ok()?;
    Some(Run {
        rows_per_sec: ROWS as f64 / seconds,
        peak_kib: fields.next()?.parse().ok()?,
    })
}

/// One `mstr report`, timed end to end, its peak RSS sampled while it runs.
fn mstr(base_url: &str, out: &std::path::Path) -> Option<Run> {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mstr"))
        .args([
            "report",
            REPORT,
            "--project",
            PROJECT,
            "--page-size",
            &PAGE_SIZE.to_string(),
            "--concurrency",
            &CONCURRENCY.to_string(),
            "--quiet",
            "-o",
        ])
        .arg(out)
        .env_clear()
        .env("MSTR_BASE_URL", base_url)
        .env("MSTR_USERNAME", "dave")
        .env("MSTR_PASSWORD", "hellodave")
        .env("HOME", std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().ok()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        println!("  mstr failed: {}", err.trim());
        return None;
    }
    Some(Run {
        rows_per_sec: ROWS as f64 / seconds,
        peak_kib: peak,
    })
}

fn median(mut runs: Vec<Run>) -> Option<(f64, f64, f64, u64)> {
    if runs.is_empty() {
        return None;
    }
    runs.sort_by(|a, b| a.rows_per_sec.total_cmp(&b.rows_per_sec));
    let peak = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    Some((
        runs[0].rows_per_sec,
        runs[runs.len() / 2].rows_per_sec,
        runs[runs.len() - 1].rows_per_sec,
        peak,
    ))
}

fn line(label: &str, figures: Option<(f64, f64, f64, u64)>) -> Option<f64> {
    let Some((min, median, max, peak)) = figures else {
        println!("{label:<34} (no figures)");
        return None;
    };
    println!(
        "{label:<34} {min:>11.0} {median:>11.0} {max:>11.0}   {:>8.1} MiB",
        peak as f64 / 1024.0
    );
    Some(median)
}

fn orchestrate() {
    let me = std::env::current_exe().expect("the bench binary");
    let mut server = Command::new(&me)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the emulator process");
    let mut url = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("the base URL");
    let base_url = url.trim().to_owned();
    let dir = std::env::temp_dir().join(format!("mstr-cli-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");

    println!(
        "mstr command-line benchmark: the 1,000,000-row default-grid report, page size {PAGE_SIZE}, concurrency {CONCURRENCY};\n\
         emulator, library client and mstr in separate processes on the same 2 cores; {REPEATS} runs each\n"
    );
    println!(
        "{:<34} {:>11} {:>11} {:>11}   {:>12}",
        "client", "min rows/s", "median", "max", "peak RSS"
    );
    let rows = line(
        "library .rows()",
        median(
            (0..REPEATS)
                .filter_map(|_| library(&me, &base_url))
                .collect(),
        ),
    );
    let mut ratios = Vec::new();
    for (label, file) in [
        ("mstr report -o out.parquet (zstd)", "out.parquet"),
        ("mstr report -o out.csv", "out.csv"),
    ] {
        let path = dir.join(file);
        let fig = median(
            (0..REPEATS)
                .filter_map(|_| mstr(&base_url, &path))
                .collect(),
        );
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if let Some(m) = line(label, fig) {
            ratios.push((label, m, bytes));
        }
    }
    println!();
    for (label, m, bytes) in ratios {
        let ratio = rows.map_or("n/a".to_owned(), |r| format!("{:.2}x", r / m));
        println!(
            "{label}: the library's .rows() is {ratio} its rows/s; file {:.1} MiB",
            bytes as f64 / (1024.0 * 1024.0)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    drop(server.stdin.take());
    let _ = server.wait();
}
