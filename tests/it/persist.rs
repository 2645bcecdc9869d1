//! `Session::to_json` / `from_json`: the Python library's format, restored token and cookie,
//! Python dumps, and bad input.

use mstr_rest::{Credentials, Session};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{api, base_url, config_err, header_of, login_ok_with, received, session};

async fn mount_login_abc(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(login_ok_with("tok", "abc"))
        .expect(1)
        .named("login handing out tok and abc")
        .mount(server)
        .await;
}

#[tokio::test]
async fn to_json_writes_the_python_format_exactly() {
    let server = MockServer::start().await;
    mount_login_abc(&server).await;
    let session = session(&server);
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();

    let saved = session.to_json().unwrap();

    assert_eq!(
        saved,
        format!(
            r#"{{"base_url": "{}", "cookies": {{"JSESSIONID": "abc"}}, "headers": {{"x-mstr-authtoken": "tok"}}}}"#,
            base_url(&server)
        )
    );
}

#[tokio::test]
async fn to_json_before_login_has_no_cookies_and_no_token() {
    let server = MockServer::start().await;

    let saved = session(&server).to_json().unwrap();

    assert_eq!(
        saved,
        format!(
            r#"{{"base_url": "{}", "cookies": {{}}, "headers": {{}}}}"#,
            base_url(&server)
        )
    );
}

#[tokio::test]
async fn from_json_restores_token_and_cookie_for_the_next_call() {
    let server = MockServer::start().await;
    mount_login_abc(&server).await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", "tok"))
        .and(header("cookie", "JSESSIONID=abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET sessions with the restored token and cookie")
        .mount(&server)
        .await;
    let original = session(&server);
    original
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let saved = original.to_json().unwrap();

    let restored = Session::from_json(&saved).unwrap();
    restored.session_info().await.unwrap();

    assert!(restored.has_session());
    assert_eq!(
        restored.to_json().unwrap(),
        saved,
        "the round trip is text-identical"
    );
}

#[tokio::test]
async fn python_dump_restores_the_token_but_not_the_python_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("user-agent", "python-httpx/0.28.1"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .expect(0)
        .named("a request claiming to be python-httpx")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", "token-0001"))
        .and(header("cookie", "JSESSIONID=jsession-0001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(3)
        .named("GET sessions with the dumped token and cookie")
        .mount(&server)
        .await;

    for token_header in ["x-mstr-authtoken", "X-MSTR-AuthToken", "X-MSTR-AUTHTOKEN"] {
        let dump = format!(
            r#"{{"base_url": "{}", "cookies": {{"JSESSIONID": "jsession-0001"}}, "headers": {{"accept": "*/*", "accept-encoding": "gzip, deflate", "connection": "keep-alive", "user-agent": "python-httpx/0.28.1", "{token_header}": "token-0001"}}}}"#,
            base_url(&server)
        );
        let restored = Session::from_json(&dump).unwrap();
        assert!(restored.has_session(), "{token_header}");
        restored.session_info().await.unwrap();
    }

    for request in received(&server).await {
        let agent = header_of(&request, "user-agent").unwrap_or_default();
        assert!(!agent.contains("python"), "User-Agent {agent:?}");
    }
}

#[tokio::test]
async fn from_json_rejects_bad_input_with_config_errors_naming_the_problem() {
    let cases = [
        ("not json at all", "JSON"),
        (r#"["http://h/MicroStrategyLibrary/api/"]"#, "object"),
        (r#"{"cookies": {}, "headers": {}}"#, "base_url"),
        (
            r#"{"base_url": 42, "cookies": {}, "headers": {}}"#,
            "base_url",
        ),
        (
            r#"{"base_url": "http://h/MicroStrategyLibrary/api/", "cookies": ["JSESSIONID"], "headers": {}}"#,
            "cookies",
        ),
        (
            r#"{"base_url": "http://h/MicroStrategyLibrary/api/", "cookies": {}, "headers": "x-mstr-authtoken"}"#,
            "headers",
        ),
        (
            r#"{"base_url": "not a url", "cookies": {}, "headers": {}}"#,
            "not a url",
        ),
    ];

    for (input, named) in cases {
        let err = config_err(Session::from_json(input));
        assert!(
            err.message().contains(named),
            "the error for {input:?} names {named:?}: {err}"
        );
    }
}
