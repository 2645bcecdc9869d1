//! Blocking requests and responses over the async ones.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mstr_rest_core::{Bytes, HeaderMap, HeaderName, HeaderValue, RetryPolicy, StatusCode, Url};
use mstr_rest_error::Result;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::worker::Worker;

/// A request being built; [`send`](Self::send) blocks until the response head arrives.
/// Mirrors [`mstr_rest_core::RequestBuilder`].
#[must_use = "a request does nothing until .send() is called"]
pub struct RequestBuilder {
    inner: mstr_rest_core::RequestBuilder,
    worker: Arc<Worker>,
}

impl RequestBuilder {
    pub(crate) fn new(inner: mstr_rest_core::RequestBuilder, worker: Arc<Worker>) -> Self {
        Self { inner, worker }
    }

    fn map(
        self,
        f: impl FnOnce(mstr_rest_core::RequestBuilder) -> mstr_rest_core::RequestBuilder,
    ) -> Self {
        Self {
            inner: f(self.inner),
            worker: self.worker,
        }
    }

    /// Sends `X-MSTR-ProjectID`.
    pub fn project(self, id: impl AsRef<str>) -> Self {
        self.map(|r| r.project(id))
    }

    /// Sends no token (login-style calls).
    pub fn without_auth(self) -> Self {
        self.map(mstr_rest_core::RequestBuilder::without_auth)
    }

    /// Adds a header.
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        HeaderValue: TryFrom<V>,
    {
        self.map(|r| r.header(name, value))
    }

    /// Adds every header of `headers`.
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.map(|r| r.headers(headers))
    }

    /// Adds query parameters.
    pub fn query<T: Serialize + ?Sized>(self, query: &T) -> Self {
        self.map(|r| r.query(query))
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|r| r.json(body))
    }

    /// Sets a form-encoded body.
    pub fn form<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|r| r.form(body))
    }

    /// Sets a raw body.
    pub fn body(self, body: impl Into<Bytes>) -> Self {
        self.map(|r| r.body(body))
    }

    /// Sets this request's timeout.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|r| r.timeout(timeout))
    }

    /// Marks the request safe to send twice, so it may be retried.
    pub fn idempotent(self) -> Self {
        self.map(mstr_rest_core::RequestBuilder::idempotent)
    }

    /// Sets this request's retry policy.
    pub fn retry(self, policy: RetryPolicy) -> Self {
        self.map(|r| r.retry(policy))
    }

    /// Sends the request and waits for the response.
    ///
    /// # Errors
    /// As [`mstr_rest_core::RequestBuilder::send`]: [`Error::Api`](mstr_rest_session::Error::Api) for
    /// a status of 400 or more, [`Error::Transport`](mstr_rest_session::Error::Transport),
    /// [`Error::Config`](mstr_rest_session::Error::Config) for a bad header or body.
    pub fn send(self) -> Result<Response> {
        let inner = self.worker.run(self.inner.send())??;
        Ok(Response {
            inner,
            worker: self.worker,
        })
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::RequestBuilder")
            .field(&self.inner)
            .finish()
    }
}

/// A response whose body is read on demand, blocking. Mirrors [`mstr_rest_core::Response`].
pub struct Response {
    inner: mstr_rest_core::Response,
    worker: Arc<Worker>,
}

impl Response {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }

    /// The final URL.
    pub fn url(&self) -> &Url {
        self.inner.url()
    }

    /// Reads the body as JSON.
    ///
    /// # Errors
    /// [`Error::Decode`](mstr_rest_session::Error::Decode) for a body that is not `T`;
    /// [`Error::Transport`](mstr_rest_session::Error::Transport) when reading fails.
    pub fn json<T: DeserializeOwned + Send + 'static>(self) -> Result<T> {
        self.worker.run(self.inner.json())?
    }

    /// Reads the body as text.
    ///
    /// # Errors
    /// [`Error::Transport`](mstr_rest_session::Error::Transport) when reading fails.
    pub fn text(self) -> Result<String> {
        self.worker.run(self.inner.text())?
    }

    /// Reads the body as bytes.
    ///
    /// # Errors
    /// [`Error::Transport`](mstr_rest_session::Error::Transport) when reading fails.
    pub fn bytes(self) -> Result<Bytes> {
        self.worker.run(self.inner.bytes())?
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Response")
            .field(&self.inner)
            .finish()
    }
}
