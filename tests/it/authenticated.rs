//! `AuthenticatedSession`: lazy, ordered, minimal resolution of the sources at `connect()`,
//! and logout on `close()`, after `run()` (success, error, panic) and on `Drop`.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use mstr_rest::{ApiErrorKind, AuthenticatedSession, Error, SecretSource, env, from_fn};
use serde_json::json;
use wiremock::matchers::{any, body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    TOKEN, api, api_err, api_error, base_url, config_err, credential_err, login_ok, mount_login,
    received, received_at, wait_for,
};

type Log = Arc<Mutex<Vec<&'static str>>>;

/// A source answering `value` and writing `field` into `log` each time it is resolved.
fn recorded(log: &Log, field: &'static str, value: String) -> impl SecretSource + 'static {
    let log = log.clone();
    from_fn(move || {
        log.lock().unwrap().push(field);
        value.clone()
    })
}

fn resolved(log: &Log) -> Vec<&'static str> {
    log.lock().unwrap().clone()
}

async fn expect_logout(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path(api("auth/logout")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(204))
        .expect(times)
        .named(format!("logout x{times}"))
        .mount(server)
        .await;
}

async fn expect_login_body(server: &MockServer, body: &str) {
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .and(body_string(body))
        .respond_with(login_ok())
        .expect(1)
        .named("login with the exact body")
        .mount(server)
        .await;
}

fn dave(server: &MockServer) -> mstr_rest::AuthenticatedSessionBuilder {
    AuthenticatedSession::builder()
        .base_url(base_url(server))
        .username("dave")
        .password("hellodave")
}

#[tokio::test]
async fn sources_are_not_resolved_before_connect() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counting = |value: String| {
        let calls = calls.clone();
        from_fn(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            value.clone()
        })
    };
    let builder = AuthenticatedSession::builder()
        .base_url(counting(base_url(&server)))
        .username(counting("dave".to_owned()))
        .password(counting("hellodave".to_owned()))
        .logout_on_close(false);

    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "nothing resolved when built"
    );
    let debug = format!("{builder:?}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "nor when formatted: {debug}"
    );
    let session = builder.connect().await.unwrap();

    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "each resolved once at connect"
    );
    session.close().await.unwrap();
}

#[tokio::test]
async fn username_and_password_resolve_once_each_after_the_base_url() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"dave","password":"hellodave","loginMode":1,"applicationType":8}"#,
    )
    .await;
    expect_logout(&server, 1).await;
    let log = Log::default();

    let session = AuthenticatedSession::builder()
        .base_url(recorded(&log, "base_url", base_url(&server)))
        .username(recorded(&log, "username", "dave".to_owned()))
        .password(recorded(&log, "password", "hellodave".to_owned()))
        .connect()
        .await
        .unwrap();
    session.close().await.unwrap();

    assert_eq!(resolved(&log), ["base_url", "username", "password"]);
}

#[tokio::test]
async fn identity_token_wins_and_the_other_credentials_are_never_resolved() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/delegate")))
        .and(body_string(r#"{"loginMode":-1,"identityToken":"idt-1"}"#))
        .respond_with(login_ok())
        .expect(1)
        .named("delegate")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok())
        .expect(0)
        .named("auth/login")
        .mount(&server)
        .await;
    expect_logout(&server, 1).await;
    let log = Log::default();

    let session = AuthenticatedSession::builder()
        .password(recorded(&log, "password", "hellodave".to_owned()))
        .username(recorded(&log, "username", "dave".to_owned()))
        .api_key(recorded(&log, "api_key", "supersecretapikey".to_owned()))
        .identity_token(recorded(&log, "identity_token", "idt-1".to_owned()))
        .base_url(recorded(&log, "base_url", base_url(&server)))
        .connect()
        .await
        .unwrap();

    assert_eq!(resolved(&log), ["base_url", "identity_token"]);
    session.close().await.unwrap();
}

#[tokio::test]
async fn api_key_wins_over_username_and_password() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"supersecretapikey","loginMode":4096,"applicationType":8}"#,
    )
    .await;
    expect_logout(&server, 1).await;
    let log = Log::default();

    let session = AuthenticatedSession::builder()
        .base_url(recorded(&log, "base_url", base_url(&server)))
        .username(recorded(&log, "username", "dave".to_owned()))
        .password(recorded(&log, "password", "hellodave".to_owned()))
        .api_key(recorded(&log, "api_key", "supersecretapikey".to_owned()))
        .connect()
        .await
        .unwrap();
    session.close().await.unwrap();

    assert_eq!(resolved(&log), ["base_url", "api_key"]);
}

#[tokio::test]
async fn no_credentials_log_in_anonymously() {
    let server = MockServer::start().await;
    expect_login_body(&server, r#"{"loginMode":8,"applicationType":8}"#).await;
    expect_logout(&server, 1).await;

    let session = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .connect()
        .await
        .unwrap();
    session.close().await.unwrap();
}

#[tokio::test]
async fn ldap_flag_logs_in_with_mode_16() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"ldapdave","password":"ldappass","loginMode":16,"applicationType":8}"#,
    )
    .await;
    expect_logout(&server, 1).await;

    let session = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .username("ldapdave")
        .password("ldappass")
        .ldap(true)
        .connect()
        .await
        .unwrap();
    session.close().await.unwrap();
}

#[tokio::test]
async fn session_settings_reach_the_login_body() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"dave","password":"hellodave","loginMode":1,"applicationType":35}"#,
    )
    .await;
    expect_logout(&server, 1).await;

    let session = dave(&server)
        .session(|b| b.application_type(35))
        .connect()
        .await
        .unwrap();
    session.close().await.unwrap();
}

#[tokio::test]
async fn username_without_password_is_a_config_error_and_nothing_is_resolved() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("any request")
        .mount(&server)
        .await;
    let log = Log::default();

    let only_user = AuthenticatedSession::builder()
        .base_url(recorded(&log, "base_url", base_url(&server)))
        .username(recorded(&log, "username", "dave".to_owned()))
        .connect()
        .await;
    let only_password = AuthenticatedSession::builder()
        .base_url(recorded(&log, "base_url", base_url(&server)))
        .password(recorded(&log, "password", "hellodave".to_owned()))
        .connect()
        .await;

    assert!(config_err(only_user).message().contains("password"));
    assert!(config_err(only_password).message().contains("username"));
    assert!(resolved(&log).is_empty(), "resolved: {:?}", resolved(&log));
}

#[tokio::test]
async fn missing_base_url_is_a_config_error() {
    let result = AuthenticatedSession::builder()
        .username("dave")
        .password("hellodave")
        .connect()
        .await;

    assert!(config_err(result).message().contains("base URL"));
}

#[tokio::test]
async fn missing_env_password_is_a_credential_error_naming_field_and_source() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("any request")
        .mount(&server)
        .await;

    let result = dave(&server)
        .password(env("MSTR_IT_PASSWORD").with_lookup(|_| None))
        .connect()
        .await;

    let err = credential_err(result);
    assert_eq!(err.field(), Some("password"));
    assert_eq!(err.source_name(), "env:MSTR_IT_PASSWORD");
    let shown = Error::Credential(err).to_string();
    assert!(shown.contains("env:MSTR_IT_PASSWORD"), "{shown}");
    assert!(shown.contains("password"), "{shown}");
}

#[tokio::test]
async fn failing_closure_is_a_credential_error_with_its_source_and_stops_resolution() {
    let server = MockServer::start().await;
    let log = Log::default();

    let result = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .username(mstr_rest::try_from_fn(|| {
            Err::<String, _>(std::io::Error::other("directory offline"))
        }))
        .password(recorded(&log, "password", "hellodave".to_owned()))
        .connect()
        .await;

    let err = credential_err(result);
    assert_eq!(err.field(), Some("username"));
    assert_eq!(
        std::error::Error::source(&err).map(ToString::to_string),
        Some("directory offline".to_owned())
    );
    assert!(resolved(&log).is_empty(), "later sources are not resolved");
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn close_logs_out() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    expect_logout(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("GET projects through Deref")
        .mount(&server)
        .await;

    let session = dave(&server).connect().await.unwrap();
    session.get("projects").send().await.unwrap();
    let handle = session.session();
    session.close().await.unwrap();

    assert!(!handle.has_session());
    assert_eq!(
        received_at(&server, "POST", "auth/logout").await.len(),
        1,
        "logged out before close() returned"
    );
}

#[tokio::test]
async fn delegated_session_is_logged_out_on_close_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/delegate")))
        .respond_with(login_ok())
        .expect(1)
        .named("delegate")
        .mount(&server)
        .await;
    expect_logout(&server, 1).await;

    let session = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .identity_token("idt-1")
        .connect()
        .await
        .unwrap();
    session.close().await.unwrap();
}

#[tokio::test]
async fn run_returns_the_closure_result_and_logs_out() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    expect_logout(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "B19DEDCC11D4E0EFC000EB9495D0F44F", "name": "MicroStrategy Tutorial"}
        ])))
        .expect(1)
        .named("GET projects")
        .mount(&server)
        .await;

    let names = dave(&server)
        .run(|s| async move {
            Ok(s.projects()
                .await?
                .into_iter()
                .map(|p| p.name)
                .collect::<Vec<_>>())
        })
        .await
        .unwrap();

    assert_eq!(names, ["MicroStrategy Tutorial"]);
    assert_eq!(
        received_at(&server, "POST", "auth/logout").await.len(),
        1,
        "logged out before run() returned"
    );
}

#[tokio::test]
async fn run_logs_out_when_the_closure_fails_and_returns_its_error() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    expect_logout(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(api("reports/missing")))
        .respond_with(api_error(404, "ERR004", "Report not found"))
        .expect(1)
        .named("GET a missing report")
        .mount(&server)
        .await;

    let result = dave(&server)
        .run(|s| async move { s.get("reports/missing").send().await.map(|_| ()) })
        .await;

    assert_eq!(api_err(result).kind(), ApiErrorKind::ResourceNotFound);
    assert_eq!(
        received_at(&server, "POST", "auth/logout").await.len(),
        1,
        "logged out before run() returned"
    );
}

fn explode() -> mstr_rest::Result<()> {
    panic!("deliberate panic inside run()")
}

#[tokio::test]
async fn run_logs_out_when_the_closure_panics_and_the_panic_propagates() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    expect_logout(&server, 1).await;

    let outcome = AssertUnwindSafe(dave(&server).run(|_s| async move { explode() }))
        .catch_unwind()
        .await;

    let payload = outcome.expect_err("the panic propagates out of run()");
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(message.contains("deliberate panic"), "payload: {message:?}");
    assert_eq!(received_at(&server, "POST", "auth/logout").await.len(), 1);
}

#[tokio::test]
async fn dropping_without_close_logs_out_in_the_background() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    expect_logout(&server, 1).await;

    let session = dave(&server).connect().await.unwrap();
    drop(session);

    assert_eq!(wait_for(&server, "POST", "auth/logout", 1).await, 1);
}

#[tokio::test]
async fn logout_on_close_false_sends_no_logout() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    expect_logout(&server, 0).await;

    let closed = dave(&server)
        .logout_on_close(false)
        .connect()
        .await
        .unwrap();
    let handle = closed.session();
    closed.close().await.unwrap();
    let ran = dave(&server)
        .logout_on_close(false)
        .run(|s| async move { Ok(s.has_session()) })
        .await
        .unwrap();

    assert!(handle.has_session(), "the session stays open");
    assert!(ran);
}

#[tokio::test]
async fn rejected_login_leaves_nothing_to_log_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(api_error(401, "ERR003", "Login failure"))
        .expect(2)
        .named("login refused")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/logout")))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .named("logout")
        .mount(&server)
        .await;

    let connected = dave(&server).connect().await;
    let ran = dave(&server).run(|_s| async move { Ok(()) }).await;

    assert_eq!(api_err(connected).kind(), ApiErrorKind::LoginFailure);
    assert_eq!(api_err(ran).kind(), ApiErrorKind::LoginFailure);
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(received_at(&server, "POST", "auth/logout").await.is_empty());
}
