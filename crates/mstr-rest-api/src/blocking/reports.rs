//! Reports and cubes on the blocking session: the async [`ReportQuery`]'s settings, run on
//! the session's thread — rows as an [`Iterator`], CSV to any [`std::io::Write`].

use std::io::Write;

use mstr_rest_session::Result;

use super::{Iter, Session};
use crate::reports::{Decoded, Kind, ReportQuery, Row, csv};

/// Pages decoded ahead of the reader: the rows of at most this many pages wait in memory
/// besides the query's own `concurrency`.
const PAGES_AHEAD: usize = 2;

impl Session {
    /// A query on the report `id`, as [`ReportsApi::report`](crate::reports::ReportsApi::report):
    /// the same settings, then [`rows`](ReportQuery::rows),
    /// [`write_csv`](ReportQuery::write_csv) or `record_batches` that block.
    pub fn report(&self, id: &str) -> ReportQuery<Session> {
        ReportQuery::new(self.clone(), Kind::Report, id)
    }

    /// A query on the cube `id`, as [`CubesApi::cube`](crate::cubes::CubesApi::cube).
    pub fn cube(&self, id: &str) -> ReportQuery<Session> {
        ReportQuery::new(self.clone(), Kind::Cube, id)
    }
}

impl ReportQuery<Session> {
    /// Every row, in order, as the async [`ReportQuery::rows`] yields them; at most a few
    /// pages are decoded ahead of the reader.
    ///
    /// # Errors
    /// [`Error::Worker`](mstr_rest_session::Error::Worker) when the session's thread has
    /// stopped; each item carries the stream's errors.
    pub fn rows(self) -> Result<impl Iterator<Item = Result<Row>>> {
        let pages = self.mapped_pages(|d| Ok(d.into_rows()), Vec::len)?;
        Ok(pages.flat_map(|page| match page {
            Ok(rows) => Box::new(rows.into_iter().map(Ok)) as Box<dyn Iterator<Item = _>>,
            Err(e) => Box::new(std::iter::once(Err(e))),
        }))
    }

    /// Pages turned into `T` on the session's runtime (every worker), a few ahead.
    fn mapped_pages<T, M>(self, map: M, rows: fn(&T) -> usize) -> Result<Iter<Result<T>>>
    where
        T: Send + 'static,
        M: Fn(Decoded) -> Result<T> + Clone + Send + Sync + 'static,
    {
        let session = self.session.clone();
        let query = self.on(session.as_async().clone());
        session.iter(move |_| query.mapped(map, rows), PAGES_AHEAD)
    }

    /// Writes every row as CSV (as the async [`ReportQuery::write_csv`]) into `writer`;
    /// returns the number of data rows.
    ///
    /// # Errors
    /// As [`rows`](Self::rows), plus [`Error::Io`](mstr_rest_session::Error::Io) when
    /// `writer` fails.
    pub fn write_csv<W: Write>(self, mut writer: W) -> Result<u64> {
        let mut rows = 0u64;
        for (i, chunk) in self.mapped_pages(csv::chunk, |c| c.rows)?.enumerate() {
            let chunk = chunk?;
            if i == 0 {
                writer.write_all(&chunk.header).map_err(csv::io_error)?;
            }
            rows = rows.saturating_add(u64::try_from(chunk.rows).unwrap_or(u64::MAX));
            writer.write_all(&chunk.body).map_err(csv::io_error)?;
        }
        writer.flush().map_err(csv::io_error)?;
        Ok(rows)
    }

    /// Every page as an Arrow `RecordBatch` (feature `arrow`), as the async
    /// `ReportQuery::record_batches`.
    ///
    /// # Errors
    /// As [`rows`](Self::rows).
    #[cfg(feature = "arrow")]
    #[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
    pub fn record_batches(self) -> Result<impl Iterator<Item = Result<arrow_array::RecordBatch>>> {
        let session = self.session.clone();
        let query = self.on(session.as_async().clone());
        session.iter(move |_| query.record_batches(), PAGES_AHEAD)
    }
}
