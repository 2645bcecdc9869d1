#![cfg_attr(docsrs, feature(doc_cfg))]
//! # mstr-rest
//!
//! An async, typed client for the MicroStrategy (Strategy) REST API: every login mode the
//! server allows, sessions kept and handed between processes, typed errors, and secrets
//! pulled just in time from where you keep them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest::prelude::*;
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! for project in session.projects().await? {
//!     println!("{} {}", project.id, project.name);
//! }
//! match session.get("no/such/endpoint").send().await {
//!     Err(Error::Api(e)) if e.kind() == ApiErrorKind::ResourceNotFound => println!("{e}"),
//!     other => panic!("unexpected: {other:?}"),
//! }
//! session.logout().await?;
//! # Ok(()) }
//! ```
//!
//! Context-manager style — log in on connect, log out on every way out, credentials
//! resolved lazily from any [`SecretSource`]:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest::prelude::*;
//! # let env = |n: &'static str| mstr_rest::env(n).with_lookup(|n| Some(if n == "MSTR_USER" { "dave" } else { "hellodave" }.into()));
//! let s = AuthenticatedSession::builder()
//!     .base_url(emulator.base_url())
//!     .username(env("MSTR_USER"))
//!     .password(env("MSTR_PASSWORD"))
//!     .connect()
//!     .await?;
//! let me = s.user_info().await?;
//! assert_eq!(me.full_name, "Dave Bowman");
//! s.close().await?;
//! # Ok(()) }
//! ```
//!
//! ## Crate map
//!
//! | crate | holds |
//! |---|---|
//! | `mstr-rest` (this one) | re-exports only, and the [`prelude`] |
//! | [`mstr-rest-session`](mstr_rest_session) | [`Session`], [`AuthenticatedSession`], [`Credentials`], [`SecretSource`] and the generic sources |
//! | [`mstr-rest-core`](mstr_rest_core) | the transport: [`Client`], [`RequestBuilder`], [`Response`], origin-scoped token and cookies |
//! | [`mstr-rest-error`](mstr_rest_error) | [`Error`], [`ApiError`], [`ApiErrorKind`], [`Result`] |
//! | `mstr-rest-emulator` | a stateful fake server for your tests (dev-dependency) |
//!
//! ## Features
//!
//! All off by default: you compile only the cloud SDK you use.
//!
//! | feature | adds | crate |
//! |---|---|---|
//! | `aws` | `mstr_rest::aws`: Secrets Manager and SSM Parameter Store sources | `mstr-rest-aws` |
//! | `azure` | `mstr_rest::azure`: Key Vault sources and an ambient credential chain | `mstr-rest-azure` |
//! | `gcp` | `mstr_rest::gcp`: Secret Manager sources over Application Default Credentials | `mstr-rest-gcp` |
//! | `blocking` | `mstr_rest::blocking`: `Session` and `AuthenticatedSession` for synchronous code | `mstr-rest-session` |

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc(inline)]
pub use mstr_rest_core::*;
#[doc(inline)]
pub use mstr_rest_error::*;
#[doc(inline)]
pub use mstr_rest_session::*;

#[doc(inline)]
pub use mstr_rest_api::{data, objects, push};

/// The blocking API (feature `blocking`).
#[cfg(feature = "blocking")]
#[doc(inline)]
pub use mstr_rest_api::blocking;

/// AWS Secrets Manager and SSM Parameter Store sources (feature `aws`).
#[cfg(feature = "aws")]
#[doc(inline)]
pub use mstr_rest_aws as aws;

/// Azure Key Vault sources (feature `azure`).
#[cfg(feature = "azure")]
#[doc(inline)]
pub use mstr_rest_azure as azure;

/// Google Cloud Secret Manager sources (feature `gcp`).
#[cfg(feature = "gcp")]
#[doc(inline)]
pub use mstr_rest_gcp as gcp;

/// Runs the README's examples as doctests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The everyday names: `use mstr_rest::prelude::*;`
pub mod prelude {
    pub use crate::data::DataApi;
    pub use crate::objects::ObjectsApi;
    pub use crate::push::PushApi;
    pub use crate::{
        ApiErrorKind, AuthenticatedSession, Credentials, Error, Method, Result, SecretSource,
        Session,
    };
}
