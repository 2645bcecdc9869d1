//! The Cubes API: cube data (`v2/cubes/{id}/instances`), through the same
//! [`ReportQuery`] as reports — rows, pages, CSV, Arrow — and publishing: refresh an
//! Intelligent Cube (`POST v2/cubes/{id}`), read its status (`HEAD cubes/{id}`, the
//! `X-MSTR-CubeStatus` bit set) and wait until it is published.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::builder()
//! #     .report(mstr_rest_emulator::ReportSpec::cube("0123456789ABCDEF0123456789ABCDEF", "Sales cube").rows(30))
//! #     .start().await;
//! use std::time::Duration;
//!
//! use futures_util::TryStreamExt;
//! use mstr_rest_api::cubes::CubesApi;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let project = "B19DEDCC11D4E0EFC000EB9495D0F44F";
//! let cube = "0123456789ABCDEF0123456789ABCDEF";
//!
//! // The step every ETL job runs after loading the warehouse: refresh, then wait.
//! let status = session
//!     .cubes(project)
//!     .publish_and_wait(cube, Duration::from_secs(300))
//!     .await?;
//! assert!(status.is_published());
//!
//! let rows: Vec<_> = session.cube(cube).project(project).rows().try_collect().await?;
//! assert_eq!(rows.len(), 30);
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use mstr_rest_core::{Method, segment};
use mstr_rest_error::DeadlineError;
use mstr_rest_session::{Error, Result, Session};
use serde::Deserialize;

use crate::poll::Backoff;
use crate::reports::{Kind, ReportQuery};

/// The header `HEAD cubes/{id}` answers the status in.
pub const CUBE_STATUS_HEADER: &str = "X-MSTR-CubeStatus";

/// The Cubes API on a [`Session`]: `use mstr_rest_api::cubes::CubesApi;` (or the facade's
/// prelude) and call `session.cube(id)` for data, `session.cubes(project)` to publish.
pub trait CubesApi {
    /// A query on the cube `id` (`v2/cubes/{id}/instances`).
    fn cube(&self, id: &str) -> ReportQuery;

    /// Publishing and status of the cubes of a project (its id, as sent in
    /// `X-MSTR-ProjectID`).
    fn cubes(&self, project_id: &str) -> Cubes;
}

impl CubesApi for Session {
    fn cube(&self, id: &str) -> ReportQuery {
        ReportQuery::new(self.clone(), Kind::Cube, id)
    }

    fn cubes(&self, project_id: &str) -> Cubes {
        Cubes::new(self.clone(), project_id)
    }
}

/// Cube publishing in one project, from [`CubesApi::cubes`].
#[derive(Debug, Clone)]
pub struct Cubes<S = Session> {
    pub(crate) session: S,
    project_id: String,
    first_poll: Duration,
    max_poll: Duration,
}

impl<S> Cubes<S> {
    pub(crate) fn new(session: S, project_id: &str) -> Cubes<S> {
        Cubes {
            session,
            project_id: project_id.to_owned(),
            first_poll: Duration::from_millis(250),
            max_poll: Duration::from_secs(10),
        }
    }

    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Cubes<T> {
        Cubes {
            session,
            project_id: self.project_id.clone(),
            first_poll: self.first_poll,
            max_poll: self.max_poll,
        }
    }

    /// The first and the longest wait between status polls (default 250 ms doubling up
    /// to 10 s).
    pub fn poll(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max;
        self
    }
}

/// The job a publish started (`POST v2/cubes/{id}` answers 202 with it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PublishJob {
    /// The job id, when the server names it (`id` or `jobId`).
    #[serde(default, alias = "jobId")]
    pub id: Option<String>,
}

/// A cube's state: the `EnumDSSCubeStates` bit set of `X-MSTR-CubeStatus`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CubeStatus(pub u32);

impl CubeStatus {
    /// A publish or refresh is running.
    pub const PROCESSING: u32 = 1;
    /// The cube is active.
    pub const ACTIVE: u32 = 2;
    /// Saved to disk.
    pub const PERSISTED: u32 = 4;
    /// The cube's info is out of date.
    pub const DIRTY_INFO: u32 = 8;
    /// The data is out of date.
    pub const DIRTY: u32 = 16;
    /// Loaded in memory.
    pub const LOADED: u32 = 32;
    /// Published and ready to serve data.
    pub const READY: u32 = 64;
    /// Waiting to be loaded.
    pub const LOAD_PENDING: u32 = 128;
    /// Waiting to be unloaded.
    pub const UNLOAD_PENDING: u32 = 256;
    /// Waiting for the engine.
    pub const PENDING_FOR_ENGINE: u32 = 512;
    /// Imported.
    pub const IMPORTED: u32 = 1024;
    /// Owned by another node.
    pub const FOREIGN: u32 = 2048;

    const NAMES: [(u32, &'static str); 12] = [
        (Self::PROCESSING, "processing"),
        (Self::ACTIVE, "active"),
        (Self::PERSISTED, "persisted"),
        (Self::DIRTY_INFO, "dirty info"),
        (Self::DIRTY, "dirty"),
        (Self::LOADED, "loaded"),
        (Self::READY, "ready"),
        (Self::LOAD_PENDING, "load pending"),
        (Self::UNLOAD_PENDING, "unload pending"),
        (Self::PENDING_FOR_ENGINE, "pending for engine"),
        (Self::IMPORTED, "imported"),
        (Self::FOREIGN, "foreign"),
    ];

    /// Whether every bit of `flags` is set.
    pub fn has(self, flags: u32) -> bool {
        self.0 & flags == flags
    }

    /// A publish or refresh is running.
    pub fn is_processing(self) -> bool {
        self.has(Self::PROCESSING)
    }

    /// Published: ready to serve data and no publish running.
    pub fn is_published(self) -> bool {
        self.has(Self::READY) && !self.is_processing()
    }

    /// The names of the set states, in bit order (`["active", "loaded", "ready"]`).
    pub fn states(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, name)| *name)
            .collect()
    }
}

impl fmt::Debug for CubeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CubeStatus({} = {:?})", self.0, self.states())
    }
}

impl fmt::Display for CubeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.states().join(", "))
    }
}

impl Cubes {
    fn path(prefix: &str, id: &str) -> Result<String> {
        Ok(format!("{prefix}/{}", segment("cube id", id)?))
    }

    /// `POST v2/cubes/{id}`: publishes (refreshes) the cube; returns as soon as the server
    /// accepted the job. Use [`wait_published`](Self::wait_published) to wait for it, or
    /// [`publish_and_wait`](Self::publish_and_wait) for both.
    ///
    /// # Errors
    /// [`Error::Api`] (unknown cube `ERR004`, no right to publish); [`Error::Transport`].
    pub async fn publish(&self, id: &str) -> Result<PublishJob> {
        let response = self
            .session
            .post(&Self::path("v2/cubes", id)?)
            .project(&self.project_id)
            .send()
            .await?;
        let body = response.bytes().await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(PublishJob { id: None });
        }
        serde_json::from_slice(&body)
            .map_err(|e| Error::decode(format!("the publish answer is not a job: {e}")))
    }

    /// `HEAD cubes/{id}`: the cube's status bits.
    ///
    /// # Errors
    /// [`Error::Api`] (unknown cube: 404); [`Error::Decode`] when the answer has no
    /// `X-MSTR-CubeStatus` number; [`Error::Transport`].
    pub async fn status(&self, id: &str) -> Result<CubeStatus> {
        let response = self
            .session
            .request(Method::HEAD, &Self::path("cubes", id)?)
            .project(&self.project_id)
            .send()
            .await?;
        let raw = response.header(CUBE_STATUS_HEADER).ok_or_else(|| {
            Error::decode(format!(
                "the status of cube {id} came without the {CUBE_STATUS_HEADER} header"
            ))
        })?;
        raw.trim().parse().map(CubeStatus).map_err(|_| {
            Error::decode(format!(
                "the {CUBE_STATUS_HEADER} of cube {id} is {raw:?}, not a number"
            ))
        })
    }

    /// Polls [`status`](Self::status) until the cube is published (ready, no publish
    /// running), for at most `timeout`; returns the last status.
    ///
    /// # Errors
    /// [`Error::Deadline`] naming the `timeout` argument when the cube is still not
    /// published; otherwise as [`status`](Self::status).
    pub async fn wait_published(&self, id: &str, timeout: Duration) -> Result<CubeStatus> {
        let mut backoff = Backoff::new(self.first_poll, self.max_poll, timeout);
        loop {
            let status = self.status(id).await?;
            if status.is_published() {
                return Ok(status);
            }
            if !backoff.wait().await {
                return Err(Error::Deadline(DeadlineError::new(
                    format!("cube {id} to be published (last status {status})"),
                    "wait_published(timeout)",
                    timeout,
                )));
            }
        }
    }

    /// [`publish`](Self::publish), then [`wait_published`](Self::wait_published).
    ///
    /// # Errors
    /// As those two.
    pub async fn publish_and_wait(&self, id: &str, timeout: Duration) -> Result<CubeStatus> {
        let job = self.publish(id).await?;
        tracing::debug!(cube = id, job = ?job.id, "publish started");
        self.wait_published(id, timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bits_name_the_states() {
        let s = CubeStatus(CubeStatus::ACTIVE | CubeStatus::LOADED | CubeStatus::READY);
        assert!(s.is_published());
        assert_eq!(s.states(), ["active", "loaded", "ready"]);
        assert_eq!(s.to_string(), "98 (active, loaded, ready)");
        let running = CubeStatus(s.0 | CubeStatus::PROCESSING);
        assert!(running.is_processing() && !running.is_published());
        assert!(!CubeStatus(0).is_published());
        assert_eq!(CubeStatus(u32::MAX).states().len(), 12);
    }
}
