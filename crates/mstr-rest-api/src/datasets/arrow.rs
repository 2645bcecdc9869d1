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
/// Batches read ahead of the upload.
const AHEAD: usize = 2;

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
/// A row to push: row `.1` of a batch shared by all its rows, written straight from the
/// columns into the chunk.
enum Item {
    Row(Arc<RecordBatch>, usize),
    Failed,
}

impl Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        match self {
            Item::Row(batch, row) => {
                let mut seq = s.serialize_seq(Some(batch.num_columns()))?;
                for column in batch.columns() {
                    let value = scalar(column.as_ref(), *row).map_err(S::Error::custom)?;
                    seq.serialize_element(&value)?;
                }
                seq.end()
            }
            Item::Failed => Err(S::Error::custom("the batches could not be read")),
        }
    }
}

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
                    if tx.blocking_send(Some(Arc::new(batch))).is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            })();
            let failed = read.is_err();
            settle(&reader_outcome, read);
            if failed {
                let _ = tx.blocking_send(None);
            }
        });
        let ended = Arc::clone(&outcome);
        // (the batches, the batch being pushed and its next row)
        type State = (
            Option<tokio::sync::mpsc::Receiver<Option<Arc<RecordBatch>>>>,
            Option<(Arc<RecordBatch>, usize)>,
        );
        let start: State = (Some(rx), None);
        let rows = futures_util::stream::unfold(start, move |(rx, mut current)| {
            let ended = Arc::clone(&ended);
            async move {
                let mut rx = rx?;
                loop {
                    if let Some((batch, row)) = current.take()
                        && row < batch.num_rows()
                    {
                        let item = Item::Row(Arc::clone(&batch), row);
                        return Some((item, (Some(rx), Some((batch, row.saturating_add(1))))));
                    }
                    match rx.recv().await {
                        Some(Some(batch)) => current = Some((batch, 0)),
                        Some(None) => return Some((Item::Failed, (None, None))),
                        None => break,
                    }
                }
                // The reader is gone: read to the end, or died without saying so.
                let mut slot = ended.lock().unwrap_or_else(PoisonError::into_inner);
                if slot.is_none() {
                    *slot = Some(Err(Error::Worker(WorkerError::new(
                        "the thread reading the batches to push stopped (a panic)",
                    ))));
                    return Some((Item::Failed, (None, None)));
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

/// One value of a column as a dataset takes it: numbers as numbers, text borrowed from the
/// column, dates and times in ISO 8601.
enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Unsigned(u64),
    Float(f64),
    Str(&'a str),
    Text(String),
}

impl Serialize for Scalar<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Scalar::Null => s.serialize_unit(),
            Scalar::Bool(b) => s.serialize_bool(*b),
            Scalar::Int(i) => s.serialize_i64(*i),
            Scalar::Unsigned(u) => s.serialize_u64(*u),
            // Not finite: null, as serde_json writes it.
            Scalar::Float(f) => s.serialize_f64(*f),
            Scalar::Str(t) => s.serialize_str(t),
            Scalar::Text(t) => s.serialize_str(t),
        }
    }
}

impl From<Scalar<'_>> for Value {
    fn from(v: Scalar<'_>) -> Value {
        match v {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => b.into(),
            Scalar::Int(i) => i.into(),
            Scalar::Unsigned(u) => u.into(),
            Scalar::Float(f) => f.into(),
            Scalar::Str(t) => t.into(),
            Scalar::Text(t) => t.into(),
        }
    }
}

fn value(column: &dyn Array, row: usize) -> Result<Value> {
    scalar(column, row).map(Value::from)
}

fn scalar(column: &dyn Array, row: usize) -> Result<Scalar<'_>> {
    if column.is_null(row) {
        return Ok(Scalar::Null);
    }
    Ok(match column.data_type() {
        ArrowType::Boolean => Scalar::Bool(column.as_boolean().value(row)),
        ArrowType::Int8 => Scalar::Int(column.as_primitive::<Int8Type>().value(row).into()),
        ArrowType::Int16 => Scalar::Int(column.as_primitive::<Int16Type>().value(row).into()),
        ArrowType::Int32 => Scalar::Int(column.as_primitive::<Int32Type>().value(row).into()),
        ArrowType::Int64 => Scalar::Int(column.as_primitive::<Int64Type>().value(row)),
        ArrowType::UInt8 => Scalar::Unsigned(column.as_primitive::<UInt8Type>().value(row).into()),
        ArrowType::UInt16 => {
            Scalar::Unsigned(column.as_primitive::<UInt16Type>().value(row).into())
        }
        ArrowType::UInt32 => {
            Scalar::Unsigned(column.as_primitive::<UInt32Type>().value(row).into())
        }
        ArrowType::UInt64 => Scalar::Unsigned(column.as_primitive::<UInt64Type>().value(row)),
        ArrowType::Float16 => {
            Scalar::Float(f64::from(column.as_primitive::<Float16Type>().value(row)))
        }
        ArrowType::Float32 => {
            Scalar::Float(f64::from(column.as_primitive::<Float32Type>().value(row)))
        }
        ArrowType::Float64 => Scalar::Float(column.as_primitive::<Float64Type>().value(row)),
        ArrowType::Utf8 => Scalar::Str(column.as_string::<i32>().value(row)),
        ArrowType::LargeUtf8 => Scalar::Str(column.as_string::<i64>().value(row)),
        ArrowType::Utf8View => Scalar::Str(column.as_string_view().value(row)),
        ArrowType::Date32 => Scalar::Text(iso_date(column.as_primitive::<Date32Type>().value(row))),
        ArrowType::Date64 => Scalar::Text(date(
            column
                .as_primitive::<Date64Type>()
                .value(row)
                .div_euclid(86_400_000),
        )?),
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
            Scalar::Text(iso_timestamp(ms))
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
