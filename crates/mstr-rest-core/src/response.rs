//! [`Response`]: a successful answer (status below 400).

use std::fmt;

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use http::{HeaderMap, Method, StatusCode};
use mstr_rest_error::{DecodeError, Error, Result};
use serde::de::DeserializeOwned;
use url::Url;

use crate::transport::{display_url, transport_error};

/// A response with a status below 400 (errors come back as [`Error::Api`]).
pub struct Response {
    inner: reqwest::Response,
    method: Method,
    url: Url,
    /// [`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes).
    limit: usize,
}

impl Response {
    pub(crate) fn new(
        inner: reqwest::Response,
        method: Method,
        url: &Url,
        limit: usize,
    ) -> Response {
        Response {
            inner,
            method,
            url: url.clone(),
            limit,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// One header as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name)?.to_str().ok()
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    fn what(&self) -> String {
        format!("{} {}", self.method, display_url(&self.url))
    }

    /// Reads the body and decodes it as JSON into `T`.
    ///
    /// # Errors
    /// [`Error::Decode`] naming the request, the status and the content type when the body
    /// is empty, truncated or not the expected shape; [`Error::Transport`] when the
    /// connection breaks while reading.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let what = self.what();
        let status = self.status();
        let content_type = self.header("content-type").unwrap_or("none").to_owned();
        let bytes = self.bytes().await?;
        if bytes.is_empty() {
            return Err(Error::Decode(DecodeError::new(format!(
                "the response to {what} (status {status}) has an empty body where JSON was expected"
            ))));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::Decode(
                DecodeError::new(format!(
                    "the response to {what} (status {status}, content-type {content_type}) is not the expected JSON for {}",
                    std::any::type_name::<T>()
                ))
                .with_source(e),
            )
        })
    }

    /// Reads the body as UTF-8 text.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not valid UTF-8; [`Error::Transport`] when the
    /// connection breaks while reading.
    pub async fn text(self) -> Result<String> {
        let what = self.what();
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            Error::Decode(
                DecodeError::new(format!("the response to {what} is not valid UTF-8"))
                    .with_source(e),
            )
        })
    }

    /// Reads the whole body, up to the client's
    /// [`max_body_bytes`](crate::ClientBuilder::max_body_bytes) (default 256 MiB).
    ///
    /// # Errors
    /// [`Error::Transport`] when the connection breaks while reading; [`Error::Decode`]
    /// naming the setting when the body (decompressed) is larger than the limit.
    pub async fn bytes(self) -> Result<Bytes> {
        let limit = self.limit;
        self.bytes_limited(limit, "ClientBuilder::max_body_bytes")
            .await
    }

    /// Reads the whole body, failing as soon as more than `limit` bytes arrived —
    /// decompressed bytes, counted as they arrive, so a small gzip bomb cannot inflate in
    /// memory. `setting` names what the user changes to raise the limit.
    ///
    /// # Errors
    /// As [`bytes`](Self::bytes).
    pub async fn bytes_limited(self, limit: usize, setting: &'static str) -> Result<Bytes> {
        let what = self.what();
        let Response {
            mut inner,
            method,
            url,
            ..
        } = self;
        let too_big = || {
            Error::Decode(DecodeError::new(format!(
                "the response to {what} is larger than {limit} bytes; raise {setting} if that is expected"
            )))
        };
        let hint = inner
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut body: Option<Vec<u8>> = None;
        let mut single: Option<Bytes> = None;
        while let Some(chunk) = inner
            .chunk()
            .await
            .map_err(|e| transport_error(e, &method, &url))?
        {
            // Most bodies arrive in one chunk: keep it without copying.
            let buf = match (single.take(), body.as_mut()) {
                (None, None) => {
                    if chunk.len() > limit {
                        return Err(too_big());
                    }
                    single = Some(chunk);
                    continue;
                }
                (Some(first), None) => {
                    let mut v = Vec::with_capacity(hint.min(limit).max(first.len()));
                    v.extend_from_slice(&first);
                    body.insert(v)
                }
                (_, Some(v)) => v,
            };
            if buf.len().saturating_add(chunk.len()) > limit {
                return Err(too_big());
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(match (single, body) {
            (_, Some(v)) => Bytes::from(v),
            (Some(b), None) => b,
            (None, None) => Bytes::new(),
        })
    }

    /// The body as a stream of chunks, for large downloads (no size limit: the caller
    /// decides what to keep).
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let Response {
            inner, method, url, ..
        } = self;
        inner
            .bytes_stream()
            .map_err(move |e| transport_error(e, &method, &url))
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status())
            .field("method", &self.method)
            .field("url", &display_url(&self.url))
            .finish()
    }
}
