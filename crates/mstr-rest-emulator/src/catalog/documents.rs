//! Dossiers and documents: their definitions, instances and exports (PDF, Excel, CSV).

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::error_body::ApiError;
use crate::ids;

use super::not_found;

/// A page: its name and its visualizations' names.
type PageSpec = (String, Vec<String>);
/// A chapter as [`DossierSpec::chapters`] takes it: name, then pages of visualization names.
pub type ChapterSpec<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])]);

/// A dossier the emulator serves: its structure, and how its exports behave. Add one with
/// [`EmulatorBuilder::dossier`](crate::EmulatorBuilder::dossier).
#[derive(Debug, Clone)]
pub struct DossierSpec {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Chapter name → page name → visualization names.
    chapters: Vec<(String, Vec<PageSpec>)>,
    pub(crate) pdf_pages: u32,
    pub(crate) pdf_page_bytes: usize,
    pub(crate) export_polls: u32,
    pub(crate) instance_polls: u32,
    pub(crate) csv_rows: u32,
}

impl DossierSpec {
    /// A dossier with one chapter "Chapter 1", one page "Page 1" and one grid
    /// "Visualization 1"; a 2-page PDF of 4 KiB pages, ready at once.
    pub fn new(id: &str, name: &str) -> DossierSpec {
        DossierSpec {
            id: id.to_owned(),
            name: name.to_owned(),
            chapters: vec![(
                "Chapter 1".to_owned(),
                vec![("Page 1".to_owned(), vec!["Visualization 1".to_owned()])],
            )],
            pdf_pages: 2,
            pdf_page_bytes: 4096,
            export_polls: 0,
            instance_polls: 0,
            csv_rows: 10,
        }
    }

    /// Replaces the structure: chapters of pages of visualization names.
    pub fn chapters(mut self, chapters: &[ChapterSpec<'_>]) -> Self {
        self.chapters = chapters
            .iter()
            .map(|(c, pages)| {
                let pages = pages
                    .iter()
                    .map(|(p, vis)| {
                        (
                            (*p).to_owned(),
                            vis.iter().map(|v| (*v).to_owned()).collect(),
                        )
                    })
                    .collect();
                ((*c).to_owned(), pages)
            })
            .collect();
        self
    }

    /// The PDF export's pages and each page's size in bytes (the file is generated as it is
    /// sent, one page at a time).
    pub fn pdf(mut self, pages: u32, page_bytes: usize) -> Self {
        self.pdf_pages = pages;
        self.pdf_page_bytes = page_bytes;
        self
    }

    /// How many export requests answer 202 (still running) before the file comes.
    pub fn export_polls(mut self, polls: u32) -> Self {
        self.export_polls = polls;
        self
    }

    /// How many status polls a new instance reports running (6) before it is ready (1).
    pub fn instance_polls(mut self, polls: u32) -> Self {
        self.instance_polls = polls;
        self
    }

    /// The rows of a visualization's CSV export.
    pub fn csv_rows(mut self, rows: u32) -> Self {
        self.csv_rows = rows;
        self
    }

    fn key(&self, what: &str, name: &str) -> String {
        // Real keys look like `W63` or `K53`; a derived hex tail keeps them unique.
        let prefix = match what {
            "chapter" => "K",
            "page" => "P",
            _ => "W",
        };
        format!(
            "{prefix}{}",
            &ids::stable_guid(&format!("{}:{what}:{name}", self.id))[..8]
        )
    }

    pub(crate) fn definition(&self) -> Value {
        let chapters: Vec<Value> = self
            .chapters
            .iter()
            .map(|(chapter, pages)| {
                let pages: Vec<Value> = pages
                    .iter()
                    .map(|(page, vis)| {
                        let vis: Vec<Value> = vis
                            .iter()
                            .map(|v| {
                                json!({
                                    "key": self.key("visualization", v),
                                    "name": v,
                                    "visualizationType": "grid",
                                    "units": {"attributes": [{"id": ids::stable_guid("Region"), "type": 12, "name": "Region"}],
                                              "metrics": [{"id": ids::stable_guid("Revenue"), "type": 4, "name": "Revenue"}]},
                                })
                            })
                            .collect();
                        json!({"key": self.key("page", page), "name": page, "visualizations": vis})
                    })
                    .collect();
                json!({"key": self.key("chapter", chapter), "name": chapter, "pages": pages, "filters": []})
            })
            .collect();
        json!({"id": self.id, "name": self.name, "chapters": chapters})
    }

    pub(crate) fn has_visualization(&self, key: &str) -> bool {
        self.chapters
            .iter()
            .flat_map(|(_, pages)| pages.iter().flat_map(|(_, vis)| vis.iter()))
            .any(|v| self.key("visualization", v) == key)
    }
}

/// The seeded dossier "Executive Overview".
pub(crate) fn default_dossiers() -> Vec<DossierSpec> {
    vec![
        DossierSpec::new(super::seed::OVERVIEW_DOSSIER, "Executive Overview").chapters(&[
            (
                "Overview",
                &[("Summary", &["Revenue by Region", "Revenue Trend"])],
            ),
            ("Details", &[("Customers", &["Customer List"])]),
        ]),
    ]
}

#[derive(Debug)]
struct Instance {
    dossier: String,
    polls_left: u32,
    exports_left: u32,
}

/// Dossier specs and their live instances.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    specs: Vec<DossierSpec>,
    instances: HashMap<String, Instance>,
}

/// What an export request gets.
pub(crate) enum ExportAnswer {
    /// 202: try again.
    Running,
    /// 200: the file, from this spec.
    Ready(DossierSpec),
}

impl Documents {
    pub(crate) fn new(specs: Vec<DossierSpec>) -> Documents {
        Documents {
            specs,
            instances: HashMap::new(),
        }
    }

    pub(crate) fn spec(&self, id: &str) -> Result<&DossierSpec, ApiError> {
        self.specs
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| not_found("dossier", id))
    }

    /// A new instance: `(mid, status)`.
    pub(crate) fn create(&mut self, id: &str) -> Result<(String, i64), ApiError> {
        let spec = self.spec(id)?.clone();
        let mid = ids::stable_guid(&format!(
            "instance:{id}:{}:{}",
            self.instances.len(),
            ids::ticket_id()
        ));
        let status = if spec.instance_polls == 0 { 1 } else { 6 };
        self.instances.insert(
            mid.clone(),
            Instance {
                dossier: spec.id.clone(),
                polls_left: spec.instance_polls,
                exports_left: spec.export_polls,
            },
        );
        Ok((mid, status))
    }

    fn instance(&mut self, id: &str, mid: &str) -> Result<&mut Instance, ApiError> {
        self.instances
            .get_mut(mid)
            .filter(|i| i.dossier.eq_ignore_ascii_case(id))
            .ok_or_else(|| not_found("document instance", mid))
    }

    /// `GET …/status`: counts as a poll.
    pub(crate) fn status(&mut self, id: &str, mid: &str) -> Result<i64, ApiError> {
        let instance = self.instance(id, mid)?;
        if instance.polls_left == 0 {
            return Ok(1);
        }
        instance.polls_left = instance.polls_left.saturating_sub(1);
        Ok(if instance.polls_left == 0 { 1 } else { 6 })
    }

    pub(crate) fn export(
        &mut self,
        id: &str,
        mid: &str,
        visualization: Option<&str>,
    ) -> Result<ExportAnswer, ApiError> {
        let spec = self.spec(id)?.clone();
        if let Some(key) = visualization
            && !spec.has_visualization(key)
        {
            return Err(not_found("visualization", key));
        }
        let instance = self.instance(id, mid)?;
        if instance.polls_left > 0 {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "ERR006",
                format!("The document instance {mid} is still executing"),
            ));
        }
        if instance.exports_left > 0 {
            instance.exports_left = instance.exports_left.saturating_sub(1);
            return Ok(ExportAnswer::Running);
        }
        Ok(ExportAnswer::Ready(spec))
    }

    pub(crate) fn delete(&mut self, id: &str, mid: &str) -> Result<(), ApiError> {
        self.instance(id, mid)?;
        self.instances.remove(mid);
        Ok(())
    }

    pub(crate) fn open_instances(&self) -> usize {
        self.instances.len()
    }
}
