//! [`RequestBuilder`]: one request, configured fluently, checked at `send()`.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use mstr_rest_error::{Error, Result};
use serde::Serialize;
use url::Url;

use crate::client::{Client, PROJECT_ID_HEADER};
use crate::response::Response;
use crate::retry::RetryPolicy;
use crate::transport::{self, Prepared};

/// A request being built. Nothing is sent until [`send`](RequestBuilder::send).
///
/// Setters never fail: a bad header or body is reported by `send()` as
/// [`Error::Config`], before anything goes on the wire.
///
/// By default the request carries what the client's [`AuthLayer`](crate::AuthLayer) adds (a
/// session's `X-MSTR-AuthToken` and cookies) — but only when it goes to the base URL's origin.
#[must_use = "a request does nothing until .send() is awaited"]
pub struct RequestBuilder {
    client: Client,
    method: Method,
    url: Result<Url>,
    headers: HeaderMap,
    body: Option<Bytes>,
    include_auth: bool,
    timeout: Option<Duration>,
    idempotent: bool,
    retry: Option<RetryPolicy>,
    error: Option<Error>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: Method, path: &str) -> RequestBuilder {
        let url = client.base_url().join(path);
        RequestBuilder {
            client,
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            include_auth: true,
            timeout: None,
            idempotent: false,
            retry: None,
            error: None,
        }
    }

    fn fail(&mut self, err: Error) {
        self.error.get_or_insert(err);
    }

    /// Sends `X-MSTR-ProjectID: {id}`, which project-scoped endpoints need.
    pub fn project(mut self, id: impl AsRef<str>) -> Self {
        match HeaderValue::from_str(id.as_ref()) {
            Ok(v) => {
                self.headers
                    .insert(HeaderName::from_static("x-mstr-projectid"), v);
            }
            Err(_) => self.fail(Error::config(format!(
                "invalid project id {:?}: expected a 32-character hex id such as B19DEDCC11D4E0EFC000EB9495D0F44F",
                id.as_ref()
            ))),
        }
        self
    }

    /// Sends no credential of the client's [`AuthLayer`](crate::AuthLayer) — for a session,
    /// neither its `X-MSTR-AuthToken` (even one set with [`header`](Self::header)) nor its
    /// cookies: the request goes out as from a new, anonymous client.
    pub fn without_auth(mut self) -> Self {
        self.include_auth = false;
        self
    }

    /// Adds a header. `X-MSTR-*` headers are dropped if the request leaves the base origin.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        HeaderValue: TryFrom<V>,
    {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            _ => self.fail(Error::config(
                "invalid request header: names are tokens and values visible ASCII",
            )),
        }
        self
    }

    /// Adds every header of `headers`.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        for (name, value) in &headers {
            self.headers.append(name.clone(), value.clone());
        }
        self
    }

    /// Appends URL-encoded query parameters to those already in the path (unlike httpx,
    /// which replaces them).
    ///
    /// ```
    /// # let client = mstr_rest_core::Client::builder("http://127.0.0.1:1/api/").build().unwrap();
    /// let req = client.get("searches/results?pattern=4").query(&[("name", "Sales"), ("type", "3")]);
    /// # drop(req);
    /// ```
    pub fn query<T: Serialize + ?Sized>(mut self, query: &T) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(extra) if extra.is_empty() => {}
            Ok(extra) => {
                if let Ok(url) = &mut self.url {
                    let joined = match url.query() {
                        Some(q) if !q.is_empty() => format!("{q}&{extra}"),
                        _ => extra,
                    };
                    url.set_query(Some(&joined));
                }
            }
            Err(e) => self.fail(Error::config(format!(
                "the query could not be encoded ({e}): pass a struct, map or list of pairs"
            ))),
        }
        self
    }

    /// Sends `body` as compact JSON with `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(Bytes::from(bytes));
                self.set_content_type("application/json");
            }
            Err(e) => self.fail(Error::config(format!(
                "the JSON body could not be serialised: {e}"
            ))),
        }
        self
    }

    /// Sends `body` as `application/x-www-form-urlencoded`.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_urlencoded::to_string(body) {
            Ok(text) => {
                self.body = Some(Bytes::from(text));
                self.set_content_type("application/x-www-form-urlencoded");
            }
            Err(e) => self.fail(Error::config(format!(
                "the form body could not be encoded: {e}"
            ))),
        }
        self
    }

    /// Sends raw bytes; set a `Content-Type` with [`header`](Self::header).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Overrides the client's whole-request timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Marks a `POST` (or `PATCH`) as safe to send twice, so it is retried like a `GET`
    /// on 429/502/503/504. Only do this when the server treats a repeat as a no-op.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Overrides the client's retry policy for this request.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    fn set_content_type(&mut self, value: &'static str) {
        if !self.headers.contains_key(CONTENT_TYPE) {
            self.headers
                .insert(CONTENT_TYPE, HeaderValue::from_static(value));
        }
    }

    /// Sends the request, following redirects.
    ///
    /// # Errors
    /// - [`Error::Api`] for an answer of 400 or more (also a non-JSON one: the status and
    ///   the start of the body are kept);
    /// - [`Error::Transport`] when it did not complete (`is_timeout()`, `is_connect()`);
    /// - [`Error::Config`] for a bad path, header or body given to this builder.
    pub async fn send(self) -> Result<Response> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let url = self.url?;
        let mut headers = self.headers;
        if !self.include_auth
            && let Some(layer) = &self.client.inner.auth
        {
            // the caller asked for no auth: a credential set by hand goes too
            layer.strip(&mut headers);
        }
        transport::execute(
            &self.client,
            Prepared {
                method: self.method,
                url,
                headers,
                body: self.body,
                include_auth: self.include_auth,
                timeout: self.timeout,
                idempotent: self.idempotent,
                retry: self.retry,
            },
        )
        .await
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and bodies may hold secrets (login bodies do): names and sizes only.
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("path", &self.url.as_ref().map(Url::path).ok())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("include_auth", &self.include_auth)
            .field("project", &self.headers.contains_key(PROJECT_ID_HEADER))
            .finish()
    }
}
