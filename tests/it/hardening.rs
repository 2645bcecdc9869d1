//! Production hardening: re-login after ERR009, retries, timeouts, keep-alive, faults, soak.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mstr_rest::{
    ApiErrorKind, AuthenticatedSession, Credentials, Error, RetryPolicy, Session, cached, from_fn,
};
use mstr_rest_emulator::{Emulator, Fault};
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TraceCapture, api, api_error, base_url, login_ok_with};

/// Quick retries so tests do not wait on real back-off.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

/// Waits until `done()` holds, yielding to other tasks; fails after `limit`.
async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < limit,
            "condition not reached in {limit:?}"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn expired_session_logs_in_again_once_and_replays_without_the_stale_cookie() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with("tok-1", "cookie-1"))
        .up_to_n_times(1)
        .named("first login")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with("tok-2", "cookie-2"))
        .expect(1)
        .named("the one re-login")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .respond_with(api_error(401, "ERR009", "The user's session has expired"))
        .up_to_n_times(1)
        .named("expired once")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(wiremock::matchers::header("X-MSTR-AuthToken", "tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "u"})))
        .expect(1)
        .named("replayed with the new token")
        .mount(&server)
        .await;

    let session = Session::builder(base_url(&server))
        .relogin_with(Credentials::standard("dave", "hellodave"))
        .build()
        .unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let info = session.session_info().await.unwrap();
    assert_eq!(info["id"], "u");

    let logins: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == api("auth/login"))
        .collect();
    assert_eq!(logins.len(), 2);
    assert!(
        !logins[1].headers.contains_key("cookie"),
        "the re-login must not carry the dead session's cookie"
    );
    assert!(!logins[1].headers.contains_key("x-mstr-authtoken"));
}

#[tokio::test]
async fn a_second_err009_after_relogin_is_returned_not_looped() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with("tok", "c"))
        .expect(2)
        .named("login + exactly one re-login")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .respond_with(api_error(401, "ERR009", "expired"))
        .expect(2)
        .named("expired twice")
        .mount(&server)
        .await;
    let session = Session::builder(base_url(&server))
        .relogin_with(Credentials::standard("dave", "hellodave"))
        .build()
        .unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let err = session.session_info().await.unwrap_err();
    assert!(err.is_session_expired(), "{err:?}");
}

#[tokio::test]
async fn without_relogin_an_expired_session_stops_claiming_a_session() {
    let emulator = Emulator::start().await;
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    emulator.expire_all_sessions();
    let err = session.session_info().await.unwrap_err();
    assert!(err.is_session_expired());
    assert!(!session.has_session(), "the server said the token is dead");
    assert_eq!(emulator.logins(), 1, "no re-login was configured");
}

#[tokio::test]
async fn a_rotated_password_is_read_again_when_the_relogin_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .and(body_string_contains("\"password\":\"pw-1\""))
        .respond_with(login_ok_with("tok-1", "c1"))
        .up_to_n_times(1)
        .named("first login with the old password")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .and(body_string_contains("\"password\":\"pw-1\""))
        .respond_with(api_error(401, "ERR003", "Login failed"))
        .expect(1)
        .named("the old password is refused after rotation")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .and(body_string_contains("\"password\":\"pw-2\""))
        .respond_with(login_ok_with("tok-2", "c2"))
        .expect(1)
        .named("the rotated password logs in")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions/userInfo")))
        .respond_with(api_error(401, "ERR009", "expired"))
        .up_to_n_times(1)
        .named("expired once")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions/userInfo")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"fullName": "Dave"})))
        .expect(1)
        .named("replayed")
        .mount(&server)
        .await;

    // the secret store: the cached source keeps pw-1 until it is told to forget
    let store = Arc::new(Mutex::new("pw-1".to_owned()));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (s, f) = (store.clone(), fetches.clone());
    let password = cached(from_fn(move || {
        f.fetch_add(1, Ordering::SeqCst);
        s.lock().unwrap().clone()
    }));
    let session = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .username("dave")
        .password(password)
        .logout_on_close(false)
        .connect()
        .await
        .unwrap();
    *store.lock().unwrap() = "pw-2".to_owned();

    let me = session.user_info().await.unwrap();
    assert_eq!(me.full_name, "Dave");
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "one fetch at connect, one after the refusal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_requests_survive_expiry_with_one_relogin() {
    let emulator = Emulator::start().await;
    let session = AuthenticatedSession::builder()
        .base_url(emulator.base_url())
        .username("dave")
        .password("hellodave")
        .connect()
        .await
        .unwrap();
    emulator.expire_all_sessions();
    emulator.clear_requests();

    let mut tasks = Vec::new();
    for _ in 0..200 {
        let s = session.session();
        tasks.push(tokio::spawn(async move { s.get("sessions").send().await }));
    }
    for t in tasks {
        t.await
            .unwrap()
            .expect("every request succeeds after the re-login");
    }
    assert_eq!(emulator.logins(), 2, "connect + exactly one re-login");
    assert_eq!(emulator.count("POST", "auth/login"), 1);
    let gets = emulator.count("GET", "sessions");
    assert!(
        (200..=400).contains(&gets),
        "each request sent at most twice (once refused, once replayed): {gets}"
    );
    session.close().await.unwrap();
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test]
async fn transient_503s_are_retried_for_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("status")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .named("two 503s")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("status")))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .named("then ok")
        .mount(&server)
        .await;
    let session = Session::builder(base_url(&server))
        .transport(|t| t.retry(fast_retries()))
        .build()
        .unwrap();
    let text = session
        .get("status")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "ok");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn post_is_not_retried_unless_marked_idempotent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("datasets")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("sent once only")
        .mount(&server)
        .await;
    let session = Session::builder(base_url(&server))
        .transport(|t| t.retry(fast_retries()))
        .build()
        .unwrap();
    let err = session
        .post("datasets")
        .json(&json!({}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    drop(server);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("searches")))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .named("one 502")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("searches")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("the marked retry")
        .mount(&server)
        .await;
    let session = Session::builder(base_url(&server))
        .transport(|t| t.retry(fast_retries()))
        .build()
        .unwrap();
    session
        .post("searches")
        .idempotent()
        .send()
        .await
        .expect("a POST marked idempotent is retried");
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("status")))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .expect(1)
        .named("come back in an hour")
        .mount(&server)
        .await;
    let session = Session::builder(base_url(&server))
        .transport(|t| t.retry(fast_retries().deadline(Duration::from_secs(5))))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = session.get("status").send().await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_retry_budget_caps_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("status")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("no budget, no retry")
        .mount(&server)
        .await;
    let session = Session::builder(base_url(&server))
        .transport(|t| t.retry(fast_retries().budget(0, 0)))
        .build()
        .unwrap();
    assert_eq!(
        session.get("status").send().await.unwrap_err().status(),
        Some(503)
    );
}

#[tokio::test]
async fn slow_responses_time_out_and_the_override_applies_per_request() {
    let emulator = Emulator::start().await;
    emulator.inject(Fault::path("projects").delay(Duration::from_millis(400)));
    let session = Session::builder(emulator.base_url())
        .transport(|t| t.timeout(Duration::from_millis(100)))
        .build()
        .unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let err = session.get("projects").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.to_string().contains("hellodave"));

    emulator.inject(Fault::path("projects").delay(Duration::from_millis(150)));
    session
        .get("projects")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("the per-request timeout wins");
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_a_transport_error() {
    let emulator = Emulator::start().await;
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    // Every attempt breaks: a break before the head is retried (GET is idempotent).
    emulator.inject(Fault::path("projects").reset_mid_body().times(3));
    // the break may surface while the head is read or while the body is
    let err = match session.get("projects").send().await {
        Ok(resp) => resp.json::<serde_json::Value>().await.unwrap_err(),
        Err(e) => e,
    };
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(!err.is_timeout());
}

#[tokio::test]
async fn a_503_burst_is_ridden_out() {
    let emulator = Emulator::start().await;
    let session = Session::builder(emulator.base_url())
        .transport(|t| t.retry(fast_retries().max_retries(4)))
        .build()
        .unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    emulator.inject(
        Fault::path("projects")
            .times(3)
            .respond_html(503, "<html>busy</html>"),
    );
    assert_eq!(session.projects().await.unwrap().len(), 3);
    assert_eq!(emulator.count("GET", "projects"), 4);
}

#[tokio::test]
async fn keepalive_extends_on_each_tick_and_stops_at_logout() {
    let emulator = Emulator::start().await;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let session = Session::builder(emulator.base_url())
        .keepalive_ticks(rx)
        .build()
        .unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    tx.send(()).await.unwrap();
    tx.send(()).await.unwrap();
    eventually(Duration::from_secs(5), || {
        emulator.count("PUT", "sessions") == 2
    })
    .await;

    session.logout().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), tx.closed())
        .await
        .expect("the keep-alive task ended with the logout");
}

#[tokio::test]
async fn keepalive_task_ends_when_the_session_is_dropped() {
    let emulator = Emulator::start().await;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let session = Session::builder(emulator.base_url())
        .keepalive_ticks(rx)
        .build()
        .unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    drop(session);
    tokio::time::timeout(Duration::from_secs(5), tx.closed())
        .await
        .expect("no task outlives its session");
}

#[tokio::test]
async fn relogin_disabled_leaves_err009_to_the_caller() {
    let emulator = Emulator::start().await;
    let session = AuthenticatedSession::builder()
        .base_url(emulator.base_url())
        .username("dave")
        .password("hellodave")
        .relogin(false)
        .connect()
        .await
        .unwrap();
    emulator.expire_all_sessions();
    let err = session.user_info().await.unwrap_err();
    assert_eq!(err.as_api().map(|e| e.kind()), Some(ApiErrorKind::Session));
    assert_eq!(emulator.logins(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_close_cycles_leave_no_open_sessions() {
    let emulator = Emulator::start().await;
    let started = Instant::now();
    let mut cycles = 0;
    while cycles < 300 && started.elapsed() < Duration::from_secs(3) {
        let s = AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("hellodave")
            .connect()
            .await
            .unwrap();
        s.get("sessions").send().await.unwrap();
        s.close().await.unwrap();
        cycles += 1;
        assert_eq!(emulator.open_sessions(), 0, "after cycle {cycles}");
    }
    assert!(cycles >= 20, "only {cycles} cycles in 3 s");
    assert_eq!(emulator.logins(), cycles);
    assert_eq!(emulator.logouts(), cycles);
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("status")))
        .respond_with(ResponseTemplate::new(200).set_body_string("via proxy"))
        .expect(1)
        .named("the proxy receives the request")
        .mount(&proxy)
        .await;
    // a host that cannot resolve: only the proxy can answer
    let session = Session::builder("http://mstr.invalid/MicroStrategyLibrary/api/")
        .transport(|t| t.proxy(proxy.uri()))
        .build()
        .unwrap();
    let text = session
        .get("status")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "via proxy");
    let seen = &proxy.received_requests().await.unwrap()[0];
    assert_eq!(seen.url.host_str(), Some("mstr.invalid"));
}

#[tokio::test]
async fn traces_of_a_relogin_hold_no_secret() {
    use tracing::instrument::WithSubscriber;

    let emulator = Emulator::start().await;
    let captured = TraceCapture::new(tracing::Level::TRACE, false);
    let (token, cookie) = async {
        let s = AuthenticatedSession::builder()
            .base_url(emulator.base_url())
            .username("dave")
            .password("hellodave")
            .connect()
            .await
            .unwrap();
        emulator.expire_all_sessions();
        s.user_info().await.unwrap();
        let token = s.auth_token().unwrap();
        let cookie = s.cookies()[0].1.clone();
        s.close().await.unwrap();
        use mstr_rest::ExposeSecret;
        (
            token.expose_secret().to_owned(),
            cookie.expose_secret().to_owned(),
        )
    }
    .with_subscriber(captured.dispatch.clone())
    .await;
    let text = captured.text();
    assert!(
        text.contains("logging in again"),
        "the re-login is traced: {text}"
    );
    for secret in ["hellodave", token.as_str(), cookie.as_str()] {
        assert!(!text.contains(secret), "a secret leaked into the traces");
    }
}

#[tokio::test]
async fn an_endless_error_body_is_read_only_up_to_the_bound() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = tcp.read(&mut buf).await;
        let head = "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n";
        if tcp.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 1024, "<p>".repeat(341) + "x");
        // writes until the client hangs up: the body never ends on its own
        while tcp.write_all(chunk.as_bytes()).await.is_ok() {}
    });
    let session = Session::builder(format!("http://{addr}/api/"))
        .transport(|t| t.retry(RetryPolicy::none()))
        .build()
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), session.get("x").send())
        .await
        .expect("the client stops reading instead of waiting for an end")
        .unwrap_err();
    let api = err.as_api().expect("still an ApiError");
    assert_eq!(api.status, 500);
    assert!(api.message.len() < 1024, "{}", api.message.len());
}
