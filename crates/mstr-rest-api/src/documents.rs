//! Dossiers and Documents: the dossier's definition (chapters, pages, visualizations) and
//! exports — the whole dossier or document to PDF or Excel, one visualization to CSV —
//! streamed to any writer in bounded memory.
//!
//! Each export creates an instance (`POST dossiers/{id}/instances` or
//! `documents/{id}/instances`), waits while the server still executes it, asks for the file
//! as `application/octet-stream` (polling while the export answers 202), streams it, and
//! deletes the instance.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::documents::{DocumentsApi, PdfOptions};
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let dossier = session
//!     .dossier("27D332AC6D43352E0928B9A1FCAF4AB0")
//!     .project("B19DEDCC11D4E0EFC000EB9495D0F44F");
//!
//! // Pick a visualization by name, export it to CSV; the whole dossier to PDF.
//! let definition = dossier.definition().await?;
//! let chart = definition.visualization("Revenue by Region").expect("in the dossier");
//! let mut csv = Vec::new();
//! dossier.visualization_csv(&chart.key).write_to(&mut csv).await?;
//! let mut pdf = Vec::new();
//! let bytes = dossier.pdf(PdfOptions::new().landscape()).write_to(&mut pdf).await?;
//! assert!(pdf.starts_with(b"%PDF") && bytes == pdf.len() as u64);
//! # assert!(csv.starts_with(b"\"Region\""));
//! # Ok(()) }
//! ```

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use mstr_rest_core::segment;
use mstr_rest_error::DeadlineError;
use mstr_rest_session::{Error, Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::io::AsyncWrite;

use crate::download::{OCTET_STREAM, file_chunks, write_chunks};
use crate::poll::Backoff;

/// A document instance's status when its results are ready.
const READY: i64 = 1;
/// The status of an instance waiting for prompt answers.
const PROMPTED: i64 = 2;

/// Dossier and document calls: `use mstr_rest_api::documents::DocumentsApi;` (or the
/// facade's prelude).
pub trait DocumentsApi {
    /// The dossier `id` (instances under `dossiers/{id}`).
    fn dossier(&self, id: &str) -> Document;
    /// The Report Services document `id` (instances under `documents/{id}`).
    fn document(&self, id: &str) -> Document;
}

impl DocumentsApi for Session {
    fn dossier(&self, id: &str) -> Document {
        Document::new(self.clone(), Kind::Dossier, id)
    }

    fn document(&self, id: &str) -> Document {
        Document::new(self.clone(), Kind::Document, id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dossier,
    Document,
}

/// A dossier or document, with the settings its exports use. Sends nothing until asked.
#[derive(Debug, Clone)]
pub struct Document<S = Session> {
    pub(crate) session: S,
    kind: Kind,
    id: String,
    project_id: Option<String>,
    first_poll: Duration,
    max_poll: Duration,
    timeout: Duration,
}

impl<S> Document<S> {
    pub(crate) fn new(session: S, kind: Kind, id: &str) -> Document<S> {
        Document {
            session,
            kind,
            id: id.to_owned(),
            project_id: None,
            first_poll: Duration::from_millis(200),
            max_poll: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }

    /// The same handle on another session (the blocking one runs the async calls).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Document<T> {
        Document {
            session,
            kind: self.kind,
            id: self.id.clone(),
            project_id: self.project_id.clone(),
            first_poll: self.first_poll,
            max_poll: self.max_poll,
            timeout: self.timeout,
        }
    }

    /// The project (`X-MSTR-ProjectID`); without it the session's default header applies.
    pub fn project(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// The first and the longest wait between polls of a running instance or export
    /// (default 200 ms doubling up to 5 s).
    pub fn poll(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max;
        self
    }

    /// How long an instance may execute and an export may run before the call fails with
    /// [`Error::Deadline`] (default 10 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The dossier's or document's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl<S: Clone> Document<S> {
    /// The whole dossier or document as PDF (`POST …/instances/{iid}/pdf`).
    pub fn pdf(&self, options: PdfOptions) -> Export<S> {
        self.export(Format::Pdf(options))
    }

    /// The whole dossier or document as an Excel workbook (`POST …/instances/{iid}/excel`).
    pub fn excel(&self) -> Export<S> {
        self.export(Format::Excel)
    }

    /// One visualization's data as CSV (`POST …/instances/{iid}/visualizations/{key}/csv`);
    /// the key comes from [`definition`](Document::definition).
    pub fn visualization_csv(&self, key: &str) -> Export<S> {
        self.export(Format::VisualizationCsv(key.to_owned()))
    }

    fn export(&self, format: Format) -> Export<S> {
        Export {
            document: self.clone(),
            format,
        }
    }
}

/// What an [`Export`] asks for.
#[derive(Debug, Clone)]
enum Format {
    Pdf(PdfOptions),
    Excel,
    VisualizationCsv(String),
}

impl Format {
    fn tail(&self) -> Result<String> {
        Ok(match self {
            Format::Pdf(_) => "pdf".to_owned(),
            Format::Excel => "excel".to_owned(),
            Format::VisualizationCsv(key) => {
                format!("visualizations/{}/csv", segment("visualization key", key)?)
            }
        })
    }

    fn body(&self) -> Value {
        match self {
            Format::Pdf(options) => serde_json::to_value(options).unwrap_or_else(|_| json!({})),
            Format::Excel | Format::VisualizationCsv(_) => json!({}),
        }
    }
}

/// One export of a [`Document`]: run it with `write_to` (async here, blocking on the
/// blocking session).
#[derive(Debug, Clone)]
#[must_use = "an export does nothing until written somewhere"]
pub struct Export<S = Session> {
    pub(crate) document: Document<S>,
    format: Format,
}

impl<S> Export<S> {
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Export<T> {
        Export {
            document: self.document.on(session),
            format: self.format.clone(),
        }
    }
}

/// PDF export settings (the body of `POST …/pdf`); unset fields keep the server's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PdfOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    page_option: Option<PageOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    orientation: Option<Orientation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_width: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_height: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_overview: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_detailed_pages: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_header: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_footer: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_toc: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filter_summary: Option<FilterSummary>,
}

/// Which pages a PDF export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum PageOption {
    /// Every page of every chapter.
    All,
    /// The current chapter.
    Chapter,
    /// The current page.
    Page,
}

/// A PDF page's orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Orientation {
    /// Whichever fits the content.
    Auto,
    /// Taller than wide.
    Portrait,
    /// Wider than tall.
    Landscape,
}

/// Where a PDF export prints the filter summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum FilterSummary {
    /// Not at all.
    None,
    /// In the page header.
    Header,
    /// On its own last page.
    LastPage,
    /// Both.
    Both,
}

impl PdfOptions {
    /// The server's defaults.
    pub fn new() -> PdfOptions {
        PdfOptions::default()
    }

    /// Which pages (`pageOption`).
    pub fn pages(mut self, option: PageOption) -> Self {
        self.page_option = Some(option);
        self
    }

    /// The orientation.
    pub fn orientation(mut self, orientation: Orientation) -> Self {
        self.orientation = Some(orientation);
        self
    }

    /// Landscape pages.
    pub fn landscape(self) -> Self {
        self.orientation(Orientation::Landscape)
    }

    /// The paper size in inches (A4 is 8.27 × 11.69). Sizes that are not positive and
    /// finite are refused by [`Export::write_to`] with [`Error::Config`].
    pub fn page_size(mut self, width_inches: f64, height_inches: f64) -> Self {
        self.page_width = Some(width_inches);
        self.page_height = Some(height_inches);
        self
    }

    /// Whether the PDF starts with an overview page.
    pub fn overview(mut self, on: bool) -> Self {
        self.include_overview = Some(on);
        self
    }

    /// Whether each visualization gets a page of its own.
    pub fn detailed_pages(mut self, on: bool) -> Self {
        self.include_detailed_pages = Some(on);
        self
    }

    /// Whether pages have the header and the footer.
    pub fn header_and_footer(mut self, header: bool, footer: bool) -> Self {
        self.include_header = Some(header);
        self.include_footer = Some(footer);
        self
    }

    /// Whether the PDF has a table of contents.
    pub fn table_of_contents(mut self, on: bool) -> Self {
        self.include_toc = Some(on);
        self
    }

    /// Where the filter summary goes.
    pub fn filter_summary(mut self, at: FilterSummary) -> Self {
        self.filter_summary = Some(at);
        self
    }

    fn check(&self) -> Result<()> {
        for (name, value) in [("width", self.page_width), ("height", self.page_height)] {
            if let Some(v) = value
                && !(v.is_finite() && v > 0.0)
            {
                return Err(Error::config(format!(
                    "PdfOptions::page_size: the page {name} must be a positive number of inches, not {v}"
                )));
            }
        }
        Ok(())
    }
}

/// A dossier's structure (`GET dossiers/{id}/definition`): chapters, pages, visualizations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DossierDefinition {
    /// The dossier's id.
    #[serde(default)]
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The chapters, in order.
    #[serde(default)]
    pub chapters: Vec<Chapter>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A chapter of a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Chapter {
    /// The chapter's key.
    pub key: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The pages, in order.
    #[serde(default)]
    pub pages: Vec<Page>,
    /// The chapter's filters, as the server describes them.
    #[serde(default)]
    pub filters: Vec<Value>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A page of a chapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page {
    /// The page's key.
    pub key: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The visualizations on the page.
    #[serde(default)]
    pub visualizations: Vec<Visualization>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A visualization (grid, chart …) on a page; its [`key`](Self::key) names it in exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Visualization {
    /// The key (`W63`, a GUID …) that [`Document::visualization_csv`] takes.
    pub key: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The kind (`grid`, `chart` …), when the server says.
    #[serde(default)]
    pub visualization_type: Option<String>,
    /// Every other field the server sent (`units`, `definition` …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DossierDefinition {
    /// Every visualization with the chapter and page it is on, in the dossier's order.
    pub fn visualizations(&self) -> impl Iterator<Item = (&Chapter, &Page, &Visualization)> {
        self.chapters.iter().flat_map(|c| {
            c.pages
                .iter()
                .flat_map(move |p| p.visualizations.iter().map(move |v| (c, p, v)))
        })
    }

    /// The first visualization named `name` (case-sensitive), wherever it is.
    pub fn visualization(&self, name: &str) -> Option<&Visualization> {
        self.visualizations()
            .map(|(_, _, v)| v)
            .find(|v| v.name == name)
    }
}

#[derive(Deserialize)]
struct InstanceAnswer {
    mid: String,
    #[serde(default)]
    status: Option<i64>,
}

impl Document {
    fn base(&self) -> Result<String> {
        let family = match self.kind {
            Kind::Dossier => "dossiers",
            Kind::Document => "documents",
        };
        Ok(format!("{family}/{}", segment("document id", &self.id)?))
    }

    /// Exports address the instance under `documents/` for dossiers and documents alike.
    fn instance_path(&self, mid: &str) -> Result<String> {
        Ok(format!(
            "documents/{}/instances/{}",
            segment("document id", &self.id)?,
            segment("instance id", mid)?
        ))
    }

    fn scoped(&self, request: mstr_rest_core::RequestBuilder) -> mstr_rest_core::RequestBuilder {
        match &self.project_id {
            Some(p) => request.project(p),
            None => request,
        }
    }

    fn backoff(&self) -> Backoff {
        Backoff::new(self.first_poll, self.max_poll, self.timeout)
    }

    fn deadline(&self, what: String) -> Error {
        Error::Deadline(DeadlineError::new(what, "Document::timeout", self.timeout))
    }

    /// `GET dossiers/{id}/definition`: chapters, pages and visualizations.
    ///
    /// # Errors
    /// [`Error::Api`] (`ERR004` for an unknown dossier); [`Error::Transport`];
    /// [`Error::Decode`].
    pub async fn definition(&self) -> Result<DossierDefinition> {
        let path = format!("dossiers/{}/definition", segment("dossier id", &self.id)?);
        self.scoped(self.session.get(&path))
            .send()
            .await?
            .json()
            .await
    }

    /// Creates an instance and waits until the server has executed it.
    async fn instance(&self) -> Result<String> {
        let answer: InstanceAnswer = self
            .scoped(self.session.post(&format!("{}/instances", self.base()?)))
            .json(&json!({}))
            .send()
            .await?
            .json()
            .await?;
        let mid = answer.mid;
        if segment("instance id", &mid).is_err() {
            return Err(Error::decode(format!(
                "the server created a document instance with the id {mid:?}, which is not an id"
            )));
        }
        let mut status = answer.status.unwrap_or(READY);
        let mut backoff = self.backoff();
        while status != READY {
            if status == PROMPTED {
                self.delete_instance(&mid).await;
                return Err(Error::config(format!(
                    "the {} {} is prompted: give it default answers on the server (answering \
                     dossier prompts here is not supported yet)",
                    self.noun(),
                    self.id
                )));
            }
            if !backoff.wait().await {
                self.delete_instance(&mid).await;
                return Err(self.deadline(format!(
                    "the {} {} to execute (last status {status})",
                    self.noun(),
                    self.id
                )));
            }
            let now: Value = self
                .scoped(
                    self.session
                        .get(&format!("{}/status", self.instance_path(&mid)?)),
                )
                .send()
                .await?
                .json()
                .await?;
            status = now["status"].as_i64().unwrap_or(READY);
        }
        Ok(mid)
    }

    fn noun(&self) -> &'static str {
        match self.kind {
            Kind::Dossier => "dossier",
            Kind::Document => "document",
        }
    }

    /// Best effort: an instance left behind expires on the server anyway.
    async fn delete_instance(&self, mid: &str) {
        let Ok(path) = self.instance_path(mid) else {
            return;
        };
        if let Err(e) = self.scoped(self.session.delete(&path)).send().await {
            tracing::debug!(error = %e, "deleting the export's document instance failed");
        }
    }

    /// Sends the export, again after a wait while it answers 202.
    async fn start(&self, mid: &str, format: &Format) -> Result<mstr_rest_core::Response> {
        let path = format!("{}/{}", self.instance_path(mid)?, format.tail()?);
        let body = format.body();
        let mut backoff = self.backoff();
        loop {
            let response = self
                .scoped(self.session.post(&path))
                .header("accept", OCTET_STREAM)
                .json(&body)
                .send()
                .await?;
            if response.status().as_u16() != 202 {
                return Ok(response);
            }
            if !backoff.wait().await {
                return Err(self.deadline(format!(
                    "the export of the {} {} to finish",
                    self.noun(),
                    self.id
                )));
            }
        }
    }
}

impl Export {
    /// The exported file as chunks, as they arrive. The instance is deleted once the last
    /// chunk has been read (a stream dropped early leaves it to expire on the server).
    pub fn bytes_stream(self) -> BoxStream<'static, Result<Bytes>> {
        let Export { document, format } = self;
        let setup = async move {
            if let Format::Pdf(options) = &format {
                options.check()?;
            }
            let mid = document.instance().await?;
            let response = match document.start(&mid, &format).await {
                Ok(r) => r,
                Err(e) => {
                    document.delete_instance(&mid).await;
                    return Err(e);
                }
            };
            let cleanup = futures_util::stream::once(async move {
                document.delete_instance(&mid).await;
            })
            .filter_map(|()| async { None });
            Ok(file_chunks(response).chain(cleanup))
        };
        futures_util::stream::once(setup).try_flatten().boxed()
    }

    /// Streams the exported file into `writer`, one chunk at a time, then flushes it;
    /// returns the bytes written.
    ///
    /// # Errors
    /// [`Error::Config`] for PDF options the server would refuse; [`Error::Api`] (unknown
    /// dossier, no right to export); [`Error::Deadline`] naming `Document::timeout` when
    /// the instance or the export is not ready in time; [`Error::Transport`] when the
    /// connection breaks mid-file; [`Error::Io`] when `writer` fails.
    pub async fn write_to<W>(self, writer: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        write_chunks(self.bytes_stream(), writer).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_options_serialize_only_what_was_set() {
        let body = serde_json::to_value(
            PdfOptions::new()
                .pages(PageOption::All)
                .landscape()
                .page_size(8.27, 11.69)
                .filter_summary(FilterSummary::LastPage),
        )
        .unwrap();
        assert_eq!(
            body,
            json!({"pageOption": "ALL", "orientation": "LANDSCAPE", "pageWidth": 8.27,
                   "pageHeight": 11.69, "filterSummary": "LAST_PAGE"})
        );
        assert_eq!(serde_json::to_value(PdfOptions::new()).unwrap(), json!({}));
    }

    #[test]
    fn page_sizes_must_be_positive_and_finite() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = PdfOptions::new().page_size(bad, 11.0).check().unwrap_err();
            assert!(e.to_string().contains("page width"), "{e}");
        }
        assert!(PdfOptions::new().page_size(8.5, 11.0).check().is_ok());
    }

    #[test]
    fn a_visualization_is_found_by_name_across_chapters() {
        let d: DossierDefinition = serde_json::from_value(json!({
            "id": "D", "name": "Dossier",
            "chapters": [
                {"key": "C1", "name": "One", "pages": [{"key": "P1", "name": "p",
                    "visualizations": [{"key": "W1", "name": "Grid"}]}]},
                {"key": "C2", "name": "Two", "pages": [{"key": "P2", "name": "q",
                    "visualizations": [{"key": "W2", "name": "Chart", "visualizationType": "chart"}]}]}
            ]
        }))
        .unwrap();
        let chart = d.visualization("Chart").unwrap();
        assert_eq!(chart.key, "W2");
        assert_eq!(chart.visualization_type.as_deref(), Some("chart"));
        assert!(d.visualization("chart").is_none());
        assert_eq!(d.visualizations().count(), 2);
    }
}
