//! The blocking [`AuthenticatedSession`]: log in on connect, log out on close or drop.

use std::fmt;
use std::ops::Deref;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use mstr_rest_error::Result;

use super::session::Session;
use super::worker::Worker;
use crate::SecretSource;

/// A blocking session that logged in on [`connect`](AuthenticatedSessionBuilder::connect)
/// and logs out on [`close`](Self::close) or, waiting for it, on `Drop`. Derefs to the
/// blocking [`Session`].
pub struct AuthenticatedSession {
    session: Session,
    worker: Arc<Worker>,
    inner: Option<crate::AuthenticatedSession>,
}

/// Builds a blocking [`AuthenticatedSession`]: the setters of the async
/// [`AuthenticatedSessionBuilder`](crate::AuthenticatedSessionBuilder).
#[must_use = "a builder does nothing until .connect() is called"]
pub struct AuthenticatedSessionBuilder {
    inner: crate::AuthenticatedSessionBuilder,
}

impl AuthenticatedSession {
    /// Starts a builder.
    pub fn builder() -> AuthenticatedSessionBuilder {
        AuthenticatedSessionBuilder {
            inner: crate::AuthenticatedSession::builder(),
        }
    }

    /// A clone of the blocking session handle (still usable after `close()`, logged out).
    pub fn session(&self) -> Session {
        self.session.clone()
    }

    /// Logs out (unless `logout_on_close(false)`), waiting for the answer.
    ///
    /// # Errors
    /// As [`AuthenticatedSession::close`](crate::AuthenticatedSession::close); `Drop` will
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

impl AuthenticatedSessionBuilder {
    forward! {
        /// Where the Library's `/api/` root is.
        base_url(source: impl SecretSource + 'static);
        /// The user name (standard or LDAP login).
        username(source: impl SecretSource + 'static);
        /// The password.
        password(source: impl SecretSource + 'static);
        /// An API key (login mode 4096).
        api_key(source: impl SecretSource + 'static);
        /// An identity token to delegate with.
        identity_token(source: impl SecretSource + 'static);
        /// LDAP instead of standard login.
        ldap(ldap: bool);
        /// Whether `close()` and `Drop` log out (default true).
        logout_on_close(logout: bool);
        /// Whether to log in again after `ERR009` (default true).
        relogin(relogin: bool);
        /// Extends the session every `period`.
        keepalive(period: Duration);
    }

    /// Adjusts the async [`SessionBuilder`](crate::SessionBuilder) before it is built.
    pub fn session(
        self,
        configure: impl FnOnce(crate::SessionBuilder) -> crate::SessionBuilder + Send + 'static,
    ) -> Self {
        Self {
            inner: self.inner.session(configure),
        }
    }

    /// Resolves the sources and logs in, on a new runtime thread.
    ///
    /// # Errors
    /// As [`AuthenticatedSessionBuilder::connect`](crate::AuthenticatedSessionBuilder::connect),
    /// plus [`Error::Config`](crate::Error::Config) when the thread cannot start.
    pub fn connect(self) -> Result<AuthenticatedSession> {
        let worker = Worker::start()?;
        let inner = worker.run(self.inner.connect())??;
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
    pub fn run<T>(self, f: impl FnOnce(&Session) -> Result<T>) -> Result<T> {
        let session = self.connect()?;
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| f(&session)));
        let logout = session.close();
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
}

impl fmt::Debug for AuthenticatedSessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::AuthenticatedSessionBuilder")
            .field(&self.inner)
            .finish()
    }
}
