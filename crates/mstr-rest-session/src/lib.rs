#![cfg_attr(docsrs, feature(doc_cfg))]
//! Sessions, login modes and secret sources of [mstr-rest](https://docs.rs/mstr-rest).
//!
//! Layers: `mstr-rest` → `mstr-rest-api` (typed families) → cloud crates →
//! **`mstr-rest-session`** → `mstr-rest-core` → `mstr-rest-error`. This crate knows the
//! MicroStrategy login flow and owns the session's credentials — token, cookies, re-login
//! after `ERR009` — through the transport's [`AuthLayer`](mstr_rest_core::AuthLayer) hook; it
//! depends on no cloud SDK (those implement [`SecretSource`] in their own crates).
//!
//! - [`Session`]: log in ([`Credentials`]: standard, LDAP, API key, anonymous, identity
//!   token), call any endpoint, session info, projects, identity tokens, save and restore
//!   ([`Session::to_json`]), log out.
//! - [`AuthenticatedSession`]: connect-on-enter, logout-on-exit, with every credential a
//!   lazily resolved [`SecretSource`].
//! - Sources: literals (`&'static str`, `String`, `SecretString`), [`from_fn`],
//!   [`try_from_fn`], [`from_async_fn`], [`env()`], [`JsonSecret`] fields, and [`cached`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_session::{Credentials, Session};
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! println!("{} projects", session.projects().await?.len());
//! session.logout().await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Numbers chosen by a server or a user never overflow: arithmetic is checked or saturating
// (tests and benches may use plain operators).
#![cfg_attr(not(test), warn(clippy::arithmetic_side_effects))]

mod auth;
mod authenticated;
mod cookies;
mod credentials;
mod keepalive;
mod persist;
mod project;
mod relogin;
mod session;
mod source;

pub use auth::AUTH_TOKEN_HEADER;
#[doc(hidden)]
pub use authenticated::finish_run;
pub use authenticated::{AuthenticatedSession, AuthenticatedSessionBuilder};
pub use cookies::{MAX_COOKIE_BYTES, MAX_COOKIES};
pub use credentials::{Credentials, LoginMode};
pub use keepalive::{MAX_KEEPALIVE, MIN_KEEPALIVE};
pub use project::{Project, UserInfo};
pub use session::{DEFAULT_APPLICATION_TYPE, IDENTITY_TOKEN_HEADER, Session, SessionBuilder};
#[cfg(any(test, feature = "test-util"))]
pub use source::ManualClock;
pub use source::{
    Cached, Clock, Env, FromAsyncFn, FromFn, JsonField, JsonSecret, SecretSource, SharedSource,
    SingleFlight, SystemClock, TryFromFn, cached, env, from_async_fn, from_fn, try_from_fn,
};

pub use mstr_rest_error::{
    ApiError, ApiErrorKind, BoxError, CredentialError, CredentialErrorKind, Error, Result,
};
pub use secrecy::{ExposeSecret, SecretString};

#[cfg(test)]
mod tests;
