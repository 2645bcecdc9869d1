//! `_core.Query`: a report or cube extract, run as often as asked (each run opens a new
//! instance), into Arrow batches, a whole Arrow table, a CSV or a Parquet file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::RecordBatch;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use mstr_rest::prelude::*;
use mstr_rest::prompts::{PromptAnswer, PromptType};
use mstr_rest::reports::ReportQuery;
use mstr_rest::{Error, IoError};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use pyo3::exceptions::{PyRuntimeError, PyStopIteration, PyValueError};
use pyo3::prelude::*;
use serde_json::Value;

use crate::arrow::{Batch, Table};
use crate::runtime::{wait, wait_any};

/// What to extract; built by `Session.report` / `Session.cube`.
#[derive(Clone)]
pub(crate) struct Spec {
    pub(crate) session: mstr_rest::Session,
    pub(crate) cube: bool,
    pub(crate) id: String,
    pub(crate) project_id: Option<String>,
    pub(crate) attributes: Vec<String>,
    pub(crate) metrics: Vec<String>,
    pub(crate) filter: Option<Value>,
    pub(crate) answers: Vec<PromptAnswer>,
    pub(crate) page_size: Option<u32>,
    pub(crate) concurrency: Option<usize>,
}

impl Spec {
    fn query(&self) -> ReportQuery {
        let mut q = if self.cube {
            self.session.cube(&self.id)
        } else {
            self.session.report(&self.id)
        };
        if let Some(p) = &self.project_id {
            q = q.project(p.clone());
        }
        if !self.attributes.is_empty() {
            q = q.attributes(self.attributes.clone());
        }
        if !self.metrics.is_empty() {
            q = q.metrics(self.metrics.clone());
        }
        if let Some(f) = &self.filter {
            q = q.view_filter(f.clone());
        }
        for a in &self.answers {
            q = q.answer(a.clone());
        }
        if let Some(rows) = self.page_size {
            q = q.page_size(rows);
        }
        if let Some(pages) = self.concurrency {
            q = q.concurrency(pages);
        }
        q
    }
}

/// One prompt answer from Python: `{"target": KEY_ID_OR_NAME, "type": "VALUE" |
/// "ELEMENTS" | "OBJECTS" | "DEFAULT" | "EMPTY", "values": [...]}`.
pub(crate) fn answer(spec: &Value) -> PyResult<PromptAnswer> {
    let bad = |why: &str| PyValueError::new_err(format!("prompt answer {spec}: {why}"));
    let target = spec["target"]
        .as_str()
        .ok_or_else(|| bad("needs a \"target\" (the prompt's key, id or name)"))?;
    let values = spec["values"].as_array().cloned().unwrap_or_default();
    let kind = spec["type"]
        .as_str()
        .unwrap_or("VALUE")
        .to_ascii_uppercase();
    let texts = || -> PyResult<Vec<String>> {
        values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad("element ids are text"))
            })
            .collect()
    };
    Ok(match kind.as_str() {
        "VALUE" => PromptAnswer::value(target, values.clone()),
        "ELEMENTS" => PromptAnswer::elements(target, texts()?),
        "OBJECTS" => PromptAnswer::objects(
            target,
            values
                .iter()
                .map(|v| {
                    let id = v["id"]
                        .as_str()
                        .ok_or_else(|| bad("objects are {\"id\", \"type\"}"))?;
                    let t = v["type"]
                        .as_i64()
                        .ok_or_else(|| bad("objects are {\"id\", \"type\"}"))?;
                    Ok((id.to_owned(), t))
                })
                .collect::<PyResult<Vec<_>>>()?,
        ),
        "DEFAULT" | "EMPTY" => {
            let of = spec["prompt_type"].as_str().unwrap_or("VALUE");
            let t: PromptType = serde_json::from_value(Value::String(of.to_ascii_uppercase()))
                .ok()
                .filter(|t| *t != PromptType::Unsupported)
                .ok_or_else(|| {
                    bad("prompt_type is VALUE, ELEMENTS, OBJECTS, EXPRESSION or LEVEL")
                })?;
            if kind == "DEFAULT" {
                PromptAnswer::use_default(target, t)
            } else {
                PromptAnswer::empty(target, t)
            }
        }
        _ => return Err(bad("type is VALUE, ELEMENTS, OBJECTS, DEFAULT or EMPTY")),
    })
}

/// Every batch of `stream`, held as one Arrow table.
pub(crate) fn collect(
    py: Python<'_>,
    stream: BoxStream<'static, mstr_rest::Result<RecordBatch>>,
) -> PyResult<Table> {
    let batches: Vec<RecordBatch> = wait(py, async move { stream.try_collect().await })?;
    let schema = match batches.first() {
        Some(b) => b.schema(),
        None => Arc::new(arrow_schema::Schema::empty()),
    };
    Ok(Table { schema, batches })
}

/// A report or cube extract.
#[pyclass(module = "mstr_rest._core", frozen)]
pub(crate) struct Query {
    pub(crate) spec: Spec,
}

fn io(what: String, e: impl std::fmt::Display) -> Error {
    Error::Io(IoError::new(what, std::io::Error::other(e.to_string())))
}

/// Runs `write` into `path`, removing what it left when it failed: a file there is the
/// whole result.
async fn whole_file<F, Fut>(path: PathBuf, write: F) -> mstr_rest::Result<u64>
where
    F: FnOnce(PathBuf) -> Fut,
    Fut: std::future::Future<Output = mstr_rest::Result<u64>>,
{
    let result = write(path.clone()).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&path).await;
    }
    result
}

fn compression(name: &str) -> PyResult<Compression> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "zstd" => Compression::ZSTD(ZstdLevel::default()),
        "snappy" => Compression::SNAPPY,
        "none" | "uncompressed" => Compression::UNCOMPRESSED,
        other => {
            return Err(PyValueError::new_err(format!(
                "compression {other:?}: use \"zstd\", \"snappy\" or \"none\""
            )));
        }
    })
}

async fn write_parquet(
    mut batches: BoxStream<'static, mstr_rest::Result<RecordBatch>>,
    path: &Path,
    codec: Compression,
) -> mstr_rest::Result<u64> {
    let shown = path.display().to_string();
    let file = std::fs::File::create(path)
        .map_err(|e| Error::Io(IoError::new(format!("creating {shown}"), e)))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<RecordBatch>(4);
    let writing = shown.clone();
    // Encoding and compressing is CPU work: on a thread of its own, beside the fetching.
    let writer = tokio::task::spawn_blocking(move || -> mstr_rest::Result<u64> {
        let props = WriterProperties::builder().set_compression(codec).build();
        let mut writer: Option<ArrowWriter<std::fs::File>> = None;
        let mut file = Some(file);
        let mut rows = 0u64;
        while let Some(batch) = rx.blocking_recv() {
            let w = match writer.as_mut() {
                Some(w) => w,
                None => writer.insert(
                    ArrowWriter::try_new(
                        file.take()
                            .ok_or_else(|| io(format!("writing {writing}"), "no file"))?,
                        batch.schema(),
                        Some(props.clone()),
                    )
                    .map_err(|e| io(format!("writing {writing}"), e))?,
                ),
            };
            w.write(&batch)
                .map_err(|e| io(format!("writing {writing}"), e))?;
            rows = rows.saturating_add(u64::try_from(batch.num_rows()).unwrap_or(u64::MAX));
        }
        if let Some(w) = writer {
            w.close().map_err(|e| io(format!("writing {writing}"), e))?;
        }
        Ok(rows)
    });
    let mut failed = None;
    while let Some(batch) = batches.next().await {
        match batch {
            Ok(b) => {
                // A closed channel: the writer failed, and says why below.
                if tx.send(b).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|e| io(format!("writing {shown}"), e))?;
    match failed {
        Some(e) => Err(e),
        None => written,
    }
}

#[pymethods]
impl Query {
    /// An iterator of batches, each fetched when asked for (with the GIL released).
    fn batches(&self) -> Batches {
        Batches::of(self.spec.query().record_batches())
    }

    /// The whole result, fetched and decoded in Rust (pages in parallel), held as Arrow.
    fn collect(&self, py: Python<'_>) -> PyResult<Table> {
        let query = self.spec.query();
        let batches: Vec<RecordBatch> =
            wait(
                py,
                async move { query.record_batches().try_collect().await },
            )?;
        let schema = match batches.first() {
            Some(b) => b.schema(),
            None => Arc::new(arrow_schema::Schema::empty()),
        };
        Ok(Table { schema, batches })
    }

    /// Opens an instance and splits it into at most `n` partitions, as JSON texts for
    /// other processes (with the saved session) to fetch.
    fn partitions(&self, py: Python<'_>, n: usize) -> PyResult<Vec<String>> {
        let query = self.spec.query();
        let parts = wait(py, async move { query.partitions(n).await })?;
        parts
            .iter()
            .map(|p| p.to_json().map_err(|e| crate::errors::to_py(py, &e)))
            .collect()
    }

    /// Writes RFC 4180 CSV to `path`; returns the number of data rows.
    fn to_csv(&self, py: Python<'_>, path: PathBuf) -> PyResult<u64> {
        let query = self.spec.query();
        wait(
            py,
            whole_file(path, |path| async move {
                let shown = path.display().to_string();
                let file = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| Error::Io(IoError::new(format!("creating {shown}"), e)))?;
                let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
                let rows = query.write_csv(&mut out).await?;
                tokio::io::AsyncWriteExt::flush(&mut out)
                    .await
                    .map_err(|e| Error::Io(IoError::new(format!("writing {shown}"), e)))?;
                Ok(rows)
            }),
        )
    }

    /// Writes a Parquet file to `path`; returns the number of rows.
    #[pyo3(signature = (path, compression="zstd"))]
    fn to_parquet(&self, py: Python<'_>, path: PathBuf, compression: &str) -> PyResult<u64> {
        let codec = self::compression(compression)?;
        let query = self.spec.query();
        wait(
            py,
            whole_file(path, move |path| async move {
                write_parquet(query.record_batches(), &path, codec).await
            }),
        )
    }
}

/// Where an iteration stands.
enum State {
    Ready(BoxStream<'static, mstr_rest::Result<RecordBatch>>),
    /// A call is fetching the next batch (on another thread).
    Busy,
    /// Read to the end, failed, or interrupted: nothing more comes.
    Done,
}

/// `Query.batches()`: one batch per page, in order; the whole result or an exception.
#[pyclass(module = "mstr_rest._core", frozen)]
pub(crate) struct Batches {
    state: Mutex<State>,
}

impl Batches {
    pub(crate) fn of(stream: BoxStream<'static, mstr_rest::Result<RecordBatch>>) -> Batches {
        Batches {
            state: Mutex::new(State::Ready(stream)),
        }
    }

    fn set(&self, state: State) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = state;
    }
}

#[pymethods]
impl Batches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Batch> {
        let state = std::mem::replace(
            &mut *self.state.lock().unwrap_or_else(PoisonError::into_inner),
            State::Busy,
        );
        let mut stream = match state {
            State::Ready(stream) => stream,
            State::Busy => {
                return Err(PyRuntimeError::new_err(
                    "another thread is reading these batches; iterate one Batches from one thread at a time",
                ));
            }
            State::Done => {
                self.set(State::Done);
                return Err(PyStopIteration::new_err(()));
            }
        };
        let fetched = wait_any(py, async move {
            let next = stream.next().await;
            (next, stream)
        });
        match fetched {
            Ok((Some(Ok(batch)), stream)) => {
                self.set(State::Ready(stream));
                Ok(Batch { batch })
            }
            Ok((Some(Err(e)), _)) => {
                self.set(State::Done);
                Err(crate::errors::to_py(py, &e))
            }
            Ok((None, _)) => {
                self.set(State::Done);
                Err(PyStopIteration::new_err(()))
            }
            // Interrupted (Ctrl-C): the stream went with the cancelled task.
            Err(interrupted) => {
                self.set(State::Done);
                Err(interrupted)
            }
        }
    }
}
