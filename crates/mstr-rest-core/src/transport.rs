//! Sending: origin-scoped credentials (through the auth layer), redirects followed by hand, errors typed, one span each.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use mstr_rest_error::{ApiError, Error, Result, TransportError, TransportKind};
use tracing::Instrument;
use tracing::field::Empty;
use url::Url;

use crate::auth::{Failure, Replay};
use crate::client::Client;
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
    /// The stamp of the credential the auth layer added to the hop that answered, if any.
    stamp: Option<u64>,
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
        span.record(
            "latency_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
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

/// Sends the request; when the auth layer signed it and the answer is an error, lets the
/// layer decide whether to replay it — once.
async fn reauthenticating(client: &Client, req: &Prepared) -> Result<Response> {
    let mut replayed = false;
    loop {
        let attempt = retrying(client, req).await;
        // Only an answer from a trusted hop that carried the layer's credential is the layer's.
        let (Err(Error::Api(e)), Some(stamp), Some(layer)) =
            (&attempt.result, attempt.stamp, &client.inner.auth)
        else {
            return attempt.result;
        };
        let path = client
            .inner
            .base
            .relative_path(&req.url)
            .unwrap_or_default();
        let failure = Failure {
            method: &req.method,
            path,
            stamp,
            error: e,
            replayed,
        };
        match layer.on_error(failure).await {
            Ok(Replay::Once) if !replayed => replayed = true,
            Ok(_) => return attempt.result,
            Err(e) => return Err(e),
        }
    }
}

async fn retrying(client: &Client, req: &Prepared) -> Attempt {
    let policy = req.retry.unwrap_or(client.inner.retry);
    let idempotent = req.idempotent || is_idempotent(&req.method);
    // A deadline too far away to represent is no deadline (`RetryPolicy::deadline(Duration::MAX)`).
    let deadline = Instant::now().checked_add(policy.total_deadline());
    let past_deadline = |wait: Duration| {
        deadline.is_some_and(|d| Instant::now().checked_add(wait).is_none_or(|at| at > d))
    };
    client.inner.budget.deposit();
    let mut retries = 0u32;
    loop {
        tracing::Span::current().record("attempt", retries.saturating_add(1));
        // A retry may not outlive the deadline: its timeout is cut to what is left of it.
        let timeout = req.timeout.or(client.inner.timeout);
        let timeout = match deadline {
            Some(d) if retries > 0 => {
                let left = d.saturating_duration_since(Instant::now());
                Some(timeout.map_or(left, |t| t.min(left)))
            }
            _ => timeout,
        };
        let attempt = follow(client, req, timeout).await;
        let Err(err) = &attempt.result else {
            return attempt;
        };
        let Some(reason) = retryable(err, idempotent) else {
            return attempt;
        };
        let wait = policy
            .backoff(retries.saturating_add(1))
            .max(attempt.retry_after.unwrap_or_default());
        if retries >= policy.retries() || past_deadline(wait) || !client.inner.budget.withdraw() {
            return attempt;
        }
        retries = retries.saturating_add(1);
        tracing::warn!(
            attempt = retries.saturating_add(1),
            reason,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        tokio::time::sleep(wait).await;
    }
}

/// One request and its redirect chain, sent by hand so that what is secret stays home.
///
/// A hop is *trusted* when it goes to the base origin and every hop before it did too. Only
/// trusted hops carry the auth layer's credentials and the credential headers of
/// [`is_credential_header`]; only their answers reach the layer. A chain that starts elsewhere, or leaves the base once, is never trusted
/// again: another origin cannot turn a request into an authenticated one by redirecting it
/// home. The request timeout bounds the whole chain.
async fn follow(client: &Client, req: &Prepared, timeout: Option<Duration>) -> Attempt {
    let inner = &client.inner;
    let chain_deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut method = req.method.clone();
    let mut url = req.url.clone();
    let mut body = req.body.clone();
    let mut trusted = true;
    let mut hops = 0usize;
    let fail = |result: Error, stamp: Option<u64>, retry_after: Option<Duration>| Attempt {
        result: Err(result),
        stamp,
        retry_after,
    };
    loop {
        trusted = trusted && inner.base.is_same_origin(&url);
        // The credential this hop carried; an untrusted hop carries none.
        let mut stamp = None;
        let mut out = HeaderMap::new();
        for (name, value) in inner.default_headers.iter().chain(req.headers.iter()) {
            if trusted || !is_credential_header(name.as_str()) {
                out.append(name.clone(), value.clone());
            }
        }
        if trusted
            && req.include_auth
            && let Some(layer) = &inner.auth
        {
            stamp = layer.sign(&url, &mut out);
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
        if let Some(deadline) = chain_deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let err = TransportError::__new(
                    TransportKind::Timeout,
                    "the request timeout passed while following redirects",
                )
                .__with_request(method.as_str(), display_url(&url));
                return fail(Error::Transport(err), stamp, None);
            }
            builder = builder.timeout(left);
        }
        let resp = match builder.send().await {
            Ok(resp) => resp,
            Err(e) => return fail(transport_error(e, &method, &url), stamp, None),
        };
        if trusted && let Some(layer) = &inner.auth {
            layer.observe(&url, resp.headers());
        }

        let status = resp.status();
        if status.is_redirection()
            && inner.max_redirects > 0
            && let Some(next) = redirect_target(&url, resp.headers())
        {
            if hops >= inner.max_redirects {
                let err = TransportError::__new(
                    TransportKind::Redirect,
                    format!(
                        "more than {} redirects (max_redirects)",
                        inner.max_redirects
                    ),
                )
                .__with_request(req.method.as_str(), display_url(&req.url));
                return fail(Error::Transport(err), stamp, None);
            }
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
                return Attempt {
                    result: Ok(Response::new(resp, method, &url, inner.max_body_bytes)),
                    stamp,
                    retry_after: None,
                };
            }
            tracing::debug!(
                status = status.as_u16(),
                same_origin = inner.base.is_same_origin(&next),
                "following redirect"
            );
            hops = hops.saturating_add(1);
            method = next_method;
            body = next_body;
            url = next;
            continue;
        }
        if status.as_u16() >= 400 {
            let wait = retry_after(status, resp.headers());
            return fail(Error::Api(read_error(resp).await), stamp, wait);
        }
        return Attempt {
            result: Ok(Response::new(resp, method, &url, inner.max_body_bytes)),
            stamp,
            retry_after: None,
        };
    }
}

/// Headers that carry a credential, dropped from every hop that leaves the base origin (as
/// browsers and reqwest drop `Authorization`, `Cookie` and `Proxy-Authorization`): those
/// three, `Cookie2`, and every `X-MSTR-*` header (token, project, changeset, identity token).
pub(crate) fn is_credential_header(name: &str) -> bool {
    const NAMED: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "cookie2"];
    NAMED.iter().any(|n| name.eq_ignore_ascii_case(n))
        || name
            .get(..7)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("x-mstr-"))
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
                let room = ERROR_BODY_LIMIT.saturating_sub(body.len());
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
    } else if closed_before_answer(&e) {
        TransportKind::Closed
    } else {
        TransportKind::Other
    };
    Error::Transport(
        TransportError::__new(kind, e.without_url())
            .__with_request(method.as_str(), display_url(url)),
    )
}

/// True when the connection was closed (or reset) before a response head arrived: hyper's
/// "incomplete message", or a reset/aborted/EOF socket error anywhere in the chain.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(h) = c.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_canceled())
        {
            return true;
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        cause = c.source();
    }
    false
}
