//! [`Client`]: the shared transport state behind every request of a session.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method};
use mstr_rest_error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};

use crate::base_url::BaseUrl;
use crate::builder::ClientBuilder;
use crate::cookies::CookieJar;
use crate::request::RequestBuilder;

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
    token: RwLock<Option<AuthToken>>,
    cookies: Mutex<CookieJar>,
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
    ) -> ClientInner {
        ClientInner {
            http,
            base,
            default_headers,
            timeout,
            max_redirects,
            token: RwLock::new(None),
            cookies: Mutex::new(CookieJar::default()),
        }
    }

    pub(crate) fn token_header(&self) -> Option<HeaderValue> {
        read(&self.token).as_ref().map(|t| t.header.clone())
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
        *write(&self.inner.token) = Some(AuthToken {
            secret: token,
            header,
        });
        Ok(())
    }

    /// Forgets the token.
    pub fn clear_auth_token(&self) {
        *write(&self.inner.token) = None;
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
    pub fn set_cookie(&self, name: &str, value: SecretString) {
        self.inner.jar().insert(name, value);
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
            .finish()
    }
}
