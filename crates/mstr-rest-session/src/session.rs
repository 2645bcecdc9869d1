//! [`Session`]: a logged-in (or not yet) conversation with one MicroStrategy server.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use mstr_rest_core::{AUTH_TOKEN_HEADER, Client, ClientBuilder, Method, RequestBuilder};
use mstr_rest_error::{Error, Result};
use secrecy::SecretString;
use tracing::Instrument;

use crate::credentials::{Credentials, DelegateBody, LoginBody};
use crate::keepalive::{KeepAlive, Ticks};
use crate::project::{Project, UserInfo};
use crate::relogin::{Hook, Recipe};

/// The header in which `POST auth/identityToken` returns the new identity token.
pub const IDENTITY_TOKEN_HEADER: &str = "X-MSTR-IdentityToken";

/// The `applicationType` sent at login unless set otherwise: 8, as the Python library sends.
pub const DEFAULT_APPLICATION_TYPE: i32 = 8;

/// One MicroStrategy session: log in, call any endpoint, log out.
///
/// A `Session` is a handle: cloning is cheap and clones share the token, cookies and
/// project cache, so hand clones to tasks. Every method takes `&self`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
/// # let emulator = mstr_rest_emulator::Emulator::start().await;
/// use mstr_rest_session::{Credentials, Session};
/// let session = Session::builder(emulator.base_url()).build()?;
/// session.login(Credentials::standard("dave", "hellodave")).await?;
/// let id = session.project_id("MicroStrategy Tutorial").await?.expect("a known project");
/// let info: serde_json::Value = session.get("sessions/projectId").project(&id).send().await?.json().await?;
/// assert!(info["id"].is_string());
/// session.logout().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    client: Client,
    application_type: i32,
    projects: RwLock<Option<Arc<Vec<Project>>>>,
    recipe: RwLock<Option<Recipe>>,
    /// Held while logging in again: the single flight of re-logins.
    pub(crate) relogin_flight: tokio::sync::Mutex<()>,
    keepalive: KeepAlive,
}

/// Builds a [`Session`]; every transport setting of [`ClientBuilder`] is here too.
/// Setters never fail: [`build`](SessionBuilder::build) reports the first bad value.
#[must_use = "a builder does nothing until .build() is called"]
pub struct SessionBuilder {
    client: ClientBuilder,
    application_type: i32,
    relogin: Option<Credentials>,
    keepalive: Option<Ticks>,
}

impl SessionBuilder {
    /// Whole-request timeout; default [`mstr_rest_core::DEFAULT_TIMEOUT`] (120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client = self.client.timeout(timeout);
        self
    }

    /// No whole-request timeout (the connect timeout still applies).
    pub fn no_timeout(mut self) -> Self {
        self.client = self.client.no_timeout();
        self
    }

    /// Connect timeout; default [`mstr_rest_core::DEFAULT_CONNECT_TIMEOUT`] (10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.client = self.client.connect_timeout(timeout);
        self
    }

    /// The `User-Agent`; default `mstr-rest/<version>`.
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.client = self.client.user_agent(value);
        self
    }

    /// A header sent on every request (to the base origin only, for `X-MSTR-*` names).
    pub fn default_header(mut self, name: &str, value: &str) -> Self {
        self.client = self.client.default_header(name, value);
        self
    }

    /// Trusts an extra root certificate (PEM).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.client = self.client.add_root_certificate_pem(pem);
        self
    }

    /// A client certificate and key (PEM) for mutual TLS.
    pub fn identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.client = self.client.identity_pem(pem);
        self
    }

    /// Accepts any server certificate. **Dangerous**; logs a warning at `build()`.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.client = self.client.danger_accept_invalid_certs(accept);
        self
    }

    /// Sends every request through this proxy.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.proxy(url);
        self
    }

    /// Ignores proxy settings from the environment.
    pub fn no_proxy(mut self) -> Self {
        self.client = self.client.no_proxy();
        self
    }

    /// How many redirects to follow (default 10).
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.client = self.client.max_redirects(n);
        self
    }

    /// The largest response body read whole (default 256 MiB, decompressed); see
    /// [`ClientBuilder::max_body_bytes`].
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.client = self.client.max_body_bytes(bytes);
        self
    }

    /// The `applicationType` sent at login (default [`DEFAULT_APPLICATION_TYPE`], 8;
    /// mstrio sends 76, the Library web client 35).
    pub fn application_type(mut self, application_type: i32) -> Self {
        self.application_type = application_type;
        self
    }

    /// How transient failures are retried (default: 2 retries with back-off, idempotent
    /// requests only; see [`RetryPolicy`](mstr_rest_core::RetryPolicy)).
    pub fn retry(mut self, policy: mstr_rest_core::RetryPolicy) -> Self {
        self.client = self.client.retry(policy);
        self
    }

    /// Logs in again with `credentials` when the server expires the session (`ERR009`),
    /// then replays the request that found out — once. Concurrent requests share one
    /// login. Off by default for a plain `Session` (an
    /// [`AuthenticatedSession`](crate::AuthenticatedSession) does it from its sources).
    pub fn relogin(mut self, credentials: Credentials) -> Self {
        self.relogin = Some(credentials);
        self
    }

    /// Sends `PUT sessions` every `period` while logged in, so an idle session is not
    /// expired by the server. Stops on logout and when the last handle is dropped.
    /// `build()` refuses a period outside [`MIN_KEEPALIVE`](crate::MIN_KEEPALIVE) (1 s) to
    /// [`MAX_KEEPALIVE`](crate::MAX_KEEPALIVE) (24 h).
    pub fn keepalive(mut self, period: Duration) -> Self {
        self.keepalive = Some(Ticks::Every(period));
        self
    }

    /// Drives the keep-alive by hand, one `PUT sessions` per message: for tests, which must
    /// not wait for real time to pass. The task ends (and drops `ticks`) on logout.
    pub fn keepalive_ticks(mut self, ticks: tokio::sync::mpsc::Receiver<()>) -> Self {
        self.keepalive = Some(Ticks::Manual(ticks));
        self
    }

    /// Builds the session (not logged in yet).
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad value: a base URL without `http(s)` scheme or host,
    /// an invalid header, certificate or proxy, a keep-alive period that cannot work.
    pub fn build(self) -> Result<Session> {
        if let Some(ticks) = &self.keepalive {
            ticks.check()?;
        }
        let session =
            Session::from_parts(self.client.build()?, self.application_type, self.keepalive);
        if let Some(credentials) = self.relogin {
            session.install_recipe(Recipe::Fixed(credentials));
        }
        Ok(session)
    }
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("client", &self.client)
            .field("application_type", &self.application_type)
            .field("relogin", &self.relogin.as_ref().map(Credentials::mode))
            .field("keepalive", &self.keepalive.is_some())
            .finish()
    }
}

impl Session {
    /// Starts a builder for `base_url`, e.g.
    /// `https://env.example.com/MicroStrategyLibrary/api/` (a missing trailing `/` is added).
    pub fn builder(base_url: impl Into<String>) -> SessionBuilder {
        SessionBuilder {
            client: Client::builder(base_url),
            application_type: DEFAULT_APPLICATION_TYPE,
            relogin: None,
            keepalive: None,
        }
    }

    /// The transport underneath: base URL, token and cookies.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// A request with any method to `path` (relative to the base URL, or absolute).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.inner.client.request(method, path)
    }

    /// A `GET` request.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.inner.client.get(path)
    }

    /// A `POST` request.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.inner.client.post(path)
    }

    /// A `PUT` request.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.inner.client.put(path)
    }

    /// A `PATCH` request.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.inner.client.patch(path)
    }

    /// A `DELETE` request.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.inner.client.delete(path)
    }

    /// Logs in. Identity-token credentials delegate ([`delegate`](Self::delegate)).
    ///
    /// The request carries no old token or cookie, so a stale HTTP session never leaks
    /// into the new one; the server's `X-MSTR-AuthToken` and `JSESSIONID` are kept on
    /// success. On failure the previous state is left as it was.
    ///
    /// # Errors
    /// [`Error::Api`] with [`ApiErrorKind::LoginFailure`](crate::ApiErrorKind::LoginFailure)
    /// when refused; [`Error::Decode`] when the server answers 2xx without a token;
    /// [`Error::Transport`].
    pub async fn login(&self, credentials: Credentials) -> Result<()> {
        self.login_inner(credentials).await?;
        self.inner.keepalive.start(Arc::downgrade(&self.inner));
        Ok(())
    }

    pub(crate) async fn login_inner(&self, credentials: Credentials) -> Result<()> {
        let Some(body) = LoginBody::new(&credentials, self.inner.application_type) else {
            let Credentials::IdentityToken(token) = credentials else {
                return Err(Error::config("these credentials cannot log in"));
            };
            return self.delegate_inner(token).await;
        };
        let mode = credentials.mode();
        async {
            let resp = self
                .post("auth/login")
                .without_auth()
                .json(&body)
                .send()
                .await?;
            self.adopt_token(&resp, "auth/login")
        }
        .instrument(tracing::debug_span!("mstr_rest.login", mode = ?mode))
        .await
    }

    /// Logs in with an identity token created by another session: `POST auth/delegate`.
    /// The new session shares the other one's Intelligence Server session.
    ///
    /// # Errors
    /// As [`login`](Self::login).
    pub async fn delegate(&self, identity_token: impl Into<SecretString>) -> Result<()> {
        self.delegate_inner(identity_token.into()).await?;
        self.inner.keepalive.start(Arc::downgrade(&self.inner));
        Ok(())
    }

    async fn delegate_inner(&self, token: SecretString) -> Result<()> {
        async {
            let resp = self
                .post("auth/delegate")
                .without_auth()
                .json(&DelegateBody::new(&token))
                .send()
                .await?;
            self.adopt_token(&resp, "auth/delegate")
        }
        .instrument(tracing::debug_span!("mstr_rest.delegate"))
        .await
    }

    fn adopt_token(&self, resp: &mstr_rest_core::Response, endpoint: &str) -> Result<()> {
        let token = resp.header(AUTH_TOKEN_HEADER).ok_or_else(|| {
            Error::decode(format!(
                "{endpoint} answered {} without an X-MSTR-AuthToken header; is the base URL the Library's /api/ root?",
                resp.status()
            ))
        })?;
        self.inner
            .client
            .set_auth_token(SecretString::from(token.to_owned()))?;
        self.clear_projects();
        Ok(())
    }

    /// Logs out: `POST auth/logout`, then forgets the token and cookies.
    ///
    /// Does nothing without a token. A server that already dropped the session (`ERR009`)
    /// counts as logged out.
    ///
    /// # Errors
    /// [`Error::Api`] or [`Error::Transport`]; the token is then kept, so you may retry.
    pub async fn logout(&self) -> Result<()> {
        if !self.has_session() {
            return Ok(());
        }
        match self.post("auth/logout").send().await {
            Ok(_) => {}
            Err(e) if e.is_session_expired() => {
                tracing::debug!("logout: the server had already closed the session");
            }
            Err(e) => return Err(e),
        }
        self.forget();
        Ok(())
    }

    /// Forgets the token, the cookies and the project cache without telling the server.
    pub fn forget(&self) {
        self.inner.keepalive.stop();
        self.inner.client.clear_auth_token();
        self.inner.client.clear_cookies();
        self.clear_projects();
    }

    /// True when a token is held. Sends nothing: the server may have expired it.
    pub fn has_session(&self) -> bool {
        self.inner.client.has_auth_token()
    }

    fn require_session(&self) -> Result<()> {
        if self.has_session() {
            Ok(())
        } else {
            Err(Error::NotLoggedIn)
        }
    }

    /// `GET sessions`: the session as the server sees it.
    ///
    /// # Errors
    /// [`Error::NotLoggedIn`] (nothing sent) without a token; [`Error::Api`] with kind
    /// `Session` when it expired.
    pub async fn session_info(&self) -> Result<serde_json::Value> {
        self.require_session()?;
        self.get("sessions").send().await?.json().await
    }

    /// `PUT sessions`: resets the server's idle timers.
    ///
    /// # Errors
    /// As [`session_info`](Self::session_info).
    pub async fn extend_session(&self) -> Result<()> {
        self.require_session()?;
        self.put("sessions").send().await?;
        Ok(())
    }

    /// `GET sessions/userInfo`: who is logged in.
    ///
    /// # Errors
    /// As [`session_info`](Self::session_info), plus [`Error::Decode`] for an unexpected body.
    pub async fn user_info(&self) -> Result<UserInfo> {
        self.require_session()?;
        self.get("sessions/userInfo").send().await?.json().await
    }

    /// `POST auth/identityToken`: a short-lived token another application can
    /// [`delegate`](Self::delegate) with, to share this session.
    ///
    /// # Errors
    /// As [`session_info`](Self::session_info), plus [`Error::Decode`] when the answer has
    /// no `X-MSTR-IdentityToken` header.
    pub async fn create_identity_token(&self) -> Result<SecretString> {
        self.require_session()?;
        let resp = self.post("auth/identityToken").send().await?;
        let token = resp.header(IDENTITY_TOKEN_HEADER).ok_or_else(|| {
            Error::decode(format!(
                "auth/identityToken answered {} without an X-MSTR-IdentityToken header",
                resp.status()
            ))
        })?;
        Ok(SecretString::from(token.to_owned()))
    }

    /// The projects the user can access, loaded on first use and cached
    /// ([`load_projects`](Self::load_projects) refreshes).
    ///
    /// # Errors
    /// As [`session_info`](Self::session_info).
    pub async fn projects(&self) -> Result<Vec<Project>> {
        if let Some(cached) = &*self
            .inner
            .projects
            .read()
            .unwrap_or_else(PoisonError::into_inner)
        {
            return Ok(cached.to_vec());
        }
        Ok(self.load_projects().await?.to_vec())
    }

    /// `GET projects`, replacing the cache.
    ///
    /// # Errors
    /// As [`session_info`](Self::session_info).
    pub async fn load_projects(&self) -> Result<Vec<Project>> {
        self.require_session()?;
        let projects: Vec<Project> = self.get("projects").send().await?.json().await?;
        *self
            .inner
            .projects
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(projects.clone()));
        Ok(projects)
    }

    /// The id of the project called `name` (case-sensitive), `None` when there is none.
    /// With duplicate names the last one listed wins, as in the Python library.
    ///
    /// # Errors
    /// As [`projects`](Self::projects).
    pub async fn project_id(&self, name: &str) -> Result<Option<String>> {
        let projects = self.projects().await?;
        Ok(projects
            .iter()
            .rev()
            .find(|p| p.name == name)
            .map(|p| p.id.clone()))
    }

    fn clear_projects(&self) {
        *self
            .inner
            .projects
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub(crate) fn from_parts(
        client: Client,
        application_type: i32,
        keepalive: Option<Ticks>,
    ) -> Session {
        Session {
            inner: Arc::new(Inner {
                client,
                application_type,
                projects: RwLock::new(None),
                recipe: RwLock::new(None),
                relogin_flight: tokio::sync::Mutex::new(()),
                keepalive: KeepAlive::new(keepalive),
            }),
        }
    }

    pub(crate) fn relogin_flight(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.relogin_flight
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Session {
        Session { inner }
    }

    /// Turns on re-login after `ERR009` with this recipe.
    pub(crate) fn install_recipe(&self, recipe: Recipe) {
        *self
            .inner
            .recipe
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(recipe);
        self.inner
            .client
            .set_reauthenticator(Arc::new(Hook(Arc::downgrade(&self.inner))));
    }

    pub(crate) fn recipe(&self) -> Option<Recipe> {
        self.inner
            .recipe
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl SessionBuilder {
    pub(crate) fn into_parts(self) -> (ClientBuilder, i32, Option<Ticks>, Option<Credentials>) {
        (
            self.client,
            self.application_type,
            self.keepalive,
            self.relogin,
        )
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("client", &self.inner.client)
            .field("application_type", &self.inner.application_type)
            .finish()
    }
}
