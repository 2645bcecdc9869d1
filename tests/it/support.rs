//! Helpers shared by the test modules: canned wiremock answers, a session bound to a mock
//! server, and matchers for results.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use mstr_rest::{ApiError, ConfigError, CredentialError, DecodeError, Error, Result, Session};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The token the default [`login_ok`] answer hands out.
pub(crate) const TOKEN: &str = "tok-0001";
/// The `JSESSIONID` value the default [`login_ok`] answer sets.
pub(crate) const COOKIE: &str = "jsession-0001";
/// The id of the Tutorial project.
pub(crate) const TUTORIAL_ID: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";

/// The mock path of an API-relative path: `api("projects")` is
/// `/MicroStrategyLibrary/api/projects`.
pub(crate) fn api(relative: &str) -> String {
    format!("/MicroStrategyLibrary/api/{relative}")
}

/// The base URL of the API on `server`, with its trailing slash.
pub(crate) fn base_url(server: &MockServer) -> String {
    format!("{}/MicroStrategyLibrary/api/", server.uri())
}

/// A session (not logged in) bound to `server`.
pub(crate) fn session(server: &MockServer) -> Session {
    Session::builder(base_url(server))
        .build()
        .expect("a mock server's URL is a valid base URL")
}

/// A successful login: 204 with `X-MSTR-AuthToken` and the `JSESSIONID` cookie.
pub(crate) fn login_ok() -> ResponseTemplate {
    login_ok_with(TOKEN, COOKIE)
}

/// A successful login handing out `token` and cookie `JSESSIONID={cookie}`.
pub(crate) fn login_ok_with(token: &str, cookie: &str) -> ResponseTemplate {
    ResponseTemplate::new(204)
        .insert_header("X-MSTR-AuthToken", token)
        .insert_header(
            "Set-Cookie",
            format!("JSESSIONID={cookie}; Path=/MicroStrategyLibrary; HttpOnly").as_str(),
        )
}

/// A server error answer in the documented JSON shape.
pub(crate) fn api_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code,
        "message": message,
        "ticketId": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    }))
}

/// Mounts a login answer that may be used any number of times.
pub(crate) async fn mount_login(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok())
        .named("login")
        .mount(server)
        .await;
}

/// A session on `server`, logged in with the default token and cookie through a login mock
/// that must be called exactly once.
pub(crate) async fn logged_in(server: &MockServer) -> Session {
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok())
        .expect(1)
        .named("the one login")
        .mount(server)
        .await;
    let session = session(server);
    session
        .login(mstr_rest::Credentials::standard("dave", "hellodave"))
        .await
        .expect("the mocked login succeeds");
    session
}

/// Every request `server` received so far.
pub(crate) async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on by default")
}

/// The requests `server` received with this method and API-relative path.
pub(crate) async fn received_at(server: &MockServer, verb: &str, relative: &str) -> Vec<Request> {
    let wanted = api(relative);
    received(server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == wanted)
        .collect()
}

/// One header of a recorded request, as text.
pub(crate) fn header_of(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Waits until `server` has received `n` requests with this method and path, driving the
/// runtime with `yield_now` (no sleeping); gives up after a bounded number of rounds.
pub(crate) async fn wait_for(server: &MockServer, verb: &str, relative: &str, n: usize) -> usize {
    let started = Instant::now();
    let mut seen = 0;
    for _ in 0..200_000 {
        seen = received_at(server, verb, relative).await.len();
        if seen >= n || started.elapsed() > Duration::from_secs(10) {
            break;
        }
        tokio::task::yield_now().await;
    }
    seen
}

/// A port on 127.0.0.1 nobody listens on: bound, then released.
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("a bound address").port()
}

/// The server's error, or a panic naming what came instead.
pub(crate) fn api_err<T: Debug>(result: Result<T>) -> ApiError {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// The configuration error, or a panic naming what came instead.
pub(crate) fn config_err<T: Debug>(result: Result<T>) -> ConfigError {
    match result {
        Err(Error::Config(e)) => e,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

/// The decode error, or a panic naming what came instead.
pub(crate) fn decode_err<T: Debug>(result: Result<T>) -> DecodeError {
    match result {
        Err(Error::Decode(e)) => e,
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

/// The credential error, or a panic naming what came instead.
pub(crate) fn credential_err<T: Debug>(result: Result<T>) -> CredentialError {
    match result {
        Err(Error::Credential(e)) => e,
        other => panic!("expected Error::Credential, got {other:?}"),
    }
}

/// Asserts the result is `Error::NotLoggedIn`.
pub(crate) fn assert_not_logged_in<T: Debug>(result: Result<T>, call: &str) {
    match result {
        Err(Error::NotLoggedIn) => {}
        other => panic!("{call}: expected Error::NotLoggedIn, got {other:?}"),
    }
}

/// Captures the `tracing` output of whatever runs under [`TraceCapture::dispatch`].
pub(crate) struct TraceCapture {
    buffer: Captured,
    /// The dispatcher to run the traced code under (`with_subscriber`, `with_default`).
    pub(crate) dispatch: tracing::Dispatch,
    // tracing-core caches callsite interest per callsite; with a single scoped dispatcher
    // it consults only the registering thread's default, so a callsite first hit by a
    // parallel test would stay disabled for ours. A second live dispatcher makes it keep
    // the full list, and the rebuild in `new` refreshes callsites registered before ours.
    _second: tracing::Dispatch,
}

impl TraceCapture {
    /// Captures events of `level` and above, with span open/close events when `spans`.
    pub(crate) fn new(level: tracing::Level, spans: bool) -> TraceCapture {
        let buffer = Captured::default();
        let writer = buffer.clone();
        let span_events = if spans {
            tracing_subscriber::fmt::format::FmtSpan::FULL
        } else {
            tracing_subscriber::fmt::format::FmtSpan::NONE
        };
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_span_events(span_events)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
        let dispatch = tracing::Dispatch::new(subscriber);
        tracing::callsite::rebuild_interest_cache();
        TraceCapture {
            buffer,
            dispatch,
            _second: second,
        }
    }

    /// Everything captured so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.0.lock().unwrap()).into_owned()
    }
}

/// A `tracing` writer appending into a shared buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Mounts a prompted report instance: `POST …/instances` answers instance `iid` with status 2,
/// `GET …/prompts` lists `prompts`, and `PUT …/prompts/answers` accepts anything (204).
pub(crate) async fn mount_prompted(server: &MockServer, iid: &str, prompts: serde_json::Value) {
    use wiremock::matchers::path_regex;
    Mock::given(method("POST"))
        .and(path_regex("instances$"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"instanceId": iid, "status": 2})),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("prompts$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(prompts))
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .and(path_regex("answers$"))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
}

/// This process's peak resident set (`VmHWM`), in KiB; 0 where `/proc` is not there.
pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// The kind of an API error, `None` for any other error.
pub(crate) fn api_kind(e: &mstr_rest::Error) -> Option<mstr_rest::ApiErrorKind> {
    e.as_api().map(mstr_rest::ApiError::kind)
}

/// Runs the test `name` of this binary alone in a child process with `var=value`, and reads
/// the `peak_kib=N` it prints: a peak RSS measured without the other tests' memory.
pub(crate) fn child_peak_kib(name: &str, var: &str, value: &str) -> u64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(var, value)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // libtest prints the line after the test's name: `test … ... peak_kib=N`.
    text.split("peak_kib=")
        .nth(1)
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no peak in {text}"))
}
