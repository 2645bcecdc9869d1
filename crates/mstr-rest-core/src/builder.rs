//! [`ClientBuilder`]: every setting of the transport, checked at `build()`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use mstr_rest_error::{Error, Result};

use crate::Client;
use crate::auth::AuthLayer;
use crate::base_url::BaseUrl;
use crate::client::ClientInner;
use crate::retry::RetryPolicy;
use crate::shared::TransportKey;

/// Default connect timeout: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default whole-request timeout (connect, send, and reading the response head): 120 seconds.
///
/// Long enough for a report that runs synchronously for a while, short enough that a hung
/// server does not hang a nightly job forever (the Python library has no default). Raise it
/// per request with [`RequestBuilder::timeout`](crate::RequestBuilder::timeout).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

const DEFAULT_MAX_REDIRECTS: usize = 10;

/// Default largest response body read whole ([`Response::bytes`](crate::Response::bytes),
/// `json`, `text`): 256 MiB, decompressed.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// Builds a [`Client`]. Setters never fail; the first bad value is reported by
/// [`build`](ClientBuilder::build).
///
/// ```
/// # use std::time::Duration;
/// let client = mstr_rest_core::Client::builder("https://env.example.com/MicroStrategyLibrary/api/")
///     .timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url().as_str(), "https://env.example.com/MicroStrategyLibrary/api/");
/// ```
#[must_use = "a builder does nothing until .build() is called"]
pub struct ClientBuilder {
    base_url: String,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: String,
    headers: HeaderMap,
    root_certs: Vec<Vec<u8>>,
    identity_pem: Option<Vec<u8>>,
    accept_invalid_certs: bool,
    proxy: Option<String>,
    no_proxy: bool,
    max_redirects: usize,
    max_body_bytes: usize,
    retry: RetryPolicy,
    auth: Option<Arc<dyn AuthLayer>>,
    share_transport: bool,
    error: Option<Error>,
}

impl ClientBuilder {
    /// Starts a builder for `base_url` (validated at [`build`](Self::build)).
    pub fn new(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            timeout: Some(DEFAULT_TIMEOUT),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("mstr-rest/", env!("CARGO_PKG_VERSION")).to_owned(),
            headers: HeaderMap::new(),
            root_certs: Vec::new(),
            identity_pem: None,
            accept_invalid_certs: false,
            proxy: None,
            no_proxy: false,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            retry: RetryPolicy::default(),
            auth: None,
            share_transport: true,
            error: None,
        }
    }

    /// Replaces the base URL given to [`new`](Self::new), for a builder made before the URL
    /// is known (e.g. one read from a secret store at connect time).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The layer that signs requests to the base origin and may ask for one replay (see
    /// [`AuthLayer`]). A session installs its own; a bare client sends no credential.
    pub fn auth_layer(mut self, layer: Arc<dyn AuthLayer>) -> Self {
        self.auth = Some(layer);
        self
    }

    /// Whole-request timeout; default [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No whole-request timeout: a request may wait for ever (the connect timeout still
    /// applies). Prefer a long [`timeout`](Self::timeout).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Connect timeout; default [`DEFAULT_CONNECT_TIMEOUT`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header; default `mstr-rest/<version>`.
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = value.into();
        self
    }

    /// A header sent with every request. `X-MSTR-*` headers set here follow the same origin
    /// rule as the token: they are dropped on requests to other origins.
    pub fn default_header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
            }
            _ => {
                self.error.get_or_insert_with(|| {
                    Error::config(format!(
                        "invalid default header {}: names are tokens and values visible ASCII",
                        crate::redact::printable(name)
                    ))
                });
            }
        }
        self
    }

    /// Trusts an extra root certificate (PEM), e.g. a company CA, on top of the system's.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs.push(pem.into());
        self
    }

    /// A client certificate and its private key, both PEM in one buffer (mutual TLS).
    pub fn identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.identity_pem = Some(pem.into());
        self
    }

    /// Accepts any server certificate. **Dangerous**: anyone on the path can read the
    /// token. For a lab server only; `build()` logs a warning when it is on.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Sends every request through this HTTP(S) proxy (`http://user:pass@proxy:3128`).
    /// Without it, the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment is honoured.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Ignores proxy settings from the environment.
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// How many redirects to follow; default 10. One more is
    /// [`TransportKind::Redirect`](mstr_rest_error::TransportKind::Redirect), an error;
    /// 0 follows none and returns the 3xx itself.
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = n;
        self
    }

    /// The largest body, decompressed, that [`Response::bytes`](crate::Response::bytes),
    /// `json` and `text` read; default [`DEFAULT_MAX_BODY_BYTES`] (256 MiB). A larger one is
    /// an [`Error::Decode`] naming this setting, found while it arrives.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How transient failures are retried; default [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Whether this client shares its transport (connection pool, TLS configuration) with
    /// the other live clients of the process built with the same transport settings
    /// (connect timeout, user agent, root certificates, certificate checks, proxy); default
    /// `true`. Building a TLS client costs milliseconds, so sessions made per task or per job
    /// connect far faster sharing one, and reuse each other's connections. Only clients
    /// built on the same tokio runtime share (a pooled connection is driven by the runtime
    /// that opened it); a client built outside any runtime, or with an
    /// [`identity_pem`](Self::identity_pem), never shares. `false` gives this client a
    /// transport of its own (e.g. to keep its connections apart); the proxy environment is
    /// read when a transport is made.
    pub fn share_transport(mut self, share: bool) -> Self {
        self.share_transport = share;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a bad base URL, header, certificate, identity or proxy.
    pub fn build(self) -> Result<Client> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let base = BaseUrl::parse(&self.base_url)?;
        if self.accept_invalid_certs {
            tracing::warn!(
                base_url = %base,
                "TLS certificate verification is OFF (danger_accept_invalid_certs): the auth token can be intercepted"
            );
        }
        // Built outside a runtime, the client cannot know which runtime will drive its
        // connections: it keeps them to itself.
        let runtime = tokio::runtime::Handle::try_current().ok().map(|h| h.id());
        let http = if let Some(runtime) = runtime
            && self.share_transport
            && self.identity_pem.is_none()
        {
            let key = TransportKey {
                process: std::process::id(),
                runtime,
                connect_timeout: self.connect_timeout,
                user_agent: self.user_agent.clone(),
                root_certs: self.root_certs.clone(),
                accept_invalid_certs: self.accept_invalid_certs,
                proxy: self.proxy.clone(),
                no_proxy: self.no_proxy,
            };
            crate::shared::transport(key, || self.http())?
        } else {
            Arc::new(self.http()?)
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                base,
                default_headers: self.headers,
                timeout: self.timeout,
                max_redirects: self.max_redirects,
                max_body_bytes: self.max_body_bytes,
                budget: self.retry.new_budget(),
                retry: self.retry,
                auth: self.auth,
            }),
        })
    }

    /// The HTTP client of these settings.
    fn http(&self) -> Result<reqwest::Client> {
        let mut http = reqwest::Client::builder()
            // Redirects are followed by us, so the token never leaves the base origin.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.as_str())
            .tls_danger_accept_invalid_certs(self.accept_invalid_certs);
        for pem in &self.root_certs {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|certs| !certs.is_empty())
                .ok_or_else(|| {
                    Error::config(
                        "the root certificate holds no PEM certificate: pass the CA file's contents (-----BEGIN CERTIFICATE-----…)",
                    )
                })?;
            for cert in certs {
                http = http.add_root_certificate(cert);
            }
        }
        if let Some(pem) = &self.identity_pem {
            let id = reqwest::Identity::from_pem(pem).map_err(|_| {
                Error::config(
                    "the client identity is not valid PEM: pass one buffer holding the certificate and its private key",
                )
            })?;
            http = http.identity(id);
        }
        if let Some(proxy) = &self.proxy {
            let p = reqwest::Proxy::all(proxy.as_str()).map_err(|_| {
                Error::config("invalid proxy URL: expected e.g. http://proxy.example.com:3128")
            })?;
            http = http.proxy(p);
        } else if self.no_proxy {
            http = http.no_proxy();
        }
        http.build().map_err(|e| {
            Error::Config(mstr_rest_error::ConfigError::new(format!(
                "the HTTP client could not be built: {e}"
            )))
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &crate::redact::redact_url(&self.base_url))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("default_headers", &self.headers.keys().collect::<Vec<_>>())
            .field("root_certs", &self.root_certs.len())
            .field(
                "identity",
                &self.identity_pem.as_ref().map(|_| "** redacted **"),
            )
            .field("danger_accept_invalid_certs", &self.accept_invalid_certs)
            .field("proxy", &self.proxy.as_ref().map(|_| "** set **"))
            .field("max_redirects", &self.max_redirects)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("retry", &self.retry)
            .field("auth_layer", &self.auth.is_some())
            .field("share_transport", &self.share_transport)
            .finish()
    }
}
