//! [`Client`]: the shared transport state behind every request of a session.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use futures_util::future::BoxFuture;

use http::{HeaderMap, HeaderValue, Method};
use mstr_rest_error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};

use crate::base_url::BaseUrl;
use crate::builder::ClientBuilder;
use crate::cookies::CookieJar;
use crate::request::RequestBuilder;
use crate::retry::{RetryBudget, RetryPolicy};

/// Logs in again when the server says the session expired (`ERR009`).
///
/// The transport knows nothing of credentials: the session layer installs this hook with
/// [`Client::set_reauthenticator`]. When a request sent with the token of generation
/// `stale` fails with `ERR009`, the transport calls the hook once and, if it succeeds,
/// sends the request again with the new token. Implementations must be single flight:
/// when [`Client::token_generation`] has moved past `stale`, another request already
/// logged in again, and the hook returns at once.
pub trait Reauthenticate: Send + Sync {
    /// Replaces the expired token of generation `stale` with a fresh one.
    fn reauthenticate(&self, stale: u64) -> BoxFuture<'_, Result<()>>;
}

/// The header carrying the session token.
pub const AUTH_TOKEN_HEADER: &str = "X-MSTR-AuthToken";
/// The header naming the project of a project-scoped call.
pub const PROJECT_ID_HEADER: &str = "X-MSTR-ProjectID";

/// An HTTP client bound to one MicroStrategy base URL, holding that session's token and
/// cookies.
///
/// Cloning is cheap (an `Arc`), and clones share the token, the cookies and the connection
/// pool: clone it into tasks rather than wrapping it in another `Arc`.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: BaseUrl,
    pub(crate) default_headers: HeaderMap,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_redirects: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: RetryBudget,
    token: RwLock<Option<AuthToken>>,
    generation: AtomicU64,
    cookies: Mutex<CookieJar>,
    reauth: RwLock<Option<Arc<dyn Reauthenticate>>>,
}

struct AuthToken {
    secret: SecretString,
    header: HeaderValue,
}

impl ClientInner {
    pub(crate) fn new(
        http: reqwest::Client,
        base: BaseUrl,
        default_headers: HeaderMap,
        timeout: Option<Duration>,
        max_redirects: usize,
        max_body_bytes: usize,
        retry: RetryPolicy,
    ) -> ClientInner {
        ClientInner {
            http,
            base,
            default_headers,
            timeout,
            max_redirects,
            max_body_bytes,
            budget: retry.new_budget(),
            retry,
            token: RwLock::new(None),
            generation: AtomicU64::new(0),
            cookies: Mutex::new(CookieJar::default()),
            reauth: RwLock::new(None),
        }
    }

    /// The token header and its generation, read together.
    pub(crate) fn token_header(&self) -> Option<(HeaderValue, u64)> {
        let token = read(&self.token);
        token
            .as_ref()
            .map(|t| (t.header.clone(), self.generation.load(Ordering::SeqCst)))
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn reauthenticator(&self) -> Option<Arc<dyn Reauthenticate>> {
        read(&self.reauth).clone()
    }

    /// Drops the token the server just called expired — unless a newer one replaced it.
    pub(crate) fn expire_token(&self, generation: u64) {
        let mut token = write(&self.token);
        if self.generation.load(Ordering::SeqCst) == generation {
            *token = None;
        }
    }

    pub(crate) fn jar(&self) -> MutexGuard<'_, CookieJar> {
        // A panic while the jar was held leaves it consistent (each method finishes its
        // mutation before it can panic), so poisoning is not a reason to fail.
        self.cookies.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
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

    /// A `GET` request to `path`.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// A `POST` request to `path`.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// A `PUT` request to `path`.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    /// A `PATCH` request to `path`.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    /// A `DELETE` request to `path`.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// Sets the token sent as `X-MSTR-AuthToken` on later requests to the base origin.
    ///
    /// # Errors
    /// [`Error::Decode`] when the token is not a valid header value (the server sent
    /// something unusable); the previous token is kept.
    pub fn set_auth_token(&self, token: SecretString) -> Result<()> {
        let mut header = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
            Error::decode("the X-MSTR-AuthToken the server sent is not a valid header value")
        })?;
        header.set_sensitive(true);
        let mut slot = write(&self.inner.token);
        *slot = Some(AuthToken {
            secret: token,
            header,
        });
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Forgets the token.
    pub fn clear_auth_token(&self) {
        let mut slot = write(&self.inner.token);
        *slot = None;
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts token changes: every [`set_auth_token`](Self::set_auth_token) and
    /// [`clear_auth_token`](Self::clear_auth_token) moves it on. See [`Reauthenticate`].
    pub fn token_generation(&self) -> u64 {
        self.inner.generation()
    }

    /// Installs the hook that logs in again after `ERR009` (see [`Reauthenticate`]).
    /// Hold only a weak reference to anything that owns this client, or neither is freed.
    pub fn set_reauthenticator(&self, hook: Arc<dyn Reauthenticate>) {
        *write(&self.inner.reauth) = Some(hook);
    }

    /// The retry policy requests use unless they set their own.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// True when a token is held. Sends nothing; the server may still have expired it.
    pub fn has_auth_token(&self) -> bool {
        read(&self.inner.token).is_some()
    }

    /// The token, for handing the session to another process.
    pub fn auth_token(&self) -> Option<SecretString> {
        read(&self.inner.token).as_ref().map(|t| t.secret.clone())
    }

    /// Name and value of each cookie held for the base origin.
    pub fn cookies(&self) -> Vec<(String, SecretString)> {
        self.inner.jar().list()
    }

    /// Adds a cookie for the base origin (path `/`), e.g. when restoring a saved session.
    ///
    /// # Errors
    /// [`Error::Config`] naming the cookie (never its value) when it cannot be sent: a name
    /// that is not an HTTP token, a value with a space, control character or `;`, or more
    /// than [`MAX_COOKIE_BYTES`](crate::MAX_COOKIE_BYTES) bytes. Nothing is stored then.
    pub fn set_cookie(&self, name: &str, value: SecretString) -> Result<()> {
        self.inner.jar().insert(name, value).map_err(|why| {
            Error::config(format!(
                "the cookie {} cannot be sent: {why}",
                crate::redact::printable(name)
            ))
        })
    }

    /// Drops every cookie, so the next login starts a fresh HTTP session.
    pub fn clear_cookies(&self) {
        self.inner.jar().clear();
    }

    /// The headers sent with every request (besides the token and cookies).
    pub fn default_headers(&self) -> &HeaderMap {
        &self.inner.default_headers
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field(
                "auth_token",
                &self.has_auth_token().then_some("** redacted **"),
            )
            .field("cookies", &*self.inner.jar())
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish()
    }
}
