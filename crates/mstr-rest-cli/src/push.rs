//! `mstr push`: a CSV or Parquet file streamed into a dataset, its schema inferred (CSV: from
//! the first rows; Parquet: from the file), one upload chunk in memory at a time. A file that
//! fails to read midway fails the push: the upload session is deleted, the dataset keeps its
//! previous rows.

use std::path::Path;
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use mstr_rest::datasets::{DataType, DatasetModel, UpdatePolicy, arrow};
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

/// Where the rows come from.
enum Source {
    /// CSV: rows parsed and typed on a reader thread.
    Rows(tokio::sync::mpsc::Receiver<Item>),
    /// Parquet: Arrow batches, which the library converts and pushes.
    Batches(Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>),
}

struct Input {
    columns: Vec<(String, DataType)>,
    total: Option<u64>,
    rows: Source,
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
            let model = DatasetModel::of_columns(name, &args.table, &input.columns, &args.key)
                .map_err(|e| Failure::usage(format!("--key: {e}")))?;
            datasets.create(&model).await?
        }
        (None, None) => return Err(Failure::usage("pass --dataset NAME or --dataset-id ID")),
    };
    let progress = Arc::new(Progress::rows(input.total, quiet));
    let counter = Arc::clone(&progress);
    let chunk_rows = usize::try_from(args.chunk_rows).unwrap_or(usize::MAX);
    let upload = dataset
        .upload(args.table.clone())
        .policy(policy(args.policy))
        .chunk_rows(chunk_rows);
    let pushed = match input.rows {
        Source::Rows(rx) => {
            let rows = futures_util::stream::unfold(rx, move |mut rx| {
                let counter = Arc::clone(&counter);
                async move {
                    let item = rx.recv().await?;
                    counter.add(1);
                    Some((item, rx))
                }
            });
            upload.push(rows).await
        }
        Source::Batches(batches) => {
            let failure = Arc::clone(&input.failure);
            let shown = args.file.clone();
            // A read error is the file's: kept to report as a local failure, as CSV's are.
            let batches = batches.inspect(move |batch| match &batch {
                Ok(b) => counter.add(u64::try_from(b.num_rows()).unwrap_or(u64::MAX)),
                Err(e) => {
                    *failure
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) =
                        Some(read_failed(&shown, e));
                }
            });
            upload.push_batches(batches).await
        }
    };
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
        rows: Source::Rows(rows),
        failure,
    })
}

fn open_parquet(path: &Path) -> Result<Input, Failure> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::local(format!("opening {}", path.display()), e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| read_failed(path, e))?;
    let total = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
    let columns = arrow::columns(builder.schema())
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| read_failed(path, e))?;
    Ok(Input {
        columns,
        total,
        rows: Source::Batches(Box::new(reader)),
        failure: Arc::new(Mutex::new(None)),
    })
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
}
