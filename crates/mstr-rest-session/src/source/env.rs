//! Environment variables as sources.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use mstr_rest_error::CredentialError;
use secrecy::SecretString;

use super::SecretSource;

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A source reading an environment variable at resolution time. See [`env()`].
#[derive(Clone)]
pub struct Env {
    name: Cow<'static, str>,
    lookup: Lookup,
}

/// Reads the environment variable `name` when resolved. Unset **or empty** is an error
/// naming the variable.
///
/// ```
/// use mstr_rest_session::env;
/// let password = env("MSTR_PASSWORD");
/// # let _ = password;
/// ```
pub fn env(name: impl Into<Cow<'static, str>>) -> Env {
    Env {
        name: name.into(),
        lookup: Arc::new(|name| std::env::var(name).ok()),
    }
}

impl Env {
    /// Replaces the process environment with `lookup`, so tests inject variables instead of
    /// mutating the process's (feature `test-util`).
    #[cfg(any(test, feature = "test-util"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn with_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Env {
        self.lookup = Arc::new(lookup);
        self
    }
}

impl SecretSource for Env {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        match (self.lookup)(&self.name) {
            Some(value) if !value.is_empty() => Ok(SecretString::from(value)),
            Some(_) => Err(CredentialError::not_found(
                self.describe(),
                format!("environment variable {} is empty", self.name),
            )),
            None => Err(CredentialError::not_found(
                self.describe(),
                format!("environment variable {} is not set", self.name),
            )),
        }
    }

    fn describe(&self) -> Cow<'static, str> {
        Cow::Owned(format!("env:{}", self.name))
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Env({})", self.name)
    }
}
