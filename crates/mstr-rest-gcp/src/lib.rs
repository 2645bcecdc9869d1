#![cfg_attr(docsrs, feature(doc_cfg))]
//! Google Cloud Secret Manager secret sources for [mstr-rest](https://docs.rs/mstr-rest):
//! pull the base URL, user name and password of a MicroStrategy login from Secret Manager,
//! just in time.
//!
//! Layers: `mstr-rest` (feature `gcp`, as `mstr_rest::gcp`) → **`mstr-rest-gcp`** →
//! `mstr-rest-session` → `mstr-rest-core` → `mstr-rest-error`, beside `mstr-rest-api` (the
//! typed families). Secrets are read with Secret Manager's REST API
//! (`GET https://secretmanager.googleapis.com/v1/projects/{project}/secrets/{name}/versions/{version}:access`)
//! over reqwest and rustls; access tokens come from `gcp_auth`. This crate re-exports the
//! session crate as [`session`], so depending on it alone is enough to log in.
//!
//! | Python (`mstr.requests.credentials.gcp`) | Rust |
//! |---|---|
//! | `secret_manager(project, name)` | [`secret_manager`]`(project, name)`: read on each resolution; `.version(v)`, default `latest` |
//! | `SecretManagerSecret(project, name).field("x")` | [`SecretManagerSecret::new`]`(project, name).field("x")`: read once for all fields |
//!
//! Credentials are Application Default Credentials, found by `gcp_auth` in this order:
//! `GOOGLE_APPLICATION_CREDENTIALS` (a service account key file), the file written by
//! `gcloud auth application-default login`, the metadata server (on Google Cloud), the
//! gcloud CLI. Nothing is looked for or sent until a source is resolved. Inject a token
//! provider with `.with_token_provider(..)`, a server with `.endpoint(..)` and an HTTP client
//! with `.with_http_client(..)`.
//!
//! Payloads are checked against their CRC32C and must be UTF-8.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_gcp::session::Result<()> {
//! use mstr_rest_gcp::SecretManagerSecret;
//! use mstr_rest_gcp::session::AuthenticatedSession;
//!
//! // the secret holds {"base_url": "...", "username": "...", "password": "..."}
//! let secret = SecretManagerSecret::new("my-project", "mstr-connection");
//! let session = AuthenticatedSession::builder()
//!     .base_url(secret.field("base_url"))
//!     .username(secret.field("username"))
//!     .password(secret.field("password"))
//!     .connect()
//!     .await?; // one read of the secret, then the login
//! println!("{} projects", session.projects().await?.len());
//! session.close().await?; // logs out
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod crc32c;
/// CRC-32C as Secret Manager computes `dataCrc32c`, for tests that build its answers
/// (feature `test-util`).
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use crc32c::crc32c;
mod secret_manager;

pub use secret_manager::{DEFAULT_ENDPOINT, SecretManager, SecretManagerSecret, secret_manager};

/// The session crate, so that this crate alone is enough to log in.
pub use mstr_rest_session as session;

pub use gcp_auth::TokenProvider;
