//! Report and cube data for the blocking session (feature `blocking`): the same
//! [`ReportQuery`] settings, rows as an [`Iterator`], CSV to any [`std::io::Write`].

use std::io::Write;

use mstr_rest_error::{TransportError, TransportKind};
use mstr_rest_session::blocking::{Iter, Session};
use mstr_rest_session::{Error, Result};
use serde_json::Value;

use super::decode::{Decoded, Row, Subtotals};
use super::prompts::PromptAnswer;
use super::{DataApi, ReportQuery};

/// Pages decoded ahead of the reader: the rows of at most this many pages wait in memory
/// besides the query's own `concurrency`.
const PAGES_AHEAD: usize = 2;

/// Report and cube data on a blocking [`Session`]: `use mstr_rest_api::data::BlockingDataApi;`.
pub trait BlockingDataApi {
    /// A report's data, as [`DataApi::report`].
    fn report(&self, id: &str) -> BlockingReportQuery;
    /// A cube's data, as [`DataApi::cube`].
    fn cube(&self, id: &str) -> BlockingReportQuery;
}

impl BlockingDataApi for Session {
    fn report(&self, id: &str) -> BlockingReportQuery {
        BlockingReportQuery {
            session: self.clone(),
            query: self.as_async().report(id),
        }
    }

    fn cube(&self, id: &str) -> BlockingReportQuery {
        BlockingReportQuery {
            session: self.clone(),
            query: self.as_async().cube(id),
        }
    }
}

/// A [`ReportQuery`] run on a blocking session's thread. Its settings are the async ones.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is streamed"]
pub struct BlockingReportQuery {
    session: Session,
    query: ReportQuery,
}

macro_rules! settings {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $($arg: $ty),*) -> Self {
                self.query = self.query.$name($($arg),*);
                self
            }
        )*
    };
}

impl BlockingReportQuery {
    settings! {
        /// See [`ReportQuery::project`].
        project(id: &str);
        /// See [`ReportQuery::view_filter`].
        view_filter(expression: Value);
        /// See [`ReportQuery::page_size`].
        page_size(rows: u32);
        /// See [`ReportQuery::concurrency`].
        concurrency(pages: usize);
        /// See [`ReportQuery::formatted`].
        formatted(on: bool);
        /// See [`ReportQuery::subtotals`].
        subtotals(which: Subtotals);
        /// See [`ReportQuery::answer`].
        answer(answer: PromptAnswer);
        /// See [`ReportQuery::reopen_on_expiry`].
        reopen_on_expiry(on: bool);
        /// See [`ReportQuery::max_page_bytes`].
        max_page_bytes(bytes: usize);
    }

    /// Any other setting of the async query, e.g. `.with(|q| q.attributes(["A1"]))`.
    pub fn with(mut self, configure: impl FnOnce(ReportQuery) -> ReportQuery) -> Self {
        self.query = configure(self.query);
        self
    }

    /// Every row, in order, as [`ReportQuery::rows`] yields them; at most a few pages are
    /// decoded ahead of the reader.
    ///
    /// # Errors
    /// [`Error::Transport`] when the session's thread has stopped; each item carries the
    /// stream's errors.
    pub fn rows(self) -> Result<impl Iterator<Item = Result<Row>>> {
        let pages = self.pages()?;
        Ok(pages.flat_map(|page| match page {
            Ok(page) => Box::new(page.rows.into_iter().map(Ok)) as Box<dyn Iterator<Item = _>>,
            Err(e) => Box::new(std::iter::once(Err(e))),
        }))
    }

    fn pages(self) -> Result<Iter<Result<Decoded>>> {
        let query = self.query;
        self.session.iter(move |_| query.decoded(), PAGES_AHEAD)
    }

    /// Writes every row as CSV (as [`ReportQuery::write_csv`]) into `writer`; returns the
    /// number of data rows.
    ///
    /// # Errors
    /// As [`rows`](Self::rows), plus [`Error::Transport`] (kind `Body`) when `writer` fails.
    pub fn write_csv<W: Write>(self, mut writer: W) -> Result<u64> {
        let io = |e: std::io::Error| Error::Transport(TransportError::new(TransportKind::Body, e));
        let mut rows = 0u64;
        let mut buf = Vec::new();
        for (i, page) in self.pages()?.enumerate() {
            let page = page?;
            buf.clear();
            if i == 0 {
                super::csv::header(&mut buf, &page.columns);
            }
            for row in &page.rows {
                super::csv::row(&mut buf, row);
            }
            rows = rows.saturating_add(u64::try_from(page.rows.len()).unwrap_or(u64::MAX));
            writer.write_all(&buf).map_err(io)?;
        }
        writer.flush().map_err(io)?;
        Ok(rows)
    }

    /// Every page as an Arrow `RecordBatch` (feature `arrow`), as
    /// [`ReportQuery::record_batches`].
    ///
    /// # Errors
    /// As [`rows`](Self::rows).
    #[cfg(feature = "arrow")]
    #[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
    pub fn record_batches(self) -> Result<impl Iterator<Item = Result<arrow_array::RecordBatch>>> {
        let query = self.query;
        self.session
            .iter(move |_| query.record_batches(), PAGES_AHEAD)
    }
}
