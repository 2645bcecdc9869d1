use std::error::Error as _;

use proptest::prelude::*;

use crate::*;

fn json_err(status: u16, body: &str) -> ApiError {
    ApiError::from_response(status, Some("application/json"), body.as_bytes())
}

#[test]
fn every_documented_code_maps_to_its_kind() {
    let table = [
        ("ERR002", ApiErrorKind::IServer),
        ("ERR003", ApiErrorKind::LoginFailure),
        ("ERR004", ApiErrorKind::ResourceNotFound),
        ("ERR005", ApiErrorKind::InvalidRequest),
        ("ERR006", ApiErrorKind::InvalidRequest),
        ("ERR007", ApiErrorKind::InvalidRequest),
        ("ERR009", ApiErrorKind::Session),
        ("ERR0013", ApiErrorKind::IServer),
        ("ERR013", ApiErrorKind::IServer),
        ("ERR0014", ApiErrorKind::InsufficientPrivileges),
        ("ERR014", ApiErrorKind::InsufficientPrivileges),
        ("ERR0015", ApiErrorKind::ObjectAlreadyExists),
        ("ERR015", ApiErrorKind::ObjectAlreadyExists),
        ("ERR0017", ApiErrorKind::InsufficientPrivileges),
        ("ERR017", ApiErrorKind::InsufficientPrivileges),
        ("ERR001", ApiErrorKind::Other),
        ("ERR008", ApiErrorKind::Other),
        ("ERR0016", ApiErrorKind::Other),
        ("ERR0R22", ApiErrorKind::Other),
        ("8004ccdb", ApiErrorKind::Other),
    ];
    for (code, kind) in table {
        let err = json_err(400, &format!(r#"{{"code":"{code}","message":"m"}}"#));
        assert_eq!(err.kind(), kind, "{code}");
        assert_eq!(err.code.as_deref(), Some(code));
    }
}

#[test]
fn both_spellings_give_the_same_code_number() {
    assert_eq!(
        ApiError::new(403, Some("ERR0014"), "x").code_number(),
        Some(14)
    );
    assert_eq!(
        ApiError::new(403, Some("ERR014"), "x").code_number(),
        Some(14)
    );
    assert_eq!(ApiError::new(403, Some("ERR0R22"), "x").code_number(), None);
    assert_eq!(ApiError::new(403, None, "x").code_number(), None);
}

#[test]
fn missing_code_is_unknown_kind_and_na_in_display() {
    let err = json_err(500, r#"{"message":"boom"}"#);
    assert_eq!(err.kind(), ApiErrorKind::Unknown);
    assert_eq!(err.to_string(), "N/A: boom.");
}

#[test]
fn display_adds_one_period_and_the_iserver_code() {
    let err = json_err(
        401,
        r#"{"code":"ERR003","message":"Login failure","iServerCode":-2147216959,"ticketId":"07c1"}"#,
    );
    assert_eq!(
        err.to_string(),
        "ERR003: Login failure. [iServerCode -2147216959]"
    );
    assert_eq!(err.ticket_id.as_deref(), Some("07c1"));
    assert_eq!(err.iserver_code, Some(-2147216959));
    assert_eq!(err.status, 401);

    let dotted = json_err(401, r#"{"code":"ERR009","message":"Session expired."}"#);
    assert_eq!(dotted.to_string(), "ERR009: Session expired.");
    let question = json_err(400, r#"{"code":"ERR005","message":"Are you sure?"}"#);
    assert_eq!(question.to_string(), "ERR005: Are you sure?");
}

#[test]
fn null_or_missing_message_reads_unknown_error() {
    assert_eq!(
        json_err(500, r#"{"code":"ERR001","message":null}"#).to_string(),
        "ERR001: Unknown error."
    );
    assert_eq!(
        json_err(500, r#"{"code":"ERR001"}"#).to_string(),
        "ERR001: Unknown error."
    );
}

#[test]
fn modeling_service_wrapper_uses_the_first_error() {
    let err = json_err(
        400,
        r#"{"errors":[{"code":"8004ccdb","message":"Object is locked","iServerCode":-1},{"code":"x"}]}"#,
    );
    assert_eq!(err.code.as_deref(), Some("8004ccdb"));
    assert_eq!(err.message, "Object is locked");
    assert_eq!(
        err.kind(),
        ApiErrorKind::Other,
        "a hex code is kept, and is no ERR kind"
    );
    assert_eq!(err.sub_errors.len(), 1, "the other errors are kept");
    assert_eq!(err.sub_errors[0].code.as_deref(), Some("x"));
}

#[test]
fn sub_errors_and_the_iservercode_spelling_are_kept() {
    // The spelling of the vendor's project-administration docs.
    let err = json_err(
        403,
        r#"{"code":"ERR014","IserverCode":-2147213784,"message":"You do not have Load and unload project privilege(s) to perform the task.","ticketId":"8ba0b99f09b14440b0b31a066cdb2678",
            "subErrors":[{"code":"ERR004","iServerCode":"-2147468986","message":"Message not found"},{"message":"second"}]}"#,
    );
    assert_eq!(err.iserver_code, Some(-2_147_213_784));
    assert_eq!(err.kind(), ApiErrorKind::InsufficientPrivileges);
    assert_eq!(
        err.sub_errors,
        [
            ApiSubError {
                code: Some("ERR004".into()),
                iserver_code: Some(-2_147_468_986),
                message: "Message not found".into()
            },
            ApiSubError {
                code: None,
                iserver_code: None,
                message: "second".into()
            },
        ]
    );
}

#[test]
fn html_body_keeps_status_and_visible_text() {
    let body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";
    let err = ApiError::from_response(502, Some("text/html"), body);
    assert_eq!(err.status, 502);
    assert_eq!(err.kind(), ApiErrorKind::Unknown);
    assert_eq!(
        err.message,
        "HTTP 502 Bad Gateway: 502 Bad Gateway Bad Gateway"
    );
    assert!(!err.message.contains('<'));
}

#[test]
fn empty_body_gives_the_status() {
    let err = ApiError::from_response(503, None, b"");
    assert_eq!(err.message, "HTTP 503 Service Unavailable");
    assert_eq!(err.to_string(), "N/A: HTTP 503 Service Unavailable.");
}

#[test]
fn truncated_json_is_kept_as_text_not_lost() {
    let err = ApiError::from_response(500, Some("application/json"), br#"{"code":"ERR0"#);
    assert_eq!(err.code, None);
    assert_eq!(
        err.message,
        r#"HTTP 500 Internal Server Error: {"code":"ERR0"#
    );
}

#[test]
fn huge_body_is_cut_to_the_excerpt_limit() {
    let body = "x".repeat(1 << 20);
    let err = ApiError::from_response(500, Some("text/plain"), body.as_bytes());
    assert!(
        err.message.len() < BODY_EXCERPT_LIMIT + 64,
        "{}",
        err.message.len()
    );
    assert!(err.message.ends_with('…'));
}

#[test]
fn cut_never_splits_a_character() {
    let body = "é".repeat(BODY_EXCERPT_LIMIT); // 2 bytes each: the cut lands mid-way
    let err = ApiError::from_response(500, Some("text/plain"), body.as_bytes());
    assert!(!err.message.contains('\u{FFFD}'));
}

#[test]
fn non_object_json_is_unknown() {
    let err = ApiError::from_response(500, Some("application/json"), b"[1,2]");
    assert_eq!(err.kind(), ApiErrorKind::Unknown);
    assert_eq!(err.message, "HTTP 500 Internal Server Error: [1,2]");
}

#[test]
fn error_display_never_repeats_its_source() {
    let io = std::io::Error::other("socket closed by peer xyzzy");
    let cases: Vec<Error> = vec![
        Error::Transport(TransportError::__new(
            TransportKind::Timeout,
            std::io::Error::other("xyzzy timeout"),
        )),
        Error::Transport(
            TransportError::__new(TransportKind::Connect, io)
                .__with_request("GET", "http://h/api/x"),
        ),
        Error::Credential(
            CredentialError::not_found("env:MSTR_PASSWORD", "the variable is not set")
                .for_field("password")
                .with_source(std::io::Error::other("xyzzy")),
        ),
        Error::Decode(DecodeError::new("bad json").with_source(std::io::Error::other("xyzzy"))),
        Error::config("bad base URL"),
        Error::NotLoggedIn,
        Error::Api(ApiError::new(401, Some("ERR009"), "gone")),
    ];
    for err in cases {
        let shown = err.to_string();
        assert!(!shown.contains("xyzzy"), "{shown}");
        assert!(!shown.is_empty());
        let mut source = err.source();
        while let Some(s) = source {
            assert_ne!(s.to_string(), shown, "the chain repeats the message");
            source = s.source();
        }
    }
}

#[test]
fn transport_error_answers_timeout_and_connect() {
    let t: Error = TransportError::__new(TransportKind::Timeout, std::io::Error::other("t")).into();
    assert!(t.is_timeout() && !t.is_connect());
    let c: Error = TransportError::__new(TransportKind::Connect, std::io::Error::other("c")).into();
    assert!(c.is_connect() && !c.is_timeout());
    assert!(c.source().is_some(), "the cause stays reachable");
}

#[test]
fn credential_error_names_source_and_field() {
    let err = CredentialError::not_found("env:MSTR_PASSWORD", "the variable is not set")
        .for_field("password");
    assert_eq!(
        err.to_string(),
        "could not resolve password from env:MSTR_PASSWORD: the variable is not set"
    );
    assert!(err.is_not_found());
    assert_eq!(err.field(), Some("password"));
}

#[test]
fn session_expiry_is_queryable_on_error() {
    let err: Error = ApiError::new(401, Some("ERR009"), "expired").into();
    assert!(err.is_session_expired());
    assert_eq!(err.status(), Some(401));
}

proptest! {
    #[test]
    fn from_response_never_panics(status in 400u16..600, ct in proptest::option::of("[a-z/+;= -]{0,30}"), body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let err = ApiError::from_response(status, ct.as_deref(), &body);
        prop_assert_eq!(err.status, status);
        let _ = err.to_string();
        let _ = err.kind();
    }

    #[test]
    fn from_response_reads_arbitrary_json_objects(code in "[A-Z0-9]{0,8}", message in ".{0,40}", isc in proptest::option::of(any::<i32>())) {
        let mut obj = serde_json::json!({"code": code, "message": message});
        if let Some(n) = isc { obj["iServerCode"] = n.into(); }
        let err = ApiError::from_response(400, Some("application/json"), obj.to_string().as_bytes());
        prop_assert_eq!(err.iserver_code, isc.map(i64::from));
        prop_assert_eq!(err.message, message);
    }
}
