#![cfg_attr(docsrs, feature(doc_cfg))]
//! Typed access to the MicroStrategy REST API families users spend their days in, on top of
//! a logged-in [`Session`](mstr_rest_session::Session):
//!
//! - [`data`]: report and cube results (JSON Data API v2), streamed page by page;
//! - [`push`]: datasets pushed in chunks through upload sessions;
//! - [`objects`]: projects, folders, search, objects, library, users and groups, security.
//!
//! Everything else stays reachable through `session.get(path)`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Numbers chosen by a server or a user never overflow: arithmetic is checked or saturating
// (tests and benches may use plain operators).
#![cfg_attr(not(test), warn(clippy::arithmetic_side_effects))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
pub mod data;
pub mod objects;
mod path;
mod poll;
pub mod push;
