//! Secrets never show: not in `Debug` of any type that can hold one, not in errors, not in
//! trace output across login, calls and logout.

use mstr_rest::{
    AuthenticatedSession, Credentials, ExposeSecret, JsonSecret, ManualClock, SecretSource,
    Session, cached, env, from_fn,
};
use serde_json::json;
use tracing::instrument::WithSubscriber;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TraceCapture, api, api_error, base_url, login_ok_with, session};

const PASSWORD: &str = "pw-7f3a-SECRET";
const TOKEN: &str = "tok-91c2-SECRET";
const COOKIE: &str = "ck-55d0-SECRET";
const API_KEY: &str = "key-e4b8-SECRET";
const IDENTITY: &str = "idt-0a6f-SECRET";
const SECRETS: [&str; 5] = [PASSWORD, TOKEN, COOKIE, API_KEY, IDENTITY];

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows the secret {secret:?}: {text}"
        );
    }
}

/// A mock server that logs in with `TOKEN`/`COOKIE`, delegates, lists projects, makes
/// identity tokens, and logs out.
async fn secret_server() -> MockServer {
    let server = MockServer::start().await;
    for endpoint in ["auth/login", "auth/delegate"] {
        Mock::given(method("POST"))
            .and(path(api(endpoint)))
            .respond_with(login_ok_with(TOKEN, COOKIE))
            .named(endpoint)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!([{"id": "B19DEDCC11D4E0EFC000EB9495D0F44F", "name": "MicroStrategy Tutorial"}]),
        ))
        .named("GET projects")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/identityToken")))
        .respond_with(ResponseTemplate::new(201).insert_header("X-MSTR-IdentityToken", IDENTITY))
        .named("POST auth/identityToken")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("reports/missing")))
        .respond_with(api_error(404, "ERR004", "Report not found"))
        .named("GET a missing report")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/logout")))
        .respond_with(ResponseTemplate::new(204))
        .named("logout")
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn credentials_debug_never_shows_secrets() {
    let all = [
        Credentials::standard("dave", PASSWORD),
        Credentials::ldap("ldapdave", PASSWORD),
        Credentials::api_key(API_KEY),
        Credentials::anonymous(),
        Credentials::identity_token(IDENTITY),
    ];

    for credentials in &all {
        assert_clean("Credentials", &format!("{credentials:?}"));
        assert_clean("Credentials (pretty)", &format!("{credentials:#?}"));
    }
    assert!(
        format!("{:?}", all[0]).contains("dave"),
        "the user name is shown"
    );
}

#[tokio::test]
async fn logged_in_session_debug_never_shows_token_or_cookie() {
    let server = secret_server().await;
    let session = session(&server);
    session
        .login(Credentials::standard("dave", PASSWORD))
        .await
        .unwrap();

    assert_eq!(
        session.auth_token().unwrap().expose_secret(),
        TOKEN,
        "the session really holds the token"
    );
    assert_clean("Session", &format!("{session:?}"));
    assert_clean("Session (pretty)", &format!("{session:#?}"));
    assert_clean("Client", &format!("{:?}", session.client()));
    assert_clean("cookies", &format!("{:?}", session.cookies()));
    assert_clean("auth_token", &format!("{:?}", session.auth_token()));
}

#[tokio::test]
async fn authenticated_session_and_builders_debug_never_show_secrets() {
    let server = secret_server().await;
    let builder = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .username("dave")
        .password(PASSWORD)
        .api_key(String::from(API_KEY))
        .identity_token(mstr_rest::SecretString::from(IDENTITY));
    assert_clean("AuthenticatedSessionBuilder", &format!("{builder:?}"));
    let session_builder = Session::builder(base_url(&server))
        .transport(|t| t.default_header("X-Custom-Secret", TOKEN))
        .transport(|t| t.proxy(format!("http://user:{PASSWORD}@proxy.example.com:3128")));
    assert_clean("SessionBuilder", &format!("{session_builder:?}"));
    let client_builder = mstr_rest::Client::builder(base_url(&server))
        .default_header("X-MSTR-AuthToken", TOKEN)
        .proxy(format!("http://user:{PASSWORD}@proxy.example.com:3128"));
    assert_clean("ClientBuilder", &format!("{client_builder:?}"));

    let authenticated = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .username("dave")
        .password(PASSWORD)
        .connect()
        .await
        .unwrap();
    assert_clean("AuthenticatedSession", &format!("{authenticated:?}"));
    authenticated.close().await.unwrap();
}

#[tokio::test]
async fn sources_debug_never_shows_values_even_after_resolving() {
    let doc = format!(r#"{{"username": "dave", "password": "{PASSWORD}"}}"#);
    let secret = JsonSecret::new(doc);
    let field = secret.field("password");
    let variable = env("MSTR_IT_PASSWORD").with_lookup(|_| Some(PASSWORD.to_owned()));
    let closure = from_fn(|| PASSWORD);
    let cache = cached(env("MSTR_IT_PASSWORD").with_lookup(|_| Some(PASSWORD.to_owned())))
        .clock(ManualClock::new());

    assert_eq!(field.resolve().await.unwrap().expose_secret(), PASSWORD);
    assert_eq!(variable.resolve().await.unwrap().expose_secret(), PASSWORD);
    assert_eq!(closure.resolve().await.unwrap().expose_secret(), PASSWORD);
    assert_eq!(cache.resolve().await.unwrap().expose_secret(), PASSWORD);

    assert_clean("JsonSecret", &format!("{secret:?}"));
    assert_clean("JsonField", &format!("{field:?} {field}"));
    assert_clean("Env", &format!("{variable:?}"));
    assert_clean("FromFn", &format!("{closure:?}"));
    assert_clean("Cached", &format!("{cache:?}"));
    assert_clean(
        "resolved SecretString",
        &format!("{:?}", field.resolve().await.unwrap()),
    );
}

#[tokio::test]
async fn request_builder_with_a_login_body_debug_never_shows_it() {
    let server = MockServer::start().await;
    let session = session(&server);

    let request = session
        .post("auth/login")
        .json(&json!({"username": "dave", "password": PASSWORD, "loginMode": 1}))
        .header("X-MSTR-AuthToken", TOKEN)
        .header("Cookie", format!("JSESSIONID={COOKIE}").as_str());

    assert_clean("RequestBuilder", &format!("{request:?}"));
    assert_clean("RequestBuilder (pretty)", &format!("{request:#?}"));
}

#[tokio::test]
async fn errors_from_failed_credentials_never_show_secrets() {
    let server = MockServer::start().await;
    let docs = [
        format!(r#"{{"password": "{PASSWORD}"}}"#),
        format!(r#"["{PASSWORD}"]"#),
        format!(r#"{{"password": "{PASSWORD}""#),
        PASSWORD.to_owned(),
    ];

    for doc in docs {
        let result = AuthenticatedSession::builder()
            .base_url(base_url(&server))
            .username(JsonSecret::new(doc.clone()).field("username"))
            .password(JsonSecret::new(doc).field("password"))
            .connect()
            .await;
        let err = result.expect_err("the credential fails");
        assert_clean("Error (Display)", &err.to_string());
        assert_clean("Error (Debug)", &format!("{err:?}"));
    }
    let empty = AuthenticatedSession::builder()
        .base_url(base_url(&server))
        .username("dave")
        .password(env("MSTR_IT_EMPTY").with_lookup(|_| Some(String::new())))
        .connect()
        .await
        .expect_err("an empty variable fails");
    assert_clean("Error (Debug)", &format!("{empty:?}"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn failed_login_error_never_shows_the_password() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(api_error(401, "ERR003", "Login failure"))
        .expect(1)
        .named("login refused")
        .mount(&server)
        .await;

    let err = session(&server)
        .login(Credentials::standard("dave", PASSWORD))
        .await
        .unwrap_err();

    assert_clean("login Error (Display)", &err.to_string());
    assert_clean("login Error (Debug)", &format!("{err:?}"));
}

#[tokio::test]
async fn traces_of_login_calls_and_logout_never_show_secrets() {
    let server = secret_server().await;
    let captured = TraceCapture::new(tracing::Level::TRACE, true);
    let base = base_url(&server);

    async move {
        let s = AuthenticatedSession::builder()
            .base_url(base.clone())
            .username("dave")
            .password(env("MSTR_IT_PASSWORD").with_lookup(|_| Some(PASSWORD.to_owned())))
            .connect()
            .await
            .unwrap();
        s.projects().await.unwrap();
        let identity = s.create_identity_token().await.unwrap();
        s.get("reports/missing").send().await.unwrap_err();
        s.get("projects")
            .query(&[("token", TOKEN)])
            .send()
            .await
            .unwrap();
        let saved = s.to_json().unwrap();
        let delegated = Session::builder(base.clone()).build().unwrap();
        delegated.delegate(identity).await.unwrap();
        delegated
            .login(Credentials::api_key(API_KEY))
            .await
            .unwrap();
        delegated.logout().await.unwrap();
        let restored = Session::from_json(&saved).unwrap();
        restored.projects().await.unwrap();
        s.close().await.unwrap();
        AuthenticatedSession::builder()
            .base_url(base)
            .username("dave")
            .password(env("MSTR_IT_UNSET").with_lookup(|_| None))
            .connect()
            .await
            .unwrap_err();
    }
    .with_subscriber(captured.dispatch.clone())
    .await;

    let text = captured.text();
    assert!(
        text.contains("mstr_rest.request"),
        "the request spans were captured: {text}"
    );
    assert!(text.contains("auth/login"), "the login was traced: {text}");
    assert!(
        text.contains("auth/logout"),
        "the logout was traced: {text}"
    );
    assert_clean("trace output", &text);
}
