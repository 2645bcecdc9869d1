//! `cargo xtask bench` (or `cargo bench -p mstr-rest --bench client`): overhead, throughput
//! and connect cost, each against a baseline measured in the same run. Not a timed test:
//! it prints figures, it does not assert them.
//!
//! Every figure is repeated; min / median / max over the repeats show the machine's noise.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mstr_rest::{AuthenticatedSession, Credentials, JsonSecret, Session, cached, from_async_fn};
use mstr_rest_emulator::Emulator;

#[path = "support/status.rs"]
mod status;
use status::status_kib;

const REPEATS: usize = 5;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let emulator = Emulator::builder().record_requests(false).start().await;
        println!("mstr-rest benchmarks (release build, 2 cores shared by client and emulator)\n");
        // `cargo bench --bench client -- connect idle`: only the sections named.
        let only: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with("--"))
            .collect();
        let run = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
        if run("overhead") {
            overhead(&emulator).await;
        }
        if run("throughput") {
            throughput(&emulator).await;
        }
        if run("connect") {
            connect_cost(&emulator).await;
        }
        if run("idle") {
            idle_sessions(&emulator).await;
        }
    });
}

fn spread(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

fn percentile(mut xs: Vec<Duration>, p: f64) -> Duration {
    xs.sort();
    xs[((xs.len() - 1) as f64 * p) as usize]
}

/// p50 of one `GET sessions` through `Session` vs a bare `reqwest::Client` sending the same
/// request (token and cookie set by hand), interleaved so drift hits both alike.
async fn overhead(emulator: &Emulator) {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let token = session.auth_token().unwrap();
    let cookie = session.cookies();
    let cookie_header = cookie
        .iter()
        .map(|(n, v)| format!("{n}={}", mstr_rest::ExposeSecret::expose_secret(v)))
        .collect::<Vec<_>>()
        .join("; ");
    // the baseline is configured as Session's transport is: same timeouts, user agent,
    // redirect policy; it differs only by what mstr-rest adds per request
    let bare = reqwest::Client::builder()
        .timeout(mstr_rest::DEFAULT_TIMEOUT)
        .connect_timeout(mstr_rest::DEFAULT_CONNECT_TIMEOUT)
        .user_agent(concat!("mstr-rest/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{}sessions", emulator.base_url());
    let token = mstr_rest::ExposeSecret::expose_secret(&token).to_owned();

    let per_block = 500;
    let mut ratios = Vec::new();
    let (mut ours_all, mut bare_all) = (Vec::new(), Vec::new());
    for _ in 0..REPEATS {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for i in 0..per_block * 2 {
            let t = Instant::now();
            if i % 2 == 0 {
                session
                    .get("sessions")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                ours.push(t.elapsed());
            } else {
                let resp = bare
                    .get(&url)
                    .header("X-MSTR-AuthToken", &token)
                    .header("Cookie", &cookie_header)
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                resp.bytes().await.unwrap();
                theirs.push(t.elapsed());
            }
        }
        let (o, b) = (
            percentile(ours.clone(), 0.5),
            percentile(theirs.clone(), 0.5),
        );
        ratios.push(o.as_secs_f64() / b.as_secs_f64());
        ours_all.extend(ours);
        bare_all.extend(theirs);
    }
    let (lo, med, hi) = spread(ratios);
    println!("## per-request overhead: Session::get(..).send() vs bare reqwest, GET sessions");
    println!(
        "p50 Session {:.1} µs, bare reqwest {:.1} µs (all repeats)",
        percentile(ours_all.clone(), 0.5).as_secs_f64() * 1e6,
        percentile(bare_all.clone(), 0.5).as_secs_f64() * 1e6
    );
    println!(
        "p99 Session {:.1} µs, bare reqwest {:.1} µs",
        percentile(ours_all, 0.99).as_secs_f64() * 1e6,
        percentile(bare_all, 0.99).as_secs_f64() * 1e6
    );
    println!(
        "ratio of p50s over {REPEATS} repeats of {per_block}: min {lo:.3}×  median {med:.3}×  max {hi:.3}×  (target ≤ 1.10×)\n"
    );
    session.logout().await.unwrap();
}

async fn rust_rps(session: &Session, concurrency: usize, total: usize) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (s, next) = (session.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                s.get("sessions")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn python_venv() -> Option<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-venv");
    let python = root.join("bin/python");
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&root)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(&python)
                .args(["-m", "pip", "install", "-q", "mstr-rest-requests==2.3.1"])
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
    }
    Some(python.to_string_lossy().into_owned())
}

async fn throughput(emulator: &Emulator) {
    println!(
        "## throughput: GET sessions through one cloned Session vs Python mstr-rest-requests 2.3.1 (threads)"
    );
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let python = python_venv();
    if python.is_none() {
        println!("(python venv unavailable: Python figures skipped)");
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python_throughput.py");
    for concurrency in [1usize, 16, 64] {
        let total = 2000;
        rust_rps(&session, concurrency, 200).await; // warm-up
        let mut rust = Vec::new();
        for _ in 0..REPEATS {
            rust.push(rust_rps(&session, concurrency, total).await);
        }
        let (rlo, rmed, rhi) = spread(rust);
        let mut line =
            format!("c={concurrency:>2}: Rust {rmed:>8.0} req/s (min {rlo:.0}, max {rhi:.0})");
        if let Some(python) = &python {
            let mut py = Vec::new();
            for _ in 0..3 {
                let out = Command::new(python)
                    .arg(script)
                    .arg(emulator.base_url())
                    .arg(concurrency.to_string())
                    .arg(total.to_string())
                    .output()
                    .expect("python runs");
                let text = String::from_utf8_lossy(&out.stdout);
                if let Ok(rps) = text.trim().parse::<f64>() {
                    py.push(rps);
                } else {
                    println!("python failed: {}", String::from_utf8_lossy(&out.stderr));
                }
            }
            if !py.is_empty() {
                let (plo, pmed, phi) = spread(py);
                line.push_str(&format!(
                    " | Python {pmed:>7.0} req/s (min {plo:.0}, max {phi:.0}) | ratio {:.1}×",
                    rmed / pmed
                ));
            }
        }
        println!("{line}");
    }
    println!();
    session.logout().await.unwrap();
}

/// `AuthenticatedSession::connect` whose three fields come from one JSON secret fetched
/// over loopback HTTP (a stand-in for a cloud secret store), cached vs fetched each time —
/// once with an instant store, once with a store answering in 20 ms (a typical cloud
/// round trip).
async fn connect_cost(emulator: &Emulator) {
    println!("## connect + close with base URL, username, password from one JSON secret");
    for store_latency in [Duration::ZERO, Duration::from_millis(20)] {
        connect_cost_with(emulator, store_latency).await;
    }
}

async fn connect_cost_with(emulator: &Emulator, store_latency: Duration) {
    let store = wiremock::MockServer::start().await;
    let secret = serde_json::json!({"base_url": emulator.base_url(), "username": "dave", "password": "hellodave"});
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(secret)
                .set_delay(store_latency),
        )
        .mount(&store)
        .await;
    let http = reqwest::Client::new();
    let fetch = move || {
        let (http, url) = (http.clone(), store.uri());
        async move { Ok(http.get(url).send().await?.text().await?) }
    };
    let fetch = Arc::new(fetch);
    let cycles = if store_latency.is_zero() { 100 } else { 25 };
    let connect_with = |json: JsonSecret, share: bool| async move {
        let s = AuthenticatedSession::builder()
            .base_url(json.field("base_url"))
            .username(json.field("username"))
            .password(json.field("password"))
            .session(|b| b.transport(|t| t.share_transport(share)))
            .connect()
            .await
            .unwrap();
        s.close().await.unwrap();
    };
    let connect = |json: JsonSecret| connect_with(json, true);
    // One session kept open, as an application that connects per job keeps one client alive.
    let _keeper = Session::builder(emulator.base_url()).build().unwrap();
    let (mut uncached, mut cached_runs, mut own_runs) = (Vec::new(), Vec::new(), Vec::new());
    let shared = JsonSecret::new(cached({
        let f = fetch.clone();
        from_async_fn(move || f())
    }));
    for _ in 0..REPEATS {
        let t = Instant::now();
        for _ in 0..cycles {
            let f = fetch.clone();
            connect(JsonSecret::new(from_async_fn(move || f()))).await;
        }
        uncached.push(t.elapsed().as_secs_f64() * 1e6 / cycles as f64);
        let t = Instant::now();
        for _ in 0..cycles {
            connect(shared.clone()).await;
        }
        cached_runs.push(t.elapsed().as_secs_f64() * 1e6 / cycles as f64);
        let t = Instant::now();
        for _ in 0..cycles {
            connect_with(shared.clone(), false).await;
        }
        own_runs.push(t.elapsed().as_secs_f64() * 1e6 / cycles as f64);
    }
    let (ulo, umed, uhi) = spread(uncached);
    let (clo, cmed, chi) = spread(cached_runs);
    let (olo, omed, ohi) = spread(own_runs);
    println!("secret store latency {} ms:", store_latency.as_millis());
    println!(
        "  uncached (one fetch per connect): median {umed:.0} µs (min {ulo:.0}, max {uhi:.0})"
    );
    println!(
        "  cached (one fetch in all):        median {cmed:.0} µs (min {clo:.0}, max {chi:.0})"
    );
    println!(
        "  cached, own transport each time:  median {omed:.0} µs (min {olo:.0}, max {ohi:.0})  (share_transport(false): the baseline)"
    );
    println!("  cached / uncached: {:.2}×", cmed / umed);
    println!("  shared transport / own transport: {:.2}×", cmed / omed);
}

/// 1,000 sessions logged in (eight logins at a time) and left idle, all alive at once: what
/// each costs in memory, with a shared transport and with one of its own. The emulator
/// runs in this process, so its own record of each login is counted too (the "built, not
/// logged in" line has none).
async fn idle_sessions(emulator: &Emulator) {
    const N: usize = 1_000;
    println!("\n## {N} idle sessions in one process (RSS growth per session)");
    // First use of the allocator's arenas and the emulator's maps, outside the figures.
    let warm: Vec<Session> = (0..100)
        .map(|_| Session::builder(emulator.base_url()).build().unwrap())
        .collect();
    for s in &warm {
        s.login(Credentials::standard("dave", "hellodave"))
            .await
            .unwrap();
        s.logout().await.unwrap();
    }
    drop(warm);
    for (label, share, login) in [
        ("built, not logged in, shared transport", true, false),
        ("logged in, shared transport", true, true),
        ("logged in, own transport each", false, true),
    ] {
        let before = status_kib("VmRSS");
        let mut sessions = Vec::with_capacity(N);
        for _ in 0..N {
            let session = Session::builder(emulator.base_url())
                .transport(|t| t.share_transport(share))
                .build()
                .unwrap();
            sessions.push(session);
        }
        if login {
            // Eight logins at a time: the sessions live at once, their requests need not.
            use futures_util::{StreamExt, TryStreamExt};
            futures_util::stream::iter(&sessions)
                .map(|s| s.login(Credentials::standard("dave", "hellodave")))
                .buffer_unordered(8)
                .try_collect::<Vec<()>>()
                .await
                .unwrap();
        }
        let after = status_kib("VmRSS");
        let per = (after.saturating_sub(before) as f64) * 1024.0 / N as f64;
        println!("  {label:<42} {per:>8.0} bytes/session  (RSS {before} -> {after} KiB)");
        for s in &sessions {
            if login {
                s.logout().await.unwrap();
            }
        }
        drop(sessions);
    }
}
