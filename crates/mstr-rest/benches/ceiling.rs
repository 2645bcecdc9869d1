//! `cargo xtask bench` (or `cargo bench -p mstr-rest --bench ceiling`): how close the client
//! comes to what the machine allows, rather than to another client.
//!
//! The 1,000,000-row report's pages are fetched once from the emulator and then served as
//! bytes by a page server that does no work per request (no JSON, no state: a lookup by
//! offset). Against it, in the same run, each in its own process:
//!
//! * ceiling (a), the network: a bare reqwest download of every page body, no decoding;
//! * ceiling (b), the decoder: the same pages decoded from memory with no network, by one
//!   thread per core taking the next page (`Page::parse` + `rows()` / `record_batch()`);
//! * mstr-rest's `.rows()`, `.record_batches()` and `.write_csv()` (into a sink) at
//!   concurrency 1, 4 and 8, as a fraction of the lower ceiling;
//! * mstr-rest's `push` of 1,000,000 rows into a sink that takes each chunk unread: the
//!   client's own limit, which the data benchmark's push (into the emulator) is held to.
//!
//! Not a timed test: it prints figures, it does not assert them.

#[path = "support/mod.rs"]
mod support;
use support::{Run, measure, peak_rss_kib, push_client, runtime};

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use mstr_rest::prelude::*;
use mstr_rest::reports::Page;
use mstr_rest::{Credentials, Session};
use mstr_rest_emulator::{Emulator, ReportSpec};

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const REPORT: &str = "10000000000000000000000000000001";
const ROWS: u64 = 1_000_000;
const PAGE_SIZE: u64 = 10_000;
const FIELDS: &str = "-data.metricValues.extras,-data.metricValues.formatted";
const CONCURRENCY: [usize; 3] = [1, 4, 8];
const REPEATS: usize = 5;
const API: &str = "/MicroStrategyLibrary/api/";
/// Rows per pushed chunk, as in the data benchmark.
const PUSH_CHUNK: usize = 100_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(0) {
        "--emulator" => emulator(),
        "--pages" => pages(arg(1)),
        "--download" => download(arg(1), arg(2).parse().expect("a concurrency")),
        "--decode" => decode(arg(1), arg(2)),
        "--client" => client(arg(1), arg(2), arg(3).parse().expect("a concurrency")),
        "--push" => push_client(arg(1), PROJECT, ROWS, PUSH_CHUNK),
        _ => orchestrate(),
    }
}

/// Serves until stdin closes.
async fn until_stdin_closes() {
    tokio::task::spawn_blocking(|| std::io::stdin().lines().for_each(drop))
        .await
        .expect("stdin");
}

fn emulator() {
    runtime().block_on(async {
        let emulator = Emulator::builder()
            .record_requests(false)
            .no_default_reports()
            .report(ReportSpec::new(REPORT, "Bench").rows(ROWS))
            .start()
            .await;
        println!("{}", emulator.base_url());
        std::io::stdout().flush().expect("stdout");
        until_stdin_closes().await;
        emulator.shutdown().await;
    });
}

/// The pages as the emulator answers them: the instance's first page (its creation), then
/// one body per offset.
struct Pages {
    first: Bytes,
    by_offset: HashMap<u64, Bytes>,
}

async fn capture(emulator: &str) -> Pages {
    let session = Session::builder(emulator).build().expect("a session");
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .expect("login");
    let limit = PAGE_SIZE.to_string();
    let first = session
        .post(&format!("v2/reports/{REPORT}/instances"))
        .project(PROJECT)
        .query(&[("offset", "0"), ("limit", &limit), ("fields", FIELDS)])
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("the instance")
        .bytes()
        .await
        .expect("the first page");
    let head: serde_json::Value = serde_json::from_slice(&first).expect("JSON");
    let instance = head["instanceId"]
        .as_str()
        .expect("an instance id")
        .to_owned();
    let mut by_offset = HashMap::new();
    let mut offset = 0;
    while offset < ROWS {
        let body = session
            .get(&format!("v2/reports/{REPORT}/instances/{instance}"))
            .project(PROJECT)
            .query(&[
                ("offset", offset.to_string().as_str()),
                ("limit", &limit),
                ("fields", FIELDS),
            ])
            .send()
            .await
            .expect("a page")
            .bytes()
            .await
            .expect("a page body");
        by_offset.insert(offset, body);
        offset += PAGE_SIZE;
    }
    Pages { first, by_offset }
}

fn json(body: Bytes) -> axum::response::Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The page server: captures from the emulator, then answers from memory.
fn pages(emulator: &str) {
    runtime().block_on(async {
        let pages = Arc::new(capture(emulator).await);
        let login = || async {
            (
                StatusCode::NO_CONTENT,
                [
                    ("x-mstr-authtoken", "bench-token"),
                    ("set-cookie", "JSESSIONID=bench; Path=/"),
                ],
            )
        };
        let app = Router::new()
            .route(&format!("{API}auth/login"), post(login))
            .route(
                &format!("{API}auth/logout"),
                post(|| async { StatusCode::NO_CONTENT }),
            )
            .route(
                &format!("{API}v2/reports/{{id}}/instances"),
                post(|State(p): State<Arc<Pages>>| async move { json(p.first.clone()) }),
            )
            .route(
                &format!("{API}v2/reports/{{id}}/instances/{{iid}}"),
                get(
                    |State(p): State<Arc<Pages>>, Query(q): Query<HashMap<String, String>>| async move {
                        let offset = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
                        match p.by_offset.get(&offset) {
                            Some(body) => json(body.clone()),
                            None => StatusCode::NOT_FOUND.into_response(),
                        }
                    },
                ),
            )
            // The push sink: takes every chunk's bytes and looks at none of them.
            .route(
                &format!("{API}datasets/models"),
                post(|| async { axum::Json(serde_json::json!({"id": "D", "name": "Bench"})) }),
            )
            .route(
                &format!("{API}datasets/{{id}}/uploadSessions"),
                post(|| async { axum::Json(serde_json::json!({"uploadSessionId": "S"})) }),
            )
            .route(
                &format!("{API}datasets/{{id}}/uploadSessions/{{sid}}"),
                axum::routing::put(|body: Bytes| async move {
                    drop(body);
                    StatusCode::OK
                }),
            )
            .route(
                &format!("{API}datasets/{{id}}/uploadSessions/{{sid}}/publish"),
                post(|| async { StatusCode::OK }),
            )
            .route(
                &format!("{API}datasets/{{id}}/uploadSessions/{{sid}}/publishStatus"),
                get(|| async { axum::Json(serde_json::json!({"status": 1})) }),
            )
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(pages);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let addr = listener.local_addr().expect("an address");
        println!("http://{addr}{API}");
        std::io::stdout().flush().expect("stdout");
        tokio::select! {
            served = axum::serve(listener, app) => served.expect("serving"),
            () = until_stdin_closes() => {}
        }
    });
}

fn page_urls(base: &str) -> Vec<String> {
    (0..ROWS.div_ceil(PAGE_SIZE))
        .map(|i| {
            format!(
                "{base}v2/reports/{REPORT}/instances/bench?offset={}&limit={PAGE_SIZE}",
                i * PAGE_SIZE
            )
        })
        .collect()
}

/// Ceiling (a): prints `rows seconds peak_kib bytes`.
fn download(base: &str, concurrency: usize) {
    runtime().block_on(async {
        let client = reqwest::Client::new();
        let started = Instant::now();
        let bytes: usize = futures_util::stream::iter(page_urls(base))
            .map(|url| {
                let client = client.clone();
                async move {
                    let body = client.get(url).send().await?.bytes().await?;
                    Ok::<_, reqwest::Error>(body.len())
                }
            })
            .buffered(concurrency)
            .try_fold(0, |sum, n| async move { Ok(sum + n) })
            .await
            .expect("the pages");
        let seconds = started.elapsed().as_secs_f64();
        println!("{ROWS} {seconds} {} {bytes}", peak_rss_kib());
    });
}

/// Ceiling (b): the pages fetched untimed, then decoded from memory on every core; prints
/// `rows seconds peak_kib`.
fn decode(base: &str, mode: &str) {
    runtime().block_on(async {
        let client = reqwest::Client::new();
        let mut bodies = Vec::new();
        for url in page_urls(base) {
            bodies.push(
                client
                    .get(url)
                    .send()
                    .await
                    .expect("a page")
                    .bytes()
                    .await
                    .expect("a body"),
            );
        }
        let batches = mode == "batches";
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        // One long-lived thread per core taking the next page: no task or thread per page, and
        // each thread's allocator stays warm, as the client's runtime workers do.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let started = Instant::now();
        let rows: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..cores)
                .map(|_| {
                    scope.spawn(|| {
                        let mut rows = 0;
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(body) = bodies.get(i) else {
                                return rows;
                            };
                            let page = Page::parse(body.clone()).expect("a page");
                            rows += if batches {
                                page.record_batch().expect("a batch").num_rows()
                            } else {
                                page.rows().expect("rows").len()
                            };
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a decoder"))
                .sum()
        });
        let seconds = started.elapsed().as_secs_f64();
        println!("{rows} {seconds} {}", peak_rss_kib());
    });
}

/// One mstr-rest run against the page server; prints `rows seconds peak_kib`.
fn client(base: &str, mode: &str, concurrency: usize) {
    let (rows, seconds) = runtime().block_on(async {
        let session = Session::builder(base).build().expect("a session");
        session
            .login(Credentials::standard("dave", "hellodave"))
            .await
            .expect("login");
        let query = session
            .report(REPORT)
            .project(PROJECT)
            .page_size(u32::try_from(PAGE_SIZE).expect("a page size"))
            .concurrency(concurrency);
        let started = Instant::now();
        let rows = match mode {
            "rows" => {
                let mut stream = query.rows();
                let mut n = 0u64;
                while let Some(row) = stream.try_next().await.expect("a row") {
                    n += u64::from(row.attribute_at(0).is_some());
                }
                n
            }
            "batches" => query
                .record_batches()
                .try_fold(0u64, |n, b| async move { Ok(n + b.num_rows() as u64) })
                .await
                .expect("batches"),
            _ => query.write_csv(tokio::io::sink()).await.expect("CSV"),
        };
        (rows, started.elapsed().as_secs_f64())
    });
    println!("{rows} {seconds} {}", peak_rss_kib());
}

/// The median run's rows/s, the peak RSS, and bytes/s when the runs counted bytes.
fn figure(label: &str, me: &std::path::Path, args: &[&str]) -> Option<(f64, u64)> {
    let mut runs: Vec<Run> = (0..REPEATS)
        .filter_map(|_| measure(Command::new(me).args(args), ROWS))
        .collect();
    if runs.is_empty() {
        println!("{label:<34} (no figures)");
        return None;
    }
    runs.sort_by(|a, b| a.rows_per_sec.total_cmp(&b.rows_per_sec));
    let (min, median, max) = (
        runs[0].rows_per_sec,
        runs[runs.len() / 2].rows_per_sec,
        runs[runs.len() - 1].rows_per_sec,
    );
    let peak = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    let mb = runs[runs.len() / 2].bytes.map_or(String::new(), |b| {
        format!("  ({:.0} MB/s)", b as f64 / 1e6 * median / ROWS as f64)
    });
    println!(
        "{label:<34} {min:>11.0} {median:>11.0} {max:>11.0}   {:>8.1} MiB{mb}",
        peak as f64 / 1024.0
    );
    Some((median, peak))
}

fn spawn_server(me: &std::path::Path, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(me)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("a server process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("its base URL");
    (child, line.trim().to_owned())
}

fn orchestrate() {
    let me = std::env::current_exe().expect("the bench binary");
    let (mut emulator, emulator_url) = spawn_server(&me, &["--emulator"]);
    let (mut server, base) = spawn_server(&me, &["--pages", &emulator_url]);
    // captured: the emulator is no longer needed, and no longer takes a core
    drop(emulator.stdin.take());
    let _ = emulator.wait();

    println!(
        "mstr-rest ceiling benchmark: {ROWS} rows in pages of {PAGE_SIZE}, served from memory by a page server\n\
         that does no work per request; every figure in its own process on the same 2 cores; {REPEATS} runs each\n"
    );
    println!(
        "{:<34} {:>11} {:>11} {:>11}   {:>12}",
        "", "min rows/s", "median", "max", "peak RSS"
    );
    let download: Vec<Option<(f64, u64)>> = CONCURRENCY
        .iter()
        .map(|c| {
            figure(
                &format!("(a) bare download, conc. {c}"),
                &me,
                &["--download", &base, &c.to_string()],
            )
        })
        .collect();
    let decode_rows = figure(
        "(b) decode from memory: rows",
        &me,
        &["--decode", &base, "rows"],
    );
    let decode_batches = figure(
        "(b) decode from memory: batches",
        &me,
        &["--decode", &base, "batches"],
    );
    let best_download = download.iter().flatten().map(|f| f.0).fold(0.0, f64::max);
    let ceiling =
        |decoded: Option<(f64, u64)>| decoded.map_or(best_download, |d| d.0.min(best_download));
    let mut lines = Vec::new();
    for (mode, label, decoded) in [
        ("rows", ".rows()", decode_rows),
        ("batches", ".record_batches()", decode_batches),
        ("csv", ".write_csv(sink)", decode_rows),
    ] {
        let mut best: Option<(f64, usize)> = None;
        for c in CONCURRENCY {
            if let Some((rate, _)) = figure(
                &format!("mstr-rest {label}, conc. {c}"),
                &me,
                &["--client", &base, mode, &c.to_string()],
            ) && best.is_none_or(|b| rate > b.0)
            {
                best = Some((rate, c));
            }
        }
        if let Some((rate, c)) = best {
            let lower = ceiling(decoded);
            lines.push(format!(
                "{label:<19} best {rate:>9.0} rows/s (conc. {c}) = {:.2} of the lower ceiling ({lower:.0} rows/s)",
                rate / lower
            ));
        }
    }
    // The push's ceiling is the client alone: a sink that takes the chunks unread.
    if let Some((rate, _)) = figure("mstr-rest push into a sink", &me, &["--push", &base]) {
        lines.push(format!(
            "push                best {rate:>9.0} rows/s into a sink that reads no chunk (the client's own limit)"
        ));
    }
    println!();
    for line in lines {
        println!("{line}");
    }
    drop(server.stdin.take());
    let _ = server.wait();
}
