//! [`Session`]: a logged-in (or not yet) conversation with one MicroStrategy server.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use mstr_rest_core::{Client, ClientBuilder, Method, RequestBuilder};
use mstr_rest_error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::auth::{AUTH_TOKEN_HEADER, AuthState};
use crate::credentials::{Credentials, DelegateBody, LoginBody};
use crate::keepalive::{KeepAlive, Ticks};
use crate::project::{Project, UserInfo};
use crate::relogin::Recipe;

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
    auth: Arc<AuthState>,
    application_type: i32,
    projects: RwLock<Option<Arc<Vec<Project>>>>,
    recipe: RwLock<Option<Recipe>>,
    /// Held while logging in again: the single flight of re-logins.
    pub(crate) relogin_flight: tokio::sync::Mutex<()>,
    keepalive: KeepAlive,
}

/// Builds a [`Session`]. Setters never fail: [`build`](SessionBuilder::build) reports the
/// first bad value.
///
/// The transport's settings — timeouts, TLS, proxy, headers, retries, limits — are those of
/// [`ClientBuilder`], reached with [`transport`](Self::transport); the session's own are here.
/// The same builder makes a blocking session (`build_blocking`, feature `blocking`).
///
/// ```
/// # use std::time::Duration;
/// use mstr_rest_session::Session;
/// let session = Session::builder("https://env.example.com/MicroStrategyLibrary/api/")
///     .transport(|t| t.timeout(Duration::from_secs(30)).max_redirects(3))
///     .keepalive(Duration::from_secs(600))
///     .build()?;
/// # drop(session);
/// # Ok::<(), mstr_rest_session::Error>(())
/// ```
#[must_use = "a builder does nothing until .build() is called"]
pub struct SessionBuilder {
    client: ClientBuilder,
    application_type: i32,
    relogin: Option<Credentials>,
    keepalive: Option<Ticks>,
}

impl SessionBuilder {
    /// Adjusts the transport settings (see [`ClientBuilder`]): `|t| t.timeout(..).proxy(..)`.
    pub fn transport(mut self, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        self.client = configure(self.client);
        self
    }

    /// The `applicationType` sent at login (default [`DEFAULT_APPLICATION_TYPE`], 8;
    /// mstrio sends 76, the Library web client 35).
    pub fn application_type(mut self, application_type: i32) -> Self {
        self.application_type = application_type;
        self
    }

    /// Logs in again with `credentials` when the server expires the session (`ERR009`),
    /// then replays the request that found out — once. Concurrent requests share one
    /// login. Off by default for a plain `Session` (an
    /// [`AuthenticatedSession`](crate::AuthenticatedSession) does it from its sources).
    pub fn relogin_with(mut self, credentials: Credentials) -> Self {
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
    #[cfg(any(test, feature = "test-util"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn keepalive_ticks(mut self, ticks: tokio::sync::mpsc::Receiver<()>) -> Self {
        self.keepalive = Some(Ticks::Manual(ticks));
        self
    }

    /// Refuses settings that cannot work, before anything is resolved or sent.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.keepalive {
            Some(ticks) => ticks.check(),
            None => Ok(()),
        }
    }

    pub(crate) fn base_url(mut self, base_url: &str) -> Self {
        self.client = self.client.base_url(base_url);
        self
    }

    /// Builds the session (not logged in yet).
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad value: a base URL without `http(s)` scheme or host,
    /// an invalid header, certificate or proxy, a keep-alive period that cannot work.
    pub fn build(self) -> Result<Session> {
        self.check()?;
        let auth = Arc::new(AuthState::default());
        let client = self.client.auth_layer(auth.clone()).build()?;
        let session = Session {
            inner: Arc::new(Inner {
                client,
                auth,
                application_type: self.application_type,
                projects: RwLock::new(None),
                recipe: RwLock::new(None),
                relogin_flight: tokio::sync::Mutex::new(()),
                keepalive: KeepAlive::new(self.keepalive),
            }),
        };
        session.inner.auth.bind(Arc::downgrade(&session.inner));
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

    /// The transport underneath (base URL, settings). It signs requests with this session's
    /// credentials but offers no way to change them: only the session's methods do.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The token, when one is held: the secret [`to_json`](Self::to_json) saves.
    pub fn auth_token(&self) -> Option<SecretString> {
        self.inner.auth.token()
    }

    /// Name and value of each cookie the session holds for the base origin.
    pub fn cookies(&self) -> Vec<(String, SecretString)> {
        self.inner.auth.jar().list()
    }

    /// A request with any method to `path` (relative to the base URL, or absolute).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.inner.client.request(method, path)
    }

    mstr_rest_core::__http_verbs!(RequestBuilder);

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
            .auth
            .set_token(SecretString::from(token.to_owned()))?;
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
        self.inner.auth.clear();
        self.clear_projects();
    }

    /// True when a token is held. Sends nothing: the server may have expired it.
    pub fn has_session(&self) -> bool {
        self.inner.auth.has_token()
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

    /// `GET auth/identityToken`: the id of the user an identity token stands for, without
    /// using it up. The token is sent as a sensitive header.
    ///
    /// # Errors
    /// [`Error::Api`] (`ERR003`) for an unknown or used token; [`Error::Config`] for a
    /// token that is not a valid header value.
    pub async fn identity_token_user(&self, identity_token: &SecretString) -> Result<String> {
        let mut header = mstr_rest_core::HeaderValue::from_str(identity_token.expose_secret())
            .map_err(|_| Error::config("the identity token is not a valid header value"))?;
        header.set_sensitive(true);
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Checked {
            user_id: String,
        }
        let checked: Checked = self
            .get("auth/identityToken")
            .header(IDENTITY_TOKEN_HEADER, header)
            .send()
            .await?
            .json()
            .await?;
        Ok(checked.user_id)
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

    /// `GET projects/{name}`: one project by name (or id), asked of the server (not the
    /// cache).
    ///
    /// # Errors
    /// [`Error::Api`] (`ERR004`) for an unknown project; [`Error::Config`] for a name that
    /// is not one (empty, `.`, `..`); as [`session_info`](Self::session_info).
    pub async fn project(&self, name_or_id: &str) -> Result<Project> {
        let segment = mstr_rest_core::segment("project name or id", name_or_id)?;
        self.get(&format!("projects/{segment}"))
            .send()
            .await?
            .json()
            .await
    }

    fn clear_projects(&self) {
        *self
            .inner
            .projects
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub(crate) fn auth(&self) -> &AuthState {
        &self.inner.auth
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
    }

    pub(crate) fn recipe(&self) -> Option<Recipe> {
        self.inner
            .recipe
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("client", &self.inner.client)
            .field("auth", &self.inner.auth)
            .field("application_type", &self.inner.application_type)
            .finish()
    }
}
