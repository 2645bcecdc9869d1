//! Sending: origin-scoped auth, redirects followed by hand, errors typed, one span each.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, LOCATION};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use mstr_rest_error::{ApiError, Error, Result, TransportError, TransportKind};
use tracing::Instrument;
use tracing::field::Empty;
use url::Url;

use crate::client::{AUTH_TOKEN_HEADER, Client};
use crate::response::Response;
use crate::retry::{RetryPolicy, is_idempotent, retry_after, retryable};

/// Error bodies are read up to this size; the rest is never downloaded.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) include_auth: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) idempotent: bool,
    pub(crate) retry: Option<RetryPolicy>,
}

/// One attempt's outcome, with what the retry logic needs to know about it.
struct Attempt {
    result: Result<Response>,
    /// The token generation the request carried, if it carried one.
    generation: Option<u64>,
    retry_after: Option<Duration>,
}

pub(crate) async fn execute(client: &Client, req: Prepared) -> Result<Response> {
    let span = tracing::debug_span!(
        "mstr_rest.request",
        method = %req.method,
        path = req.url.path(),
        attempt = Empty,
        status = Empty,
        latency_ms = Empty,
    );
    async move {
        let started = Instant::now();
        let result = reauthenticating(client, &req).await;
        let span = tracing::Span::current();
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(resp) => {
                span.record("status", resp.status().as_u16());
                tracing::debug!(status = resp.status().as_u16(), "response");
            }
            Err(Error::Api(e)) => {
                span.record("status", e.status);
                tracing::debug!(
                    status = e.status,
                    code = e.code.as_deref(),
                    "error response"
                );
            }
            Err(e) => tracing::debug!(error = %e, "request failed"),
        }
        result
    }
    .instrument(span)
    .await
}

/// On `ERR009`, asks the session layer to log in again (once) and replays the request.
/// The request never ran on the server (it was refused for its session), so replaying it
/// is safe whatever its method; bodies are held as `Bytes` and so always replayable.
async fn reauthenticating(client: &Client, req: &Prepared) -> Result<Response> {
    let mut relogged = false;
    loop {
        let attempt = retrying(client, req).await;
        let (Err(Error::Api(e)), Some(generation)) = (&attempt.result, attempt.generation) else {
            return attempt.result;
        };
        if !e.is_session_expired() || is_auth_endpoint(client, &req.url) {
            return attempt.result;
        }
        match client.inner.reauthenticator() {
            Some(hook) if !relogged => {
                tracing::info!("session expired; logging in again");
                if let Err(e) = hook.reauthenticate(generation).await {
                    // Do not let every later request try (and maybe lock the account).
                    client.inner.expire_token(generation);
                    return Err(e);
                }
                relogged = true;
            }
            _ => {
                // The server no longer knows this token: stop advertising a session.
                client.inner.expire_token(generation);
                return attempt.result;
            }
        }
    }
}

fn is_auth_endpoint(client: &Client, url: &Url) -> bool {
    client.inner.base.is_same_origin(url)
        && url
            .path()
            .strip_prefix(client.inner.base.as_url().path())
            .is_some_and(|rest| rest.starts_with("auth/"))
}

async fn retrying(client: &Client, req: &Prepared) -> Attempt {
    let policy = req.retry.unwrap_or(client.inner.retry);
    let idempotent = req.idempotent || is_idempotent(&req.method);
    let deadline = Instant::now() + policy.total_deadline();
    client.inner.budget.deposit();
    let mut retries = 0u32;
    loop {
        tracing::Span::current().record("attempt", retries + 1);
        // A retry may not outlive the deadline: its timeout is cut to what is left of it.
        let timeout = req.timeout.or(client.inner.timeout);
        let timeout = if retries == 0 {
            timeout
        } else {
            let left = deadline.saturating_duration_since(Instant::now());
            Some(timeout.map_or(left, |t| t.min(left)))
        };
        let attempt = follow(client, req, timeout).await;
        let Err(err) = &attempt.result else {
            return attempt;
        };
        let Some(reason) = retryable(err, idempotent) else {
            return attempt;
        };
        let wait = policy
            .backoff(retries + 1)
            .max(attempt.retry_after.unwrap_or_default());
        if retries >= policy.retries()
            || Instant::now() + wait > deadline
            || !client.inner.budget.withdraw()
        {
            return attempt;
        }
        retries += 1;
        tracing::warn!(
            attempt = retries + 1,
            reason,
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        tokio::time::sleep(wait).await;
    }
}

async fn follow(client: &Client, req: &Prepared, timeout: Option<Duration>) -> Attempt {
    let mut generation = None;
    let result = follow_inner(client, req, timeout, &mut generation).await;
    match result {
        Ok(resp) => Attempt {
            result: Ok(resp),
            generation,
            retry_after: None,
        },
        Err((err, retry_after)) => Attempt {
            result: Err(err),
            generation,
            retry_after,
        },
    }
}

type Failure = (Error, Option<Duration>);

async fn follow_inner(
    client: &Client,
    req: &Prepared,
    timeout: Option<Duration>,
    generation: &mut Option<u64>,
) -> std::result::Result<Response, Failure> {
    let inner = &client.inner;
    let mut method = req.method.clone();
    let mut url = req.url.clone();
    let mut body = req.body.clone();
    let mut hops = 0;
    loop {
        let same_origin = inner.base.is_same_origin(&url);
        let mut out = HeaderMap::new();
        for (name, value) in inner.default_headers.iter().chain(req.headers.iter()) {
            if same_origin || !is_mstr_header(name.as_str()) {
                out.append(name.clone(), value.clone());
            }
        }
        if same_origin && req.include_auth {
            if let Some((token, token_generation)) = inner.token_header() {
                out.insert(AUTH_TOKEN_HEADER, token);
                *generation = Some(token_generation);
            }
            if let Some(cookie) = inner.jar().header_for(&url) {
                out.insert(COOKIE, cookie);
            }
        }
        let mut builder = inner.http.request(method.clone(), url.clone()).headers(out);
        match &body {
            Some(bytes) => builder = builder.body(bytes.clone()),
            // The server and the Python library expect `Content-Length: 0` on an empty POST/PUT.
            None if matches!(method, Method::POST | Method::PUT | Method::PATCH) => {
                builder = builder.header(CONTENT_LENGTH, HeaderValue::from_static("0"));
            }
            None => {}
        }
        if let Some(t) = timeout {
            builder = builder.timeout(t);
        }
        let resp = builder
            .send()
            .await
            .map_err(|e| (transport_error(e, &method, &url), None))?;
        if same_origin {
            inner.jar().store(&url, resp.headers());
        }

        let status = resp.status();
        if status.is_redirection()
            && hops < inner.max_redirects
            && let Some(next) = redirect_target(&url, resp.headers())
        {
            let (next_method, keep_body) = match status {
                StatusCode::SEE_OTHER => (Method::GET, false),
                StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND if method == Method::POST => {
                    (Method::GET, false)
                }
                _ => (method.clone(), true),
            };
            let next_body = if keep_body { body.clone() } else { None };
            // Never re-send a body to a foreign origin: return the 3xx for the caller to judge.
            if next_body.is_some() && !inner.base.is_same_origin(&next) {
                tracing::debug!("not following a body-carrying redirect to another origin");
                return Ok(Response::new(resp, method, &url));
            }
            tracing::debug!(
                status = status.as_u16(),
                same_origin = inner.base.is_same_origin(&next),
                "following redirect"
            );
            hops += 1;
            method = next_method;
            body = next_body;
            url = next;
            continue;
        }
        if status.as_u16() >= 400 {
            let wait = retry_after(status, resp.headers());
            return Err((Error::Api(read_error(resp).await), wait));
        }
        return Ok(Response::new(resp, method, &url));
    }
}

fn is_mstr_header(name: &str) -> bool {
    name.len() >= 7 && name[..7].eq_ignore_ascii_case("x-mstr-")
}

fn redirect_target(current: &Url, headers: &HeaderMap) -> Option<Url> {
    let location = headers.get(LOCATION)?.to_str().ok()?;
    let next = current.join(location).ok()?;
    matches!(next.scheme(), "http" | "https").then_some(next)
}

async fn read_error(mut resp: reqwest::Response) -> ApiError {
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    // A broken or endless body must not hide the status: keep what arrived, up to the limit.
    while body.len() < ERROR_BODY_LIMIT {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = ERROR_BODY_LIMIT - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    ApiError::from_response(status, content_type.as_deref(), &body)
}

/// Names the request without its query, which may carry secrets.
pub(crate) fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

pub(crate) fn transport_error(e: reqwest::Error, method: &Method, url: &Url) -> Error {
    let kind = if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_connect() {
        TransportKind::Connect
    } else if e.is_body() || e.is_decode() {
        TransportKind::Body
    } else if e.is_redirect() {
        TransportKind::Redirect
    } else {
        TransportKind::Other
    };
    Error::Transport(
        TransportError::new(kind, e.without_url()).with_request(method.as_str(), display_url(url)),
    )
}
