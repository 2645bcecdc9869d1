//! Arrow data into datasets: a dataset model from an Arrow schema, and record batches
//! pushed as rows ([`Upload::push_batches`]) — what the command line's `mstr push` and the
//! Python package's `session.push` share.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType as ArrowType, Schema, TimeUnit};
use std::sync::{Arc, Mutex, PoisonError};

use mstr_rest_error::{DecodeError, Error, Result, WorkerError};
use serde::Serialize;
use serde_json::Value;

use super::{DataType, DatasetModel, PushSummary, TableSchema, Upload};
use crate::reports::values::{iso_date, iso_timestamp};

/// Rows converted ahead of the upload.
const AHEAD: usize = 1024;

/// The dataset type that holds an Arrow type, `None` for types a dataset cannot hold
/// (lists, structs, binary, decimals with more digits than a double keeps).
pub fn column_type(t: &ArrowType) -> Option<DataType> {
    Some(match t {
        ArrowType::Boolean => DataType::Boolean,
        ArrowType::Int8
        | ArrowType::Int16
        | ArrowType::Int32
        | ArrowType::UInt8
        | ArrowType::UInt16 => DataType::Integer,
        ArrowType::Int64 | ArrowType::UInt32 | ArrowType::UInt64 => DataType::BigInteger,
        ArrowType::Float16 | ArrowType::Float32 | ArrowType::Float64 => DataType::Double,
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => DataType::String,
        ArrowType::Date32 | ArrowType::Date64 => DataType::Date,
        ArrowType::Timestamp(..) => DataType::DateTime,
        _ => return None,
    })
}

/// Every column of `schema` with its dataset type.
///
/// # Errors
/// [`Error::Config`] naming the first column a dataset cannot hold, and what to do.
pub fn columns(schema: &Schema) -> Result<Vec<(String, DataType)>> {
    schema
        .fields()
        .iter()
        .map(|field| {
            column_type(field.data_type())
                .map(|t| (field.name().clone(), t))
                .ok_or_else(|| {
                    Error::config(format!(
                        "column {:?} is {}, which a dataset cannot hold; cast it to text or a number",
                        field.name(),
                        field.data_type()
                    ))
                })
        })
        .collect()
}

impl DatasetModel {
    /// A one-table model of `columns`: numeric columns become metrics, the others — and
    /// every column named in `key` — attributes.
    ///
    /// # Errors
    /// [`Error::Config`] for a `key` column that is not among `columns`.
    pub fn of_columns(
        name: &str,
        table: &str,
        columns: &[(String, DataType)],
        key: &[String],
    ) -> Result<DatasetModel> {
        if let Some(missing) = key.iter().find(|k| !columns.iter().any(|(c, _)| c == *k)) {
            return Err(Error::config(format!(
                "the key column {missing:?} is not among the data's columns"
            )));
        }
        let mut schema = TableSchema::new(table);
        for (column, data_type) in columns {
            schema = schema.column(column.clone(), *data_type);
        }
        let mut model = DatasetModel::new(name).table(schema);
        for (column, data_type) in columns {
            let numeric = matches!(
                data_type,
                DataType::Integer | DataType::BigInteger | DataType::Double | DataType::BigDecimal
            );
            model = if key.contains(column) || !numeric {
                model.attribute_column(column.clone(), table, column)
            } else {
                model.metric_column(column.clone(), table, column)
            };
        }
        Ok(model)
    }
}

/// One row for the upload, or the reason the batches stopped (which fails the push).
enum Item {
    Row(Vec<Value>),
    Failed,
}

impl Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Item::Row(values) => values.serialize(s),
            Item::Failed => Err(serde::ser::Error::custom("the batches could not be read")),
        }
    }
}

/// Where the reader thread leaves how it ended: `Some(Ok)` read to the end, `Some(Err)` the
/// error that stops the push; `None` while it runs, or when it died (a panic).
type Outcome = Arc<Mutex<Option<Result<()>>>>;

fn settle(outcome: &Outcome, result: Result<()>) {
    *outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
}

impl Upload {
    /// Pushes Arrow record batches as rows ([`push`](Self::push)), read and converted on a
    /// blocking thread a little ahead of the upload. A batch that fails to read fails the
    /// whole push with that error, and the dataset keeps its previous rows: a push is all
    /// the batches or an error.
    ///
    /// # Errors
    /// As [`push`](Self::push); [`Error::Decode`] carrying the batches' own error when
    /// reading them failed; [`Error::Config`] for a value a dataset cannot hold.
    pub async fn push_batches<I, E>(self, batches: I) -> Result<PushSummary>
    where
        I: Iterator<Item = std::result::Result<RecordBatch, E>> + Send + 'static,
        E: Into<mstr_rest_error::BoxError>,
    {
        let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
        let outcome: Outcome = Arc::default();
        let reader_outcome = Arc::clone(&outcome);
        tokio::task::spawn_blocking(move || {
            let read = (|| {
                for batch in batches {
                    let batch = batch.map_err(|e| {
                        Error::Decode(
                            DecodeError::new("reading the batches to push failed").with_source(e),
                        )
                    })?;
                    for row in 0..batch.num_rows() {
                        if tx
                            .blocking_send(Item::Row(row_values(&batch, row)?))
                            .is_err()
                        {
                            return Ok(());
                        }
                    }
                }
                Ok(())
            })();
            let failed = read.is_err();
            settle(&reader_outcome, read);
            if failed {
                let _ = tx.blocking_send(Item::Failed);
            }
        });
        let ended = Arc::clone(&outcome);
        let rows = futures_util::stream::unfold(Some(rx), move |rx| {
            let ended = Arc::clone(&ended);
            async move {
                let mut rx = rx?;
                if let Some(item) = rx.recv().await {
                    return Some((item, Some(rx)));
                }
                // The reader is gone: read to the end, or died without saying so.
                let mut slot = ended.lock().unwrap_or_else(PoisonError::into_inner);
                if slot.is_none() {
                    *slot = Some(Err(Error::Worker(WorkerError::new(
                        "the thread reading the batches to push stopped (a panic)",
                    ))));
                    return Some((Item::Failed, None));
                }
                None
            }
        });
        let pushed = self.push(rows).await;
        let read = outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match read {
            Some(Err(e)) => Err(e),
            _ => pushed,
        }
    }
}

/// Row `row` of `batch` as the JSON values of a pushed row (dates as ISO-8601 text).
///
/// # Errors
/// [`Error::Config`] for a column type a dataset cannot hold.
pub fn row_values(batch: &RecordBatch, row: usize) -> Result<Vec<Value>> {
    batch
        .columns()
        .iter()
        .map(|column| value(column.as_ref(), row))
        .collect()
}

fn value(column: &dyn Array, row: usize) -> Result<Value> {
    if column.is_null(row) {
        return Ok(Value::Null);
    }
    Ok(match column.data_type() {
        ArrowType::Boolean => Value::Bool(column.as_boolean().value(row)),
        ArrowType::Int8 => column.as_primitive::<Int8Type>().value(row).into(),
        ArrowType::Int16 => column.as_primitive::<Int16Type>().value(row).into(),
        ArrowType::Int32 => column.as_primitive::<Int32Type>().value(row).into(),
        ArrowType::Int64 => column.as_primitive::<Int64Type>().value(row).into(),
        ArrowType::UInt8 => column.as_primitive::<UInt8Type>().value(row).into(),
        ArrowType::UInt16 => column.as_primitive::<UInt16Type>().value(row).into(),
        ArrowType::UInt32 => column.as_primitive::<UInt32Type>().value(row).into(),
        ArrowType::UInt64 => column.as_primitive::<UInt64Type>().value(row).into(),
        ArrowType::Float16 => f64::from(column.as_primitive::<Float16Type>().value(row)).into(),
        ArrowType::Float32 => f64::from(column.as_primitive::<Float32Type>().value(row)).into(),
        ArrowType::Float64 => column.as_primitive::<Float64Type>().value(row).into(),
        ArrowType::Utf8 => column.as_string::<i32>().value(row).into(),
        ArrowType::LargeUtf8 => column.as_string::<i64>().value(row).into(),
        ArrowType::Utf8View => column.as_string_view().value(row).into(),
        ArrowType::Date32 => iso_date(column.as_primitive::<Date32Type>().value(row)).into(),
        ArrowType::Date64 => date(
            column
                .as_primitive::<Date64Type>()
                .value(row)
                .div_euclid(86_400_000),
        )?
        .into(),
        ArrowType::Timestamp(unit, _) => {
            let ms = match unit {
                TimeUnit::Second => column
                    .as_primitive::<TimestampSecondType>()
                    .value(row)
                    .saturating_mul(1_000),
                TimeUnit::Millisecond => {
                    column.as_primitive::<TimestampMillisecondType>().value(row)
                }
                TimeUnit::Microsecond => column
                    .as_primitive::<TimestampMicrosecondType>()
                    .value(row)
                    .div_euclid(1_000),
                TimeUnit::Nanosecond => column
                    .as_primitive::<TimestampNanosecondType>()
                    .value(row)
                    .div_euclid(1_000_000),
            };
            iso_timestamp(ms).into()
        }
        other => {
            return Err(Error::config(format!(
                "a {other} value cannot be pushed; cast the column to text or a number"
            )));
        }
    })
}

/// A day count as `YYYY-MM-DD`; days beyond what a date holds are refused, not wrapped.
fn date(days: i64) -> Result<String> {
    i32::try_from(days).map(iso_date).map_err(|_| {
        Error::config(format!(
            "{days} days from 1970 is not a date a dataset holds"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_are_iso_8601() {
        assert_eq!(date(0).unwrap(), "1970-01-01");
        assert_eq!(date(19_723).unwrap(), "2024-01-01");
        assert_eq!(date(-1).unwrap(), "1969-12-31");
        assert!(date(i64::MAX).is_err(), "refused, not wrapped");
        let ts = arrow_array::TimestampSecondArray::from(vec![86_400 + 3_661]);
        assert_eq!(value(&ts, 0).unwrap(), "1970-01-02T01:01:01");
        let ns = arrow_array::TimestampNanosecondArray::from(vec![1_500_000_000]);
        assert_eq!(value(&ns, 0).unwrap(), "1970-01-01T00:00:01.500");
        let huge = arrow_array::TimestampSecondArray::from(vec![i64::MAX]);
        assert!(value(&huge, 0).is_ok(), "saturates, no overflow panic");
    }
}
