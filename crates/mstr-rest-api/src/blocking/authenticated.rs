//! The blocking [`AuthenticatedSession`]: log in on connect, log out on close or drop.

use std::fmt;
use std::ops::Deref;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use mstr_rest_error::Result;

use super::session::Session;
use super::worker::Worker;
use mstr_rest_session::AuthenticatedSessionBuilder;

/// A blocking session that logged in on [`connect`](Self::connect)
/// and logs out on [`close`](Self::close) or, waiting for it, on `Drop`. Derefs to the
/// blocking [`Session`].
pub struct AuthenticatedSession {
    session: Session,
    worker: Arc<Worker>,
    inner: Option<mstr_rest_session::AuthenticatedSession>,
}

impl AuthenticatedSession {
    /// Resolves the sources of the async `builder` and logs in, on a new runtime thread:
    /// one builder serves both.
    ///
    /// # Errors
    /// As [`AuthenticatedSessionBuilder::connect`], plus
    /// [`Error::Worker`](mstr_rest_session::Error::Worker) when the thread cannot start.
    pub fn connect(builder: AuthenticatedSessionBuilder) -> Result<AuthenticatedSession> {
        let worker = Worker::start()?;
        let inner = worker.run(builder.connect())??;
        Ok(AuthenticatedSession {
            session: Session::from_parts(inner.session(), worker.clone()),
            worker,
            inner: Some(inner),
        })
    }

    /// Connects, runs `f`, and logs out — after success, after an error, and after a panic
    /// in `f` (which is then resumed). Returns `f`'s result; if `f` succeeded but the logout
    /// failed, the logout's error.
    ///
    /// # Errors
    /// Those of [`connect`](Self::connect), of `f`, or of the logout.
    pub fn run<T>(
        builder: AuthenticatedSessionBuilder,
        f: impl FnOnce(&Session) -> Result<T>,
    ) -> Result<T> {
        let session = AuthenticatedSession::connect(builder)?;
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| f(&session)));
        let logout = session.close();
        mstr_rest_session::finish_run(outcome, logout)
    }

    /// A clone of the blocking session handle (still usable after `close()`, logged out).
    pub fn session(&self) -> Session {
        self.session.clone()
    }

    /// Logs out (unless `logout_on_close(false)`), waiting for the answer.
    ///
    /// # Errors
    /// As [`AuthenticatedSession::close`](mstr_rest_session::AuthenticatedSession::close); `Drop` will
    /// not try again.
    pub fn close(mut self) -> Result<()> {
        match self.inner.take() {
            Some(inner) => self.worker.run(inner.close())?,
            None => Ok(()),
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
        let Some(inner) = self.inner.take() else {
            return;
        };
        // Never panics: a failed logout is logged, and the server times the session out.
        match self.worker.run(inner.close()) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "logout on drop failed"),
            Err(e) => tracing::warn!(error = %e, "logout on drop could not run"),
        }
    }
}

impl fmt::Debug for AuthenticatedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::AuthenticatedSession")
            .field("session", &self.session)
            .field("open", &self.inner.is_some())
            .finish()
    }
}
