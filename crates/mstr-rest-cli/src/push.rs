//! `mstr push`: a CSV or Parquet file streamed into a dataset, its schema inferred (CSV: from
//! the first rows; Parquet: from the file), one upload chunk in memory at a time. A file that
//! fails to read midway fails the push: the upload session is deleted, the dataset keeps its
//! previous rows.

use std::path::Path;
use std::sync::{Arc, Mutex};

use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType as ArrowType;
use mstr_rest::datasets::{DataType, DatasetModel, TableSchema, UpdatePolicy};
use mstr_rest::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::cli::{Policy, PushArgs};
use crate::connect::project_id;
use crate::failure::Failure;
use crate::progress::Progress;

/// Rows read ahead of the upload.
const AHEAD: usize = 1024;
/// CSV rows read to infer the column types.
const INFER_ROWS: usize = 1000;

/// One row for the upload, or the reason reading stopped (which fails the push).
enum Item {
    Row(Vec<Value>),
    Failed,
}

impl Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Item::Row(values) => values.serialize(s),
            Item::Failed => Err(serde::ser::Error::custom(
                "the input file could not be read to the end",
            )),
        }
    }
}

struct Input {
    columns: Vec<(String, DataType)>,
    total: Option<u64>,
    rows: tokio::sync::mpsc::Receiver<Item>,
    /// The reader's error, kept to report instead of the push's.
    failure: Arc<Mutex<Option<Failure>>>,
}

fn policy(p: Policy) -> UpdatePolicy {
    match p {
        Policy::Replace => UpdatePolicy::Replace,
        Policy::Add => UpdatePolicy::Add,
        Policy::Update => UpdatePolicy::Update,
        Policy::Upsert => UpdatePolicy::Upsert,
    }
}

/// Pushes the file; returns the dataset's id.
pub(crate) async fn run(
    session: &Session,
    args: &PushArgs,
    quiet: bool,
) -> Result<String, Failure> {
    let project = project_id(session, &args.project).await?;
    let input = open(&args.file)?;
    let datasets = session.datasets(&project);
    let dataset = match (&args.dataset_id, &args.dataset) {
        (Some(id), _) => datasets.get(id.clone()),
        (None, Some(name)) => {
            datasets
                .create(&model(name, &args.table, &input.columns, &args.key)?)
                .await?
        }
        (None, None) => return Err(Failure::usage("pass --dataset NAME or --dataset-id ID")),
    };
    let progress = Arc::new(Progress::rows(input.total, quiet));
    let counter = Arc::clone(&progress);
    let rows = futures_util::stream::unfold(input.rows, move |mut rx| {
        let counter = Arc::clone(&counter);
        async move {
            let item = rx.recv().await?;
            counter.add(1);
            Some((item, rx))
        }
    });
    let chunk_rows = usize::try_from(args.chunk_rows).unwrap_or(usize::MAX);
    let pushed = dataset
        .upload(args.table.clone())
        .policy(policy(args.policy))
        .chunk_rows(chunk_rows)
        .push(rows)
        .await;
    progress.finish();
    if let Some(failure) = input
        .failure
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
    {
        return Err(failure);
    }
    let summary = pushed?;
    if !quiet {
        eprintln!(
            "pushed {} rows in {} chunks to dataset {} table {}",
            summary.rows,
            summary.chunks,
            dataset.id(),
            args.table
        );
    }
    Ok(dataset.id().to_owned())
}

fn model(
    name: &str,
    table: &str,
    columns: &[(String, DataType)],
    key: &[String],
) -> Result<DatasetModel, Failure> {
    for k in key {
        if !columns.iter().any(|(c, _)| c == k) {
            return Err(Failure::usage(format!(
                "--key {k}: the file has no column {k}"
            )));
        }
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
        if key.contains(column) || !numeric {
            model = model.attribute_column(column.clone(), table, column);
        } else {
            model = model.metric_column(column.clone(), table, column);
        }
    }
    Ok(model)
}

fn open(path: &Path) -> Result<Input, Failure> {
    let parquet = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"));
    if parquet {
        open_parquet(path)
    } else {
        open_csv(path)
    }
}

fn read_failed(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::local(
        format!("reading {}", path.display()),
        std::io::Error::other(e.to_string()),
    )
}

/// Sends rows from a blocking reader thread; a failure is kept and ends the rows with
/// [`Item::Failed`].
fn spawn_reader(
    failure: &Arc<Mutex<Option<Failure>>>,
    read: impl FnOnce(&tokio::sync::mpsc::Sender<Item>) -> Result<(), Failure> + Send + 'static,
) -> tokio::sync::mpsc::Receiver<Item> {
    let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
    let failure = Arc::clone(failure);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = read(&tx) {
            *failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
            let _ = tx.blocking_send(Item::Failed);
        }
    });
    rx
}

fn csv_type(values: impl Iterator<Item = String>) -> DataType {
    let mut seen = false;
    let (mut int, mut float, mut boolean) = (true, true, true);
    for v in values.filter(|v| !v.is_empty()) {
        seen = true;
        int &= v.parse::<i64>().is_ok();
        float &= v.parse::<f64>().is_ok_and(f64::is_finite);
        boolean &= matches!(v.to_ascii_lowercase().as_str(), "true" | "false");
    }
    match (seen, int, float, boolean) {
        (false, ..) => DataType::String,
        (_, true, ..) => DataType::Integer,
        (_, _, true, _) => DataType::Double,
        (_, _, _, true) => DataType::Boolean,
        _ => DataType::String,
    }
}

fn csv_value(v: &str, t: DataType, row: u64, column: &str) -> Result<Value, String> {
    if v.is_empty() {
        return Ok(Value::Null);
    }
    let bad = |what: &str| {
        format!(
            "row {row}, column {column}: {v:?} is not {what} like the rows before it; give the column consistent values"
        )
    };
    Ok(match t {
        DataType::Integer => v
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad("an integer"))?,
        DataType::Double => v
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Value::from)
            .ok_or_else(|| bad("a number"))?,
        DataType::Boolean => Value::Bool(v.eq_ignore_ascii_case("true")),
        _ => Value::String(v.to_owned()),
    })
}

fn open_csv(path: &Path) -> Result<Input, Failure> {
    let reader: Box<dyn std::io::Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| Failure::local(format!("opening {}", path.display()), e))?,
        )
    };
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| read_failed(path, e))?
        .iter()
        .map(str::to_owned)
        .collect();
    if headers.is_empty() || headers.iter().any(String::is_empty) {
        return Err(Failure::usage(format!(
            "{}: the first line must name every column",
            path.display()
        )));
    }
    let mut first: Vec<csv::StringRecord> = Vec::new();
    for record in csv.records().take(INFER_ROWS) {
        first.push(record.map_err(|e| read_failed(path, e))?);
    }
    let columns: Vec<(String, DataType)> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.clone(),
                csv_type(first.iter().map(|r| r.get(i).unwrap_or("").to_owned())),
            )
        })
        .collect();
    let failure = Arc::new(Mutex::new(None));
    let types: Vec<(String, DataType)> = columns.clone();
    let shown = path.to_path_buf();
    let rows = spawn_reader(&failure, move |tx| {
        let mut n = 0u64;
        let mut send = |record: &csv::StringRecord| -> Result<bool, Failure> {
            n = n.saturating_add(1);
            let row: Result<Vec<Value>, String> = types
                .iter()
                .enumerate()
                .map(|(i, (name, t))| csv_value(record.get(i).unwrap_or(""), *t, n, name))
                .collect();
            let row = row.map_err(|m| Failure::usage(format!("{}: {m}", shown.display())))?;
            Ok(tx.blocking_send(Item::Row(row)).is_ok())
        };
        for record in &first {
            if !send(record)? {
                return Ok(());
            }
        }
        for record in csv.records() {
            let record = record.map_err(|e| read_failed(&shown, e))?;
            if !send(&record)? {
                return Ok(());
            }
        }
        Ok(())
    });
    Ok(Input {
        columns,
        total: None,
        rows,
        failure,
    })
}

fn parquet_type(t: &ArrowType) -> Option<DataType> {
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

fn open_parquet(path: &Path) -> Result<Input, Failure> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::local(format!("opening {}", path.display()), e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| read_failed(path, e))?;
    let total = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
    let mut columns = Vec::new();
    for field in builder.schema().fields() {
        let t = parquet_type(field.data_type()).ok_or_else(|| {
            Failure::usage(format!(
                "{}: column {} is {}, which a dataset cannot hold; cast it to text or a number",
                path.display(),
                field.name(),
                field.data_type()
            ))
        })?;
        columns.push((field.name().clone(), t));
    }
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| read_failed(path, e))?;
    let failure = Arc::new(Mutex::new(None));
    let shown = path.to_path_buf();
    let rows = spawn_reader(&failure, move |tx| {
        for batch in reader {
            let batch = batch.map_err(|e| read_failed(&shown, e))?;
            for row in 0..batch.num_rows() {
                let values = batch_row(&batch, row)
                    .map_err(|m| Failure::usage(format!("{}: {m}", shown.display())))?;
                if tx.blocking_send(Item::Row(values)).is_err() {
                    return Ok(());
                }
            }
        }
        Ok(())
    });
    Ok(Input {
        columns,
        total,
        rows,
        failure,
    })
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn datetime(seconds: i64) -> String {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}",
        date(days),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn batch_row(batch: &RecordBatch, row: usize) -> Result<Vec<Value>, String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    batch
        .columns()
        .iter()
        .map(|column| {
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
                ArrowType::Float16 => {
                    f64::from(column.as_primitive::<Float16Type>().value(row)).into()
                }
                ArrowType::Float32 => {
                    f64::from(column.as_primitive::<Float32Type>().value(row)).into()
                }
                ArrowType::Float64 => column.as_primitive::<Float64Type>().value(row).into(),
                ArrowType::Utf8 => column.as_string::<i32>().value(row).into(),
                ArrowType::LargeUtf8 => column.as_string::<i64>().value(row).into(),
                ArrowType::Utf8View => column.as_string_view().value(row).into(),
                ArrowType::Date32 => {
                    date(i64::from(column.as_primitive::<Date32Type>().value(row))).into()
                }
                ArrowType::Date64 => date(
                    column
                        .as_primitive::<Date64Type>()
                        .value(row)
                        .div_euclid(86_400_000),
                )
                .into(),
                ArrowType::Timestamp(unit, _) => {
                    let per_second: i64 = match unit {
                        arrow_schema::TimeUnit::Second => 1,
                        arrow_schema::TimeUnit::Millisecond => 1_000,
                        arrow_schema::TimeUnit::Microsecond => 1_000_000,
                        arrow_schema::TimeUnit::Nanosecond => 1_000_000_000,
                    };
                    let raw = match unit {
                        arrow_schema::TimeUnit::Second => {
                            column.as_primitive::<TimestampSecondType>().value(row)
                        }
                        arrow_schema::TimeUnit::Millisecond => {
                            column.as_primitive::<TimestampMillisecondType>().value(row)
                        }
                        arrow_schema::TimeUnit::Microsecond => {
                            column.as_primitive::<TimestampMicrosecondType>().value(row)
                        }
                        arrow_schema::TimeUnit::Nanosecond => {
                            column.as_primitive::<TimestampNanosecondType>().value(row)
                        }
                    };
                    datetime(raw.div_euclid(per_second)).into()
                }
                other => return Err(format!("a {other} value cannot be pushed")),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_take_the_narrowest_type_that_fits() {
        let t = |v: &[&str]| csv_type(v.iter().map(|s| (*s).to_owned()));
        assert_eq!(t(&["1", "2", ""]), DataType::Integer);
        assert_eq!(t(&["1", "2.5"]), DataType::Double);
        assert_eq!(t(&["true", "FALSE"]), DataType::Boolean);
        assert_eq!(t(&["1", "x"]), DataType::String);
        assert_eq!(t(&["", ""]), DataType::String);
        assert_eq!(t(&["NaN"]), DataType::String, "not a finite number");
        let e = csv_value("x", DataType::Integer, 1001, "Id").unwrap_err();
        assert!(e.contains("row 1001, column Id"), "{e}");
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(19_723), "2024-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(datetime(86_400 + 3_661), "1970-01-02T01:01:01");
    }
}
