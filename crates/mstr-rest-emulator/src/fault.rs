//! Scripted misbehaviour: [`Fault`]s are queued on a running emulator and consumed by the next
//! matching requests, before routing.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error_body;

/// A scripted answer for the next matching request(s); see [`crate::Emulator::inject`].
///
/// A fault matches on the API-relative path (and optionally the method), applies to
/// [`times`](Fault::times) matching requests (one by default), then disappears. Its effects run
/// in this order: [`delay`](Fault::delay), [`expire_session`](Fault::expire_session), then the
/// `respond_*` answer if one was set, or else the normal answer. When several queued faults match
/// a request, the one injected first applies and the others wait.
///
/// ```
/// use std::time::Duration;
/// use mstr_rest_emulator::Fault;
/// // the next two project listings fail like an overloaded IServer
/// let fault = Fault::path("projects").method("GET").times(2)
///     .respond_api(500, "ERR002", "IServer error", Some(-2147072486));
/// // every request is slowed down once
/// let slow = Fault::any().delay(Duration::from_millis(50));
/// # let _ = (fault, slow);
/// ```
#[derive(Debug, Clone)]
pub struct Fault {
    path: Option<String>,
    method: Option<String>,
    pub(crate) remaining: usize,
    pub(crate) delay: Option<Duration>,
    pub(crate) expire_session: bool,
    response: Option<Canned>,
}

#[derive(Debug, Clone)]
enum Canned {
    Api {
        status: StatusCode,
        code: String,
        message: String,
        iserver_code: Option<i64>,
    },
    Raw {
        status: StatusCode,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    Reset,
}

impl Fault {
    fn new(path: Option<String>) -> Self {
        Self {
            path,
            method: None,
            remaining: 1,
            delay: None,
            expire_session: false,
            response: None,
        }
    }

    /// Matches requests whose path relative to `/MicroStrategyLibrary/api/` is exactly `path`
    /// (no leading slash, no query): `"projects"`, `"auth/login"`.
    pub fn path(path: &str) -> Fault {
        Self::new(Some(path.to_owned()))
    }

    /// Matches every request.
    pub fn any() -> Fault {
        Self::new(None)
    }

    /// Restricts the fault to one HTTP method (compared case-insensitively).
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Applies the fault to `n` matching requests instead of one; `times(0)` makes it inert.
    pub fn times(mut self, n: usize) -> Fault {
        self.remaining = n;
        self
    }

    /// Answers with `status` and a JSON error body
    /// `{"code", "message", "ticketId", "iServerCode"?}`. With status 403 the codes `ERR0014` and
    /// `ERR0017` are sent as `ERR014` and `ERR017`, as real servers spell them.
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status (100..=999).
    pub fn respond_api(
        mut self,
        status: u16,
        code: &str,
        message: &str,
        iserver_code: Option<i64>,
    ) -> Fault {
        self.response = Some(Canned::Api {
            status: status_code(status),
            code: code.to_owned(),
            message: message.to_owned(),
            iserver_code,
        });
        self
    }

    /// Answers with `status` and an HTML body, the way a proxy or load balancer in front of the
    /// server would.
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status (100..=999).
    pub fn respond_html(self, status: u16, body: &str) -> Fault {
        self.respond_raw(status, "text/html; charset=utf-8", body.as_bytes())
    }

    /// Answers with `status`, no body and no `Content-Type`.
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status (100..=999).
    pub fn respond_empty(mut self, status: u16) -> Fault {
        self.response = Some(Canned::Raw {
            status: status_code(status),
            content_type: None,
            body: Vec::new(),
        });
        self
    }

    /// Answers with `status`, the given `Content-Type` (none if empty) and body bytes.
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status (100..=999).
    pub fn respond_raw(mut self, status: u16, content_type: &str, body: &[u8]) -> Fault {
        self.response = Some(Canned::Raw {
            status: status_code(status),
            content_type: (!content_type.is_empty()).then(|| content_type.to_owned()),
            body: body.to_vec(),
        });
        self
    }

    /// Answers 200 with a JSON content type, sends the start of a body, then breaks the
    /// connection — like a proxy or server that dies mid-response. The client sees a broken
    /// body, not an HTTP error.
    pub fn reset_mid_body(mut self) -> Fault {
        self.response = Some(Canned::Reset);
        self
    }

    /// Waits `d` (real time) before answering, normally or with the `respond_*` answer.
    pub fn delay(mut self, d: Duration) -> Fault {
        self.delay = Some(d);
        self
    }

    /// Expires the session named by the request's `X-MSTR-AuthToken` before the request is
    /// handled, so an authenticated call answers 401 `ERR009` as after a server-side timeout.
    pub fn expire_session(mut self) -> Fault {
        self.expire_session = true;
        self
    }

    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        self.remaining > 0
            && self.path.as_deref().is_none_or(|want| want == path)
            && self
                .method
                .as_deref()
                .is_none_or(|want| want.eq_ignore_ascii_case(method))
    }

    pub(crate) fn response(&self) -> Option<Response> {
        match self.response.as_ref()? {
            Canned::Api {
                status,
                code,
                message,
                iserver_code,
            } => Some(
                (
                    *status,
                    Json(error_body::body(*status, code, message, *iserver_code)),
                )
                    .into_response(),
            ),
            Canned::Reset => {
                let chunks: [Result<&'static [u8], std::io::Error>; 2] = [
                    Ok(b"{\"partial\": [1, 2, 3,"),
                    Err(std::io::Error::other("connection reset by the emulator")),
                ];
                let mut response =
                    Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("application/json"),
                );
                Some(response)
            }
            Canned::Raw {
                status,
                content_type,
                body,
            } => {
                let mut response = Response::new(Body::from(body.clone()));
                *response.status_mut() = *status;
                if let Some(value) = content_type
                    .as_deref()
                    .and_then(|value| header::HeaderValue::from_str(value).ok())
                {
                    response.headers_mut().insert(header::CONTENT_TYPE, value);
                }
                Some(response)
            }
        }
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status)
        .unwrap_or_else(|_| panic!("Fault: {status} is not a valid HTTP status code"))
}
