//! The blocking API (feature `blocking`): [`Session`] and [`AuthenticatedSession`] with the
//! methods of the async ones and of every typed family, for scripts and synchronous code.
//!
//! As in `reqwest::blocking`, each session owns one dedicated thread running a
//! current-thread tokio runtime; calls are sent to it over a channel and the calling thread
//! waits for the answer. Clones share the thread, which stops when the last clone is dropped.
//! [`AuthenticatedSession`] logs out when dropped, waiting for the logout to finish.
//!
//! # Calling from async code
//!
//! The work always runs on the dedicated thread, so a call never panics or deadlocks by
//! itself, even inside a tokio runtime. It does block the calling thread until the server
//! answers: inside async code that stalls every task on that thread (on a current-thread
//! runtime, a server running on the same runtime can then never answer). From async code use
//! the async [`Session`](mstr_rest_session::Session), or call the blocking one inside
//! `tokio::task::spawn_blocking`.
//!
//! One builder serves both APIs: [`Session::build`] and [`AuthenticatedSession::connect`]
//! take the async builders. Every typed family is here too, with the async handles' settings
//! and calls that block: `report(id)`/`cube(id)` (rows as an [`Iterator`], CSV to any
//! [`std::io::Write`]), `datasets(project)` (push from an `Iterator`), `folders`, `search`,
//! `objects`, `library`, `users`, `user_groups`, `security_roles`, `security_filters`;
//! `cubes(project)` (publish and wait), `dossier(id)`/`document(id)` (exports to any
//! [`std::io::Write`]), `changeset(project, |cs| ..)`, `datasources()`, `publishing(project)`,
//! `packages()`, `send_email`, `transmitters`, `quotas(project)`.
//!
//! ```
//! # let runtime = tokio::runtime::Runtime::new().unwrap();
//! # let server = runtime.block_on(mstr_rest_emulator::Emulator::start());
//! # let emulator = server.base_url();
//! use mstr_rest_api::blocking::{AuthenticatedSession, Session};
//! use mstr_rest_session::Credentials;
//!
//! let session = Session::build(mstr_rest_session::Session::builder(emulator.clone()))?;
//! session.login(Credentials::standard("dave", "hellodave"))?;
//! let projects = session.projects()?;
//! let info: serde_json::Value = session.get("sessions").send()?.json()?;
//! assert_eq!(info["fullName"], "Dave Bowman");
//! let users = session.users().list()?;
//! session.logout()?;
//!
//! let me = AuthenticatedSession::run(
//!     mstr_rest_session::AuthenticatedSession::builder()
//!         .base_url(emulator)
//!         .username("dave")
//!         .password("hellodave"),
//!     |s| s.user_info(),
//! )?;
//! assert_eq!(me.full_name, "Dave Bowman");
//! # assert!(!projects.is_empty() && !users.is_empty());
//! # Ok::<(), mstr_rest_session::Error>(())
//! ```

mod administration;
mod authenticated;
mod families;
mod iter;
mod modeling;
mod reports;
mod request;
mod session;
mod worker;

pub use authenticated::AuthenticatedSession;
pub use iter::Iter;
pub use modeling::{Changeset, ModelObjects};
pub use request::{RequestBuilder, Response};
pub use session::Session;

#[cfg(test)]
mod tests;
