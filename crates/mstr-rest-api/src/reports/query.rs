//! [`ReportQuery`] (what to ask for) and [`Instance`] (a report instance on the server, with its
//! first page), and the parallel, ordered page stream behind both.

use std::sync::Arc;
use std::time::Duration;

use crate::task::Task;
use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use mstr_rest_core::{Method, RequestBuilder};
use mstr_rest_error::DeadlineError;
use mstr_rest_session::{Error, Result, Session};

use super::decode::{self, Decoded, Formatted, Options, PageShape, Paging, Parsed, Row, Subtotals};
use super::partition::Partition;
use crate::poll::Backoff;
use crate::prompts::{Prompt, PromptAnswer};
use mstr_rest_core::segment;

/// Reports or cubes: which `v2/…/instances` family a query uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Report,
    Cube,
}

impl Kind {
    fn v2(self) -> &'static str {
        match self {
            Self::Report => "v2/reports",
            Self::Cube => "v2/cubes",
        }
    }

    fn id_name(self) -> &'static str {
        match self {
            Self::Report => "report id",
            Self::Cube => "cube id",
        }
    }
}

/// Default rows per page.
pub const DEFAULT_PAGE_SIZE: u32 = 10_000;
/// Default number of pages fetched at once.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Default largest page body, decompressed: 256 MiB (see [`ReportQuery::max_page_bytes`]).
pub const DEFAULT_MAX_PAGE_BYTES: usize = 256 * 1024 * 1024;
/// Default most prompt rounds an instance may ask for (see [`ReportQuery::max_prompt_rounds`]).
pub const DEFAULT_MAX_PROMPT_ROUNDS: u32 = 16;

/// The `fields` rules sent with every data request: `extras` are never used, `formatted` only
/// on request.
fn fields(formatted: bool) -> &'static str {
    if formatted {
        "-data.metricValues.extras"
    } else {
        "-data.metricValues.extras,-data.metricValues.formatted"
    }
}

/// What to fetch from one report or cube. Get one from
/// [`ReportsApi::report`](super::ReportsApi::report) or [`CubesApi::cube`](crate::cubes::CubesApi::cube);
/// nothing is sent until [`open`](Self::open), [`rows`](Self::rows), [`pages`](Self::pages),
/// [`write_csv`](Self::write_csv) (or `record_batches`, feature `arrow`).
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is opened or streamed"]
pub struct ReportQuery<S = Session> {
    pub(crate) session: S,
    spec: Spec,
    /// An instance opened (and maybe answered) already, streamed instead of a new one.
    opened: Opened,
}

/// The instance a [`ReportQuery`] made by [`Instance::resume`] streams: taken by the first
/// `open()`, so clones of the query open new instances.
#[derive(Debug, Clone, Default)]
struct Opened(Arc<std::sync::Mutex<Option<Instance>>>);

impl Opened {
    fn take(&self) -> Option<Instance> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

/// A callback told the row count of each page as the stream decodes it.
#[derive(Clone)]
pub(crate) struct OnRows(Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for OnRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnRows(..)")
    }
}

/// What a [`ReportQuery`] asks for, apart from the session it runs on.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    kind: Kind,
    id: String,
    project: Option<String>,
    body: Map<String, Value>,
    page_size: u32,
    concurrency: usize,
    formatted: bool,
    subtotals: Subtotals,
    page_by_chosen: bool,
    respond_async: bool,
    poll_interval: Duration,
    poll_max: Duration,
    deadline: Duration,
    max_page_bytes: usize,
    max_prompt_rounds: u32,
    reopen_on_expiry: bool,
    answers: Vec<PromptAnswer>,
    on_rows: Option<OnRows>,
}

impl<S> ReportQuery<S> {
    pub(crate) fn new(session: S, kind: Kind, id: &str) -> Self {
        let spec = Spec {
            kind,
            id: id.to_owned(),
            project: None,
            body: Map::new(),
            page_size: DEFAULT_PAGE_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            formatted: false,
            subtotals: Subtotals::Exclude,
            page_by_chosen: false,
            respond_async: true,
            poll_interval: Duration::from_millis(100),
            poll_max: Duration::from_secs(2),
            deadline: Duration::from_secs(600),
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
            max_prompt_rounds: DEFAULT_MAX_PROMPT_ROUNDS,
            reopen_on_expiry: false,
            answers: Vec::new(),
            on_rows: None,
        };
        Self {
            session,
            spec,
            opened: Opened::default(),
        }
    }

    /// The same query on another session handle (the blocking one, say).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(self, session: T) -> ReportQuery<T> {
        ReportQuery {
            session,
            spec: self.spec,
            opened: self.opened,
        }
    }

    /// Calls `on_rows` with the number of rows of each page, in order, as
    /// [`rows`](ReportQuery::rows), [`write_csv`](ReportQuery::write_csv) and
    /// `record_batches` decode it — what a progress bar needs (the total is
    /// [`Instance::total`]; open the instance, then [`resume`](Instance::resume) it). Kept by
    /// `resume`; not called by the raw [`pages`](ReportQuery::pages).
    pub fn on_rows(mut self, on_rows: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.spec.on_rows = Some(OnRows(Arc::new(on_rows)));
        self
    }

    /// The largest page body accepted, counted decompressed as it arrives (default
    /// [`DEFAULT_MAX_PAGE_BYTES`], 256 MiB). A larger page is an [`Error::Decode`] naming
    /// this setting; lower the [`page_size`](Self::page_size) or raise this.
    pub fn max_page_bytes(mut self, bytes: usize) -> Self {
        self.spec.max_page_bytes = bytes;
        self
    }

    /// When the server drops the instance in the middle of an extract (`ERR004` with
    /// iServerCode -2147468986, "not found in user history list"), re-create it — same
    /// definition, same prompt answers, same page-by slice — and continue from the next
    /// offset (default off: the error is returned, saying what happened).
    ///
    /// **Consistency:** the new instance runs the report again. Rows already streamed came
    /// from the first run; if the data changed in between, the two runs may disagree. A
    /// change of the row count is caught (the stream fails: the total changed); a change
    /// of values with the same count is not. Leave it off where the extract must be one
    /// snapshot, and run it again on the error instead.
    pub fn reopen_on_expiry(mut self, on: bool) -> Self {
        self.spec.reopen_on_expiry = on;
        self
    }

    /// How many rounds of prompts [`open`](Self::open) answers (default
    /// [`DEFAULT_MAX_PROMPT_ROUNDS`]): a server that asks again after every answer is an
    /// error, not an endless loop. Rounds also stop at the [poll deadline](Self::poll_deadline).
    pub fn max_prompt_rounds(mut self, rounds: u32) -> Self {
        self.spec.max_prompt_rounds = rounds;
        self
    }

    /// The project (`X-MSTR-ProjectID`) the report lives in. Data calls need one.
    pub fn project(mut self, id: impl Into<String>) -> Self {
        self.spec.project = Some(id.into());
        self
    }

    /// Only these attributes (by id), instead of every attribute of the template.
    pub fn attributes<I, T>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.requested("attributes", ids);
        self
    }

    /// Only these metrics (by id), instead of every metric of the template.
    pub fn metrics<I, T>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.requested("metrics", ids);
        self
    }

    fn requested<I, T>(&mut self, key: &str, ids: I)
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let list: Vec<Value> = ids
            .into_iter()
            .map(|id| json!({ "id": id.into() }))
            .collect();
        let requested = self
            .spec
            .body
            .entry("requestedObjects")
            .or_insert_with(|| json!({}));
        if let Value::Object(map) = requested {
            map.insert(key.to_owned(), Value::Array(list));
        }
    }

    /// A view filter expression (`{"operator", "operands"}`), sent as is.
    pub fn view_filter(mut self, expression: Value) -> Self {
        self.spec.body.insert("viewFilter".to_owned(), expression);
        self
    }

    /// Any other key of the instance-creation body (`sorting`, `metricLimits`, `subtotals`, …).
    pub fn body_field(mut self, key: &str, value: Value) -> Self {
        self.spec.body.insert(key.to_owned(), value);
        self
    }

    /// Rows per page (default [`DEFAULT_PAGE_SIZE`]; at least 1). A server that caps pages
    /// lower is followed: the stream asks for the rest.
    pub fn page_size(mut self, rows: u32) -> Self {
        self.spec.page_size = rows.max(1);
        self
    }

    /// Pages in flight at once (default [`DEFAULT_CONCURRENCY`]; at least 1). Rows still
    /// arrive in order, and at most `concurrency + 1` pages are held in memory.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.spec.concurrency = pages.max(1);
        self
    }

    /// Which rows to yield by their subtotal flag (default [`Subtotals::Exclude`]: detail
    /// rows only, so sums over the stream, its CSV or its Arrow batches never double-count).
    /// With [`Subtotals::Include`], [`Row::is_subtotal`] tells total rows apart.
    pub fn subtotals(mut self, which: Subtotals) -> Self {
        self.spec.subtotals = which;
        self
    }

    /// One page-by slice instead of all of them: the element id of each page-by attribute,
    /// in the order of the report's page-by axis (sent as `currentPageBy`).
    ///
    /// Without it, a report with page-by attributes streams **every** valid page-by
    /// combination, one slice after the other, each row led by its slice's page-by forms.
    pub fn page_by<I, T>(mut self, element_ids: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let ids: Vec<Value> = element_ids
            .into_iter()
            .map(|id| json!({ "id": id.into() }))
            .collect();
        self.spec
            .body
            .insert("currentPageBy".to_owned(), Value::Array(ids));
        self.spec.page_by_chosen = true;
        self
    }

    /// Also fetch formatted metric values into [`Row::formatted`] (default off: the server
    /// is asked to leave them out).
    pub fn formatted(mut self, on: bool) -> Self {
        self.spec.formatted = on;
        self
    }

    /// Whether to send `Prefer: respond-async` (default on), so a slow report answers 202 and
    /// is polled instead of holding the request open.
    pub fn respond_async(mut self, on: bool) -> Self {
        self.spec.respond_async = on;
        self
    }

    /// How a 202 "still running" instance is polled: the first wait, doubled after each poll
    /// up to `max` (defaults 100 ms and 2 s).
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.spec.poll_interval = first;
        self.spec.poll_max = max.max(first);
        self
    }

    /// How long an instance may stay "running" before polling gives up (default 10 minutes).
    pub fn poll_deadline(mut self, deadline: Duration) -> Self {
        self.spec.deadline = deadline;
        self
    }

    /// An answer used when the instance asks for prompts, matched to an open prompt by key,
    /// then id, then name. Answers are offered again to nested prompts.
    pub fn answer(mut self, answer: PromptAnswer) -> Self {
        self.spec.answers.push(answer);
        self
    }
}

impl ReportQuery {
    /// Creates the instance (`POST v2/{reports|cubes}/{id}/instances`), polls it while it
    /// answers 202, and answers its prompts from [`answer`](Self::answer) when it has any.
    /// An instance whose prompts are left open is returned for
    /// [`Instance::prompts`]/[`Instance::answer`].
    ///
    /// # Errors
    ///
    /// [`Error::Api`] from the server (404 `ERR004` for an unknown id, 400 `ERR006` for a
    /// refused prompt answer); [`Error::Transport`] when it cannot be reached or stays running
    /// past the [deadline](Self::poll_deadline) (`is_timeout()`); [`Error::Decode`] for an
    /// unexpected body; [`Error::Config`] for an id that is not one (empty, `.`, `..`), or
    /// when the configured answers leave a prompt unanswered or the server keeps asking past
    /// [`max_prompt_rounds`](Self::max_prompt_rounds).
    pub async fn open(self) -> Result<Instance> {
        if let Some(instance) = self.opened.take() {
            return Ok(instance);
        }
        Instance::create(Arc::new(Ctx::try_from(self)?)).await
    }

    /// All rows, in order, as a stream: the first page, then the rest fetched `concurrency`
    /// at a time with `offset`/`limit`, decoded on the runtime's worker threads. A server
    /// that caps pages below the page size is followed. The instance is created when the
    /// stream is first polled (or is the one [`Instance::resume`] handed back).
    pub fn rows(self) -> BoxStream<'static, Result<Row>> {
        stream::once(self.open())
            .map_ok(Instance::rows)
            .try_flatten()
            .boxed()
    }

    /// All pages, raw, in order (see [`rows`](Self::rows)).
    pub fn pages(self) -> BoxStream<'static, Result<Page>> {
        stream::once(self.open())
            .map_ok(Instance::pages)
            .try_flatten()
            .boxed()
    }

    /// Streams every row as RFC 4180 CSV into `writer`: a header line (see
    /// [`Columns::headers`](super::Columns::headers)), then one line per row, with raw metric
    /// values. Lines end in CRLF. Returns the number of data rows written.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open) and the stream, plus [`Error::Io`] when `writer` fails.
    pub async fn write_csv<W>(self, writer: W) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin,
    {
        super::csv::write(self.mapped(super::csv::chunk, |c| c.rows), writer).await
    }

    /// Decoded pages mapped on the fetching tasks (see [`Instance::mapped`]); the blocking
    /// exporters use it too.
    pub(crate) fn mapped<T, M>(self, map: M, rows: fn(&T) -> usize) -> BoxStream<'static, Result<T>>
    where
        T: Send + 'static,
        M: Fn(Decoded) -> Result<T> + Clone + Send + Sync + 'static,
    {
        stream::once(self.open())
            .map_ok(move |i| i.mapped(map.clone(), rows))
            .try_flatten()
            .boxed()
    }
}

/// The query's settings, shared by the page tasks.
#[derive(Debug)]
pub(crate) struct Ctx {
    session: Session,
    /// What the query asked for, to hand an instance back as a query.
    spec: Spec,
    /// The id, encoded as one path segment.
    id_segment: String,
    /// `v2/{reports|cubes}/{id}`, the id encoded as one segment.
    base: String,
    project: Option<String>,
    max_page_bytes: usize,
    page_size: u32,
    concurrency: usize,
    formatted: bool,
    subtotals: Subtotals,
    page_by_chosen: bool,
    respond_async: bool,
    poll_interval: Duration,
    poll_max: Duration,
    deadline: Duration,
    /// The instance-creation body, the answers and the prompt bound: what re-creating needs.
    body: Value,
    answers: Vec<PromptAnswer>,
    max_prompt_rounds: u32,
    reopen_on_expiry: bool,
    /// The instance (as a path segment) and page-by slice the stream reads now; moved on by
    /// a re-creation after eviction, and by a page-by selection.
    live: std::sync::Mutex<Live>,
    /// Held while re-creating an evicted instance: one re-creation for all page tasks.
    reopen_flight: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Live {
    segment: Option<String>,
    slice: Option<Vec<String>>,
}

/// `ERR004` with this iServerCode: the instance is no longer in the user's history list.
const EVICTED: i64 = -2_147_468_986;

fn is_evicted(e: &Error) -> bool {
    e.as_api().is_some_and(|api| {
        api.kind() == mstr_rest_error::ApiErrorKind::ResourceNotFound
            && api.iserver_code == Some(EVICTED)
    })
}

/// Says what an eviction means and what to do, keeping the server's code and ticket.
fn explain_eviction(e: Error, instance: &str, offset: u64) -> Error {
    match e {
        Error::Api(mut api) => {
            api.message = format!(
                "{} — the server dropped report instance {instance} while rows from offset {offset} were being read \
                 (it left the user's history list); run the extract again, or set .reopen_on_expiry(true) to \
                 re-create the instance and continue",
                api.message.trim_end_matches('.')
            );
            Error::Api(api)
        }
        other => other,
    }
}

impl Ctx {
    fn lock_live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The instance pages are read from now (`fallback` before any is recorded).
    fn segment_or(&self, fallback: &str) -> String {
        self.lock_live()
            .segment
            .clone()
            .unwrap_or_else(|| fallback.to_owned())
    }

    /// Re-creates an evicted instance once for every task that saw `stale` evicted, moves it
    /// to the current page-by slice, and returns its segment.
    async fn reopen(self: &Arc<Self>, stale: &str) -> Result<String> {
        let _flight = self.reopen_flight.lock().await;
        let current = self.segment_or(stale);
        if current != stale {
            return Ok(current);
        }
        tracing::warn!(instance = stale, "report instance evicted; re-creating it");
        let instance = Box::pin(Instance::create(Arc::clone(self))).await?;
        let fresh = instance.instance_segment.clone();
        let slice = self.lock_live().slice.clone();
        if let Some(ids) = slice {
            self.select_page_by(&fresh, &ids).await?;
        }
        self.lock_live().segment = Some(fresh.clone());
        Ok(fresh)
    }
}

impl TryFrom<ReportQuery> for Ctx {
    type Error = Error;

    fn try_from(
        ReportQuery {
            session, spec: q, ..
        }: ReportQuery,
    ) -> Result<Self> {
        let spec = q.clone();
        let id_segment = segment(q.kind.id_name(), &q.id)?;
        let base = format!("{}/{id_segment}", q.kind.v2());
        Ok(Self {
            session,
            spec,
            id_segment,
            base,
            project: q.project,
            max_page_bytes: q.max_page_bytes,
            page_size: q.page_size,
            concurrency: q.concurrency,
            formatted: q.formatted,
            subtotals: q.subtotals,
            page_by_chosen: q.page_by_chosen,
            respond_async: q.respond_async,
            poll_interval: q.poll_interval,
            poll_max: q.poll_max,
            deadline: q.deadline,
            body: Value::Object(q.body),
            answers: q.answers,
            max_prompt_rounds: q.max_prompt_rounds,
            reopen_on_expiry: q.reopen_on_expiry,
            live: std::sync::Mutex::new(Live::default()),
            reopen_flight: tokio::sync::Mutex::new(()),
        })
    }
}

impl Ctx {
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.session.request(method, path);
        match &self.project {
            Some(project) => builder.project(project),
            None => builder,
        }
    }

    /// A page body, up to [`ReportQuery::max_page_bytes`] decompressed.
    async fn read_page(&self, response: mstr_rest_core::Response) -> Result<Bytes> {
        response
            .bytes_limited(self.max_page_bytes, "ReportQuery::max_page_bytes")
            .await
    }

    /// `GET v2/…/instances/{iid}?offset&limit`, polled while it answers 202.
    async fn get_page(&self, instance: &str, offset: u64, limit: u64) -> Result<Bytes> {
        let path = format!("{}/instances/{instance}", self.base);
        let mut backoff = Backoff::new(self.poll_interval, self.poll_max, self.deadline);
        loop {
            let response = self
                .request(Method::GET, &path)
                .query(&[("offset", offset), ("limit", limit)])
                .query(&[("fields", fields(self.formatted))])
                .send()
                .await?;
            if response.status().as_u16() != 202 {
                return self.read_page(response).await;
            }
            tracing::debug!(instance, "instance still running");
            if !backoff.wait().await {
                return Err(Error::Deadline(DeadlineError::new(
                    format!("report instance {instance} to finish running"),
                    "poll_deadline",
                    self.deadline,
                )));
            }
        }
    }

    /// Every valid page-by combination, as element ids (`GET …/instances/{iid}/pageBy/elements`,
    /// paged until its total).
    async fn page_by_combinations(&self, instance: &str) -> Result<Vec<Vec<String>>> {
        const LIMIT: u64 = 1000;
        let path = format!("{}/instances/{instance}/pageBy/elements", self.base);
        let mut combos = Vec::new();
        let mut offset = 0u64;
        loop {
            let listed: PageByElements = self
                .request(Method::GET, &path)
                .query(&[("offset", offset), ("limit", LIMIT)])
                .send()
                .await?
                .json()
                .await?;
            let at = offset;
            let bad = move |what: String| {
                Error::decode(format!(
                    "the page-by combinations at offset {at} are inconsistent: {what}"
                ))
            };
            for item in &listed.valid.items {
                if item.len() != listed.page_by.len() {
                    return Err(bad(format!(
                        "a combination has {} indexes for {} page-by attributes",
                        item.len(),
                        listed.page_by.len()
                    )));
                }
                let ids = item
                    .iter()
                    .zip(&listed.page_by)
                    .map(|(&i, unit)| {
                        unit.elements.get(i).map(|e| e.id.clone()).ok_or_else(|| {
                            bad(format!(
                                "a combination points at element {i}, which is not listed"
                            ))
                        })
                    })
                    .collect::<Result<Vec<String>>>()?;
                combos.push(ids);
            }
            let got = u64::try_from(listed.valid.items.len()).unwrap_or(u64::MAX);
            offset = offset.saturating_add(got);
            if offset >= listed.valid.paging.total {
                return Ok(combos);
            }
            if got == 0 {
                return Err(bad(format!(
                    "an empty list while {} combinations remain",
                    listed.valid.paging.total.saturating_sub(offset)
                )));
            }
        }
    }

    /// Moves the instance to one page-by slice (`PUT …/instances/{iid}` with
    /// `currentPageBy`) and returns the slice's first page.
    async fn select_page_by(&self, instance: &str, ids: &[String]) -> Result<Page> {
        let path = format!("{}/instances/{instance}", self.base);
        self.lock_live().slice = Some(ids.to_vec());
        let current: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        let response = self
            .request(Method::PUT, &path)
            .query(&[("offset", 0), ("limit", u64::from(self.page_size))])
            .query(&[("fields", fields(self.formatted))])
            .json(&json!({ "currentPageBy": current }))
            .send()
            .await?;
        let bytes = if response.status().as_u16() == 202 {
            self.get_page(instance, 0, u64::from(self.page_size))
                .await?
        } else {
            self.read_page(response).await?
        };
        Page::checked(bytes, 0, u64::from(self.page_size), None)
    }

    /// Rows `offset..offset + rows`, in as many requests as the server's page cap needs.
    /// Every page is checked against what was asked and against the first page's total.
    async fn fetch_span(
        self: &Arc<Self>,
        instance_id: &str,
        offset: u64,
        rows: u64,
        limit: u64,
        total: u64,
        parse: bool,
    ) -> Result<Vec<Page>> {
        let mut pages = Vec::with_capacity(1);
        let mut at = offset;
        let end = offset.saturating_add(rows);
        while at < end {
            let asked = limit.min(end.saturating_sub(at));
            let instance = self.segment_or(instance_id);
            let bytes = match self.get_page(&instance, at, asked).await {
                Err(e) if is_evicted(&e) && self.reopen_on_expiry => {
                    let fresh = self.reopen(&instance).await?;
                    self.get_page(&fresh, at, asked).await?
                }
                Err(e) if is_evicted(&e) => return Err(explain_eviction(e, &instance, at)),
                other => other?,
            };
            let page = if parse {
                Page::checked_parsed(bytes, at, asked, Some(total))?
            } else {
                Page::checked(bytes, at, asked, Some(total))?
            };
            // checked(): 0 < len <= asked, so `at` moves on and stays within `end`.
            at = at.saturating_add(page.len());
            pages.push(page);
        }
        Ok(pages)
    }
}

/// `GET …/pageBy/elements`: each page-by attribute's elements, and the valid combinations
/// as indexes into them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageByElements {
    #[serde(default)]
    page_by: Vec<PageByUnit>,
    #[serde(rename = "validPageByElements")]
    valid: ValidPageBy,
}

#[derive(Deserialize)]
struct PageByUnit {
    #[serde(default)]
    elements: Vec<PageByElement>,
}

#[derive(Deserialize)]
struct PageByElement {
    id: String,
}

#[derive(Deserialize)]
struct ValidPageBy {
    paging: Paging,
    #[serde(default)]
    items: Vec<Vec<usize>>,
}

/// The fields of any instance answer that say what it is.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Head {
    #[serde(default)]
    status: Option<i64>,
    #[serde(default)]
    instance_id: Option<String>,
}

impl Head {
    fn parse(body: &[u8]) -> Result<Self> {
        serde_json::from_slice(body).map_err(|e| {
            Error::Decode(
                mstr_rest_error::DecodeError::new("an instance answer is not a JSON object")
                    .with_source(e),
            )
        })
    }
}

/// One page of a report or cube as the server sent it (a v2 body), with its
/// paging read out.
#[derive(Debug, Clone)]
pub struct Page {
    body: Bytes,
    paging: Paging,
    /// The body as read when it was checked, for the rows: one parse of it, not two.
    parsed: Option<Arc<Parsed>>,
}

impl Page {
    /// A page asked for at `offset` with `limit`, checked against the ask: it starts where
    /// asked, holds no more rows than asked and at least one while rows remain, lists as
    /// many rows as it claims, stays within its total, and has the `total` of the pages
    /// before it. Anything else is a server this client cannot trust, and an error naming
    /// the offset and what disagreed — never rows silently lost or repeated.
    pub(crate) fn checked(
        body: Bytes,
        offset: u64,
        limit: u64,
        total: Option<u64>,
    ) -> Result<Self> {
        let paging = check(decode::shape(&body)?, offset, limit, total)?;
        Ok(Self {
            body,
            paging,
            parsed: None,
        })
    }

    /// As [`checked`](Self::checked), the body parsed for its rows in the same pass: one
    /// parse of it, not two.
    pub(crate) fn checked_parsed(
        body: Bytes,
        offset: u64,
        limit: u64,
        total: Option<u64>,
    ) -> Result<Self> {
        let parsed = decode::parse(&body);
        Page::from_parse(body, parsed, offset, limit, total)
    }

    fn from_parse(
        body: Bytes,
        parsed: Result<Parsed>,
        offset: u64,
        limit: u64,
        total: Option<u64>,
    ) -> Result<Self> {
        match parsed {
            Ok(parsed) => {
                let paging = check(parsed.shape(), offset, limit, total)?;
                Ok(Self {
                    body,
                    paging,
                    parsed: Some(Arc::new(parsed)),
                })
            }
            Err(not_v2) => {
                // The checks name what is wrong first (not JSON, bad paging), as for a page
                // read raw; then the decoder says why it is not a v2 body.
                Page::checked(body, offset, limit, total)?;
                Err(not_v2)
            }
        }
    }

    /// The page's rows decoded with `options`, from the parse made when it was checked if
    /// there was one.
    fn decode(&self, options: Options) -> Result<Decoded> {
        match &self.parsed {
            Some(parsed) => parsed.decode(options),
            None => decode::decode(&self.body, options),
        }
    }

    /// The position of this page's first row in the report.
    pub fn offset(&self) -> u64 {
        self.paging.offset
    }

    /// The number of rows in this page (`paging.current`).
    pub fn len(&self) -> u64 {
        self.paging.current
    }

    /// Whether the page holds no rows.
    pub fn is_empty(&self) -> bool {
        self.paging.current == 0
    }

    /// The number of rows in the whole report (`paging.total`).
    pub fn total(&self) -> u64 {
        self.paging.total
    }

    /// The body as received.
    pub fn raw(&self) -> &Bytes {
        &self.body
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] if it is not JSON (it was checked to be when the page arrived).
    pub fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Decode(
                mstr_rest_error::DecodeError::new("a report page is not JSON").with_source(e),
            )
        })
    }

    /// A page from a body fetched or saved by other means (a cache, a benchmark), checked
    /// as a fetched page is against its own paging.
    ///
    /// # Errors
    /// [`Error::Decode`] for a body that is not a consistent v2 report page.
    pub fn parse(body: Bytes) -> Result<Page> {
        let parsed = decode::parse(&body);
        let shape = match &parsed {
            Ok(parsed) => parsed.shape(),
            // Says what is wrong when it is not JSON at all.
            Err(_) => decode::shape(&body)?,
        }
        .ok_or_else(|| Error::decode("the report page has no data.paging"))?;
        let (offset, rows) = (shape.paging.offset, shape.paging.current);
        Page::from_parse(body, parsed, offset, rows, None)
    }

    /// The page decoded as a stream decodes it by default: detail rows, raw values.
    #[cfg(feature = "arrow")]
    pub(crate) fn decoded_detail(&self) -> Result<Decoded> {
        self.decode(Options {
            formatted: Formatted::Skip,
            subtotals: Subtotals::Exclude,
        })
    }

    /// The page's rows, decoded, with formatted values when the page has them.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] if the body is not a v2 body this decoder understands, or is not
    /// consistent (rows, metric values and columns that do not line up).
    pub fn rows(&self) -> Result<Vec<Row>> {
        let options = Options {
            formatted: Formatted::IfPresent,
            subtotals: Subtotals::Include,
        };
        self.decode(options).map(Decoded::into_rows)
    }
}

/// A page's shape checked against the ask (see [`Page::checked`]); its paging when it holds.
fn check(shape: Option<PageShape>, offset: u64, limit: u64, total: Option<u64>) -> Result<Paging> {
    let PageShape {
        paging,
        header_rows,
        raw_rows,
    } = shape.ok_or_else(|| {
        Error::decode(format!(
            "the report page at offset {offset} has no data.paging"
        ))
    })?;
    let bad = |what: String| {
        Error::decode(format!(
            "the report page asked for at offset {offset} (limit {limit}) {what}; the server sent a page this client cannot trust"
        ))
    };
    if paging.offset != offset {
        return Err(bad(format!(
            "says it starts at offset {} (a server that ignores offset?)",
            paging.offset
        )));
    }
    if let Some(expected) = total
        && paging.total != expected
    {
        return Err(bad(format!(
            "says the report has {} rows where earlier pages said {expected}: the data changed while it was read; run the extract again",
            paging.total
        )));
    }
    if paging.current > limit {
        return Err(bad(format!(
            "holds {} rows, more than asked",
            paging.current
        )));
    }
    if offset
        .checked_add(paging.current)
        .is_none_or(|end| end > paging.total)
    {
        return Err(bad(format!(
            "holds {} rows, past the report's {} rows",
            paging.current, paging.total
        )));
    }
    if paging.current == 0 && offset < paging.total && limit > 0 {
        return Err(bad(format!(
            "is empty, but the report has {} rows",
            paging.total
        )));
    }
    if header_rows != paging.current {
        return Err(bad(format!(
            "says it holds {} rows but lists {header_rows} in headers.rows",
            paging.current
        )));
    }
    if raw_rows != 0 && raw_rows != paging.current {
        return Err(bad(format!(
            "lists {header_rows} rows but {raw_rows} rows of metric values"
        )));
    }
    Ok(paging)
}

/// A report or cube instance on the server, ready to stream (or waiting for prompt answers).
#[derive(Debug)]
pub struct Instance {
    ctx: Arc<Ctx>,
    instance_id: String,
    /// The instance id as one path segment.
    instance_segment: String,
    prompted: bool,
    first: Option<Page>,
}

impl Instance {
    /// Creates the instance, polls a 202, and answers prompts from the query's answers.
    async fn create(ctx: Arc<Ctx>) -> Result<Instance> {
        let body = &ctx.body;
        let max_rounds = ctx.max_prompt_rounds;
        let mut request = ctx
            .request(Method::POST, &format!("{}/instances", ctx.base))
            .query(&[
                ("offset", "0".to_owned()),
                ("limit", ctx.page_size.to_string()),
            ])
            .query(&[("fields", fields(ctx.formatted))])
            .json(&body);
        if ctx.respond_async {
            request = request.header("Prefer", "respond-async");
        }
        let response = request.send().await?;
        let accepted = response.status().as_u16() == 202;
        let bytes = ctx.read_page(response).await?;
        let head = Head::parse(&bytes)?;
        let instance_id = head
            .instance_id
            .ok_or_else(|| Error::decode("the instance creation answer has no instanceId"))?;
        let mut instance = Instance::new(Arc::clone(&ctx), instance_id)?;
        if accepted {
            instance.refresh().await?;
        } else {
            instance.settle(head.status, bytes)?;
        }
        let answers = &ctx.answers;
        if !answers.is_empty() {
            let mut backoff = Backoff::new(ctx.poll_interval, ctx.poll_max, ctx.deadline);
            let mut rounds = 0u32;
            while instance.prompted {
                if rounds >= max_rounds {
                    return Err(Error::config(format!(
                        "the instance still asks for prompts after {rounds} rounds of answers \
                         (max_prompt_rounds); check the answers, or raise the limit for deeply nested prompts"
                    )));
                }
                // Back-off between rounds, within the poll deadline: a server that asks
                // again at once is not answered in a busy loop.
                if rounds > 0 && !backoff.wait().await {
                    return Err(Error::Deadline(DeadlineError::new(
                        format!(
                            "the instance to stop asking for prompts ({rounds} rounds answered)"
                        ),
                        "poll_deadline",
                        ctx.deadline,
                    )));
                }
                rounds = rounds.saturating_add(1);
                // Prompts already answered (`closed`) are not answered again.
                let open: Vec<Prompt> = instance
                    .prompts()
                    .await?
                    .into_iter()
                    .filter(|p| !p.closed)
                    .collect();
                let chosen: Vec<PromptAnswer> = open
                    .iter()
                    .filter_map(|p| {
                        answers
                            .iter()
                            .find(|a| a.matches(p))
                            .map(|a| a.clone().for_prompt(p))
                    })
                    .collect();
                if chosen.is_empty() {
                    let names: Vec<&str> = open.iter().map(|p| p.name.as_str()).collect();
                    return Err(Error::config(format!(
                        "no answer given for the open prompts {names:?}"
                    )));
                }
                instance.answer(&chosen).await?;
            }
        }
        Ok(instance)
    }

    /// An instance the server named `instance_id`: an id it chose, checked like any other.
    fn new(ctx: Arc<Ctx>, instance_id: String) -> Result<Self> {
        let instance_segment = segment("instance id", &instance_id).map_err(|_| {
            Error::decode(format!(
                "the server named the instance {instance_id:?}, which is not an id"
            ))
        })?;
        Ok(Self {
            ctx,
            instance_id,
            instance_segment,
            prompted: false,
            first: None,
        })
    }

    /// The instance id (32 hex).
    pub fn id(&self) -> &str {
        &self.instance_id
    }

    /// Whether the instance waits for prompt answers (status 2) and has no data yet.
    pub fn is_prompted(&self) -> bool {
        self.prompted
    }

    /// The number of rows in the report, once it has data.
    pub fn total(&self) -> Option<u64> {
        self.first.as_ref().map(Page::total)
    }

    /// Reads a 200 answer: prompts pending, or the first page.
    fn settle(&mut self, status: Option<i64>, bytes: Bytes) -> Result<()> {
        if status == Some(2) {
            self.prompted = true;
            self.first = None;
        } else {
            self.prompted = false;
            self.first = Some(Page::checked(
                bytes,
                0,
                u64::from(self.ctx.page_size),
                None,
            )?);
        }
        Ok(())
    }

    /// Fetches the first page again (polling a 202), after creation or prompt answers.
    async fn refresh(&mut self) -> Result<()> {
        let bytes = self
            .ctx
            .get_page(&self.instance_segment, 0, u64::from(self.ctx.page_size))
            .await?;
        let head = Head::parse(&bytes)?;
        // After prompt answers the server may carry on under another instance id: follow it.
        if let Some(id) = head.instance_id.as_deref()
            && id != self.instance_id
        {
            tracing::debug!(from = %self.instance_id, to = id, "the instance moved to a new id");
            let moved = Instance::new(Arc::clone(&self.ctx), id.to_owned())?;
            self.instance_id = moved.instance_id;
            self.instance_segment = moved.instance_segment;
        }
        self.settle(head.status, bytes)
    }

    /// The open prompts (`GET reports/{id}/instances/{iid}/prompts`).
    ///
    /// # Errors
    ///
    /// [`Error::Api`] from the server; [`Error::Transport`]; [`Error::Decode`] for an
    /// unexpected body.
    pub async fn prompts(&self) -> Result<Vec<Prompt>> {
        let path = format!(
            "reports/{}/instances/{}/prompts",
            self.ctx.id_segment, self.instance_segment
        );
        self.ctx
            .request(Method::GET, &path)
            .send()
            .await?
            .json()
            .await
    }

    /// Answers prompts (`PUT …/prompts/answers`), then fetches the first page again; the
    /// instance may then be ready, or ask for nested prompts ([`is_prompted`](Self::is_prompted)).
    ///
    /// # Errors
    ///
    /// [`Error::Api`] 400 `ERR006` for a refused answer (wrong type, unknown prompt, empty
    /// answer to a required prompt); otherwise as [`prompts`](Self::prompts).
    pub async fn answer(&mut self, answers: &[PromptAnswer]) -> Result<()> {
        let path = format!(
            "reports/{}/instances/{}/prompts/answers",
            self.ctx.id_segment, self.instance_segment
        );
        self.ctx
            .request(Method::PUT, &path)
            .json(&json!({ "prompts": answers.iter().map(PromptAnswer::to_json).collect::<Vec<_>>() }))
            .send()
            .await?;
        self.refresh().await
    }

    /// Continues with this instance — prompts answered by hand, say — as a query: its
    /// [`rows`](ReportQuery::rows), [`pages`](ReportQuery::pages),
    /// [`write_csv`](ReportQuery::write_csv) (or `record_batches`) stream this very instance,
    /// with the settings it was opened with.
    pub fn resume(self) -> ReportQuery {
        ReportQuery {
            session: self.ctx.session.clone(),
            spec: self.ctx.spec.clone(),
            opened: Opened(Arc::new(std::sync::Mutex::new(Some(self)))),
        }
    }

    pub(crate) fn pages(self) -> BoxStream<'static, Result<Page>> {
        self.spans(false, Ok)
            .map_ok(|pages| stream::iter(pages.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    pub(crate) fn rows(self) -> BoxStream<'static, Result<Row>> {
        // Rows made on the tasks that fetched their pages, on every worker thread.
        self.mapped(|d| Ok(d.into_rows()), Vec::len)
            .map_ok(|rows| stream::iter(rows.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Decoded pages turned into what an exporter writes (CSV text, an Arrow batch) on the
    /// tasks that fetched them, so that the work runs on every worker thread; `rows` counts
    /// a result's rows for [`ReportQuery::on_rows`].
    pub(crate) fn mapped<T, M>(self, map: M, rows: fn(&T) -> usize) -> BoxStream<'static, Result<T>>
    where
        T: Send + 'static,
        M: Fn(Decoded) -> Result<T> + Clone + Send + Sync + 'static,
    {
        let options = Options {
            formatted: if self.ctx.formatted {
                Formatted::Required
            } else {
                Formatted::Skip
            },
            subtotals: self.ctx.subtotals,
        };
        let on_rows = self.ctx.spec.on_rows.clone();
        let mapped = self.spans(true, move |pages| map(decode_span(pages, options)?));
        match on_rows {
            None => mapped,
            Some(OnRows(f)) => mapped
                .inspect_ok(move |t| f(u64::try_from(rows(t)).unwrap_or(u64::MAX)))
                .boxed(),
        }
    }

    /// Every page-by slice in turn when the report has page-by attributes the query did not
    /// pick; else the one slice the instance holds.
    /// `parse`: whether pages are parsed for their rows as they are checked (not for raw pages).
    fn spans<T, F>(self, parse: bool, finish: F) -> BoxStream<'static, Result<T>>
    where
        T: Send + 'static,
        F: Fn(Vec<Page>) -> Result<T> + Clone + Send + Sync + 'static,
    {
        let Some(first) = self.first else {
            return stream::once(async {
                Err(Error::config(
                    "the instance still waits for prompt answers: call answer() first",
                ))
            })
            .boxed();
        };
        let ctx = self.ctx;
        let instance: Arc<str> = Arc::from(self.instance_segment);
        let page_by = match decode::page_by_units(first.raw()) {
            Ok(n) => n,
            Err(e) => return stream::once(async move { Err(e) }).boxed(),
        };
        if page_by == 0 || ctx.page_by_chosen {
            return slice_spans(ctx, instance, first, parse, finish);
        }
        // Slices one after the other: each PUT moves the instance to its slice, so the next
        // slice starts only when the previous one is drained.
        let combos = {
            let ctx = Arc::clone(&ctx);
            let instance = Arc::clone(&instance);
            async move { ctx.page_by_combinations(&instance).await }
        };
        stream::once(combos)
            .map_ok(move |combos| {
                let ctx = Arc::clone(&ctx);
                let instance = Arc::clone(&instance);
                let finish = finish.clone();
                stream::iter(combos)
                    .then(move |combo| {
                        let ctx = Arc::clone(&ctx);
                        let instance = Arc::clone(&instance);
                        async move {
                            let first = ctx.select_page_by(&instance, &combo).await?;
                            Ok::<_, Error>((ctx, instance, first))
                        }
                    })
                    .map_ok(move |(ctx, instance, first)| {
                        slice_spans(ctx, instance, first, parse, finish.clone())
                    })
                    .try_flatten()
            })
            .try_flatten()
            .boxed()
    }
}

/// The pages of one span decoded into one set of rows.
fn decode_span(pages: Vec<Page>, options: Options) -> Result<Decoded> {
    let mut iter = pages.into_iter();
    let first = iter
        .next()
        .ok_or_else(|| Error::decode("an empty span of pages"))?;
    let mut decoded = first.decode(options)?;
    for page in iter {
        decoded.extend(page.decode(options)?)?;
    }
    Ok(decoded)
}

impl Instance {
    /// Splits the instance's rows into at most `n` [`Partition`]s of whole pages (fewer when
    /// there are fewer pages), as even as pages allow, covering every row once.
    ///
    /// # Errors
    /// [`Error::Config`] for `n == 0`, an instance still waiting for prompt answers, or a
    /// report with page-by attributes and no slice picked (`page_by`): each slice is an
    /// instance state of its own, so its pages cannot be read side by side.
    pub fn partitions(&self, n: usize) -> Result<Vec<Partition>> {
        let first = self.first.as_ref().ok_or_else(|| {
            Error::config("the instance still waits for prompt answers: call answer() first")
        })?;
        if n == 0 {
            return Err(Error::config("partitions(0): ask for at least one"));
        }
        if decode::page_by_units(first.raw())? > 0 && !self.ctx.page_by_chosen {
            return Err(Error::config(
                "a report with page-by attributes cannot be partitioned as a whole: pick one slice with .page_by(..) and partition that",
            ));
        }
        let total = first.total();
        let page = u64::from(self.ctx.page_size).max(1);
        let pages = total.div_ceil(page).max(1);
        let count = u64::try_from(n).unwrap_or(u64::MAX).min(pages);
        // count >= 1: n >= 1 was checked and pages >= 1
        let each = pages.checked_div(count).unwrap_or(pages);
        let extra = pages.checked_rem(count).unwrap_or(0);
        let spec = &self.ctx.spec;
        let mut out = Vec::new();
        let mut start = 0u64;
        for index in 0..count {
            let its_pages = each.saturating_add(u64::from(index < extra));
            let offset = start.saturating_mul(page).min(total);
            let end = start
                .saturating_add(its_pages)
                .saturating_mul(page)
                .min(total);
            out.push(Partition {
                kind: match spec.kind {
                    Kind::Report => "report",
                    Kind::Cube => "cube",
                }
                .to_owned(),
                id: spec.id.clone(),
                project: spec.project.clone(),
                instance: self.instance_id.clone(),
                offset,
                rows: end.saturating_sub(offset),
                total,
                page_size: self.ctx.page_size,
                formatted: self.ctx.formatted,
                subtotals: Partition::subtotals_name(self.ctx.subtotals).to_owned(),
                index,
                count,
            });
            start = start.saturating_add(its_pages);
        }
        Ok(out)
    }
}

impl ReportQuery {
    /// Opens an instance and splits it into at most `n` partitions
    /// ([`Instance::partitions`]) for other processes to fetch.
    ///
    /// # Errors
    /// As [`open`](Self::open) and [`Instance::partitions`].
    pub async fn partitions(self, n: usize) -> Result<Vec<Partition>> {
        self.open().await?.partitions(n)
    }
}

/// A partition's pages, decoded and mapped on the fetching tasks, in order.
pub(crate) fn partition_mapped<T, M>(
    session: Session,
    partition: &Partition,
    map: M,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    M: Fn(Decoded) -> Result<T> + Clone + Send + Sync + 'static,
{
    let setup = || -> Result<(Arc<Ctx>, Arc<str>, Options)> {
        let mut query = ReportQuery::new(session, partition.kind()?, &partition.id)
            .page_size(partition.page_size)
            .formatted(partition.formatted)
            .subtotals(partition.subtotals()?);
        if let Some(project) = &partition.project {
            query = query.project(project.clone());
        }
        let ctx = Arc::new(Ctx::try_from(query)?);
        let instance: Arc<str> = Arc::from(segment("instance id", &partition.instance)?);
        let options = Options {
            formatted: if ctx.formatted {
                Formatted::Required
            } else {
                Formatted::Skip
            },
            subtotals: ctx.subtotals,
        };
        Ok((ctx, instance, options))
    };
    let (ctx, instance, options) = match setup() {
        Ok(s) => s,
        Err(e) => return stream::once(async move { Err(e) }).boxed(),
    };
    let stride = u64::from(ctx.page_size).max(1);
    let (offset, total) = (partition.offset, partition.total);
    let end = offset.saturating_add(partition.rows).min(total);
    let concurrency = ctx.concurrency;
    stream::iter(span_starts(offset, end, stride))
        .map(move |(at, rows)| {
            let ctx = Arc::clone(&ctx);
            let instance = Arc::clone(&instance);
            let map = map.clone();
            Task(tokio::spawn(async move {
                let pages = ctx
                    .fetch_span(&instance, at, rows, stride, total, true)
                    .await?;
                map(decode_span(pages, options)?)
            }))
        })
        .buffered(concurrency)
        .boxed()
}

/// A partition's rows, in order.
pub(crate) fn partition_rows(
    session: Session,
    partition: &Partition,
) -> BoxStream<'static, Result<Row>> {
    partition_mapped(session, partition, |d| Ok(d.into_rows()))
        .map_ok(|rows| stream::iter(rows.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// The ordered, bounded fetch of one slice: each span is one task; `buffered` keeps at most
/// `concurrency` of them alive and yields them in order.
fn slice_spans<T, F>(
    ctx: Arc<Ctx>,
    instance_id: Arc<str>,
    first: Page,
    parse: bool,
    finish: F,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: Fn(Vec<Page>) -> Result<T> + Clone + Send + Sync + 'static,
{
    {
        let total = first.total();
        let got = first.len();
        let asked = u64::from(ctx.page_size);
        // A server cap below the page size sets the stride: ask for what it will give.
        let stride = if got < asked && got < total {
            got
        } else {
            asked
        };
        let first_item = stream::once({
            let finish = finish.clone();
            async move { finish(vec![first]) }
        });
        let concurrency = ctx.concurrency;
        let rest = stream::iter(span_starts(got, total, stride))
            .map(move |(offset, rows)| {
                let ctx = Arc::clone(&ctx);
                let instance_id = Arc::clone(&instance_id);
                let finish = finish.clone();
                Task(tokio::spawn(async move {
                    let pages = ctx
                        .fetch_span(&instance_id, offset, rows, stride, total, parse)
                        .await?;
                    finish(pages)
                }))
            })
            .buffered(concurrency);
        first_item.chain(rest).boxed()
    }
}

/// `(offset, rows)` of each span after the first page.
pub(crate) fn span_starts(
    first: u64,
    total: u64,
    stride: u64,
) -> impl Iterator<Item = (u64, u64)> + Send {
    let stride = stride.max(1);
    // Stepping with checked arithmetic: a total near u64::MAX ends the spans, never wraps.
    std::iter::successors(Some(first), move |&offset| offset.checked_add(stride))
        .take_while(move |&offset| offset < total)
        .map(move |offset| (offset, stride.min(total.saturating_sub(offset))))
}
