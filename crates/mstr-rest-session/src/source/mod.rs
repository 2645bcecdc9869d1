//! Secret sources: where a credential (or the base URL) comes from, resolved just in time.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use mstr_rest_error::CredentialError;
use secrecy::SecretString;

mod cached;
mod env;
mod flight;
mod func;
mod json;

#[cfg(any(test, feature = "test-util"))]
pub use cached::ManualClock;
pub use cached::{Cached, Clock, SystemClock, cached};
pub use env::{Env, env};
pub use flight::SingleFlight;
pub use func::{FromAsyncFn, FromFn, TryFromFn, from_async_fn, from_fn, try_from_fn};
pub use json::{JsonField, JsonSecret};

/// Something that produces a secret on demand: a literal, a closure, an environment
/// variable, a field of a JSON secret, or a cloud secret store.
///
/// Sources are resolved lazily — by [`AuthenticatedSession`](crate::AuthenticatedSession)
/// at `connect()`, never when the builder is made — and only when the chosen login mode
/// needs them.
///
/// Implement it with a plain `async fn`; the compiler checks the future is `Send`:
///
/// ```
/// use std::borrow::Cow;
/// use mstr_rest_session::{CredentialError, SecretSource};
/// use secrecy::SecretString;
///
/// /// Reads the password from a file mounted by the orchestrator.
/// struct MountedFile(&'static str);
///
/// impl SecretSource for MountedFile {
///     async fn resolve(&self) -> Result<SecretString, CredentialError> {
///         let text = tokio::fs::read_to_string(self.0).await.map_err(|e| {
///             CredentialError::not_found(self.describe(), "the file could not be read").with_source(e)
///         })?;
///         Ok(SecretString::from(text.trim_end().to_owned()))
///     }
///
///     fn describe(&self) -> Cow<'static, str> {
///         Cow::Owned(format!("file:{}", self.0))
///     }
/// }
/// ```
pub trait SecretSource: Send + Sync {
    /// Fetches the secret.
    fn resolve(&self) -> impl Future<Output = Result<SecretString, CredentialError>> + Send;

    /// Names the source in errors and traces (`env:MSTR_PASSWORD`,
    /// `aws-secretsmanager:prod/mstr#password`). Never the value.
    fn describe(&self) -> Cow<'static, str> {
        Cow::Borrowed("literal")
    }

    /// Forgets any cached value, so the next [`resolve`](Self::resolve) fetches afresh
    /// (used after the server refuses a login, in case the secret was rotated). Sources
    /// that cache nothing need not implement it.
    fn invalidate(&self) {}
}

impl SecretSource for &'static str {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        Ok(SecretString::from(*self))
    }
}

impl SecretSource for String {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        Ok(SecretString::from(self.clone()))
    }
}

impl SecretSource for SecretString {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        Ok(self.clone())
    }
}

impl<S: SecretSource> SecretSource for Arc<S> {
    fn resolve(&self) -> impl Future<Output = Result<SecretString, CredentialError>> + Send {
        (**self).resolve()
    }

    fn describe(&self) -> Cow<'static, str> {
        (**self).describe()
    }

    fn invalidate(&self) {
        (**self).invalidate();
    }
}

/// The object-safe mirror of [`SecretSource`], so builders can hold any mix of sources.
pub(crate) trait DynSource: Send + Sync {
    fn resolve_boxed(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>>;
    fn describe_dyn(&self) -> Cow<'static, str>;
    fn invalidate_dyn(&self);
}

impl<S: SecretSource> DynSource for S {
    fn resolve_boxed(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        Box::pin(self.resolve())
    }

    fn describe_dyn(&self) -> Cow<'static, str> {
        self.describe()
    }

    fn invalidate_dyn(&self) {
        self.invalidate();
    }
}

/// A type-erased, cheaply cloned source: hold sources of different types together.
///
/// ```
/// use mstr_rest_session::{SharedSource, env, from_fn};
/// let sources = vec![SharedSource::new(env("MSTR_USER")), SharedSource::new(from_fn(|| "dave"))];
/// assert_eq!(sources[0].to_string(), "env:MSTR_USER");
/// ```
#[derive(Clone)]
pub struct SharedSource(Arc<dyn DynSource>);

impl SharedSource {
    /// Erases the type of `source`.
    pub fn new(source: impl SecretSource + 'static) -> SharedSource {
        SharedSource(Arc::new(source))
    }
}

impl SecretSource for SharedSource {
    fn resolve(&self) -> impl Future<Output = Result<SecretString, CredentialError>> + Send {
        self.0.resolve_boxed()
    }

    fn describe(&self) -> Cow<'static, str> {
        self.0.describe_dyn()
    }

    fn invalidate(&self) {
        self.0.invalidate_dyn();
    }
}

impl fmt::Debug for SharedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedSource({})", self.0.describe_dyn())
    }
}

impl fmt::Display for SharedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.describe_dyn())
    }
}

#[cfg(test)]
mod tests;
