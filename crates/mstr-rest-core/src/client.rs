//! [`Client`]: the shared transport state behind every request of a session.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method};

use crate::auth::AuthLayer;
use crate::base_url::BaseUrl;
use crate::builder::ClientBuilder;
use crate::request::RequestBuilder;
use crate::retry::{RetryBudget, RetryPolicy};

/// The header naming the project of a project-scoped call.
pub const PROJECT_ID_HEADER: &str = "X-MSTR-ProjectID";

/// An HTTP client bound to one MicroStrategy base URL.
///
/// Cloning is cheap (an `Arc`), and clones share the connection pool, the retry budget and
/// the [`AuthLayer`] (a session's token and cookies live there, not here): clone it into
/// tasks rather than wrapping it in another `Arc`. A client has no setter: what it sends is
/// fixed when it is built.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    /// Shared with the other clients of the same transport settings (see
    /// [`ClientBuilder::share_transport`]).
    pub(crate) http: Arc<reqwest::Client>,
    pub(crate) base: BaseUrl,
    pub(crate) default_headers: HeaderMap,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_redirects: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: RetryBudget,
    pub(crate) auth: Option<Arc<dyn AuthLayer>>,
}

impl Client {
    /// Starts a [`ClientBuilder`] for `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// The base URL, ending in `/`.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// A request to `path` (joined onto the base URL) with any method.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, path)
    }

    crate::__http_verbs!(RequestBuilder);

    /// The retry policy requests use unless they set their own.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// The headers sent with every request (besides what the auth layer adds).
    pub fn default_headers(&self) -> &HeaderMap {
        &self.inner.default_headers
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("auth_layer", &self.inner.auth.is_some())
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish()
    }
}
