//! [`AuthenticatedSession`]: log in on connect, log out on every way out.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use mstr_rest_error::{CredentialError, Error, Result};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::relogin::{Recipe, SourcePlan};
use crate::session::{Session, SessionBuilder};
use crate::source::{DynSource, SecretSource};

/// A [`Session`] that logs in when made and logs out when done, like the Python
/// library's `AuthenticatedMSTRRESTSession` context manager.
///
/// Every credential — the base URL too — is a [`SecretSource`], resolved lazily at
/// [`connect`](AuthenticatedSessionBuilder::connect), in the order base URL, identity token,
/// API key, user name, password, and **only if the chosen login mode needs it**. The mode is
/// chosen from which sources are set: identity token, else API key, else user name and
/// password, else anonymous.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
/// # let emulator = mstr_rest_emulator::Emulator::start().await;
/// use mstr_rest_session::{AuthenticatedSession, env};
/// # let env = |name: &'static str| env(name).with_lookup(|n| Some(if n == "MSTR_USER" { "dave" } else { "hellodave" }.to_owned()));
/// let projects = AuthenticatedSession::builder()
///     .base_url(emulator.base_url())
///     .username(env("MSTR_USER"))
///     .password(env("MSTR_PASSWORD"))
///     .run(|s| async move { s.projects().await })   // logs out on every path
///     .await?;
/// assert!(!projects.is_empty());
/// # Ok(()) }
/// ```
///
/// Or hold it: `let s = builder.connect().await?; …; s.close().await?;`. Dropping it
/// without `close()` logs out in the background when a tokio runtime is running.
pub struct AuthenticatedSession {
    session: Session,
    logout_on_close: bool,
    closed: bool,
}

/// Configures an [`AuthenticatedSession`]. Nothing is resolved until `connect()`.
#[must_use = "a builder does nothing until .connect() or .run() is awaited"]
pub struct AuthenticatedSessionBuilder {
    base_url: Option<Box<dyn DynSource>>,
    identity_token: Option<Box<dyn DynSource>>,
    api_key: Option<Box<dyn DynSource>>,
    username: Option<Box<dyn DynSource>>,
    password: Option<Box<dyn DynSource>>,
    ldap: bool,
    keep_session_open: bool,
    no_relogin: bool,
    /// The session's settings; its base URL is set once the source is resolved.
    session: SessionBuilder,
}

impl AuthenticatedSession {
    /// Starts a builder.
    pub fn builder() -> AuthenticatedSessionBuilder {
        AuthenticatedSessionBuilder {
            base_url: None,
            identity_token: None,
            api_key: None,
            username: None,
            password: None,
            ldap: false,
            keep_session_open: false,
            no_relogin: false,
            session: Session::builder(""),
        }
    }

    /// A clone of the session handle (it stays usable after `close()`, but logged out).
    pub fn session(&self) -> Session {
        self.session.clone()
    }

    /// Logs out (unless [`logout_on_close(false)`](AuthenticatedSessionBuilder::logout_on_close)).
    ///
    /// # Errors
    /// The logout's [`Error::Api`] or [`Error::Transport`]. The session is considered
    /// closed either way: `Drop` will not try again.
    pub async fn close(mut self) -> Result<()> {
        self.closed = true;
        if self.logout_on_close {
            self.session.logout().await
        } else {
            Ok(())
        }
    }
}

impl Deref for AuthenticatedSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl Drop for AuthenticatedSession {
    fn drop(&mut self) {
        if self.closed || !self.logout_on_close || !self.session.has_session() {
            return;
        }
        // Best effort: without a runtime there is no way to send, and Drop must not panic.
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let session = self.session.clone();
                handle.spawn(
                    async move {
                        if let Err(e) = session.logout().await {
                            tracing::warn!(error = %e, "logout on drop failed");
                        }
                    }
                    .instrument(tracing::debug_span!("mstr_rest.logout_on_drop")),
                );
            }
            Err(_) => tracing::warn!(
                "AuthenticatedSession dropped outside a tokio runtime without close(): the server session stays open until it times out"
            ),
        }
    }
}

impl fmt::Debug for AuthenticatedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatedSession")
            .field("session", &self.session)
            .field("logout_on_close", &self.logout_on_close)
            .field("closed", &self.closed)
            .finish()
    }
}

impl AuthenticatedSessionBuilder {
    /// Where the base URL comes from (required).
    pub fn base_url(mut self, source: impl SecretSource + 'static) -> Self {
        self.base_url = Some(Box::new(source));
        self
    }

    /// The user name (with [`password`](Self::password)).
    pub fn username(mut self, source: impl SecretSource + 'static) -> Self {
        self.username = Some(Box::new(source));
        self
    }

    /// The password (with [`username`](Self::username)).
    pub fn password(mut self, source: impl SecretSource + 'static) -> Self {
        self.password = Some(Box::new(source));
        self
    }

    /// An API key; wins over user name and password.
    pub fn api_key(mut self, source: impl SecretSource + 'static) -> Self {
        self.api_key = Some(Box::new(source));
        self
    }

    /// An identity token to delegate with; wins over everything else.
    pub fn identity_token(mut self, source: impl SecretSource + 'static) -> Self {
        self.identity_token = Some(Box::new(source));
        self
    }

    /// Logs the user name and password in as an LDAP user (mode 16) instead of a
    /// standard one (mode 1).
    pub fn ldap(mut self, ldap: bool) -> Self {
        self.ldap = ldap;
        self
    }

    /// Whether `close()`, `run()` and `Drop` log out; default true, delegated sessions
    /// included (the Python library never logs those out; set false to keep the shared
    /// server session open for the application that made the token).
    pub fn logout_on_close(mut self, logout: bool) -> Self {
        self.keep_session_open = !logout;
        self
    }

    /// Whether to log in again from the sources when the server expires the session
    /// (`ERR009`) and replay the request; default true. A re-login the server refuses
    /// makes the sources forget cached values and tries once more, so a rotated password
    /// is picked up without a restart. A delegated session resolves its identity-token
    /// source anew and delegates again (identity tokens are single use: a source that hands
    /// out the used token gets the server's refusal, returned to the caller, never looped).
    pub fn relogin(mut self, relogin: bool) -> Self {
        self.no_relogin = !relogin;
        self
    }

    /// Adjusts the session's settings — transport (timeouts, TLS, proxy), keep-alive,
    /// application type — before it is built; the base URL comes from its source.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = mstr_rest_session::AuthenticatedSession::builder().session(|s| {
    ///     s.transport(|t| t.timeout(Duration::from_secs(30)))
    ///         .keepalive(Duration::from_secs(600))
    /// });
    /// # let _ = builder;
    /// ```
    pub fn session(mut self, configure: impl FnOnce(SessionBuilder) -> SessionBuilder) -> Self {
        self.session = configure(self.session);
        self
    }

    /// Resolves the sources the chosen mode needs and logs in.
    ///
    /// # Errors
    /// - [`Error::Config`] when no base URL is set, the URL is invalid, or a user name comes
    ///   without a password (or the reverse) — before anything is resolved or sent;
    /// - [`Error::Credential`] naming the field and source that failed; later sources are
    ///   not resolved;
    /// - the login's [`Error::Api`] / [`Error::Transport`].
    pub async fn connect(self) -> Result<AuthenticatedSession> {
        let AuthenticatedSessionBuilder {
            base_url,
            identity_token,
            api_key,
            username,
            password,
            ldap,
            keep_session_open,
            no_relogin,
            session: builder,
        } = self;
        let base_url = base_url
            .ok_or_else(|| Error::config("no base URL: call .base_url(..) on the builder"))?;
        // Settings that cannot work are refused before any source is resolved.
        builder.check()?;
        match (&identity_token, &api_key, &username, &password) {
            (None, None, Some(_), None) => {
                return Err(Error::config(
                    "a username was given without a password: add .password(..), or use .api_key(..) for an API key",
                ));
            }
            (None, None, None, Some(_)) => {
                return Err(Error::config(
                    "a password was given without a username: add .username(..)",
                ));
            }
            _ => {}
        }
        // Only the sources of the chosen mode are kept, so the others are never resolved.
        let plan = match identity_token {
            Some(t) => SourcePlan {
                identity_token: Some(t),
                api_key: None,
                username: None,
                password: None,
                ldap,
            },
            None if api_key.is_some() => SourcePlan {
                identity_token: None,
                api_key,
                username: None,
                password: None,
                ldap,
            },
            None => SourcePlan {
                identity_token: None,
                api_key: None,
                username,
                password,
                ldap,
            },
        };

        let base_url = resolve("base_url", &*base_url).await?;
        let credentials = plan.credentials().await?;

        let session = builder.base_url(base_url.expose_secret()).build()?;
        session.login(credentials).await?;
        if !no_relogin {
            session.install_recipe(Recipe::Sources(Arc::new(plan)));
        }
        Ok(AuthenticatedSession {
            session,
            logout_on_close: !keep_session_open,
            closed: false,
        })
    }

    /// Connects, runs `f` with the session, and logs out — after success, after an error,
    /// and after a panic in `f` (which is then resumed). Returns `f`'s result; if `f`
    /// succeeded but the logout failed, the logout's error.
    ///
    /// # Errors
    /// Those of [`connect`](Self::connect), of `f`, or of the logout.
    pub async fn run<F, Fut, T>(self, f: F) -> Result<T>
    where
        F: FnOnce(Session) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let session = self.connect().await?;
        let outcome = AssertUnwindSafe(f(session.session())).catch_unwind().await;
        let logout = session.close().await;
        finish_run(outcome, logout)
    }
}

/// What `run(..)` returns once it logged out: a panic of the closure resumed, its error
/// (a failed logout after it only logged), else the logout's outcome. Shared by the blocking
/// `run`; not part of the API.
#[doc(hidden)]
pub fn finish_run<T>(outcome: std::thread::Result<Result<T>>, logout: Result<()>) -> Result<T> {
    match outcome {
        Err(panic) => std::panic::resume_unwind(panic),
        Ok(Ok(value)) => logout.map(|()| value),
        Ok(Err(e)) => {
            if let Err(logout_err) = logout {
                tracing::warn!(error = %logout_err, "logout after a failed run() also failed");
            }
            Err(e)
        }
    }
}

pub(crate) async fn resolve(field: &'static str, source: &dyn DynSource) -> Result<SecretString> {
    let described = source.describe_dyn();
    source
        .resolve_boxed()
        .instrument(tracing::debug_span!("mstr_rest.resolve", field, source = %described))
        .await
        .map_err(|e: CredentialError| {
            let e = if e.field().is_some() {
                e
            } else {
                e.for_field(field)
            };
            Error::Credential(e)
        })
}

impl fmt::Debug for AuthenticatedSessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let describe = |s: &Option<Box<dyn DynSource>>| -> Option<Cow<'static, str>> {
            s.as_ref().map(|s| s.describe_dyn())
        };
        f.debug_struct("AuthenticatedSessionBuilder")
            .field("base_url", &describe(&self.base_url))
            .field("identity_token", &describe(&self.identity_token))
            .field("api_key", &describe(&self.api_key))
            .field("username", &describe(&self.username))
            .field("password", &describe(&self.password))
            .field("ldap", &self.ldap)
            .field("logout_on_close", &!self.keep_session_open)
            .field("relogin", &!self.no_relogin)
            .field("session", &self.session)
            .finish()
    }
}
