//! The Reports API: report data (JSON Data API v2), streamed page by page — and the query
//! types cube data shares (see [`cubes`](crate::cubes)).
//!
//! [`ReportsApi`] adds [`report`](ReportsApi::report) to a [`Session`], and
//! [`CubesApi`](crate::cubes::CubesApi) adds `cube`. Each gives a [`ReportQuery`]: choose the project, the attributes and metrics,
//! a view filter, the page size and how many pages are fetched at once, then stream:
//!
//! - [`ReportQuery::rows`]: typed [`Row`]s, in order;
//! - [`ReportQuery::pages`]: the raw v2 [`Page`]s, in order;
//! - [`ReportQuery::write_csv`]: RFC 4180 CSV into any `tokio::io::AsyncWrite`;
//! - `ReportQuery::record_batches` (feature `arrow`): one Arrow `RecordBatch` per page.
//!
//! The first request (`POST v2/reports/{id}/instances?offset=0&limit=L`) learns
//! `paging.total`; the other pages are fetched with `GET …/instances/{iid}?offset&limit`,
//! `concurrency` at a time, each decoded on a runtime worker, and yielded in order. At most
//! `concurrency + 1` pages are held whatever the report's size. A server that caps pages below
//! `L` is followed (the stride becomes its cap, and a short page is completed by asking for
//! the rest). A 202 "still running" answer is polled with doubling waits up to a deadline;
//! a prompted instance (status 2) is answered from [`ReportQuery::answer`], or by hand with
//! [`Instance::prompts`] and [`Instance::answer`], nested prompts included, after which
//! [`Instance::resume`] streams that instance through the same [`ReportQuery`] methods (the
//! prompt types are in [`prompts`](crate::prompts)).
//!
//! # Rows
//!
//! A [`Row`] is flat: [`Row::attributes`] has one value per attribute *form* (in grid order,
//! shared `Arc<str>` values), [`Row::metrics`] one raw `f64` per metric (`None` for null).
//! The names are in [`Columns`], shared by every row of a page through an `Arc`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::builder()
//! #     .report(mstr_rest_emulator::ReportSpec::new("0123456789ABCDEF0123456789ABCDEF", "Sales").rows(2500))
//! #     .start().await;
//! # let project = "B19DEDCC11D4E0EFC000EB9495D0F44F";
//! use futures_util::TryStreamExt;
//! use mstr_rest_api::reports::ReportsApi;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let mut rows = session
//!     .report("0123456789ABCDEF0123456789ABCDEF")
//!     .project(project)
//!     .page_size(1000)
//!     .concurrency(4)
//!     .rows();
//! let mut count = 0;
//! while let Some(row) = rows.try_next().await? {
//!     assert_eq!(row.index(), count);
//!     let _region = row.attribute("Region", "DESC");
//!     let _revenue = row.metric("Revenue");
//!     count += 1;
//! }
//! assert_eq!(count, 2500);
//! # Ok(()) }
//! ```

use mstr_rest_session::Session;

pub(crate) mod csv;
mod decode;
mod elements;
mod partition;
mod query;
pub(crate) mod values;

#[cfg(feature = "arrow")]
mod arrow;

#[cfg(test)]
mod tests;

#[cfg(feature = "arrow")]
#[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
pub use arrow::schema as arrow_schema;
#[cfg(feature = "blocking")]
pub(crate) use decode::Decoded;
pub use decode::{AttributeColumn, Axis, Columns, MetricColumn, Row, Subtotals};
pub use partition::Partition;
pub(crate) use query::Kind;
pub use query::{
    DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGE_BYTES, DEFAULT_MAX_PROMPT_ROUNDS, DEFAULT_PAGE_SIZE,
    Instance, Page, ReportQuery,
};
pub use values::{Cell, ValueType};

/// The Reports API on a [`Session`]: `use mstr_rest_api::reports::ReportsApi;` (or the
/// facade's prelude) and call `session.report(id)`.
pub trait ReportsApi {
    /// A query on the report `id` (`v2/reports/{id}/instances`; a cube id works too).
    fn report(&self, id: &str) -> ReportQuery;
}

impl ReportsApi for Session {
    fn report(&self, id: &str) -> ReportQuery {
        ReportQuery::new(self.clone(), query::Kind::Report, id)
    }
}
