//! `Session.push`: Arrow IPC stream bytes from Python (written by pyarrow or polars, batch
//! by batch) read on a blocking thread and pushed into a dataset by the library.

use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

use arrow_ipc::reader::StreamReader;
use mstr_rest::Error;
use mstr_rest::datasets::{DatasetModel, DatasetsApi, UpdatePolicy, arrow};
use pyo3::exceptions::{PyStopIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::runtime::wait;

/// The Python iterator's own exception, kept to raise instead of the read error it caused.
type Raised = Arc<Mutex<Option<PyErr>>>;

/// The bytes of an iterator of `bytes`, as `Read` (each chunk taken with the GIL).
struct Chunks {
    iter: Py<PyAny>,
    chunk: Vec<u8>,
    at: usize,
    raised: Raised,
}

impl Read for Chunks {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            let next = Python::attach(|py| -> Result<Option<Vec<u8>>, PyErr> {
                match self.iter.bind(py).call_method0("__next__") {
                    Ok(chunk) => Ok(Some(chunk.cast::<PyBytes>()?.as_bytes().to_vec())),
                    Err(e) if e.is_instance_of::<PyStopIteration>(py) => Ok(None),
                    Err(e) => Err(e),
                }
            });
            match next {
                Ok(Some(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(None) => return Ok(0),
                Err(e) => {
                    let shown = e.to_string();
                    *self.raised.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                    return Err(std::io::Error::other(shown));
                }
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn policy(name: &str) -> PyResult<UpdatePolicy> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "replace" => UpdatePolicy::Replace,
        "add" => UpdatePolicy::Add,
        "update" => UpdatePolicy::Update,
        "upsert" => UpdatePolicy::Upsert,
        other => {
            return Err(PyValueError::new_err(format!(
                "policy {other:?}: use \"replace\", \"add\", \"update\" or \"upsert\""
            )));
        }
    })
}

/// What `push` reports.
pub(crate) struct Pushed {
    dataset_id: String,
    rows: u64,
    chunks: u32,
}

/// One wait of `publish_poll`, in seconds.
fn seconds(which: &str, s: f64) -> PyResult<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(s).map_err(|_| {
        PyValueError::new_err(format!(
            "publish_poll: the {which} wait is {s} seconds; give a number of seconds >= 0, e.g. (0.1, 2.0)"
        ))
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn push<'py>(
    py: Python<'py>,
    session: mstr_rest::Session,
    ipc_chunks: Bound<'py, PyAny>,
    table: String,
    project_id: String,
    dataset_name: Option<String>,
    dataset_id: Option<String>,
    update_policy: &str,
    key: Vec<String>,
    chunk_rows: Option<usize>,
    publish_poll: Option<(f64, f64)>,
) -> PyResult<Bound<'py, PyDict>> {
    let update_policy = policy(update_policy)?;
    let publish_poll = publish_poll
        .map(|(first, max)| Ok::<_, PyErr>((seconds("first", first)?, seconds("max", max)?)))
        .transpose()?;
    if dataset_name.is_some() == dataset_id.is_some() {
        return Err(PyValueError::new_err(
            "pass dataset_name (a new dataset) or dataset_id (an existing one), not both",
        ));
    }
    let raised: Raised = Arc::default();
    let chunks = Chunks {
        iter: ipc_chunks.try_iter()?.into_any().unbind(),
        chunk: Vec::new(),
        at: 0,
        raised: Arc::clone(&raised),
    };
    let outcome = wait(py, async move {
        let reader = tokio::task::spawn_blocking(move || StreamReader::try_new(chunks, None))
            .await
            .map_err(|e| Error::Worker(mstr_rest::WorkerError::new(e.to_string())))?
            .map_err(|e| Error::decode(format!("the data is not an Arrow stream: {e}")))?;
        let columns = arrow::columns(&reader.schema())?;
        let datasets = session.datasets(&project_id);
        let dataset = match dataset_id {
            Some(id) => datasets.get(id),
            None => {
                let name = dataset_name.unwrap_or_default();
                datasets
                    .create(&DatasetModel::of_columns(&name, &table, &columns, &key)?)
                    .await?
            }
        };
        let mut upload = dataset.upload(table).policy(update_policy);
        if let Some(rows) = chunk_rows {
            upload = upload.chunk_rows(rows);
        }
        if let Some((first, max)) = publish_poll {
            upload = upload.publish_poll(first, max);
        }
        let summary = upload.push_batches(reader).await?;
        Ok(Pushed {
            dataset_id: dataset.id().to_owned(),
            rows: summary.rows,
            chunks: summary.chunks,
        })
    });
    if let Some(e) = raised.lock().unwrap_or_else(PoisonError::into_inner).take() {
        return Err(e);
    }
    let pushed = outcome?;
    let out = PyDict::new(py);
    out.set_item("dataset_id", pushed.dataset_id)?;
    out.set_item("rows", pushed.rows)?;
    out.set_item("chunks", pushed.chunks)?;
    Ok(out)
}
