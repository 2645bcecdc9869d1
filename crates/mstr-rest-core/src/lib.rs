#![cfg_attr(docsrs, feature(doc_cfg))]
//! The transport layer of [mstr-rest](https://docs.rs/mstr-rest): one cheap-`Clone`
//! [`Client`] bound to a MicroStrategy base URL.
//!
//! Layers: `mstr-rest` → `mstr-rest-api` (typed families) → cloud crates →
//! `mstr-rest-session` → **`mstr-rest-core`** → `mstr-rest-error`. This crate knows HTTP and nothing of login modes or credentials:
//!
//! - joins paths onto the base URL as the Python library does (`"projects"` and
//!   `"/projects"` both give `…/api/projects`; absolute URLs pass through);
//! - holds no credential: an [`AuthLayer`] (the session's) signs requests, sees answers and
//!   may ask for one replay — and only for hops to the base URL's origin (scheme, host and
//!   port), as the transport follows redirects itself so a hop to another origin never
//!   carries a token, a cookie or an `X-MSTR-*` header;
//! - turns every answer of 400 or more into [`Error::Api`] and every transport failure into
//!   [`Error::Transport`];
//! - applies timeouts, TLS settings (rustls, custom roots) and proxies;
//! - traces one `mstr_rest.request` span per request, without tokens, cookies or bodies.
//!
//! Most users reach it through `mstr_rest::Session`, which offers the same request builder
//! and owns the token, the cookies and re-login.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_core::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_core::Client;
//! let client = Client::builder(emulator.base_url()).build()?;
//! // a bare client carries no session: the server's refusal is a typed error
//! let err = client.get("sessions").send().await.unwrap_err();
//! assert!(err.is_session_expired());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Numbers chosen by a server or a user never overflow: arithmetic is checked or saturating
// (tests and benches may use plain operators).
#![cfg_attr(not(test), warn(clippy::arithmetic_side_effects))]

mod auth;
mod base_url;
mod builder;
mod client;
mod path;
mod redact;
mod request;
mod response;
mod retry;
mod shared;
mod transport;

pub use auth::{AuthLayer, Failure, Replay};
pub use base_url::BaseUrl;
pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT,
};
pub use client::{Client, PROJECT_ID_HEADER};
pub use path::segment;
pub use redact::{printable, redact_url};
pub use request::RequestBuilder;
pub use response::Response;
pub use retry::RetryPolicy;

pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
pub use mstr_rest_error::{Error, Result};
pub use url::Url;

/// The verb shortcuts of every handle that makes requests (`Client`, `Session`, the blocking
/// `Session`), written once: each has `request(method, path)`, and these call it.
#[doc(hidden)]
#[macro_export]
macro_rules! __http_verbs {
    ($builder:ty) => {
        /// A `GET` request to `path` (relative to the base URL, or absolute).
        pub fn get(&self, path: &str) -> $builder {
            self.request($crate::Method::GET, path)
        }

        /// A `POST` request to `path`.
        pub fn post(&self, path: &str) -> $builder {
            self.request($crate::Method::POST, path)
        }

        /// A `PUT` request to `path`.
        pub fn put(&self, path: &str) -> $builder {
            self.request($crate::Method::PUT, path)
        }

        /// A `PATCH` request to `path`.
        pub fn patch(&self, path: &str) -> $builder {
            self.request($crate::Method::PATCH, path)
        }

        /// A `DELETE` request to `path`.
        pub fn delete(&self, path: &str) -> $builder {
            self.request($crate::Method::DELETE, path)
        }
    };
}

#[cfg(test)]
mod tests;
