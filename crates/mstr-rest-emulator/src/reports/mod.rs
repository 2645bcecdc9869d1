//! Reports and cubes: the specs a test configures, the deterministic
//! row generator, and the per-session instances with their paging, 202 polls and prompts.
//!
//! Nothing is materialised: row `r` of a report is a pure function of `r`, so any page of a
//! 1,000,000-row report is written in time proportional to the page.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error_body::ApiError;
use crate::ids;

/// Whether a [`ReportSpec`] is served as a report or as a cube.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Report,
    Cube,
}

/// A report or cube the emulator serves, with a generated data set. Add it with
/// [`EmulatorBuilder::report`](crate::EmulatorBuilder::report).
///
/// Row `r` (0-based) has, for attribute `k` of cardinality `c`, the element `e = (r + k) % c`
/// (or `e = r` when `c` is 0: one element per row), whose forms are `ID` = `e + 1` and
/// `DESC` = `"{attribute} {e + 1}"`; and, for metric `m`, the raw value
/// `((r * (2m + 3) + 7m) % 10000) / 4` (formatted with two decimals). So a test can compute
/// every cell it reads back.
#[derive(Debug, Clone)]
pub struct ReportSpec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) rows: u64,
    pub(crate) attributes: Vec<(String, u64)>,
    pub(crate) metrics: Vec<String>,
    pub(crate) page_cap: Option<u64>,
    pub(crate) running_polls: u32,
    pub(crate) prompts: Vec<PromptSpec>,
    /// Page-by attributes `(name, cardinality ≥ 1)`: every combination is a slice of `rows` rows.
    pub(crate) page_by: Vec<(String, u64)>,
    /// A grand-total row (elements flagged `"subtotal": true`, metrics summed) ends each slice.
    pub(crate) grand_total: bool,
    /// After the prompts are answered, the instance carries on under a new instance id.
    pub(crate) moves_after_prompts: bool,
    /// Attributes (by name) whose second form is a `date` (`DATE`) instead of `DESC`.
    pub(crate) dated: Vec<String>,
    /// The attribute (by name) shown on the columns axis: a cross-tab.
    pub(crate) cross_tab: Option<String>,
}

impl ReportSpec {
    /// A report of 1,000 rows with the default grid: attributes `Row` (one element per row)
    /// and `Region` (12 elements), each with forms `ID` and `DESC`; metrics `Revenue` and
    /// `Units`.
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_ascii_uppercase(),
            name: name.to_owned(),
            kind: Kind::Report,
            rows: 1000,
            attributes: vec![("Row".to_owned(), 0), ("Region".to_owned(), 12)],
            metrics: vec!["Revenue".to_owned(), "Units".to_owned()],
            page_cap: None,
            running_polls: 0,
            prompts: Vec::new(),
            page_by: Vec::new(),
            grand_total: false,
            moves_after_prompts: false,
            dated: Vec::new(),
            cross_tab: None,
        }
    }

    /// Puts the attribute `name` (of cardinality at least 1) on the columns axis, before the
    /// metrics: `crossTab: true`, every element listed, one value column per (element `e`,
    /// metric `m`), `data.headers.columns` naming both. Grid row `r` holds, in column
    /// `(e, m)`, the metric value of generated row `r × c + e`, so the unpivoted rows are the
    /// plain report's rows `r × c + e` with the attribute's element `e`.
    pub fn cross_tab(mut self, name: &str) -> Self {
        self.cross_tab = Some(name.to_owned());
        self
    }

    /// Gives the attribute `name` a `DATE` form of `dataType` `date` instead of `DESC`:
    /// element `e` is day `e` of 2024 (wrapping after 366), printed `M/D/YYYY` as a US-locale
    /// server prints dates (guess: the JSON Data API prints form values in the server's
    /// locale).
    pub fn date_form(mut self, name: &str) -> Self {
        self.dated.push(name.to_owned());
        self
    }

    /// Page-by attributes `(name, cardinality)` (each at least 1 element): the report is one
    /// slice of [`rows`](Self::rows) rows per combination, slice `s` (mixed radix, the last
    /// attribute fastest) having the metric values of rows `r + s × rows`. Instances start on
    /// slice 0; `currentPageBy` in the creation body or a `PUT` of the instance moves them;
    /// `GET …/pageBy/elements` lists every combination.
    pub fn page_by(mut self, attributes: &[(&str, u64)]) -> Self {
        self.page_by = attributes
            .iter()
            .map(|(name, c)| ((*name).to_owned(), (*c).max(1)))
            .collect();
        self
    }

    /// Ends each slice with a grand-total row: every attribute's element is `Total` (flagged
    /// `"subtotal": true`, id `j1;{attribute}`), each metric the sum of the slice's rows; the
    /// grid says `subtotals: {defined: true}` and `paging.total` counts the row.
    pub fn grand_total(mut self, on: bool) -> Self {
        self.grand_total = on;
        self
    }

    /// Once its prompts are answered, the instance is reported under a new `instanceId` (the
    /// old id keeps answering, as an alias), as some servers do.
    pub fn moves_after_prompts(mut self, on: bool) -> Self {
        self.moves_after_prompts = on;
        self
    }

    /// The element id (`h{n};{attribute id}`) of element `n` (1-based) of the page-by
    /// attribute `attribute`, as `currentPageBy` takes it; `None` when there is no such one.
    pub fn page_by_element(&self, attribute: &str, n: u64) -> Option<String> {
        let k = self
            .page_by
            .iter()
            .position(|(name, _)| name == attribute)?;
        (1..=self.page_by[k].1)
            .contains(&n)
            .then(|| format!("h{n};{}", self.page_by_id(k)))
    }

    /// Rows per slice, the grand total included.
    fn slice_rows(&self) -> u64 {
        self.rows.saturating_add(u64::from(self.grand_total))
    }

    fn page_by_id(&self, k: usize) -> String {
        ids::stable_guid(&format!("{}/pageBy/{}", self.id, self.page_by[k].0))
    }

    /// The number of page-by combinations (1 without page-by).
    fn slices(&self) -> u64 {
        self.page_by
            .iter()
            .fold(1u64, |n, (_, c)| n.saturating_mul(*c))
    }

    /// The element indexes of slice `s`.
    fn slice_elements(&self, mut s: u64) -> Vec<u64> {
        let mut out = vec![0; self.page_by.len()];
        for (k, (_, c)) in self.page_by.iter().enumerate().rev() {
            out[k] = s % c;
            s /= c;
        }
        out
    }

    /// The slice a `currentPageBy` list of `{id}` names, if every id is one of ours.
    fn slice_of(&self, current: &Value) -> Option<u64> {
        let list = current.as_array()?;
        if list.len() != self.page_by.len() {
            return None;
        }
        let mut s = 0u64;
        for (k, item) in list.iter().enumerate() {
            let id = item.get("id")?.as_str()?;
            let (head, attribute) = id.split_once(';')?;
            if !attribute.eq_ignore_ascii_case(&self.page_by_id(k)) {
                return None;
            }
            let e: u64 = head
                .strip_prefix('h')?
                .parse::<u64>()
                .ok()?
                .checked_sub(1)?;
            let c = self.page_by[k].1;
            if e >= c {
                return None;
            }
            s = s.checked_mul(c)?.checked_add(e)?;
        }
        Some(s)
    }

    /// Like [`new`](Self::new), served as a cube (`v2/cubes/{id}/instances`; the
    /// `v2/reports` routes serve it too, as on a real server).
    pub fn cube(id: &str, name: &str) -> Self {
        Self {
            kind: Kind::Cube,
            ..Self::new(id, name)
        }
    }

    /// The number of rows (after any filter).
    pub fn rows(mut self, n: u64) -> Self {
        self.rows = n;
        self
    }

    /// Replaces the grid: `(attribute name, cardinality)` pairs (0 = one element per row) and
    /// metric names. Either list may be empty.
    pub fn grid(mut self, attributes: &[(&str, u64)], metrics: &[&str]) -> Self {
        self.attributes = attributes
            .iter()
            .map(|(name, c)| ((*name).to_owned(), *c))
            .collect();
        self.metrics = metrics.iter().map(|m| (*m).to_owned()).collect();
        self
    }

    /// A server-side cap on the rows of one page, applied even to `limit=-1`, so clients must
    /// loop on `current < total`.
    pub fn page_cap(mut self, rows: u64) -> Self {
        self.page_cap = Some(rows.max(1));
        self
    }

    /// With `Prefer: respond-async`, the instance answers 202 to its creation and to this many
    /// following polls, then 200. Default 0.
    pub fn running_polls(mut self, polls: u32) -> Self {
        self.running_polls = polls;
        self
    }

    /// Adds a prompt the instance opens with.
    pub fn prompt(mut self, prompt: PromptSpec) -> Self {
        self.prompts.push(prompt);
        self
    }

    fn attribute_id(&self, k: usize) -> String {
        ids::stable_guid(&format!("{}/attribute/{}", self.id, self.attributes[k].0))
    }

    fn metric_id(&self, m: usize) -> String {
        ids::stable_guid(&format!("{}/metric/{}", self.id, self.metrics[m]))
    }
}

/// The element of attribute `k` (cardinality `c`) on row `r`.
fn element(r: u64, k: usize, c: u64) -> u64 {
    if c == 0 { r } else { (r + k as u64) % c }
}

/// The raw value of metric `m` on row `r`, in quarters: the value is a multiple of 0.25,
/// exact in binary.
fn metric_quarters(r: u64, m: usize) -> u64 {
    let m = m as u64;
    r.wrapping_mul(2 * m + 3).wrapping_add(7 * m) % 10_000
}

/// Where each element of one attribute sits in a page's element list, in O(1) per row.
enum Local {
    /// One element per row: the element of row `r` is `r`, listed at `r - first`.
    Sequential(u64),
    /// A small attribute: a slot per element, `u32::MAX` while unlisted.
    Slots(Vec<u32>),
    Map(HashMap<u64, u32>),
}

impl Local {
    fn new(cardinality: u64, first: u64) -> Self {
        match cardinality {
            0 => Self::Sequential(first),
            c if c <= 1 << 16 => Self::Slots(vec![u32::MAX; c as usize]),
            _ => Self::Map(HashMap::new()),
        }
    }

    /// Records `e` at `index` unless listed already; says whether it was new.
    fn insert(&mut self, e: u64, index: u32) -> bool {
        match self {
            Self::Sequential(_) => true,
            Self::Slots(slots) => {
                let slot = &mut slots[e as usize];
                let new = *slot == u32::MAX;
                if new {
                    *slot = index;
                }
                new
            }
            Self::Map(map) => match map.entry(e) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(index);
                    true
                }
            },
        }
    }

    fn get(&self, e: u64) -> u64 {
        match self {
            Self::Sequential(first) => e - first,
            Self::Slots(slots) => u64::from(slots[e as usize]),
            Self::Map(map) => map.get(&e).copied().map_or(0, u64::from),
        }
    }
}

/// The type of answer a prompt takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PromptType {
    Value,
    Elements,
    Objects,
}

impl PromptType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Value => "VALUE",
            Self::Elements => "ELEMENTS",
            Self::Objects => "OBJECTS",
        }
    }
}

/// A prompt of a [`ReportSpec`]: its key is `"{id}@0@10"`, its id a GUID derived from the name.
#[derive(Debug, Clone)]
pub struct PromptSpec {
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) kind: PromptType,
    pub(crate) required: bool,
    pub(crate) opens: Vec<PromptSpec>,
}

impl PromptSpec {
    fn new(name: &str, kind: PromptType) -> Self {
        let id = ids::stable_guid(&format!("prompt/{name}"));
        Self {
            key: format!("{id}@0@10"),
            id,
            name: name.to_owned(),
            kind,
            required: true,
            opens: Vec::new(),
        }
    }

    /// A `VALUE` prompt: answers are JSON scalars.
    pub fn value(name: &str) -> Self {
        Self::new(name, PromptType::Value)
    }

    /// An `ELEMENTS` prompt: answers are `{"id": "h…;…"}` objects.
    pub fn elements(name: &str) -> Self {
        Self::new(name, PromptType::Elements)
    }

    /// An `OBJECTS` prompt: answers are `{"id", "type"}` objects.
    pub fn objects(name: &str) -> Self {
        Self::new(name, PromptType::Objects)
    }

    /// Whether an empty answer is refused with 400 `ERR006` (default `true`).
    pub fn required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }

    /// A nested prompt that opens once this one is answered.
    pub fn opens(mut self, nested: PromptSpec) -> Self {
        self.opens.push(nested);
        self
    }

    fn definition(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "title": self.name,
            "type": self.kind.as_str(),
            "required": self.required,
            "closed": false,
        })
    }
}

/// One report instance.
#[derive(Debug)]
struct Instance {
    spec: Arc<ReportSpec>,
    /// Indices into the spec's attributes and metrics chosen by `requestedObjects`.
    attributes: Vec<usize>,
    metrics: Vec<usize>,
    polls_left: u32,
    open_prompts: Vec<PromptSpec>,
    /// The page-by slice shown.
    slice: u64,
}

/// The outcome of a create or fetch: what the route answers.
#[derive(Debug)]
pub(crate) enum Answer {
    /// 202 `{id, status, instanceId}`.
    Running { report: String, instance: String },
    /// 200 `{id, name, instanceId, status: 2}` without data.
    Prompted {
        report: String,
        name: String,
        instance: String,
    },
    /// 200 with a v2 body.
    Page(String),
}

/// Which `metricValues` matrices a request excluded through `fields`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Exclusions {
    pub(crate) raw: bool,
    pub(crate) formatted: bool,
    pub(crate) extras: bool,
}

impl Exclusions {
    pub(crate) fn parse(fields: Option<&str>) -> Self {
        let mut out = Self::default();
        for rule in fields.unwrap_or("").split(',').map(str::trim) {
            match rule {
                "-data.metricValues.raw" => out.raw = true,
                "-data.metricValues.formatted" => out.formatted = true,
                "-data.metricValues.extras" => out.extras = true,
                _ => {}
            }
        }
        out
    }
}

/// What `POST v2/{reports|cubes}/{id}/instances` asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewInstance<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: Kind,
    pub(crate) body: &'a Value,
    pub(crate) respond_async: bool,
    pub(crate) page: PageRequest,
}

/// The data a page request carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRequest {
    pub(crate) offset: u64,
    /// `-1` means all.
    pub(crate) limit: i64,
    pub(crate) exclusions: Exclusions,
}

#[derive(Debug, Default)]
struct State {
    instances: HashMap<String, Instance>,
    /// Old instance ids of instances that moved after their prompts, to their new ids.
    moved: HashMap<String, String>,
    /// Instance ids per IServer session, least recently used first.
    by_session: HashMap<String, VecDeque<String>>,
}

/// The configured reports and the live instances. One field of the shared state.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    specs: Vec<Arc<ReportSpec>>,
    state: Mutex<State>,
}

/// The default reports: `(id, name, rows, kind)`; documented in the crate docs.
pub(crate) const DEFAULT_REPORTS: [(&str, &str, u64, Kind); 2] = [
    (
        "F3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8",
        "Unit Sales",
        1000,
        Kind::Report,
    ),
    (
        "C0BE0000000000000000000000000001",
        "Sales Cube",
        1000,
        Kind::Cube,
    ),
];

/// The default prompted report's id.
pub(crate) const PROMPTED_REPORT: &str = "D5A1E0F7C3B24E6F9A8D7C6B5A4F3E2D";
/// The default page-by report's id: page-by, grand totals, a date form.
pub(crate) const PAGED_REPORT: &str = "FA055E5B408A9A7ABA47C6A001E8D72C";
/// The default cross-tab report's id.
pub(crate) const CROSS_TAB_REPORT: &str = "C2055E5B408A9A7ABA47C6A001E8D72C";

pub(crate) fn default_specs() -> Vec<ReportSpec> {
    let mut specs: Vec<ReportSpec> = DEFAULT_REPORTS
        .iter()
        .map(|(id, name, rows, kind)| match kind {
            Kind::Report => ReportSpec::new(id, name).rows(*rows),
            Kind::Cube => ReportSpec::cube(id, name).rows(*rows),
        })
        .collect();
    specs.push(
        ReportSpec::new(PROMPTED_REPORT, "Prompted Sales")
            .rows(100)
            .prompt(PromptSpec::value("Year"))
            .prompt(PromptSpec::elements("Region").required(false)),
    );
    specs.push(
        ReportSpec::new(PAGED_REPORT, "Unit Sales Paged")
            .rows(20)
            .grid(
                &[("Subcategory", 6), ("Day", 366)],
                &["Unit Cost", "Units Sold"],
            )
            .date_form("Day")
            .page_by(&[("Category", 4), ("Quarter", 3)])
            .grand_total(true),
    );
    specs.push(
        ReportSpec::new(CROSS_TAB_REPORT, "Sales by Year")
            .rows(12)
            .grid(&[("Region", 12), ("Year", 3)], &["Revenue", "Units"])
            .cross_tab("Year"),
    );
    specs
}

impl Reports {
    pub(crate) fn new(specs: Vec<ReportSpec>) -> Self {
        Self {
            specs: specs.into_iter().map(Arc::new).collect(),
            state: Mutex::default(),
        }
    }

    /// Drops every instance (the emulator's reset).
    pub(crate) fn clear(&self) {
        *self.lock() = State::default();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spec(&self, id: &str, kind: Kind) -> Result<Arc<ReportSpec>, ApiError> {
        self.specs
            .iter()
            .rev()
            .find(|s| s.id.eq_ignore_ascii_case(id) && (kind == Kind::Report || s.kind == kind))
            .cloned()
            .ok_or_else(|| object_not_found(id))
    }

    /// The `objects/{id}?type=3` body of a configured report or cube (mstrio-py reads it
    /// before it fetches data), or `None`.
    pub(crate) fn object_info(&self, id: &str, project: &str) -> Option<Value> {
        let spec = self.spec(id, Kind::Report).ok()?;
        let subtype = match spec.kind {
            Kind::Report => 768,
            Kind::Cube => 776,
        };
        Some(serde_json::json!({
            "id": spec.id, "name": spec.name, "type": 3, "subtype": subtype, "extType": 0,
            "projectId": project, "ancestors": [], "acg": 255, "owner": {"id": "54F3D26011D2896560009A8E67019608", "name": "Administrator"},
            "dateCreated": "2024-01-01T00:00:00.000+0000", "dateModified": "2024-01-01T00:00:00.000+0000",
            "version": "0".repeat(32), "hidden": false, "certifiedInfo": {"certified": false},
        }))
    }

    /// `GET v2/{reports|cubes}/{id}`: the definition, without data and element lists.
    pub(crate) fn definition(&self, id: &str, kind: Kind) -> Result<Value, ApiError> {
        let spec = self.spec(id, kind)?;
        let forms = json!([
            {"id": ids::stable_guid("form/ID"), "name": "ID", "dataType": "integer", "baseFormCategory": "ID", "baseFormType": "number"},
            {"id": ids::stable_guid("form/DESC"), "name": "DESC", "dataType": "nVarChar", "baseFormCategory": "DESC", "baseFormType": "text"},
        ]);
        let attributes: Vec<Value> = (0..spec.attributes.len())
            .map(|k| json!({"name": spec.attributes[k].0, "id": spec.attribute_id(k), "type": "attribute", "forms": forms}))
            .collect();
        let metrics: Vec<Value> = (0..spec.metrics.len())
            .map(|m| json!({"name": spec.metrics[m], "id": spec.metric_id(m), "type": "metric"}))
            .collect();
        let columns = if metrics.is_empty() {
            json!([])
        } else {
            json!([{"name": "Metrics", "id": "00000000000000000000000000000000", "type": "templateMetrics", "elements": metrics}])
        };
        Ok(json!({
            "id": spec.id, "name": spec.name,
            "definition": {
                "grid": {
                    "crossTab": false,
                    "metricsPosition": {"axis": "columns", "index": 0},
                    "rows": attributes, "columns": columns, "pageBy": [],
                    "subtotals": {"defined": false, "visible": true},
                    "sorting": {"rows": [], "columns": [], "pageBy": []}, "thresholds": [],
                },
                "availableObjects": {
                    "attributes": attributes, "metrics": metrics, "customGroups": [],
                    "consolidations": [], "hierarchies": [],
                },
            },
        }))
    }

    /// `POST v2/{reports|cubes}/{id}/instances`.
    pub(crate) fn create(
        &self,
        session: &str,
        working_set: usize,
        new: NewInstance<'_>,
    ) -> Result<Answer, ApiError> {
        let NewInstance {
            id,
            kind,
            body,
            respond_async,
            page,
        } = new;
        let spec = self.spec(id, kind)?;
        let (attributes, metrics) = requested(&spec, body);
        let slice = match body.get("currentPageBy") {
            Some(current) if !spec.page_by.is_empty() => {
                spec.slice_of(current).ok_or_else(|| {
                    ApiError::invalid_input(
                        "currentPageBy does not name one element of each page-by attribute",
                    )
                })?
            }
            _ => 0,
        };
        let instance_id = ids::session_cookie();
        let instance = Instance {
            polls_left: if respond_async { spec.running_polls } else { 0 },
            open_prompts: spec.prompts.clone(),
            spec,
            attributes,
            metrics,
            slice,
        };
        let answer = if respond_async && instance.spec.running_polls > 0 {
            Answer::Running {
                report: instance.spec.id.clone(),
                instance: instance_id.clone(),
            }
        } else {
            answer(&instance, &instance_id, page)
        };
        let mut state = self.lock();
        state.instances.insert(instance_id.clone(), instance);
        let lru = state.by_session.entry(session.to_owned()).or_default();
        lru.push_back(instance_id);
        let mut evicted = Vec::new();
        while lru.len() > working_set.max(1) {
            evicted.extend(lru.pop_front());
        }
        for gone in evicted {
            state.instances.remove(&gone);
        }
        Ok(answer)
    }

    /// Runs `f` on a live instance of this session, marking it most recently used.
    fn with_instance<T>(
        &self,
        session: &str,
        id: &str,
        instance_id: &str,
        f: impl FnOnce(&mut Instance) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut state = self.lock();
        let instance_id = state
            .moved
            .get(&instance_id.to_ascii_uppercase())
            .cloned()
            .unwrap_or_else(|| instance_id.to_owned());
        let instance_id = instance_id.as_str();
        let lru = state
            .by_session
            .get_mut(session)
            .ok_or_else(|| instance_not_found(instance_id))?;
        let pos = lru
            .iter()
            .position(|i| i.eq_ignore_ascii_case(instance_id))
            .ok_or_else(|| instance_not_found(instance_id))?;
        let key = lru.remove(pos).unwrap_or_default();
        lru.push_back(key.clone());
        let instance = state
            .instances
            .get_mut(&key)
            .filter(|i| i.spec.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| instance_not_found(instance_id))?;
        f(instance)
    }

    /// `GET v2/{reports|cubes}/{id}/instances/{iid}`.
    pub(crate) fn fetch(
        &self,
        session: &str,
        id: &str,
        instance_id: &str,
        page: PageRequest,
    ) -> Result<Answer, ApiError> {
        self.fetch_slice(session, id, instance_id, None, page)
    }

    /// `PUT v2/{reports|cubes}/{id}/instances/{iid}` with `currentPageBy`: moves the
    /// instance to that page-by slice and answers its page.
    pub(crate) fn select_page_by(
        &self,
        session: &str,
        id: &str,
        instance_id: &str,
        body: &Value,
        page: PageRequest,
    ) -> Result<Answer, ApiError> {
        let current = body
            .get("currentPageBy")
            .ok_or_else(|| ApiError::invalid_input("The body must hold \"currentPageBy\""))?;
        self.fetch_slice(session, id, instance_id, Some(current), page)
    }

    fn fetch_slice(
        &self,
        session: &str,
        id: &str,
        instance_id: &str,
        current: Option<&Value>,
        page: PageRequest,
    ) -> Result<Answer, ApiError> {
        // The page is written outside the lock: copy what it needs first.
        let snapshot = self.with_instance(session, id, instance_id, |i| {
            if let Some(current) = current {
                i.slice = i.spec.slice_of(current).ok_or_else(|| {
                    ApiError::invalid_input(
                        "currentPageBy does not name one element of each page-by attribute",
                    )
                })?;
            }
            if i.polls_left > 0 {
                i.polls_left -= 1;
                return Ok(None);
            }
            Ok(Some(Instance {
                spec: i.spec.clone(),
                attributes: i.attributes.clone(),
                metrics: i.metrics.clone(),
                polls_left: 0,
                open_prompts: i.open_prompts.clone(),
                slice: i.slice,
            }))
        })?;
        let live = self.live_id(instance_id);
        Ok(match snapshot {
            None => Answer::Running {
                report: id.to_ascii_uppercase(),
                instance: live,
            },
            Some(instance) => answer(&instance, &live, page),
        })
    }

    /// The id an instance goes by now (its new id when it moved after its prompts).
    fn live_id(&self, instance_id: &str) -> String {
        self.lock()
            .moved
            .get(&instance_id.to_ascii_uppercase())
            .cloned()
            .unwrap_or_else(|| instance_id.to_owned())
    }

    /// `GET …/instances/{iid}/status`: `(status, still running)`; counts as a poll.
    pub(crate) fn status(&self, session: &str, id: &str, iid: &str) -> Result<i64, ApiError> {
        self.with_instance(session, id, iid, |i| {
            Ok(if i.polls_left > 0 {
                i.polls_left -= 1;
                RUNNING
            } else if i.open_prompts.is_empty() {
                1
            } else {
                2
            })
        })
    }

    /// `GET v2/reports/{id}/instances/{iid}/pageBy/elements`: every page-by attribute with
    /// all its elements, and the combinations `offset..offset + limit` as element indexes.
    pub(crate) fn page_by(
        &self,
        session: &str,
        id: &str,
        iid: &str,
        offset: u64,
        limit: i64,
    ) -> Result<Value, ApiError> {
        let spec = self.with_instance(session, id, iid, |i| Ok(i.spec.clone()))?;
        let units: Vec<Value> = (0..spec.page_by.len())
            .map(|k| page_by_unit(&spec, k))
            .collect();
        let total = if spec.page_by.is_empty() {
            0
        } else {
            spec.slices()
        };
        let want = u64::try_from(limit).unwrap_or(total);
        let end = offset.saturating_add(want).min(total);
        let items: Vec<Value> = (offset.min(end)..end)
            .map(|s| json!(spec.slice_elements(s)))
            .collect();
        Ok(json!({
            "pageBy": units,
            "validPageByElements": {
                "paging": {"total": total, "current": items.len(), "offset": offset, "limit": limit},
                "items": items,
            },
        }))
    }

    /// `GET reports/{id}/prompts`: the prompts of the definition.
    pub(crate) fn definition_prompts(&self, id: &str) -> Result<Value, ApiError> {
        let spec = self.spec(id, Kind::Report)?;
        Ok(Value::Array(
            spec.prompts.iter().map(PromptSpec::definition).collect(),
        ))
    }

    /// `GET reports/{id}/instances/{iid}/prompts`: the open prompts.
    pub(crate) fn open_prompts(
        &self,
        session: &str,
        id: &str,
        iid: &str,
    ) -> Result<Value, ApiError> {
        self.with_instance(session, id, iid, |i| {
            Ok(Value::Array(
                i.open_prompts.iter().map(PromptSpec::definition).collect(),
            ))
        })
    }

    /// `PUT reports/{id}/instances/{iid}/prompts/answers`: validates every answer first, then
    /// closes the answered prompts and opens their nested ones.
    pub(crate) fn answer_prompts(
        &self,
        session: &str,
        id: &str,
        iid: &str,
        body: &Value,
    ) -> Result<(), ApiError> {
        let answers = body
            .get("prompts")
            .and_then(Value::as_array)
            .ok_or_else(|| ApiError::invalid_input("The body must hold a \"prompts\" array"))?;
        self.with_instance(session, id, iid, |instance| {
            let mut answered = Vec::new();
            for answer in answers {
                let index = find_prompt(&instance.open_prompts, answer)?;
                validate(&instance.open_prompts[index], answer)?;
                if !answered.contains(&index) {
                    answered.push(index);
                }
            }
            answered.sort_unstable();
            let mut nested = Vec::new();
            for index in answered.into_iter().rev() {
                let prompt = instance.open_prompts.remove(index);
                nested.splice(0..0, prompt.opens);
            }
            instance.open_prompts.extend(nested);
            Ok(instance.open_prompts.is_empty() && instance.spec.moves_after_prompts)
        })
        .map(|moves| {
            if moves {
                self.move_instance(iid);
            }
        })
    }

    /// Re-files an instance under a new id, the old one kept as an alias.
    fn move_instance(&self, old: &str) {
        let mut state = self.lock();
        let old = old.to_ascii_uppercase();
        let Some((key, instance)) = state
            .instances
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&old))
            .map(|(k, _)| k.clone())
            .and_then(|k| state.instances.remove(&k).map(|i| (k, i)))
        else {
            return;
        };
        let fresh = ids::session_cookie();
        state.instances.insert(fresh.clone(), instance);
        for lru in state.by_session.values_mut() {
            for id in lru.iter_mut() {
                if *id == key {
                    id.clone_from(&fresh);
                }
            }
        }
        state.moved.insert(old, fresh);
    }
}

/// 404 `ERR004` for an id that names no report or cube (the code is a guess).
fn object_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ERR004",
        format!("Object with ID '{id}' not found"),
    )
}

/// 404 `ERR004` for an unknown or evicted instance.
fn instance_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ERR004",
        format!("Report instance '{id}' not found; it may have been evicted from the working set"),
    )
    // What real servers attach when the history list dropped the instance.
    .with_iserver_code(Some(EVICTED_ISERVER_CODE))
}

/// "Message not found in user history list".
const EVICTED_ISERVER_CODE: i64 = -2_147_468_986;

/// The status a running instance reports (EnumDSSXMLStatus; any value but 1 and 2 is running).
pub(crate) const RUNNING: i64 = 6;

fn find_prompt(open: &[PromptSpec], answer: &Value) -> Result<usize, ApiError> {
    let by = |field: &str, get: fn(&PromptSpec) -> &str| {
        answer
            .get(field)
            .and_then(Value::as_str)
            .and_then(|v| open.iter().position(|p| get(p) == v))
    };
    by("key", |p| &p.key)
        .or_else(|| by("id", |p| &p.id))
        .or_else(|| by("name", |p| &p.name))
        .ok_or_else(|| ApiError::invalid_input("Prompt validation failed. No such open prompt."))
}

fn validate(prompt: &PromptSpec, answer: &Value) -> Result<(), ApiError> {
    let kind = answer.get("type").and_then(Value::as_str).unwrap_or("");
    if !kind.eq_ignore_ascii_case(prompt.kind.as_str()) {
        return Err(ApiError::invalid_input(format!(
            "Prompt validation failed. The prompt \"{}\" takes {} answers.",
            prompt.name,
            prompt.kind.as_str()
        )));
    }
    if answer.get("useDefault").and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    let values = answer
        .get("answers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if values.is_empty() {
        return if prompt.required {
            Err(ApiError::invalid_input(
                "Prompt validation failed. This is a required prompt.",
            ))
        } else {
            Ok(())
        };
    }
    let well_formed = values.iter().all(|v| match prompt.kind {
        PromptType::Value => !(v.is_object() || v.is_array() || v.is_null()),
        PromptType::Elements | PromptType::Objects => v.get("id").and_then(Value::as_str).is_some(),
    });
    if well_formed {
        Ok(())
    } else {
        Err(ApiError::invalid_input(format!(
            "Prompt validation failed. Malformed answer for \"{}\".",
            prompt.name
        )))
    }
}

/// The attributes and metrics `requestedObjects` keeps (by id or name), in the spec's order;
/// all of them when absent.
fn requested(spec: &ReportSpec, body: &Value) -> (Vec<usize>, Vec<usize>) {
    let wanted = |key: &str| -> Option<Vec<(Option<String>, Option<String>)>> {
        let list = body.get("requestedObjects")?.get(key)?.as_array()?;
        Some(
            list.iter()
                .map(|o| {
                    let s = |f: &str| o.get(f).and_then(Value::as_str).map(str::to_owned);
                    (s("id"), s("name"))
                })
                .collect(),
        )
    };
    let keep = |list: &Option<Vec<(Option<String>, Option<String>)>>, id: String, name: &str| {
        list.as_ref().is_none_or(|l| {
            l.iter().any(|(i, n)| {
                i.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(&id))
                    || n.as_deref() == Some(name)
            })
        })
    };
    let attrs = wanted("attributes");
    let mets = wanted("metrics");
    let attributes = (0..spec.attributes.len())
        .filter(|k| keep(&attrs, spec.attribute_id(*k), &spec.attributes[*k].0))
        .collect();
    let metrics = (0..spec.metrics.len())
        .filter(|m| keep(&mets, spec.metric_id(*m), &spec.metrics[*m]))
        .collect();
    (attributes, metrics)
}

fn answer(instance: &Instance, instance_id: &str, page: PageRequest) -> Answer {
    if instance.open_prompts.is_empty() {
        Answer::Page(page_body(instance, instance_id, page))
    } else {
        Answer::Prompted {
            report: instance.spec.id.clone(),
            name: instance.spec.name.clone(),
            instance: instance_id.to_owned(),
        }
    }
}

/// `current = max(0, min(limit == -1 ? N : limit, N - offset))`, then the server's cap.
pub(crate) fn page_rows(total: u64, page: PageRequest, cap: Option<u64>) -> u64 {
    let want = u64::try_from(page.limit).unwrap_or(total);
    let current = want.min(total.saturating_sub(page.offset));
    cap.map_or(current, |cap| current.min(cap))
}

/// Month and day (1-based) of day `d` (0-based) of the leap year 2024.
fn day_of_2024(d: u64) -> (u64, u64) {
    const DAYS: [u64; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut left = d;
    for (m, len) in DAYS.iter().enumerate() {
        if left < *len {
            return (m as u64 + 1, left + 1);
        }
        left -= len;
    }
    (12, 31)
}

/// Page-by attribute `k` with all its elements (`h{e+1};{id}`, forms `ID` and `DESC`).
fn page_by_unit(spec: &ReportSpec, k: usize) -> Value {
    let (name, cardinality) = &spec.page_by[k];
    let id = spec.page_by_id(k);
    let elements: Vec<Value> = (1..=*cardinality)
        .map(|n| json!({"formValues": [n.to_string(), format!("{name} {n}")], "id": format!("h{n};{id}")}))
        .collect();
    json!({
        "name": name, "id": id, "type": "attribute",
        "forms": [
            {"id": ids::stable_guid("form/ID"), "name": "ID", "dataType": "integer", "baseFormCategory": "ID", "baseFormType": "number"},
            {"id": ids::stable_guid("form/DESC"), "name": "DESC", "dataType": "nVarChar", "baseFormCategory": "DESC", "baseFormType": "text"},
        ],
        "elements": elements,
    })
}

fn json_str(out: &mut String, s: &str) {
    // serde_json escapes exactly as JSON needs; names are short.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// Writes the v2 body straight into a string: no intermediate `Value`.
fn page_body(instance: &Instance, instance_id: &str, page: PageRequest) -> String {
    let spec = &instance.spec;
    // The cross-tab attribute (index, cardinality), which leaves the rows axis.
    let cross = spec.cross_tab.as_ref().and_then(|name| {
        let k = spec.attributes.iter().position(|(n, _)| n == name)?;
        instance
            .attributes
            .contains(&k)
            .then(|| (k, spec.attributes[k].1.max(1)))
    });
    let row_attributes: Vec<usize> = instance
        .attributes
        .iter()
        .copied()
        .filter(|k| cross.is_none_or(|(c, _)| c != *k))
        .collect();
    let width = cross.map_or(1, |(_, c)| c);
    let total = spec.slice_rows();
    let current = page_rows(total, page, spec.page_cap);
    let first = page.offset;
    let rows = first..first + current;
    // The grand-total row, when this page shows it.
    let total_row = (spec.grand_total && rows.contains(&spec.rows)).then_some(spec.rows);
    let details = first.min(spec.rows)..(first + current).min(spec.rows);
    // Slice s shows the metric values of rows r + s × rows.
    let base = instance.slice.saturating_mul(spec.rows);
    let mut out =
        String::with_capacity(256 + current as usize * (24 + 40 * instance.metrics.len()));
    out.push_str("{\"id\":");
    json_str(&mut out, &spec.id);
    out.push_str(",\"name\":");
    json_str(&mut out, &spec.name);
    if spec.kind == Kind::Report {
        // A report names the cube or dataset it reads (guess: always one here).
        let _ = write!(
            out,
            ",\"source\":{{\"id\":\"{}\",\"name\":",
            ids::stable_guid(&format!("{}/source", spec.id))
        );
        json_str(&mut out, &format!("{} source", spec.name));
        out.push('}');
    }
    let _ = write!(
        out,
        ",\"instanceId\":\"{instance_id}\",\"status\":1,\"definition\":{{\"grid\":{{\"crossTab\":{},\"metricsPosition\":{{\"axis\":\"columns\",\"index\":{}}},\"rows\":[",
        cross.is_some(),
        usize::from(cross.is_some())
    );
    // Each attribute lists only the elements this page uses, in order of first use;
    // headers.rows index into those lists.
    let mut local: Vec<Local> = Vec::with_capacity(row_attributes.len());
    // Per attribute: where its `Total` element sits in this page's list.
    let mut totals: Vec<u32> = Vec::with_capacity(row_attributes.len());
    for (n, &k) in row_attributes.iter().enumerate() {
        let (name, cardinality) = &spec.attributes[k];
        let attribute_id = spec.attribute_id(k);
        if n > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json_str(&mut out, name);
        let _ = write!(
            out,
            ",\"id\":\"{attribute_id}\",\"type\":\"attribute\",\"forms\":["
        );
        let dated = spec.dated.iter().any(|d| d == name);
        let forms: [&str; 2] = if dated {
            ["ID", "DATE"]
        } else {
            ["ID", "DESC"]
        };
        for (f, form) in forms.iter().enumerate() {
            if f > 0 {
                out.push(',');
            }
            let form_id = ids::stable_guid(&format!("form/{form}"));
            let data_type = match (f, dated) {
                (0, _) => "integer",
                (_, true) => "date",
                _ => "nVarChar",
            };
            let _ = write!(
                out,
                "{{\"id\":\"{form_id}\",\"name\":\"{form}\",\"dataType\":\"{data_type}\",\"baseFormCategory\":\"{form}\",\"baseFormType\":\"{}\"}}",
                if f == 0 { "number" } else { "text" }
            );
        }
        out.push_str("],\"elements\":[");
        // The quoted name without its closing quote: `"Region` + ` 12"` is the DESC form.
        let mut open_name = String::new();
        json_str(&mut open_name, name);
        open_name.pop();
        let mut seen = Local::new(*cardinality, first);
        let mut count = 0u32;
        for r in details.clone() {
            let e = element(r, k, *cardinality);
            if !seen.insert(e, count) {
                continue;
            }
            if count > 0 {
                out.push(',');
            }
            count += 1;
            if dated {
                let (month, day) = day_of_2024(e % 366);
                let _ = write!(
                    out,
                    "{{\"formValues\":[\"{n}\",\"{month}/{day}/2024\"],\"id\":\"h{n};{attribute_id}\"}}",
                    n = e + 1
                );
                continue;
            }
            let _ = write!(
                out,
                "{{\"formValues\":[\"{n}\",{open_name} {n}\"],\"id\":\"h{n};{attribute_id}\"}}",
                n = e + 1
            );
        }
        if total_row.is_some() {
            if count > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"formValues\":[\"Total\"],\"id\":\"j1;{attribute_id}\",\"subtotal\":true}}"
            );
            totals.push(count);
        } else {
            totals.push(0);
        }
        out.push_str("]}");
        local.push(seen);
    }
    out.push_str("],\"columns\":[");
    if let Some((k, c)) = cross {
        let name = &spec.attributes[k].0;
        let id = spec.attribute_id(k);
        let elements: Vec<Value> = (1..=c)
            .map(|n| json!({"formValues": [n.to_string(), format!("{name} {n}")], "id": format!("h{n};{id}")}))
            .collect();
        let unit = json!({
            "name": name, "id": id, "type": "attribute",
            "forms": [
                {"id": ids::stable_guid("form/ID"), "name": "ID", "dataType": "integer", "baseFormCategory": "ID", "baseFormType": "number"},
                {"id": ids::stable_guid("form/DESC"), "name": "DESC", "dataType": "nVarChar", "baseFormCategory": "DESC", "baseFormType": "text"},
            ],
            "elements": elements,
        });
        out.push_str(&unit.to_string());
        if !instance.metrics.is_empty() {
            out.push(',');
        }
    }
    if !instance.metrics.is_empty() {
        out.push_str("{\"name\":\"Metrics\",\"id\":\"00000000000000000000000000000000\",\"type\":\"templateMetrics\",\"elements\":[");
        for (n, &m) in instance.metrics.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            json_str(&mut out, &spec.metrics[m]);
            let _ = write!(
                out,
                ",\"id\":\"{}\",\"type\":\"metric\",\"min\":0,\"max\":2499.75,\"numberFormatting\":{{\"category\":0,\"decimalPlaces\":2}}}}",
                spec.metric_id(m)
            );
        }
        out.push_str("]}");
    }
    out.push_str("],\"pageBy\":");
    let units: Vec<Value> = (0..spec.page_by.len())
        .map(|k| page_by_unit(spec, k))
        .collect();
    out.push_str(&Value::Array(units).to_string());
    let _ = write!(
        out,
        ",\"subtotals\":{{\"defined\":{},\"visible\":true}},\"sorting\":{{\"rows\":[],\"columns\":[],\"pageBy\":[]}},\"thresholds\":[]}}}},\"data\":{{\"currentPageBy\":{},",
        spec.grand_total,
        json!(spec.slice_elements(instance.slice))
    );
    let _ = write!(
        out,
        "\"paging\":{{\"total\":{total},\"current\":{current},\"offset\":{},\"limit\":{}}},\"headers\":{{\"rows\":[",
        page.offset, page.limit
    );
    for (i, r) in rows.clone().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        for (n, &k) in row_attributes.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            if Some(r) == total_row {
                let _ = write!(out, "{}", totals[n]);
                continue;
            }
            let e = element(r, k, spec.attributes[k].1);
            let _ = write!(out, "{}", local[n].get(e));
        }
        out.push(']');
    }
    out.push_str("],\"columns\":[");
    let metric_count = instance.metrics.len() as u64;
    if cross.is_some() {
        let elements: Vec<u64> = (0..width)
            .flat_map(|e| (0..metric_count).map(move |_| e))
            .collect();
        out.push_str(&json!(elements).to_string());
        out.push(',');
    }
    let metric_of: Vec<u64> = (0..width).flat_map(|_| 0..metric_count).collect();
    out.push_str(&json!(metric_of).to_string());
    out.push_str("]},\"metricValues\":{");
    let mut sections = Vec::new();
    if !page.exclusions.raw {
        sections.push("raw");
    }
    if !page.exclusions.formatted {
        sections.push("formatted");
    }
    if !page.exclusions.extras {
        sections.push("extras");
    }
    for (s, section) in sections.iter().enumerate() {
        if s > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{section}\":[");
        if !instance.metrics.is_empty() {
            for (i, r) in rows.clone().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                let cells = (0..width).flat_map(|e| instance.metrics.iter().map(move |&m| (e, m)));
                for (n, (e, m)) in cells.enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    // Column (e, m) of grid row r shows generated row r × width + e.
                    let source = |r: u64| base + r * width + e;
                    // metric_value(r, m) is q / 4: write it without float formatting.
                    let q = if Some(r) == total_row {
                        (0..spec.rows).map(|r| metric_quarters(source(r), m)).sum()
                    } else {
                        metric_quarters(source(r), m)
                    };
                    let _ = match *section {
                        "raw" => write!(
                            out,
                            "{}{}",
                            q / 4,
                            ["", ".25", ".5", ".75"][(q % 4) as usize]
                        ),
                        "formatted" => write!(
                            out,
                            "\"{}.{}\"",
                            q / 4,
                            ["00", "25", "50", "75"][(q % 4) as usize]
                        ),
                        _ => write!(out, "{{}}"),
                    };
                }
                out.push(']');
            }
        }
        out.push(']');
    }
    out.push_str("}}}");
    out
}

#[cfg(test)]
mod tests;
