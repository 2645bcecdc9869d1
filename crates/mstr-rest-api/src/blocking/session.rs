//! The blocking [`Session`]: the async session's methods, run on its thread.

use std::fmt;
use std::sync::Arc;

use mstr_rest_core::Method;
use mstr_rest_error::Result;
use mstr_rest_session::SecretString;

use super::request::RequestBuilder;
use super::worker::Worker;
use mstr_rest_session::{Credentials, Project, UserInfo};

/// A blocking MicroStrategy session: the methods of the async [`Session`](mstr_rest_session::Session),
/// run on a dedicated runtime thread (see the [module docs](super)).
#[derive(Clone)]
pub struct Session {
    inner: mstr_rest_session::Session,
    worker: Arc<Worker>,
}

impl Session {
    /// Builds a blocking session from the settings of the async builder, on a new runtime
    /// thread: one builder serves both.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use mstr_rest_api::blocking;
    /// let session = blocking::Session::build(
    ///     mstr_rest_session::Session::builder("https://env.example.com/MicroStrategyLibrary/api/")
    ///         .transport(|t| t.timeout(Duration::from_secs(30))),
    /// )?;
    /// # drop(session);
    /// # Ok::<(), mstr_rest_session::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionBuilder::build`](mstr_rest_session::SessionBuilder::build), plus
    /// [`Error::Worker`](mstr_rest_session::Error::Worker) when the thread cannot start.
    pub fn build(builder: mstr_rest_session::SessionBuilder) -> Result<Session> {
        let worker = Worker::start()?;
        let inner = worker.run(async move { builder.build() })??;
        Ok(Session { inner, worker })
    }

    pub(crate) fn from_parts(inner: mstr_rest_session::Session, worker: Arc<Worker>) -> Session {
        Session { inner, worker }
    }

    /// Runs the future `call` makes from the async session on this session's thread, and
    /// waits for its output: how the typed families (`mstr_rest::data`, …) offer their
    /// blocking forms.
    ///
    /// # Errors
    /// [`Error::Transport`](mstr_rest_session::Error::Transport) when the session's thread has stopped.
    pub fn block_on<F, Fut>(&self, call: F) -> Result<Fut::Output>
    where
        F: FnOnce(mstr_rest_session::Session) -> Fut,
        Fut: std::future::Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        self.worker.run(call(self.inner.clone()))
    }

    /// Runs the stream `make` builds from the async session on this session's thread, and
    /// hands its items to this thread as an [`Iter`](super::Iter), at most `buffer` items ahead.
    ///
    /// # Errors
    /// [`Error::Transport`](mstr_rest_session::Error::Transport) when the session's thread has stopped.
    pub fn iter<F, S>(&self, make: F, buffer: usize) -> Result<super::Iter<S::Item>>
    where
        F: FnOnce(mstr_rest_session::Session) -> S,
        S: futures_util::Stream + Send + 'static,
        S::Item: Send + 'static,
    {
        let stream = make(self.inner.clone());
        let (items, iter, room) = super::iter::channel(buffer);
        self.worker.spawn(super::iter::pump(stream, items, room))?;
        Ok(iter)
    }

    /// Runs one async call on this session's thread and waits for its result.
    pub(crate) fn wait<T: Send + 'static>(
        &self,
        call: impl std::future::Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        self.worker.run(call)?
    }

    /// The async session underneath; use it only from async code running elsewhere.
    pub fn as_async(&self) -> &mstr_rest_session::Session {
        &self.inner
    }

    /// A request to `path` (relative to the base URL) with any method.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.inner.request(method, path), self.worker.clone())
    }

    mstr_rest_core::__http_verbs!(RequestBuilder);

    /// Logs in; see [`Session::login`](mstr_rest_session::Session::login).
    ///
    /// # Errors
    /// As [`Session::login`](mstr_rest_session::Session::login).
    pub fn login(&self, credentials: Credentials) -> Result<()> {
        let s = self.inner.clone();
        self.wait(async move { s.login(credentials).await })
    }

    /// Logs in with an identity token; see [`Session::delegate`](mstr_rest_session::Session::delegate).
    ///
    /// # Errors
    /// As [`Session::delegate`](mstr_rest_session::Session::delegate).
    pub fn delegate(&self, identity_token: impl Into<SecretString>) -> Result<()> {
        let s = self.inner.clone();
        let token = identity_token.into();
        self.wait(async move { s.delegate(token).await })
    }

    /// Logs out; see [`Session::logout`](mstr_rest_session::Session::logout).
    ///
    /// # Errors
    /// As [`Session::logout`](mstr_rest_session::Session::logout).
    pub fn logout(&self) -> Result<()> {
        let s = self.inner.clone();
        self.wait(async move { s.logout().await })
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
    /// As [`Session::session_info`](mstr_rest_session::Session::session_info).
    pub fn session_info(&self) -> Result<serde_json::Value> {
        let s = self.inner.clone();
        self.wait(async move { s.session_info().await })
    }

    /// `PUT sessions`.
    ///
    /// # Errors
    /// As [`Session::extend_session`](mstr_rest_session::Session::extend_session).
    pub fn extend_session(&self) -> Result<()> {
        let s = self.inner.clone();
        self.wait(async move { s.extend_session().await })
    }

    /// `GET sessions/userInfo`.
    ///
    /// # Errors
    /// As [`Session::user_info`](mstr_rest_session::Session::user_info).
    pub fn user_info(&self) -> Result<UserInfo> {
        let s = self.inner.clone();
        self.wait(async move { s.user_info().await })
    }

    /// `POST auth/identityToken`.
    ///
    /// # Errors
    /// As [`Session::create_identity_token`](mstr_rest_session::Session::create_identity_token).
    pub fn create_identity_token(&self) -> Result<SecretString> {
        let s = self.inner.clone();
        self.wait(async move { s.create_identity_token().await })
    }

    /// The projects, cached after the first call.
    ///
    /// # Errors
    /// As [`Session::projects`](mstr_rest_session::Session::projects).
    pub fn projects(&self) -> Result<Vec<Project>> {
        let s = self.inner.clone();
        self.wait(async move { s.projects().await })
    }

    /// `GET projects`, replacing the cache.
    ///
    /// # Errors
    /// As [`Session::load_projects`](mstr_rest_session::Session::load_projects).
    pub fn load_projects(&self) -> Result<Vec<Project>> {
        let s = self.inner.clone();
        self.wait(async move { s.load_projects().await })
    }

    /// `GET projects/{name}`: one project by name or id.
    ///
    /// # Errors
    /// As [`Session::project`](mstr_rest_session::Session::project).
    pub fn project(&self, name_or_id: &str) -> Result<Project> {
        let s = self.inner.clone();
        let name = name_or_id.to_owned();
        self.wait(async move { s.project(&name).await })
    }

    /// `GET auth/identityToken`: the user an identity token stands for.
    ///
    /// # Errors
    /// As [`Session::identity_token_user`](mstr_rest_session::Session::identity_token_user).
    pub fn identity_token_user(&self, identity_token: &SecretString) -> Result<String> {
        let s = self.inner.clone();
        let token = identity_token.clone();
        self.wait(async move { s.identity_token_user(&token).await })
    }

    /// The id of the project called `name`.
    ///
    /// # Errors
    /// As [`Session::project_id`](mstr_rest_session::Session::project_id).
    pub fn project_id(&self, name: &str) -> Result<Option<String>> {
        let s = self.inner.clone();
        let name = name.to_owned();
        self.wait(async move { s.project_id(&name).await })
    }

    /// Saves the session as JSON; see [`Session::to_json`](mstr_rest_session::Session::to_json), the
    /// one deliberate exposure of the token.
    ///
    /// # Errors
    /// As [`Session::to_json`](mstr_rest_session::Session::to_json).
    pub fn to_json(&self) -> Result<String> {
        self.inner.to_json()
    }

    /// Restores a session saved by [`to_json`](Self::to_json), on a new runtime thread.
    ///
    /// # Errors
    /// As [`Session::from_json`](mstr_rest_session::Session::from_json).
    pub fn from_json(json: &str) -> Result<Session> {
        let worker = Worker::start()?;
        let json = json.to_owned();
        let inner = worker.run(async move { mstr_rest_session::Session::from_json(&json) })??;
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
