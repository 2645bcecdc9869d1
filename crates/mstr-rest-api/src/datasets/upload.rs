//! Datasets, upload sessions and the push loop.

use std::time::Duration;

use crate::task::Task;
use futures_util::{Stream, StreamExt};
use mstr_rest_core::{Method, RequestBuilder};
use mstr_rest_error::DeadlineError;
use mstr_rest_session::{Error, Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tracing::Instrument;

use super::encode::ChunkEncoder;
use super::model::DatasetModel;
use crate::poll::Backoff;
use mstr_rest_core::segment;

/// Rows per chunk unless set otherwise: 100,000, as the Python library.
pub const DEFAULT_CHUNK_ROWS: usize = 100_000;

/// `DELETE objects/{id}?type=3`: datasets are report-typed objects.
const DATASET_OBJECT_TYPE: i32 = 3;

/// How the pushed rows combine with the table's current rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum UpdatePolicy {
    /// The pushed rows replace every row.
    #[default]
    Replace,
    /// The pushed rows are appended.
    Add,
    /// Rows whose attribute key exists are replaced; others are dropped.
    Update,
    /// Rows whose attribute key exists are replaced; others are appended.
    Upsert,
}

/// Dataset calls in one project, from [`DatasetsApi::datasets`].
#[derive(Debug, Clone)]
pub struct Datasets<S = Session> {
    pub(crate) session: S,
    project_id: String,
}

impl<S> Datasets<S> {
    pub(crate) fn new(session: S, project_id: &str) -> Datasets<S> {
        Datasets {
            session,
            project_id: project_id.to_owned(),
        }
    }

    /// The same handle on another session (the blocking one runs the async calls).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Datasets<T> {
        Datasets::new(session, &self.project_id)
    }
}

impl<S: Clone> Datasets<S> {
    /// A handle on an existing dataset; sends nothing.
    pub fn get(&self, id: impl Into<String>) -> Dataset<S> {
        Dataset {
            session: self.session.clone(),
            project_id: self.project_id.clone(),
            id: id.into(),
            name: None,
            widths: Vec::new(),
        }
    }
}

/// The Datasets API on a [`Session`]: `use mstr_rest_api::datasets::DatasetsApi;` (or the
/// facade's prelude).
pub trait DatasetsApi {
    /// The datasets of a project (its id, as sent in `X-MSTR-ProjectID`).
    fn datasets(&self, project_id: &str) -> Datasets;
}

impl DatasetsApi for Session {
    fn datasets(&self, project_id: &str) -> Datasets {
        Datasets::new(self.clone(), project_id)
    }
}

#[derive(Deserialize)]
struct Created {
    #[serde(alias = "datasetId")]
    id: String,
    #[serde(default)]
    name: Option<String>,
}

impl Datasets {
    /// `POST datasets/models`: creates a dataset from the model's schema.
    ///
    /// # Errors
    /// [`Error::Api`] when the server refuses the model; [`Error::Decode`] when its answer
    /// has no id; [`Error::Transport`]; [`Error::NotLoggedIn`].
    pub async fn create(&self, model: &DatasetModel) -> Result<Dataset> {
        let created: Created = self
            .session
            .post("datasets/models")
            .project(&self.project_id)
            .json(model)
            .send()
            .await?
            .json()
            .await?;
        Ok(Dataset {
            session: self.session.clone(),
            project_id: self.project_id.clone(),
            name: created.name.or_else(|| Some(model.name().to_owned())),
            id: created.id,
            widths: model.table_widths(),
        })
    }

    /// `DELETE objects/{id}?type=3`: deletes the dataset.
    ///
    /// # Errors
    /// [`Error::Api`] (not found, no right); [`Error::Transport`].
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.session
            .delete(&format!("objects/{}", segment("dataset id", id)?))
            .project(&self.project_id)
            .query(&[("type", DATASET_OBJECT_TYPE)])
            .send()
            .await?;
        Ok(())
    }
}

/// One dataset: the target of [`upload`](Self::upload).
#[derive(Debug, Clone)]
pub struct Dataset<S = Session> {
    pub(crate) session: S,
    project_id: String,
    id: String,
    name: Option<String>,
    /// Column counts per table, when the dataset was created here.
    widths: Vec<(String, usize)>,
}

impl<S> Dataset<S> {
    /// The same dataset on another session (the blocking one runs the async calls).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Dataset<T> {
        Dataset {
            session,
            project_id: self.project_id.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            widths: self.widths.clone(),
        }
    }

    /// The dataset id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name, when known (datasets from [`Datasets::create`]).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl<S: Clone> Dataset<S> {
    /// Starts an upload into one table: set the policy and chunk size, then
    /// [`push`](Upload::push).
    pub fn upload(&self, table: impl Into<String>) -> Upload<S> {
        let table = table.into();
        let columns = self
            .widths
            .iter()
            .find(|(name, _)| *name == table)
            .map(|(_, n)| *n);
        Upload {
            dataset: self.clone(),
            table,
            columns,
            policy: UpdatePolicy::Replace,
            chunk_rows: DEFAULT_CHUNK_ROWS,
            first_poll: Duration::from_millis(100),
            max_poll: Duration::from_secs(2),
            publish_timeout: Duration::from_secs(600),
        }
    }
}

impl Dataset {
    /// `GET datasets/{id}`: the definition as the server reports it.
    ///
    /// # Errors
    /// [`Error::Api`]; [`Error::Transport`].
    pub async fn info(&self) -> Result<Value> {
        self.session
            .get(&format!("datasets/{}", segment("dataset id", &self.id)?))
            .project(&self.project_id)
            .query(&[("fields", "tables,columns,attributes,metrics")])
            .send()
            .await?
            .json()
            .await
    }
}

/// One push into one table through one upload session; from [`Dataset::upload`].
#[derive(Debug, Clone)]
#[must_use = "an upload does nothing until .push() is awaited"]
pub struct Upload<S = Session> {
    dataset: Dataset<S>,
    table: String,
    columns: Option<usize>,
    policy: UpdatePolicy,
    chunk_rows: usize,
    first_poll: Duration,
    max_poll: Duration,
    publish_timeout: Duration,
}

/// What a finished push did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushSummary {
    /// The upload session used (deleted by the server once published).
    pub upload_session_id: String,
    /// Rows sent.
    pub rows: u64,
    /// Chunks sent (`PUT` requests); empty chunks are skipped.
    pub chunks: u32,
    /// `publishStatus` polls until the server reported status 1.
    pub polls: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Opened {
    upload_session_id: String,
}

impl<S> Upload<S> {
    #[cfg(feature = "blocking")]
    pub(crate) fn session(&self) -> &S {
        &self.dataset.session
    }

    /// The same upload on another session (the blocking one runs the async push).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(self, session: T) -> Upload<T> {
        Upload {
            dataset: self.dataset.on(session),
            table: self.table,
            columns: self.columns,
            policy: self.policy,
            chunk_rows: self.chunk_rows,
            first_poll: self.first_poll,
            max_poll: self.max_poll,
            publish_timeout: self.publish_timeout,
        }
    }

    /// The update policy (default [`UpdatePolicy::Replace`]).
    pub fn policy(mut self, policy: UpdatePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Rows per chunk (default [`DEFAULT_CHUNK_ROWS`]; 0 counts as 1).
    pub fn chunk_rows(mut self, rows: usize) -> Self {
        self.chunk_rows = rows.max(1);
        self
    }

    /// The wait before the first `publishStatus` poll, doubled after each one up to `max`
    /// (defaults 100 ms and 2 s).
    pub fn publish_poll(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// How long to wait for the publish to finish (default 10 minutes).
    pub fn publish_timeout(mut self, timeout: Duration) -> Self {
        self.publish_timeout = timeout;
        self
    }
}

impl Upload {
    /// Opens an upload session, sends the rows in chunks, publishes, and polls until the
    /// server reports status 1. Each row must serialize to a JSON array, one value per
    /// column in the table's order (dates as ISO-8601 strings). Chunks are uploaded one at
    /// a time, in order, while the next is encoded: at most two are held in memory. On any failure after the session opened, the session is deleted (the
    /// dataset keeps its previous rows) and the first error is returned.
    ///
    /// # Errors
    /// [`Error::Config`] for a row that is not an array or has the wrong number of values
    /// (when the dataset was created here); [`Error::Api`] when the server refuses a call;
    /// [`Error::Transport`]; [`Error::Deadline`] naming `publish_timeout` when the publish
    /// did not complete within the [`publish_timeout`](Self::publish_timeout).
    pub async fn push<T, R>(self, rows: T) -> Result<PushSummary>
    where
        T: Stream<Item = R>,
        R: Serialize,
    {
        let span = tracing::debug_span!(
            "mstr_rest.push",
            dataset = %self.dataset.id,
            table = %self.table,
            policy = ?self.policy,
        );
        async move {
            let sid = self.open().await?;
            match self.send_and_publish(&sid, rows).await {
                Ok((rows, chunks, polls)) => Ok(PushSummary {
                    upload_session_id: sid,
                    rows,
                    chunks,
                    polls,
                }),
                Err(e) => {
                    let cleanup = match self.request(Method::DELETE, &sid, "") {
                        Ok(request) => request.send().await.map(drop),
                        Err(bad) => Err(bad),
                    };
                    if let Err(cleanup) = cleanup {
                        tracing::warn!(error = %cleanup, "deleting the failed upload session failed too");
                    }
                    Err(e)
                }
            }
        }
        .instrument(span)
        .await
    }

    fn base(&self) -> Result<String> {
        Ok(format!(
            "datasets/{}/uploadSessions",
            segment("dataset id", &self.dataset.id)?
        ))
    }

    fn request(&self, method: Method, sid: &str, tail: &str) -> Result<RequestBuilder> {
        let path = format!(
            "{}/{}{tail}",
            self.base()?,
            segment("upload session id", sid)?
        );
        Ok(self
            .dataset
            .session
            .request(method, &path)
            .project(&self.dataset.project_id))
    }

    async fn open(&self) -> Result<String> {
        let body = json!({
            "tables": [{ "name": self.table, "updatePolicy": self.policy, "orientation": "ROW" }],
        });
        let opened: Opened = self
            .dataset
            .session
            .post(&self.base()?)
            .project(&self.dataset.project_id)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        // The id comes from the server: it must be an id before it goes into a path.
        if segment("upload session id", &opened.upload_session_id).is_err() {
            return Err(Error::decode(format!(
                "the server opened an upload session with the id {:?}, which is not an id",
                opened.upload_session_id
            )));
        }
        Ok(opened.upload_session_id)
    }

    async fn send_and_publish<S, R>(&self, sid: &str, rows: S) -> Result<(u64, u32, u32)>
    where
        S: Stream<Item = R>,
        R: Serialize,
    {
        let mut rows = std::pin::pin!(rows);
        let mut chunk = ChunkEncoder::new(self.columns);
        let mut sent_rows = 0u64;
        let mut chunks = 0u32;
        // One chunk on the wire while the next is encoded: uploads stay one at a time and in
        // order, and a failed one stops the push at the next chunk (its task is aborted if
        // the push is dropped).
        let mut in_flight: Option<Task<u64>> = None;
        while let Some(row) = rows.next().await {
            chunk.push(&row)?;
            if chunk.rows() >= self.chunk_rows {
                if let Some(previous) = in_flight.take() {
                    sent_rows = sent_rows.saturating_add(previous.await?);
                }
                chunks = chunks.saturating_add(1);
                in_flight = Some(self.put(sid, chunks, &mut chunk)?);
            }
        }
        if let Some(previous) = in_flight.take() {
            sent_rows = sent_rows.saturating_add(previous.await?);
        }
        if !chunk.is_empty() {
            chunks = chunks.saturating_add(1);
            sent_rows = sent_rows.saturating_add(self.put(sid, chunks, &mut chunk)?.await?);
        }
        self.request(Method::POST, sid, "/publish")?.send().await?;
        let polls = self.wait_published(sid).await?;
        Ok((sent_rows, chunks, polls))
    }

    /// Uploads the chunk as number `index`, on a task of its own; the task gives its rows.
    fn put(&self, sid: &str, index: u32, chunk: &mut ChunkEncoder) -> Result<Task<u64>> {
        let rows = u64::try_from(chunk.rows()).unwrap_or(u64::MAX);
        let body = chunk.finish_body(&self.table, index);
        let request = self
            .request(Method::PUT, sid, "")?
            .header("content-type", "application/json")
            .body(body);
        Ok(Task(tokio::spawn(
            async move {
                request.send().await?;
                Ok(rows)
            }
            .instrument(tracing::debug_span!("mstr_rest.push.chunk", index, rows)),
        )))
    }

    async fn wait_published(&self, sid: &str) -> Result<u32> {
        let mut backoff = Backoff::new(self.first_poll, self.max_poll, self.publish_timeout);
        let mut polls = 0u32;
        loop {
            let status: Value = self
                .request(Method::GET, sid, "/publishStatus")?
                .send()
                .await?
                .json()
                .await?;
            polls = polls.saturating_add(1);
            if publish_done(&status) {
                return Ok(polls);
            }
            if !backoff.wait().await {
                return Err(Error::Deadline(DeadlineError::new(
                    format!(
                        "the publish of upload session {sid} to complete (last status {})",
                        status["status"]
                    ),
                    "publish_timeout",
                    self.publish_timeout,
                )));
            }
        }
    }
}

/// True when `publishStatus` says 1, as an int or a string.
pub(crate) fn publish_done(status: &Value) -> bool {
    match &status["status"] {
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => s.trim() == "1",
        _ => false,
    }
}
