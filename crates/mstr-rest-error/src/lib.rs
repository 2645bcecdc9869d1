#![cfg_attr(docsrs, feature(doc_cfg))]
//! Errors of [mstr-rest](https://docs.rs/mstr-rest), the Rust client for the MicroStrategy
//! (Strategy) REST API.
//!
//! This is the bottom of the crate stack
//! (`mstr-rest` → cloud crates → `mstr-rest-session` → `mstr-rest-core` → **`mstr-rest-error`**):
//! it owns the one [`Error`] and [`Result`] every other crate returns, and the pure parser
//! that turns a server's error body into an [`ApiError`]. It depends on no HTTP stack,
//! runtime or cloud SDK; foreign errors are reachable only through
//! [`std::error::Error::source`].
//!
//! ```
//! use mstr_rest_error::{ApiError, ApiErrorKind};
//!
//! let body = br#"{"code":"ERR003","message":"Login failure","iServerCode":-2147216959,
//!                 "ticketId":"07c1a5cbd8a84c5f9a4a8b0c3b1d2e3f"}"#;
//! let err = ApiError::from_response(401, Some("application/json"), body);
//! assert_eq!(err.kind(), ApiErrorKind::LoginFailure);
//! assert_eq!(err.to_string(), "ERR003: Login failure. [iServerCode -2147216959]");
//! ```
//!
//! Match on [`Error`] variants to decide what to do; match on [`ApiError::kind`] (or on
//! [`ApiError::code`] for codes without a kind of their own) to react to the server.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Numbers chosen by a server or a user never overflow: arithmetic is checked or saturating
// (tests and benches may use plain operators).
#![cfg_attr(not(test), warn(clippy::arithmetic_side_effects))]

mod api;
mod error;

pub use api::{ApiError, ApiErrorKind, ApiSubError, BODY_EXCERPT_LIMIT};
pub use error::{
    BoxError, ConfigError, CredentialError, CredentialErrorKind, DeadlineError, DecodeError, Error,
    IoError, Result, TransportError, TransportKind, WorkerError,
};

#[cfg(test)]
mod tests;
