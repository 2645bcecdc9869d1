//! The JSON error body every failure carries and the errors the routes raise.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::ids;

/// IServer code real servers attach to a failed login.
const LOGIN_FAILED_ISERVER_CODE: i64 = -2_147_216_959;
/// IServer code real tenants attach to an unknown project.
const PROJECT_NOT_FOUND_ISERVER_CODE: i64 = -2_147_209_151;

/// An error answer: status plus `{code, message, ticketId, iServerCode?}`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: Cow<'static, str>,
    iserver_code: Option<i64>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            iserver_code: None,
        }
    }

    pub(crate) fn with_iserver_code(mut self, code: Option<i64>) -> Self {
        self.iserver_code = code;
        self
    }

    pub(crate) fn session_expired() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "ERR009",
            "The user's session has expired, please reauthenticate.",
        )
    }

    pub(crate) fn login_failed() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "ERR003", "Login failed")
            .with_iserver_code(Some(LOGIN_FAILED_ISERVER_CODE))
    }

    pub(crate) fn invalid_identity_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "ERR003",
            "The identity token is invalid or has already been used",
        )
    }

    pub(crate) fn login_mode_disabled(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "ERR001", message)
    }

    pub(crate) fn invalid_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ERR006", "Invalid JSON")
    }

    pub(crate) fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ERR006", message)
    }

    pub(crate) fn project_header_missing() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ERR005",
            "X-MSTR-ProjectID header is required",
        )
    }

    pub(crate) fn project_not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ERR004",
            format!("Project '{what}' not found or not loaded"),
        )
        .with_iserver_code(Some(PROJECT_NOT_FOUND_ISERVER_CODE))
    }

    pub(crate) fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "ERR004", "HTTP 404 Not Found")
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "ERR001",
            "HTTP 405 Method Not Allowed",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = body(self.status, &self.code, &self.message, self.iserver_code);
        // Real servers spell the type with its charset.
        (
            self.status,
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json;charset=UTF-8",
            )],
            body.to_string(),
        )
            .into_response()
    }
}

/// Builds the body. On 403 the documented four-digit codes go out in the short spelling real
/// servers use (`ERR0014` → `ERR014`), so clients are forced to normalise.
pub(crate) fn body(
    status: StatusCode,
    code: &str,
    message: &str,
    iserver_code: Option<i64>,
) -> Value {
    let code = match (status, code) {
        (StatusCode::FORBIDDEN, "ERR0014") => "ERR014",
        (StatusCode::FORBIDDEN, "ERR0017") => "ERR017",
        _ => code,
    };
    let mut body = Map::new();
    body.insert("code".into(), json!(code));
    body.insert("message".into(), json!(message));
    body.insert("ticketId".into(), json!(ids::ticket_id()));
    if let Some(iserver_code) = iserver_code {
        body.insert("iServerCode".into(), json!(iserver_code));
    }
    Value::Object(body)
}
