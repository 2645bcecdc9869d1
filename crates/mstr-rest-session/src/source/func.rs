//! Closures as sources: `from_fn`, `try_from_fn`, `from_async_fn`.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;

use mstr_rest_error::{BoxError, CredentialError, CredentialErrorKind};
use secrecy::SecretString;

use super::SecretSource;

/// A source calling an infallible closure on each resolution. See [`from_fn`].
pub struct FromFn<F> {
    f: F,
    name: Cow<'static, str>,
}

/// Wraps an infallible closure returning anything `Into<String>`.
///
/// ```
/// let username = mstr_rest_session::from_fn(|| "dave");
/// # let _ = username;
/// ```
pub fn from_fn<F, T>(f: F) -> FromFn<F>
where
    F: Fn() -> T + Send + Sync,
    T: Into<String>,
{
    FromFn {
        f,
        name: Cow::Borrowed("closure"),
    }
}

impl<F> FromFn<F> {
    /// Names the source in errors and traces (default `closure`).
    pub fn named(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }
}

impl<F, T> SecretSource for FromFn<F>
where
    F: Fn() -> T + Send + Sync,
    T: Into<String>,
{
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        Ok(SecretString::from((self.f)().into()))
    }

    fn describe(&self) -> Cow<'static, str> {
        self.name.clone()
    }
}

/// A source calling a fallible closure on each resolution. See [`try_from_fn`].
pub struct TryFromFn<F> {
    f: F,
    name: Cow<'static, str>,
}

/// Wraps a closure returning `Result<impl Into<String>, E>`; an `Err` becomes a
/// [`CredentialError`] whose `source()` is `E`.
///
/// ```
/// let password = mstr_rest_session::try_from_fn(|| std::fs::read_to_string("/run/secrets/mstr"));
/// # let _ = password;
/// ```
pub fn try_from_fn<F, T, E>(f: F) -> TryFromFn<F>
where
    F: Fn() -> Result<T, E> + Send + Sync,
    T: Into<String>,
    E: Into<BoxError>,
{
    TryFromFn {
        f,
        name: Cow::Borrowed("closure"),
    }
}

impl<F> TryFromFn<F> {
    /// Names the source in errors and traces (default `closure`).
    pub fn named(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }
}

impl<F, T, E> SecretSource for TryFromFn<F>
where
    F: Fn() -> Result<T, E> + Send + Sync,
    T: Into<String>,
    E: Into<BoxError>,
{
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        match (self.f)() {
            Ok(v) => Ok(SecretString::from(v.into())),
            Err(e) => Err(closure_failed(self.name.clone(), e.into())),
        }
    }

    fn describe(&self) -> Cow<'static, str> {
        self.name.clone()
    }
}

/// A source awaiting an async closure on each resolution. See [`from_async_fn`].
pub struct FromAsyncFn<F> {
    f: F,
    name: Cow<'static, str>,
}

/// Wraps an async closure returning `Result<impl Into<String>, BoxError>`; `?` converts
/// any error into the `BoxError`.
///
/// ```
/// let token = mstr_rest_session::from_async_fn(|| async {
///     let value = tokio::fs::read_to_string("/run/secrets/token").await?;
///     Ok(value.trim().to_owned())
/// });
/// # let _ = token;
/// ```
pub fn from_async_fn<F, Fut, T>(f: F) -> FromAsyncFn<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, BoxError>> + Send,
    T: Into<String>,
{
    FromAsyncFn {
        f,
        name: Cow::Borrowed("async closure"),
    }
}

impl<F> FromAsyncFn<F> {
    /// Names the source in errors and traces (default `async closure`).
    pub fn named(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }
}

impl<F, Fut, T> SecretSource for FromAsyncFn<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, BoxError>> + Send,
    T: Into<String>,
{
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        match (self.f)().await {
            Ok(v) => Ok(SecretString::from(v.into())),
            Err(e) => Err(closure_failed(self.name.clone(), e)),
        }
    }

    fn describe(&self) -> Cow<'static, str> {
        self.name.clone()
    }
}

fn closure_failed(name: Cow<'static, str>, e: BoxError) -> CredentialError {
    CredentialError::new(
        CredentialErrorKind::Other,
        name,
        "the closure returned an error",
    )
    .with_source(e)
}

macro_rules! debug_by_name {
    ($($t:ident),*) => {$(
        impl<F> fmt::Debug for $t<F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($t), "({})"), self.name)
            }
        }
    )*};
}
debug_by_name!(FromFn, TryFromFn, FromAsyncFn);
