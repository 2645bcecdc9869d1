//! Splitting one report instance into page ranges that other processes fetch: the way to
//! run an extract as the tasks of an engine that already scales out (Spark, Ray, Dask,
//! Airflow) — one instance on the server, `n` workers reading their share of its pages.

use futures_util::stream::BoxStream;
use mstr_rest_session::{Error, Result, Session};
use serde::{Deserialize, Serialize};

use super::decode::{Row, Subtotals};
use super::query::{self, Kind};

/// One share of a report instance's rows: `rows` rows from `offset`, in whole pages.
/// Serialisable (`to_json`/`from_json`, or serde): make the partitions where the instance
/// is opened, send each with the saved session ([`Session::to_json`]) to a worker, and
/// fetch it there with [`rows`](Self::rows) (or `record_batches`, feature `arrow`). The
/// partitions of one instance cover its rows exactly once, in order of `index`.
///
/// The instance lives in the server session that opened it: the workers must restore that
/// session (not log in anew), and it must stay open until they are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Partition {
    /// `report` or `cube`.
    pub kind: String,
    /// The report's or cube's id.
    pub id: String,
    /// The project id the instance was opened in.
    pub project: Option<String>,
    /// The instance id.
    pub instance: String,
    /// The first row of this partition.
    pub offset: u64,
    /// How many rows it holds.
    pub rows: u64,
    /// The instance's total row count (every page is checked against it).
    pub total: u64,
    /// Rows per request.
    pub page_size: u32,
    /// Whether formatted metric values are fetched too.
    pub formatted: bool,
    /// Which rows are kept by their subtotal flag: `exclude`, `include` or `only`.
    pub subtotals: String,
    /// This partition's place, from 0.
    pub index: u64,
    /// How many partitions the instance was split into.
    pub count: u64,
}

impl Partition {
    pub(crate) fn kind(&self) -> Result<Kind> {
        match self.kind.as_str() {
            "report" => Ok(Kind::Report),
            "cube" => Ok(Kind::Cube),
            other => Err(Error::config(format!(
                "a partition of kind {other:?}: it is \"report\" or \"cube\""
            ))),
        }
    }

    pub(crate) fn subtotals(&self) -> Result<Subtotals> {
        match self.subtotals.as_str() {
            "exclude" => Ok(Subtotals::Exclude),
            "include" => Ok(Subtotals::Include),
            "only" => Ok(Subtotals::Only),
            other => Err(Error::config(format!(
                "a partition with subtotals {other:?}: it is exclude, include or only"
            ))),
        }
    }

    pub(crate) fn subtotals_name(s: Subtotals) -> &'static str {
        match s {
            Subtotals::Include => "include",
            Subtotals::Only => "only",
            _ => "exclude",
        }
    }

    /// The partition as JSON, to hand to another process.
    ///
    /// # Errors
    /// None in practice; the `Result` is serde's.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::decode(format!("cannot write the partition as JSON: {e}")))
    }

    /// A partition from [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// [`Error::Config`] for text that is not a partition.
    pub fn from_json(text: &str) -> Result<Partition> {
        let partition: Partition = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("not a report partition: {e}")))?;
        partition.kind()?;
        partition.subtotals()?;
        Ok(partition)
    }

    /// This partition's rows, fetched on `session` (the session that opened the instance,
    /// restored in this process), pages in parallel, in order; the whole share or an error.
    pub fn rows(&self, session: &Session) -> BoxStream<'static, Result<Row>> {
        query::partition_rows(session.clone(), self)
    }
}
