//! The Cubes API: cube data (`v2/cubes/{id}/instances`), through the same
//! [`ReportQuery`] as reports — rows, pages, CSV, Arrow.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::builder()
//! #     .report(mstr_rest_emulator::ReportSpec::cube("0123456789ABCDEF0123456789ABCDEF", "Sales cube").rows(30))
//! #     .start().await;
//! use futures_util::TryStreamExt;
//! use mstr_rest_api::cubes::CubesApi;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let rows: Vec<_> = session
//!     .cube("0123456789ABCDEF0123456789ABCDEF")
//!     .project("B19DEDCC11D4E0EFC000EB9495D0F44F")
//!     .rows()
//!     .try_collect()
//!     .await?;
//! assert_eq!(rows.len(), 30);
//! # Ok(()) }
//! ```

use mstr_rest_session::Session;

use crate::reports::{Kind, ReportQuery};

/// The Cubes API on a [`Session`]: `use mstr_rest_api::cubes::CubesApi;` (or the facade's
/// prelude) and call `session.cube(id)`.
pub trait CubesApi {
    /// A query on the cube `id` (`v2/cubes/{id}/instances`).
    fn cube(&self, id: &str) -> ReportQuery;
}

impl CubesApi for Session {
    fn cube(&self, id: &str) -> ReportQuery {
        ReportQuery::new(self.clone(), Kind::Cube, id)
    }
}
