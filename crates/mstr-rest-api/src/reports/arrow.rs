//! Arrow export (feature `arrow`): one `RecordBatch` per page, each column typed as the
//! server declares it, nullable.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    Time32MillisecondArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use futures_util::stream::BoxStream;

use mstr_rest_session::{Error, Result, Session};

use super::decode::{Columns, Decoded, Flat};
use super::query::ReportQuery;
use super::values::{self, Cell, ValueType};

/// The Arrow type of a declared [`ValueType`].
fn arrow_type(kind: ValueType) -> DataType {
    match kind {
        ValueType::Integer => DataType::Int64,
        ValueType::Float => DataType::Float64,
        ValueType::Date => DataType::Date32,
        ValueType::Time => DataType::Time32(TimeUnit::Millisecond),
        ValueType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, None),
        _ => DataType::Utf8,
    }
}

/// The Arrow schema of a report's columns, named as in [`Columns::headers`], all nullable:
/// one field per attribute form typed by its `dataType` (`Int64`, `Float64`, `Date32`,
/// `Time32(ms)`, `Timestamp(ms)`, else `Utf8`), then one per metric (`Int64` for integer
/// metrics, else `Float64`). A subtotal row's label (`Total`) in a column that is not text is
/// null there; [`Row::is_subtotal`](super::Row::is_subtotal) is the way to tell such rows.
pub fn schema(columns: &Columns) -> SchemaRef {
    let headers = columns.headers();
    let kinds = columns
        .attributes
        .iter()
        .map(|c| c.value_type)
        .chain(columns.metrics.iter().map(|m| m.value_type));
    let fields: Vec<Field> = headers
        .into_iter()
        .zip(kinds)
        .map(|(name, kind)| Field::new(name, arrow_type(kind), true))
        .collect();
    Arc::new(Schema::new(fields))
}

/// Attribute column `f` of unit `u`: each element's value read once per page, then one per
/// row.
fn attribute_array(parts: &[Flat], u: usize, f: usize, kind: ValueType) -> ArrayRef {
    // One typed array per declared type: the elements' values of that variant, null for
    // anything else (a null, or a subtotal's `Total` label in a column that is not text).
    macro_rules! typed {
        ($variant:ident, $array:ty) => {
            Arc::new(gather::<_, $array>(parts, u, f, |text| {
                match text.and_then(|t| values::parse(kind, t)) {
                    Some(Cell::$variant(v)) => Some(v),
                    _ => None,
                }
            }))
        };
    }
    match kind {
        ValueType::Integer => typed!(Integer, Int64Array),
        ValueType::Float => typed!(Float, Float64Array),
        ValueType::Date => typed!(Date, Date32Array),
        ValueType::Time => typed!(Time, Time32MillisecondArray),
        ValueType::Timestamp => typed!(Timestamp, TimestampMillisecondArray),
        _ => Arc::new(gather::<_, StringArray>(parts, u, f, |text| text)),
    }
}

/// Column `f` of unit `u` over every part's rows: each element's text read with `read` once
/// per page, then one value per row.
fn gather<'a, T: Copy, A: FromIterator<Option<T>>>(
    parts: &'a [Flat],
    u: usize,
    f: usize,
    read: impl Fn(Option<&'a str>) -> Option<T>,
) -> A {
    let by_element: Vec<Vec<Option<T>>> = parts
        .iter()
        .map(|part| part.element_values(u, f).map(&read).collect())
        .collect();
    parts
        .iter()
        .zip(&by_element)
        .flat_map(|(part, values)| part.row_elements(u).map(move |e| values[e]))
        .collect()
}

/// The pages' rows as one batch, built from the decoded columns without making rows.
fn batch(page: &Decoded) -> Result<RecordBatch> {
    let columns = &page.columns;
    let parts = page.parts.as_slice();
    let schema = schema(columns);
    let Some(first) = parts.first() else {
        return Ok(RecordBatch::new_empty(schema));
    };
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    // Every part has the same units: `Decoded::extend` checked their columns are equal.
    let mut kinds = columns.attributes.iter().map(|c| c.value_type);
    for (u, forms) in first.forms().enumerate() {
        for f in 0..forms {
            let kind = kinds.next().unwrap_or_default();
            arrays.push(attribute_array(parts, u, f, kind));
        }
    }
    for (m, metric) in columns.metrics.iter().enumerate() {
        let values = parts.iter().flat_map(|part| part.metric_values(m));
        if metric.value_type == ValueType::Integer {
            // Checked whole at decode (subtotal rows may hold averages: those stay null).
            let ints: Int64Array = values.map(|v| v.and_then(values::whole)).collect();
            arrays.push(Arc::new(ints));
        } else {
            arrays.push(Arc::new(values.collect::<Float64Array>()));
        }
    }
    RecordBatch::try_new(schema, arrays).map_err(|e| {
        Error::Decode(
            mstr_rest_error::DecodeError::new("cannot build an Arrow batch").with_source(e),
        )
    })
}

impl super::Page {
    /// The page as one Arrow batch (detail rows; schema: [`schema`]).
    ///
    /// # Errors
    /// As [`Page::rows`](super::Page::rows).
    #[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
    pub fn record_batch(&self) -> Result<RecordBatch> {
        batch(&self.decoded_detail()?)
    }
}

impl super::Partition {
    /// This partition's pages as Arrow batches, in order (as [`rows`](Self::rows)).
    #[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
    pub fn record_batches(&self, session: &Session) -> BoxStream<'static, Result<RecordBatch>> {
        super::query::partition_mapped(session.clone(), self, |page| batch(&page))
    }
}

impl ReportQuery {
    /// Every page as an Arrow [`RecordBatch`], in order (schema: [`schema`]). An empty report
    /// gives one batch with no rows.
    #[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
    pub fn record_batches(self) -> BoxStream<'static, Result<RecordBatch>> {
        // Built on the tasks that fetched the pages: every worker thread converts.
        self.mapped(|page| batch(&page), RecordBatch::num_rows)
    }
}
