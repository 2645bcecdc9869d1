//! `Session::login` and `delegate`: the exact bodies of every mode, and what is kept from the
//! answer (token header, `JSESSIONID` cookie).

use mstr_rest::{ApiErrorKind, Credentials, Error};
use serde_json::json;
use wiremock::matchers::{body_string, header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    COOKIE, TOKEN, api, api_err, header_of, login_ok, login_ok_with, received_at, session,
};

/// Mounts a login mock that answers only this exact body (with `Content-Type: application/json`)
/// and must be called once.
async fn expect_login_body(server: &MockServer, body: &str) {
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .and(header("content-type", "application/json"))
        .and(body_string(body))
        .respond_with(login_ok())
        .expect(1)
        .named("login with the exact body")
        .mount(server)
        .await;
}

#[tokio::test]
async fn standard_login_sends_the_exact_python_body_as_json() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"dave","password":"hellodave","loginMode":1,"applicationType":8}"#,
    )
    .await;
    let session = session(&server);

    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();

    assert!(session.has_session());
}

#[tokio::test]
async fn ldap_login_sends_login_mode_16() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"ldapdave","password":"ldappass","loginMode":16,"applicationType":8}"#,
    )
    .await;

    session(&server)
        .login(Credentials::ldap("ldapdave", "ldappass"))
        .await
        .unwrap();
}

#[tokio::test]
async fn api_key_login_sends_the_key_as_username_with_mode_4096() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"supersecretapikey","loginMode":4096,"applicationType":8}"#,
    )
    .await;

    session(&server)
        .login(Credentials::api_key("supersecretapikey"))
        .await
        .unwrap();
}

#[tokio::test]
async fn anonymous_login_sends_only_mode_and_application_type() {
    let server = MockServer::start().await;
    expect_login_body(&server, r#"{"loginMode":8,"applicationType":8}"#).await;

    session(&server)
        .login(Credentials::anonymous())
        .await
        .unwrap();
}

#[tokio::test]
async fn application_type_setting_changes_the_login_body() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"dave","password":"hellodave","loginMode":1,"applicationType":35}"#,
    )
    .await;
    let session = mstr_rest::Session::builder(crate::support::base_url(&server))
        .application_type(35)
        .build()
        .unwrap();

    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
}

#[tokio::test]
async fn empty_password_is_sent_as_an_empty_string() {
    let server = MockServer::start().await;
    expect_login_body(
        &server,
        r#"{"username":"administrator","password":"","loginMode":1,"applicationType":8}"#,
    )
    .await;

    session(&server)
        .login(Credentials::standard("administrator", ""))
        .await
        .unwrap();
}

#[tokio::test]
async fn token_from_the_login_header_is_sent_on_the_next_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with("token-from-header", COOKIE))
        .expect(1)
        .named("login")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", "token-from-header"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "s1"})))
        .expect(1)
        .named("GET sessions with the login's token")
        .mount(&server)
        .await;
    let session = session(&server);

    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let info = session.session_info().await.unwrap();

    assert_eq!(info["id"], "s1");
}

#[tokio::test]
async fn jsessionid_cookie_from_the_login_is_sent_back_on_the_next_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with(TOKEN, "cookie-from-login"))
        .expect(1)
        .named("login")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .and(header("cookie", "JSESSIONID=cookie-from-login"))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("GET projects with the login's cookie")
        .mount(&server)
        .await;
    let session = session(&server);

    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let projects = session.projects().await.unwrap();

    assert!(projects.is_empty());
}

#[tokio::test]
async fn login_sends_no_old_token_or_cookie_and_adopts_the_new_ones() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .and(header_exists("X-MSTR-AuthToken"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .expect(0)
        .named("a login carrying a token")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .and(header_exists("cookie"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .expect(0)
        .named("a login carrying a cookie")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with("first-token", "first-cookie"))
        .up_to_n_times(1)
        .expect(1)
        .named("first login")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with("second-token", "second-cookie"))
        .expect(1)
        .named("second login")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", "second-token"))
        .and(header("cookie", "JSESSIONID=second-cookie"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET sessions with the second login's token and cookie")
        .mount(&server)
        .await;
    let session = session(&server);

    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session.session_info().await.unwrap();

    let logins = received_at(&server, "POST", "auth/login").await;
    assert_eq!(logins.len(), 2);
    for login in &logins {
        assert_eq!(header_of(login, "x-mstr-authtoken"), None);
        assert_eq!(header_of(login, "cookie"), None);
    }
}

#[tokio::test]
async fn delegate_posts_the_identity_token_to_auth_delegate() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/delegate")))
        .and(header("content-type", "application/json"))
        .and(body_string(r#"{"loginMode":-1,"identityToken":"T"}"#))
        .respond_with(login_ok_with("delegated-token", COOKIE))
        .expect(1)
        .named("delegate with the exact body")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok())
        .expect(0)
        .named("auth/login")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", "delegated-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET sessions with the delegated token")
        .mount(&server)
        .await;
    let session = session(&server);

    session.delegate("T").await.unwrap();
    session.session_info().await.unwrap();

    assert!(session.has_session());
}

#[tokio::test]
async fn identity_token_credentials_log_in_by_delegation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/delegate")))
        .and(body_string(r#"{"loginMode":-1,"identityToken":"T"}"#))
        .respond_with(login_ok())
        .expect(1)
        .named("delegate with the exact body")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok())
        .expect(0)
        .named("auth/login")
        .mount(&server)
        .await;
    let session = session(&server);

    session
        .login(Credentials::identity_token("T"))
        .await
        .unwrap();

    assert!(session.has_session());
}

#[tokio::test]
async fn login_answered_2xx_without_a_token_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("login answered without a token")
        .mount(&server)
        .await;
    let session = session(&server);

    let result = session
        .login(Credentials::standard("dave", "hellodave"))
        .await;

    assert!(
        matches!(result, Err(Error::Decode(_))),
        "expected Error::Decode, got {result:?}"
    );
    assert!(!session.has_session());
}

#[tokio::test]
async fn refused_login_is_a_login_failure_and_leaves_no_session() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "ERR003",
            "message": "Login failure",
            "iServerCode": -2147216959,
            "ticketId": "1f2e3d4c5b6a79881726354453627181",
        })))
        .expect(1)
        .named("login refused")
        .mount(&server)
        .await;
    let session = session(&server);

    let err = api_err(
        session
            .login(Credentials::standard("dave", "wrong password"))
            .await,
    );

    assert_eq!(err.kind(), ApiErrorKind::LoginFailure);
    assert_eq!(err.status, 401);
    assert!(!session.has_session());
}
