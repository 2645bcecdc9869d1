//! The blocking [`Session`] and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mstr_rest_core::{Method, RetryPolicy};
use mstr_rest_error::Result;
use secrecy::SecretString;

use super::request::RequestBuilder;
use super::worker::Worker;
use crate::{Credentials, Project, UserInfo};

/// A blocking MicroStrategy session: the methods of the async [`Session`](crate::Session),
/// run on a dedicated runtime thread (see the [module docs](super)).
#[derive(Clone)]
pub struct Session {
    inner: crate::Session,
    worker: Arc<Worker>,
}

/// Builds a blocking [`Session`]; the setters of the async
/// [`SessionBuilder`](crate::SessionBuilder).
#[must_use = "a builder does nothing until .build() is called"]
pub struct SessionBuilder {
    inner: crate::SessionBuilder,
}

macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                Self { inner: self.inner.$name($($arg),*) }
            }
        )*
    };
}

impl SessionBuilder {
    forward! {
        /// The whole-request timeout.
        timeout(timeout: Duration);
        /// No whole-request timeout.
        no_timeout();
        /// The connect timeout.
        connect_timeout(timeout: Duration);
        /// The `User-Agent`.
        user_agent(value: impl Into<String>);
        /// A header sent on every request.
        default_header(name: &str, value: &str);
        /// Trusts an extra root certificate (PEM).
        add_root_certificate_pem(pem: impl Into<Vec<u8>>);
        /// A client certificate and key (PEM).
        identity_pem(pem: impl Into<Vec<u8>>);
        /// Accepts any server certificate. Dangerous.
        danger_accept_invalid_certs(accept: bool);
        /// Sends everything through this proxy.
        proxy(url: impl Into<String>);
        /// Uses no proxy, not even from the environment.
        no_proxy();
        /// Follows at most `n` redirects (same origin only).
        max_redirects(n: usize);
        /// The `applicationType` sent at login.
        application_type(application_type: i32);
        /// The retry policy.
        retry(policy: RetryPolicy);
        /// Logs in again with these credentials after `ERR009`.
        relogin(credentials: Credentials);
        /// Extends the session every `period` while logged in.
        keepalive(period: Duration);
    }

    /// Starts the runtime thread and builds the session.
    ///
    /// # Errors
    /// As [`SessionBuilder::build`](crate::SessionBuilder::build), plus
    /// [`Error::Config`](crate::Error::Config) when the thread cannot start.
    pub fn build(self) -> Result<Session> {
        let worker = Worker::start()?;
        let inner = self.inner;
        let inner = worker.run(async move { inner.build() })??;
        Ok(Session { inner, worker })
    }
}

impl Session {
    /// A builder for a session on `base_url` (the Library's `/api/` root).
    pub fn builder(base_url: impl Into<String>) -> SessionBuilder {
        SessionBuilder {
            inner: crate::Session::builder(base_url),
        }
    }

    pub(crate) fn from_parts(inner: crate::Session, worker: Arc<Worker>) -> Session {
        Session { inner, worker }
    }

    /// Runs the future `call` makes from the async session on this session's thread, and
    /// waits for its output: how the typed families (`mstr_rest::data`, …) offer their
    /// blocking forms.
    ///
    /// # Errors
    /// [`Error::Transport`](crate::Error::Transport) when the session's thread has stopped.
    pub fn block_on<F, Fut>(&self, call: F) -> Result<Fut::Output>
    where
        F: FnOnce(crate::Session) -> Fut,
        Fut: std::future::Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        self.worker.run(call(self.inner.clone()))
    }

    /// Runs the stream `make` builds from the async session on this session's thread, and
    /// hands its items to this thread as an [`Iter`](super::Iter), at most `buffer` items ahead.
    ///
    /// # Errors
    /// [`Error::Transport`](crate::Error::Transport) when the session's thread has stopped.
    pub fn iter<F, S>(&self, make: F, buffer: usize) -> Result<super::Iter<S::Item>>
    where
        F: FnOnce(crate::Session) -> S,
        S: futures_util::Stream + Send + 'static,
        S::Item: Send + 'static,
    {
        let stream = make(self.inner.clone());
        let (items, iter, room) = super::iter::channel(buffer);
        self.worker.spawn(super::iter::pump(stream, items, room))?;
        Ok(iter)
    }

    /// The async session underneath; use it only from async code running elsewhere.
    pub fn as_async(&self) -> &crate::Session {
        &self.inner
    }

    /// A request to `path` (relative to the base URL) with any method.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.inner.request(method, path), self.worker.clone())
    }

    /// A GET request.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// A POST request.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// A PUT request.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    /// A PATCH request.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    /// A DELETE request.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// Logs in; see [`Session::login`](crate::Session::login).
    ///
    /// # Errors
    /// As [`Session::login`](crate::Session::login).
    pub fn login(&self, credentials: Credentials) -> Result<()> {
        let s = self.inner.clone();
        self.worker.run(async move { s.login(credentials).await })?
    }

    /// Logs in with an identity token; see [`Session::delegate`](crate::Session::delegate).
    ///
    /// # Errors
    /// As [`Session::delegate`](crate::Session::delegate).
    pub fn delegate(&self, identity_token: impl Into<SecretString>) -> Result<()> {
        let s = self.inner.clone();
        let token = identity_token.into();
        self.worker.run(async move { s.delegate(token).await })?
    }

    /// Logs out; see [`Session::logout`](crate::Session::logout).
    ///
    /// # Errors
    /// As [`Session::logout`](crate::Session::logout).
    pub fn logout(&self) -> Result<()> {
        let s = self.inner.clone();
        self.worker.run(async move { s.logout().await })?
    }

    /// Forgets the token, cookies and project cache without telling the server.
    pub fn forget(&self) {
        self.inner.forget();
    }

    /// True when a token is held. Sends nothing.
    pub fn has_session(&self) -> bool {
        self.inner.has_session()
    }

    /// `GET sessions`.
    ///
    /// # Errors
    /// As [`Session::session_info`](crate::Session::session_info).
    pub fn session_info(&self) -> Result<serde_json::Value> {
        let s = self.inner.clone();
        self.worker.run(async move { s.session_info().await })?
    }

    /// `PUT sessions`.
    ///
    /// # Errors
    /// As [`Session::extend_session`](crate::Session::extend_session).
    pub fn extend_session(&self) -> Result<()> {
        let s = self.inner.clone();
        self.worker.run(async move { s.extend_session().await })?
    }

    /// `GET sessions/userInfo`.
    ///
    /// # Errors
    /// As [`Session::user_info`](crate::Session::user_info).
    pub fn user_info(&self) -> Result<UserInfo> {
        let s = self.inner.clone();
        self.worker.run(async move { s.user_info().await })?
    }

    /// `POST auth/identityToken`.
    ///
    /// # Errors
    /// As [`Session::create_identity_token`](crate::Session::create_identity_token).
    pub fn create_identity_token(&self) -> Result<SecretString> {
        let s = self.inner.clone();
        self.worker
            .run(async move { s.create_identity_token().await })?
    }

    /// The projects, cached after the first call.
    ///
    /// # Errors
    /// As [`Session::projects`](crate::Session::projects).
    pub fn projects(&self) -> Result<Vec<Project>> {
        let s = self.inner.clone();
        self.worker.run(async move { s.projects().await })?
    }

    /// `GET projects`, replacing the cache.
    ///
    /// # Errors
    /// As [`Session::load_projects`](crate::Session::load_projects).
    pub fn load_projects(&self) -> Result<Vec<Project>> {
        let s = self.inner.clone();
        self.worker.run(async move { s.load_projects().await })?
    }

    /// The id of the project called `name`.
    ///
    /// # Errors
    /// As [`Session::project_id`](crate::Session::project_id).
    pub fn project_id(&self, name: &str) -> Result<Option<String>> {
        let s = self.inner.clone();
        let name = name.to_owned();
        self.worker.run(async move { s.project_id(&name).await })?
    }

    /// Saves the session as JSON; see [`Session::to_json`](crate::Session::to_json), the
    /// one deliberate exposure of the token.
    ///
    /// # Errors
    /// As [`Session::to_json`](crate::Session::to_json).
    pub fn to_json(&self) -> Result<String> {
        self.inner.to_json()
    }

    /// Restores a session saved by [`to_json`](Self::to_json), on a new runtime thread.
    ///
    /// # Errors
    /// As [`Session::from_json`](crate::Session::from_json).
    pub fn from_json(json: &str) -> Result<Session> {
        let worker = Worker::start()?;
        let json = json.to_owned();
        let inner = worker.run(async move { crate::Session::from_json(&json) })??;
        Ok(Session { inner, worker })
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The async Session's Debug is the redacted one.
        f.debug_tuple("blocking::Session")
            .field(&self.inner)
            .finish()
    }
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::SessionBuilder")
            .field(&self.inner)
            .finish()
    }
}
