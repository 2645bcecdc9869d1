//! Error answers through real HTTP responses: every documented code to its kind, the
//! `ApiError` fields and Display, and bodies that are not the documented JSON.

use mstr_rest::{ApiErrorKind, BODY_EXCERPT_LIMIT, Error, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{api, api_err, api_error, session};

#[tokio::test]
async fn every_documented_error_code_maps_to_its_kind() {
    let cases: &[(&str, u16, ApiErrorKind)] = &[
        ("ERR002", 500, ApiErrorKind::IServer),
        ("ERR003", 401, ApiErrorKind::LoginFailure),
        ("ERR004", 404, ApiErrorKind::ResourceNotFound),
        ("ERR005", 400, ApiErrorKind::InvalidRequest),
        ("ERR006", 400, ApiErrorKind::InvalidRequest),
        ("ERR007", 400, ApiErrorKind::InvalidRequest),
        ("ERR009", 401, ApiErrorKind::Session),
        ("ERR0013", 500, ApiErrorKind::IServer),
        ("ERR0014", 403, ApiErrorKind::InsufficientPrivileges),
        ("ERR014", 403, ApiErrorKind::InsufficientPrivileges),
        ("ERR0015", 409, ApiErrorKind::ObjectAlreadyExists),
        ("ERR0017", 403, ApiErrorKind::InsufficientPrivileges),
        ("ERR017", 403, ApiErrorKind::InsufficientPrivileges),
        ("ERR001", 405, ApiErrorKind::Other),
    ];
    let server = MockServer::start().await;
    for (code, status, _) in cases {
        Mock::given(method("GET"))
            .and(path(api(&format!("codes/{code}"))))
            .respond_with(api_error(*status, code, "Something went wrong"))
            .expect(1)
            .named(format!("GET codes/{code}"))
            .mount(&server)
            .await;
    }
    let session = session(&server);

    for (code, status, kind) in cases {
        let err = api_err(session.get(&format!("codes/{code}")).send().await);
        assert_eq!(err.kind(), *kind, "{code}");
        assert_eq!(err.status, *status, "{code}");
        assert_eq!(err.code.as_deref(), Some(*code), "the code is kept as sent");
        assert_eq!(
            err.is_session_expired(),
            *kind == ApiErrorKind::Session,
            "{code}"
        );
    }
}

#[tokio::test]
async fn error_body_without_a_code_is_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("nocode")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"message": "No code here"})))
        .expect(1)
        .named("GET nocode")
        .mount(&server)
        .await;

    let err = api_err(session(&server).get("nocode").send().await);

    assert_eq!(err.kind(), ApiErrorKind::Unknown);
    assert_eq!(err.code, None);
    assert_eq!(err.message, "No code here");
    assert_eq!(err.to_string(), "N/A: No code here.");
}

#[tokio::test]
async fn api_error_exposes_status_code_iserver_code_message_and_ticket_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(api("auth/login")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "ERR003",
            "message": "Login failure",
            "iServerCode": -2147216959,
            "ticketId": "a7c59b2e6d0f4e3c9b8a1d2e3f405162",
        })))
        .expect(1)
        .named("login refused")
        .mount(&server)
        .await;

    let result = session(&server)
        .login(mstr_rest::Credentials::standard("dave", "nope"))
        .await;
    let Err(error) = result else {
        panic!("the login must fail")
    };
    assert_eq!(error.status(), Some(401));
    let err = error.as_api().expect("an API error").clone();

    assert_eq!(err.status, 401);
    assert_eq!(err.code.as_deref(), Some("ERR003"));
    assert_eq!(err.iserver_code, Some(-2147216959));
    assert_eq!(err.message, "Login failure");
    assert_eq!(
        err.ticket_id.as_deref(),
        Some("a7c59b2e6d0f4e3c9b8a1d2e3f405162")
    );
    assert_eq!(err.code_number(), Some(3));
    assert_eq!(
        err.to_string(),
        "ERR003: Login failure. [iServerCode -2147216959]"
    );
    assert_eq!(
        error.to_string(),
        "ERR003: Login failure. [iServerCode -2147216959]",
        "Error::Api displays as its ApiError"
    );
}

#[tokio::test]
async fn display_does_not_double_a_final_period() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .respond_with(api_error(
            401,
            "ERR009",
            "The user's session has expired, please reauthenticate.",
        ))
        .expect(1)
        .named("GET sessions, expired")
        .mount(&server)
        .await;

    let err = api_err(session(&server).get("sessions").send().await);

    assert_eq!(
        err.to_string(),
        "ERR009: The user's session has expired, please reauthenticate."
    );
}

#[tokio::test]
async fn html_502_is_an_api_error_with_the_status_and_a_text_excerpt() {
    let server = MockServer::start().await;
    let page = "<html><head><title>502 Bad Gateway</title></head>\
                <body><h1>Bad Gateway</h1><p>The upstream server is unreachable</p></body></html>";
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html; charset=utf-8"))
        .expect(1)
        .named("GET projects through a broken proxy")
        .mount(&server)
        .await;

    // retries are off so exactly the one answer is judged (502 is retried by default)
    let err = api_err(
        session(&server)
            .get("projects")
            .retry(RetryPolicy::none())
            .send()
            .await,
    );

    assert_eq!(err.status, 502);
    assert_eq!(err.code, None);
    assert_eq!(err.kind(), ApiErrorKind::Unknown);
    assert!(
        err.message.contains("The upstream server is unreachable"),
        "the page's text is kept: {}",
        err.message
    );
    assert!(
        !err.message.contains('<'),
        "tags are dropped: {}",
        err.message
    );
}

#[tokio::test]
async fn empty_503_is_an_api_error_with_the_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("GET projects, empty 503")
        .mount(&server)
        .await;

    // retries are off so exactly the one answer is judged (503 is retried by default)
    let err = api_err(
        session(&server)
            .get("projects")
            .retry(RetryPolicy::none())
            .send()
            .await,
    );

    assert_eq!(err.status, 503);
    assert_eq!(err.code, None);
    assert_eq!(err.kind(), ApiErrorKind::Unknown);
    assert!(err.message.contains("503"), "{}", err.message);
}

#[tokio::test]
async fn plain_text_error_body_keeps_the_text() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(
            ResponseTemplate::new(500).set_body_raw("the metadata database is down", "text/plain"),
        )
        .expect(1)
        .named("GET projects, text/plain 500")
        .mount(&server)
        .await;

    let err = api_err(session(&server).get("projects").send().await);

    assert_eq!(err.status, 500);
    assert!(
        err.message.contains("the metadata database is down"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn ten_megabyte_error_body_does_not_hang_and_the_message_is_bounded() {
    let server = MockServer::start().await;
    let huge = "x".repeat(10 * 1024 * 1024);
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(500).set_body_raw(huge, "text/plain"))
        .expect(1)
        .named("GET projects, 10 MB error")
        .mount(&server)
        .await;
    let session = mstr_rest::Session::builder(crate::support::base_url(&server))
        .transport(|t| t.timeout(std::time::Duration::from_secs(20)))
        .build()
        .unwrap();

    let result = session.get("projects").send().await;

    let err = match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    };
    assert_eq!(err.status, 500);
    assert!(
        err.message.len() <= BODY_EXCERPT_LIMIT + 64,
        "message of {} bytes",
        err.message.len()
    );
    assert!(err.to_string().len() <= BODY_EXCERPT_LIMIT + 128);
}
