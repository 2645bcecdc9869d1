//! The server's error body, parsed leniently into [`ApiError`].

use std::fmt;

/// How many bytes of a non-JSON error body (an HTML page from a proxy, say) are kept in
/// [`ApiError::message`]. Bodies longer than this are cut at a character boundary.
pub const BODY_EXCERPT_LIMIT: usize = 512;

/// What kind of failure the server reported, grouped as the Python library
/// `mstr-rest-requests` groups its exceptions.
///
/// New kinds may be added in minor releases (`#[non_exhaustive]`). A code that has no kind
/// of its own today maps to [`ApiErrorKind::Other`]; if you need to react to such a code,
/// match on [`ApiError::code`] rather than on `Other`, so your code keeps working once that
/// code gets a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `ERR003`: the credentials were refused.
    LoginFailure,
    /// `ERR002`, `ERR0013`: the Intelligence Server failed or is unreachable.
    IServer,
    /// `ERR004`: the resource (or the endpoint) does not exist.
    ResourceNotFound,
    /// `ERR005`, `ERR006`, `ERR007`: the request was missing information or invalid.
    InvalidRequest,
    /// `ERR009`: the session is invalid or has timed out; log in again.
    Session,
    /// `ERR0014`, `ERR0017` (also spelled `ERR014`, `ERR017`): not enough privileges or
    /// permissions.
    InsufficientPrivileges,
    /// `ERR0015`: the object already exists.
    ObjectAlreadyExists,
    /// The body carried no error code (or was not JSON at all).
    Unknown,
    /// Any other code; see [`ApiError::code`].
    Other,
}

/// An error answer from the REST server: any HTTP status of 400 or more.
///
/// Built from the status and body by [`ApiError::from_response`], which never fails: a body
/// that is not the documented JSON (a proxy's HTML page, an empty 502) still gives the
/// status and the start of the body.
///
/// `Display` follows the Python library: `"{code}: {message}."` (no doubled final
/// punctuation), with `"N/A"` for a missing code, then ` [iServerCode N]` when present.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status, e.g. 401.
    pub status: u16,
    /// The REST error code as sent (`"ERR009"`, `"ERR014"`, or a modeling-service hex code),
    /// `None` when the body had none.
    pub code: Option<String>,
    /// The Intelligence Server's own (negative) error code, when sent.
    pub iserver_code: Option<i64>,
    /// The server's message; for a non-JSON body, `"HTTP {status}"` and the start of the body.
    pub message: String,
    /// The ticket id to look the failure up in the server logs.
    pub ticket_id: Option<String>,
    /// The detailed causes some services list under `subErrors` (and the modeling
    /// service under `errors` beside the first), in the server's order; empty otherwise.
    pub sub_errors: Vec<ApiSubError>,
}

/// One entry of an error body's `subErrors`: a cause the server names beside the main error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiSubError {
    /// Its code, as the server spells it (`ERR004`, or a hex code such as `8004cb0a`).
    pub code: Option<String>,
    /// Its Intelligence Server code, when given.
    pub iserver_code: Option<i64>,
    /// Its message.
    pub message: String,
}

impl ApiError {
    /// Parses an error response. Pure and infallible: any bytes give an `ApiError`.
    ///
    /// `content_type` is the response's `Content-Type`, if any. JSON is tried whenever the
    /// body looks like JSON, whatever the declared type (servers and proxies mislabel
    /// bodies); both the plain error object and the modeling service's
    /// `{"errors":[…]}` wrapper are understood.
    pub fn from_response(status: u16, content_type: Option<&str>, body: &[u8]) -> ApiError {
        if let Some(err) = parse_json(status, body) {
            return err;
        }
        let reason = reason_phrase(status);
        let excerpt = excerpt(content_type, body);
        let message = match (reason, excerpt.is_empty()) {
            (Some(r), true) => format!("HTTP {status} {r}"),
            (None, true) => format!("HTTP {status}"),
            (Some(r), false) => format!("HTTP {status} {r}: {excerpt}"),
            (None, false) => format!("HTTP {status}: {excerpt}"),
        };
        ApiError {
            status,
            code: None,
            iserver_code: None,
            message,
            ticket_id: None,
            sub_errors: Vec::new(),
        }
    }

    /// Builds an error by hand, e.g. in tests of code that handles `ApiError`s.
    pub fn new(status: u16, code: Option<&str>, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.map(str::to_owned),
            iserver_code: None,
            message: message.into(),
            ticket_id: None,
            sub_errors: Vec::new(),
        }
    }

    /// Sets the iServerCode of an error built with [`ApiError::new`].
    pub fn with_iserver_code(mut self, code: i64) -> ApiError {
        self.iserver_code = Some(code);
        self
    }

    /// The kind of failure, from the code. Both spellings servers send (`ERR0014` and
    /// `ERR014`) give the same kind.
    pub fn kind(&self) -> ApiErrorKind {
        let Some(code) = self.code.as_deref() else {
            return ApiErrorKind::Unknown;
        };
        match code_number(code) {
            Some(3) => ApiErrorKind::LoginFailure,
            Some(2 | 13) => ApiErrorKind::IServer,
            Some(4) => ApiErrorKind::ResourceNotFound,
            Some(5..=7) => ApiErrorKind::InvalidRequest,
            Some(9) => ApiErrorKind::Session,
            Some(14 | 17) => ApiErrorKind::InsufficientPrivileges,
            Some(15) => ApiErrorKind::ObjectAlreadyExists,
            Some(_) | None => ApiErrorKind::Other,
        }
    }

    /// The numeric part of an `ERRnnn` code (`ERR0014` and `ERR014` both give 14), `None`
    /// for no code or another shape.
    pub fn code_number(&self) -> Option<u32> {
        self.code.as_deref().and_then(code_number)
    }

    /// True for `ERR009`: the session expired or is invalid, and logging in again may help.
    pub fn is_session_expired(&self) -> bool {
        self.kind() == ApiErrorKind::Session
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code.as_deref().unwrap_or("N/A");
        let message = self.message.trim_end();
        let message = if message.is_empty() {
            "Unknown error"
        } else {
            message
        };
        f.write_str(code)?;
        f.write_str(": ")?;
        f.write_str(message)?;
        if !message.ends_with(['.', '?', '!']) {
            f.write_str(".")?;
        }
        if let Some(n) = self.iserver_code {
            write!(f, " [iServerCode {n}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

fn code_number(code: &str) -> Option<u32> {
    let digits = code.strip_prefix("ERR")?;
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn parse_json(status: u16, body: &[u8]) -> Option<ApiError> {
    let trimmed = body.trim_ascii_start();
    if !trimmed.starts_with(b"{") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = value.as_object()?;
    // The modeling service wraps its errors: {"errors":[{…}, …]}; the first one is the cause,
    // the others are kept as sub-errors.
    let mut sub_errors = Vec::new();
    let obj = match obj.get("errors").and_then(|e| e.as_array()) {
        Some(errors) if !obj.contains_key("code") => {
            sub_errors.extend(errors.iter().skip(1).filter_map(sub_error));
            errors.first()?.as_object()?
        }
        _ => obj,
    };
    if let Some(subs) = obj.get("subErrors").and_then(|e| e.as_array()) {
        sub_errors.extend(subs.iter().filter_map(sub_error));
    }
    Some(ApiError {
        status,
        code: text(obj, "code").filter(|c| !c.is_empty()),
        iserver_code: iserver_code(obj),
        message: text(obj, "message").unwrap_or_else(|| "Unknown error".to_owned()),
        ticket_id: text(obj, "ticketId").filter(|t| !t.is_empty()),
        sub_errors,
    })
}

type Object = serde_json::Map<String, serde_json::Value>;

/// A field as text: strings as they are, numbers printed (some services send numeric codes).
fn text(obj: &Object, key: &str) -> Option<String> {
    match obj.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// `iServerCode`, or `IserverCode` as some endpoints spell it, as a number or numeric text.
fn iserver_code(obj: &Object) -> Option<i64> {
    match obj.get("iServerCode").or_else(|| obj.get("IserverCode")) {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn sub_error(value: &serde_json::Value) -> Option<ApiSubError> {
    let obj = value.as_object()?;
    Some(ApiSubError {
        code: text(obj, "code").filter(|c| !c.is_empty()),
        iserver_code: iserver_code(obj),
        message: text(obj, "message").unwrap_or_default(),
    })
}

fn excerpt(content_type: Option<&str>, body: &[u8]) -> String {
    let mut cut = &body[..body.len().min(BODY_EXCERPT_LIMIT)];
    // Cutting may split a multi-byte character: drop the partial tail instead of showing U+FFFD.
    if let Err(e) = std::str::from_utf8(cut)
        && e.error_len().is_none()
    {
        cut = &cut[..e.valid_up_to()];
    }
    let text = String::from_utf8_lossy(cut);
    let is_html =
        content_type.is_some_and(|ct| ct.contains("html")) || text.trim_start().starts_with('<');
    let text = if is_html {
        strip_tags(&text)
    } else {
        text.into_owned()
    };
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.len() > BODY_EXCERPT_LIMIT {
        format!("{collapsed}…")
    } else {
        collapsed
    }
}

/// Keeps the visible text of an HTML page so a proxy's error page reads as a sentence.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}
