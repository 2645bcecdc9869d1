//! Arrow export (feature `arrow`): one `RecordBatch` per page, `Utf8` attribute forms and
//! `Float64` metrics, nullable.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};

use mstr_rest_session::{Error, Result};

use super::decode::{Columns, Decoded};
use super::query::{Instance, ReportQuery};

/// The Arrow schema of a report's columns: one nullable `Utf8` field per attribute form
/// (named as in [`Columns::headers`]), then one nullable `Float64` per metric.
pub fn schema(columns: &Columns) -> SchemaRef {
    let headers = columns.headers();
    let fields: Vec<Field> = headers
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let kind = if i < columns.attributes.len() {
                DataType::Utf8
            } else {
                DataType::Float64
            };
            Field::new(name, kind, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

fn batch(page: &Decoded) -> Result<RecordBatch> {
    let columns = &page.columns;
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(
        columns
            .attributes
            .len()
            .saturating_add(columns.metrics.len()),
    );
    for i in 0..columns.attributes.len() {
        let values: StringArray = page
            .rows
            .iter()
            .map(|r| r.attributes.get(i).and_then(|v| v.as_deref()))
            .collect();
        arrays.push(Arc::new(values));
    }
    for m in 0..columns.metrics.len() {
        let values: Float64Array = page
            .rows
            .iter()
            .map(|r| r.metrics.get(m).copied().flatten())
            .collect();
        arrays.push(Arc::new(values));
    }
    RecordBatch::try_new(schema(columns), arrays).map_err(|e| {
        Error::Decode(
            mstr_rest_error::DecodeError::new("cannot build an Arrow batch").with_source(e),
        )
    })
}

fn batches(pages: BoxStream<'static, Result<Decoded>>) -> BoxStream<'static, Result<RecordBatch>> {
    pages.and_then(|page| async move { batch(&page) }).boxed()
}

impl ReportQuery {
    /// Every page as an Arrow [`RecordBatch`], in order (schema: [`schema`]). An empty report
    /// gives one batch with no rows.
    #[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
    pub fn record_batches(self) -> BoxStream<'static, Result<RecordBatch>> {
        batches(self.decoded())
    }
}

impl Instance {
    /// Every page as an Arrow [`RecordBatch`], in order (schema: [`schema`]).
    #[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
    pub fn record_batches(self) -> BoxStream<'static, Result<RecordBatch>> {
        batches(self.decoded())
    }
}
