//! Turning one v2 body into flat, typed rows: page-by slices, cross-tabs, metrics on either
//! axis, subtotals and typed forms as real servers send them.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};

use mstr_rest_session::{Error, Result};

use super::elements::{Elements, Span};
use super::values::{self, Cell, ValueType};

/// Which axis of the grid a column comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Axis {
    /// The page-by axis: the slice of the report a row belongs to (leading columns).
    PageBy,
    /// The rows axis.
    Rows,
    /// The columns axis of a cross-tab, unpivoted into columns of each row.
    Columns,
}

/// Which rows a query yields, by their subtotal flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Subtotals {
    /// Only detail rows: a table meant for sums never double-counts. The default for
    /// `.rows()`, CSV and Arrow.
    #[default]
    Exclude,
    /// Detail rows and subtotal rows, as the grid shows them ([`Row::is_subtotal`] tells
    /// them apart).
    Include,
    /// Only the subtotal (and grand total) rows.
    Only,
}

/// The columns of a report or cube page: one per attribute form — page-by attributes first,
/// then the rows' attributes, then a cross-tab's column attributes — then one per metric.
/// Rows share it through an `Arc`, so a row costs no per-row names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Columns {
    /// One entry per attribute form, in the order above (attribute by attribute, form by form).
    pub attributes: Vec<AttributeColumn>,
    /// One entry per metric of the `templateMetrics` unit, in its order.
    pub metrics: Vec<MetricColumn>,
}

impl Columns {
    /// The index in [`Row::attributes`] of `attribute`'s `form` (names as on the server).
    pub fn attribute_index(&self, attribute: &str, form: &str) -> Option<usize> {
        self.attributes
            .iter()
            .position(|c| c.attribute == attribute && c.form == form)
    }

    /// The index in [`Row::metrics`] of the metric named `name`.
    pub fn metric_index(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|c| c.name == name)
    }

    /// Column headers as mstrio names them: the attribute name alone when it shows one form,
    /// `"{attribute}@{form}"` otherwise; then the metric names.
    pub fn headers(&self) -> Vec<String> {
        let forms_of = |attribute_id: &str| {
            self.attributes
                .iter()
                .filter(|c| c.attribute_id == attribute_id)
                .count()
        };
        self.attributes
            .iter()
            .map(|c| {
                if forms_of(&c.attribute_id) == 1 {
                    c.attribute.clone()
                } else {
                    format!("{}@{}", c.attribute, c.form)
                }
            })
            .chain(self.metrics.iter().map(|m| m.name.clone()))
            .collect()
    }
}

/// One attribute form column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttributeColumn {
    /// The attribute's name, e.g. `Region`.
    pub attribute: String,
    /// The attribute's 32-hex id.
    pub attribute_id: String,
    /// The form's name, e.g. `DESC` or `ID`.
    pub form: String,
    /// The form's id.
    pub form_id: String,
    /// The form's declared type (`dataType`): every value of the column reads as it.
    pub value_type: ValueType,
    /// The axis the attribute sits on.
    pub axis: Axis,
}

/// One metric column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricColumn {
    /// The metric's name, e.g. `Revenue`.
    pub name: String,
    /// The metric's 32-hex id.
    pub id: String,
    /// The declared type: [`ValueType::Integer`] for whole-number metrics, else
    /// [`ValueType::Float`].
    pub value_type: ValueType,
    /// The number format the server applies (`numberFormatting.formatString`, e.g.
    /// `'$'#,##0`), when it says.
    pub format: Option<String>,
}

/// One row of a report or cube, flattened: every attribute form value, then every metric.
///
/// - [`attribute_at`](Self::attribute_at)`(i)` (and [`attributes`](Self::attributes)) is the
///   text of column [`Columns::attributes`]`[i]` (`None` for a JSON `null`);
///   [`cell`](Self::cell) reads it as its declared type.
/// - [`metrics`](Self::metrics)`()[m]` is the raw value (`metricValues.raw`) of
///   [`Columns::metrics`]`[m]`, `None` when the cell is null or not a number.
/// - [`formatted`](Self::formatted) holds the formatted values, only when
///   [`ReportQuery::formatted`](super::ReportQuery::formatted) asked for them (empty otherwise).
///
/// A row is a view into its page: making one allocates nothing, and cloning one is cheap. It
/// keeps its page's decoded buffers alive while it lives, so to keep a few rows of many pages,
/// copy out what you need (or collect `record_batches()`, feature `arrow`).
#[derive(Clone)]
pub struct Row {
    part: Arc<Part>,
    at: usize,
}

/// The decoded rows of one page, shared by the [`Row`]s made from it.
#[derive(Debug)]
struct Part {
    columns: Arc<Columns>,
    flat: Flat,
    /// Per attribute column: its unit and its form in that unit.
    slots: Vec<(usize, usize)>,
}

impl Row {
    /// The 0-based position, in its page-by slice, of the grid row it comes from (a cross-tab
    /// row unpivots into several rows with the same index).
    pub fn index(&self) -> u64 {
        self.part.flat.index[self.at]
    }

    /// The column names, shared by every row of the page.
    pub fn columns(&self) -> &Arc<Columns> {
        &self.part.columns
    }

    /// The text of attribute column `i` ([`Columns::attributes`]`[i]`): `None` for a null or
    /// no such column.
    pub fn attribute_at(&self, i: usize) -> Option<&str> {
        let &(u, f) = self.part.slots.get(i)?;
        let flat = &self.part.flat;
        flat.element_value(u, flat.element(self.at, u), f)
    }

    /// Every attribute column's text, in [`Columns::attributes`] order.
    pub fn attributes(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.part.slots.len()).map(|i| self.attribute_at(i))
    }

    /// Raw metric values, one per [`Columns::metrics`] entry.
    pub fn metrics(&self) -> &[Option<f64>] {
        self.part.flat.metric_row(self.at)
    }

    /// Formatted metric values when requested, else empty.
    pub fn formatted(&self) -> &[Option<String>] {
        self.part.flat.formatted_row(self.at)
    }

    /// The value of `attribute`'s `form`, if the report has that column and the cell is set.
    pub fn attribute(&self, attribute: &str, form: &str) -> Option<&str> {
        self.attribute_at(self.part.columns.attribute_index(attribute, form)?)
    }

    /// The raw value of the metric `name`, if the report has it and the cell is a number.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let i = self.part.columns.metric_index(name)?;
        self.metrics().get(i).copied().flatten()
    }

    /// Attribute column `i` read as its declared [`ValueType`]: `None` for a null (or no such
    /// column). Every value was checked against its type when the page was decoded, and the
    /// "Total" of a subtotal row reads as text.
    pub fn cell(&self, i: usize) -> Option<Cell<'_>> {
        let text = self.attribute_at(i)?;
        let kind = self.part.columns.attributes.get(i)?.value_type;
        if self.is_subtotal() {
            return Some(values::parse(kind, text).unwrap_or(Cell::Text(text)));
        }
        values::parse(kind, text)
    }

    /// True for a subtotal or grand-total row: one of its elements is flagged
    /// `"subtotal": true` (its form values read `Total`, `Average`, …).
    pub fn is_subtotal(&self) -> bool {
        self.part.flat.subtotal[self.at]
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Row")
            .field("index", &self.index())
            .field("attributes", &self.attributes().collect::<Vec<_>>())
            .field("metrics", &self.metrics())
            .field("formatted", &self.formatted())
            .field("subtotal", &self.is_subtotal())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.index() == other.index()
            && self.is_subtotal() == other.is_subtotal()
            && self.metrics() == other.metrics()
            && self.formatted() == other.formatted()
            && self.attributes().eq(other.attributes())
            && self.part.columns == other.part.columns
    }
}

/// What a decode is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) formatted: Formatted,
    pub(crate) subtotals: Subtotals,
}

/// Decoded pages: their columns, and their rows (one part per page).
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    pub(crate) columns: Arc<Columns>,
    pub(crate) parts: Vec<Flat>,
}

impl Decoded {
    /// How many rows.
    pub(crate) fn len(&self) -> usize {
        self.parts.iter().map(Flat::len).sum()
    }

    /// The rows, in order.
    pub(crate) fn into_rows(self) -> Vec<Row> {
        let mut rows = Vec::with_capacity(self.len());
        for part in self.parts {
            rows.extend(part.into_rows(&self.columns));
        }
        rows
    }

    /// Appends the rows of the page after this one.
    ///
    /// # Errors
    /// [`Error::Decode`] when the two pages do not have the same columns.
    pub(crate) fn extend(&mut self, next: Decoded) -> Result<()> {
        if next.columns != self.columns {
            return Err(Error::decode(
                "two pages of the report have different columns; the server sent pages this client cannot put together",
            ));
        }
        self.parts.extend(next.parts);
        Ok(())
    }
}

#[derive(Deserialize)]
struct Body {
    definition: Option<Definition>,
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Definition {
    grid: Grid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Grid {
    metrics_position: Option<MetricsPosition>,
    #[serde(default)]
    rows: Vec<Unit>,
    #[serde(default)]
    columns: Vec<Unit>,
    #[serde(default)]
    page_by: Vec<Unit>,
}

#[derive(Deserialize)]
struct MetricsPosition {
    axis: String,
}

#[derive(Deserialize)]
struct Unit {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    forms: Vec<Form>,
    #[serde(default)]
    elements: Elements,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Form {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    data_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    paging: Paging,
    #[serde(default)]
    headers: Headers,
    #[serde(default)]
    metric_values: MetricValues,
    #[serde(default)]
    current_page_by: Vec<usize>,
}

/// `data.paging`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) total: u64,
    pub(crate) current: u64,
    #[serde(default)]
    pub(crate) offset: u64,
}

#[derive(Deserialize, Default)]
struct Headers {
    #[serde(default)]
    rows: Table<usize>,
    #[serde(default)]
    columns: Vec<Vec<usize>>,
}

#[derive(Deserialize, Default)]
struct MetricValues {
    #[serde(default)]
    raw: Table<Number>,
    #[serde(default)]
    formatted: Table<Text>,
}

/// A JSON array of arrays read into one buffer, row after row: no allocation per row.
struct Table<T> {
    values: Vec<T>,
    /// Where each row ends in `values`.
    ends: Vec<usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            values: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T> Table<T> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Row `r`, empty past the last row.
    fn row(&self, r: usize) -> &[T] {
        let Some(&end) = self.ends.get(r) else {
            return &[];
        };
        let start = match r.checked_sub(1) {
            Some(before) => self.ends[before],
            None => 0,
        };
        &self.values[start..end]
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        /// One inner array, appended to the table's buffer.
        struct RowSeed<'a, T>(&'a mut Vec<T>);
        impl<'de, T: Deserialize<'de>> de::DeserializeSeed<'de> for RowSeed<'_, T> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
                d.deserialize_seq(self)
            }
        }
        impl<'de, T: Deserialize<'de>> Visitor<'de> for RowSeed<'_, T> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<(), A::Error> {
                while let Some(value) = seq.next_element()? {
                    self.0.push(value);
                }
                Ok(())
            }
        }
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Table<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of arrays")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Table<T>, A::Error> {
                let mut table = Table::default();
                while seq.next_element_seed(RowSeed(&mut table.values))?.is_some() {
                    table.ends.push(table.values.len());
                }
                Ok(table)
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// One attribute unit's elements, ready to be read by rows.
#[derive(Debug, Clone)]
struct Values {
    /// How many form columns the unit has (one when the grid lists no forms).
    forms: usize,
    /// The unit's texts (`values` are spans of it).
    text: String,
    /// `forms` values per element.
    values: Vec<Option<Span>>,
    /// Per element: whether it is a subtotal.
    subtotal: Vec<bool>,
    /// The elements with a value that does not read as its form's type, and why (reported
    /// with the first row using it), by element.
    wrong: Vec<(usize, String)>,
}

impl Values {
    /// Whether element `index` is a subtotal; `missing` is the error for an index the grid
    /// does not list, `mistyped` the one for a value that does not read as its form's type
    /// (given why).
    fn check(
        &self,
        index: usize,
        missing: impl FnOnce() -> Error,
        mistyped: impl FnOnce(&str) -> Error,
    ) -> Result<bool> {
        let subtotal = *self.subtotal.get(index).ok_or_else(missing)?;
        if let Ok(at) = self.wrong.binary_search_by_key(&index, |w| w.0) {
            return Err(mistyped(&self.wrong[at].1));
        }
        Ok(subtotal)
    }

    /// Element `e`'s value of form `f`.
    fn value(&self, e: usize, f: usize) -> Option<&str> {
        let at = e.saturating_mul(self.forms).saturating_add(f);
        let (start, end) = (*self.values.get(at)?)?;
        self.text.get(start as usize..end as usize)
    }

    /// How many elements.
    fn len(&self) -> usize {
        self.subtotal.len()
    }

    fn new(unit: &Unit, axis: Axis, columns: &mut Columns) -> Values {
        let forms = unit.forms.len().max(1);
        let mut kinds = Vec::with_capacity(forms);
        if unit.forms.is_empty() {
            kinds.push(ValueType::Text);
            columns.attributes.push(AttributeColumn {
                attribute: unit.name.clone(),
                attribute_id: unit.id.clone(),
                form: String::new(),
                form_id: String::new(),
                value_type: ValueType::Text,
                axis,
            });
        }
        for form in &unit.forms {
            let value_type = ValueType::from_server(form.data_type.as_deref());
            kinds.push(value_type);
            columns.attributes.push(AttributeColumn {
                attribute: unit.name.clone(),
                attribute_id: unit.id.clone(),
                form: form.name.clone(),
                form_id: form.id.clone(),
                value_type,
                axis,
            });
        }
        let attribute = &unit.name;
        let elements = &unit.elements;
        let count = elements.list.len();
        let mut values = Vec::with_capacity(count.saturating_mul(forms));
        let mut subtotal = Vec::with_capacity(count);
        let mut wrong = Vec::new();
        for (index, e) in elements.list.iter().enumerate() {
            let start = values.len();
            let given = elements.forms(e);
            if given.is_empty() {
                // No forms listed: the element's name stands for its one column.
                values.push(Some(e.name.or(e.id).unwrap_or((0, 0))));
            } else if e.subtotal && given.len() == 1 && forms > 1 {
                // The server sends a total's label once; every form shows it (as mstrio does).
                values.resize(start.saturating_add(forms), given[0]);
            } else {
                values.extend(given.iter().take(forms));
            }
            values.resize(start.saturating_add(forms), None);
            subtotal.push(e.subtotal);
            if e.subtotal {
                continue;
            }
            let mistyped = values[start..]
                .iter()
                .zip(&kinds)
                .find_map(|(value, kind)| {
                    let text = elements.text((*value)?);
                    values::parse(*kind, text).is_none().then_some((text, kind))
                });
            if let Some((text, kind)) = mistyped {
                wrong.push((
                    index,
                    format!(
                        "attribute {attribute:?} has the value {text:?}, which is not a {kind}"
                    ),
                ));
            }
        }
        Values {
            forms,
            text: elements.text.clone(),
            values,
            subtotal,
            wrong,
        }
    }
}

/// The metric unit's columns.
fn metric_columns(unit: &Unit, columns: &mut Columns) {
    let elements = &unit.elements;
    columns.metrics.extend(elements.list.iter().map(|e| {
        MetricColumn {
            name: elements.owned(e.name).unwrap_or_default(),
            id: elements.owned(e.id).unwrap_or_default(),
            value_type: match ValueType::from_server(e.data_type.as_deref()) {
                ValueType::Integer => ValueType::Integer,
                _ => ValueType::Float,
            },
            format: e
                .number_formatting
                .as_ref()
                .and_then(|n| n.format_string.clone()),
        }
    }));
}

/// Where a unit of an axis is: an attribute (index into the attribute units) or the metrics.
#[derive(Clone, Copy)]
enum Slot {
    Attribute(usize),
    Metrics,
}

/// Decodes one v2 body into flat rows.
///
/// # Errors
///
/// [`Error::Decode`] for a body that is not a v2 body, a page that is not consistent
/// (counts, indexes, columns), a value that does not read as its declared type (naming the
/// column and the row), or metrics on the rows axis over more than one page.
pub(crate) fn decode(body: &[u8], options: Options) -> Result<Decoded> {
    parse(body)?.decode(options)
}

/// A page read in one pass, not yet turned into rows.
pub(crate) struct Parsed(Body);

/// Reads a v2 body in one pass (its shape and its rows come from the same parse).
///
/// # Errors
/// [`Error::Decode`] for a body that is not a v2 body.
pub(crate) fn parse(body: &[u8]) -> Result<Parsed> {
    serde_json::from_slice(body)
        .map(Parsed)
        .map_err(|e| decode_error("a report page is not a v2 body", e))
}

impl Parsed {
    /// The page's `data.paging` and how many header rows and raw metric rows it lists, as
    /// [`shape`] reads them.
    pub(crate) fn shape(&self) -> Option<PageShape> {
        self.0.data.as_ref().map(|d| PageShape {
            paging: d.paging,
            header_rows: u64::try_from(d.headers.rows.len()).unwrap_or(u64::MAX),
            raw_rows: u64::try_from(d.metric_values.raw.len()).unwrap_or(u64::MAX),
        })
    }

    /// The page's rows.
    ///
    /// # Errors
    /// As [`decode`].
    pub(crate) fn decode(&self, options: Options) -> Result<Decoded> {
        rows_of(&self.0, options)
    }
}

impl fmt::Debug for Parsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parsed").finish_non_exhaustive()
    }
}

fn rows_of(body: &Body, options: Options) -> Result<Decoded> {
    let grid = &body
        .definition
        .as_ref()
        .ok_or_else(|| Error::decode("a report page has no definition.grid"))?
        .grid;
    let data = body
        .data
        .as_ref()
        .ok_or_else(|| Error::decode("a report page has no data"))?;
    let offset = data.paging.offset;
    let bad = |what: String| {
        Error::decode(format!(
            "the report page at offset {offset} is inconsistent: {what}; the server sent a page this client cannot trust"
        ))
    };
    let metrics_on_rows = grid
        .metrics_position
        .as_ref()
        .is_some_and(|p| p.axis == "rows");

    // Columns: page-by, then rows, then the cross-tab's column attributes; then metrics.
    let mut columns = Columns::default();
    let page_by: Vec<Values> = grid
        .page_by
        .iter()
        .map(|u| Values::new(u, Axis::PageBy, &mut columns))
        .collect();
    let mut attributes: Vec<Values> = Vec::new();
    let row_slots = slots(&grid.rows, Axis::Rows, &mut columns, &mut attributes);
    let col_slots = slots(&grid.columns, Axis::Columns, &mut columns, &mut attributes);
    let metric_count = columns.metrics.len();
    let columns = Arc::new(columns);
    let is_metrics = |s: &Slot| matches!(s, Slot::Metrics);
    let metric_row_slot = row_slots.iter().position(is_metrics);
    let metric_col_slot = col_slots.iter().position(is_metrics);
    if metrics_on_rows != metric_row_slot.is_some() && metric_count > 0 {
        return Err(bad(
            "metricsPosition does not name the axis the templateMetrics unit is on".to_owned(),
        ));
    }
    if metric_row_slot.is_some() && metric_col_slot.is_some() {
        return Err(bad("metrics are on both axes".to_owned()));
    }

    let row_count = data.headers.rows.len();
    let listed = u64::try_from(row_count).unwrap_or(u64::MAX);
    if listed != data.paging.current {
        return Err(bad(format!(
            "paging.current says {} rows, headers.rows lists {row_count}",
            data.paging.current
        )));
    }
    if metric_row_slot.is_some() && data.paging.current < data.paging.total {
        return Err(Error::decode(format!(
            "the report has its metrics on the rows axis and {} rows: a metric's values can only be put \
             together within one page; raise page_size to at least {} (or move the metrics to the columns)",
            data.paging.total, data.paging.total
        )));
    }

    // The page-by slice this page belongs to: its elements lead every row.
    if data.current_page_by.len() != page_by.len() {
        return Err(bad(format!(
            "the grid has {} page-by attributes but data.currentPageBy lists {}",
            page_by.len(),
            data.current_page_by.len()
        )));
    }
    let mut prefix: Vec<u32> = Vec::with_capacity(page_by.len());
    let mut prefix_subtotal = false;
    for (k, (unit, &i)) in page_by.iter().zip(&data.current_page_by).enumerate() {
        let missing = || {
            bad(format!(
                "data.currentPageBy points at element {i} of page-by attribute {k}, which the grid does not list"
            ))
        };
        prefix_subtotal |= unit.check(i, missing, |wrong| {
            Error::decode(format!("the report's page-by slice: {wrong}"))
        })?;
        prefix.push(u32::try_from(i).map_err(|_| missing())?);
    }

    // The value columns of each row: which column attributes and which metric each shows.
    // A grid without column units may still send `[[]]`.
    let column_headers: &[Vec<usize>] =
        if col_slots.is_empty() && data.headers.columns.iter().all(Vec::is_empty) {
            &[]
        } else {
            &data.headers.columns
        };
    let value_columns = if column_headers.is_empty() {
        match (col_slots.as_slice(), metric_row_slot) {
            ([], None) => 0,
            ([], Some(_)) => 1,
            ([Slot::Metrics], _) => metric_count,
            _ => {
                return Err(bad(
                    "the grid has attributes on the columns axis but no data.headers.columns"
                        .to_owned(),
                ));
            }
        }
    } else {
        if column_headers.len() != col_slots.len() {
            return Err(bad(format!(
                "data.headers.columns has {} rows for {} column units",
                column_headers.len(),
                col_slots.len()
            )));
        }
        let width = column_headers[0].len();
        if column_headers.iter().any(|c| c.len() != width) {
            return Err(bad(
                "the rows of data.headers.columns differ in length".to_owned()
            ));
        }
        width
    };
    // Per value column: (group of column-attribute elements, metric index). A group is the
    // element index of each column attribute, in order.
    let mut group_of: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut groups: Vec<(Vec<u32>, bool)> = Vec::new();
    let mut cells: Vec<(usize, Option<usize>)> = Vec::with_capacity(value_columns);
    for j in 0..value_columns {
        let mut key = Vec::new();
        let mut subtotal = false;
        let mut metric = None;
        for (k, slot) in col_slots.iter().enumerate() {
            let index = match column_headers.get(k) {
                Some(c) => c[j],
                None => j, // only the metrics on columns, without headers.columns
            };
            match *slot {
                Slot::Metrics => {
                    if index >= metric_count {
                        return Err(bad(format!(
                            "column {j} points at metric {index} of {metric_count}"
                        )));
                    }
                    metric = Some(index);
                }
                Slot::Attribute(a) => {
                    let missing = || {
                        bad(format!(
                            "column {j} points at element {index} of column attribute {k}, which the grid does not list"
                        ))
                    };
                    subtotal |= attributes[a].check(index, missing, |wrong| {
                        Error::decode(format!("a column of the cross-tab: {wrong}"))
                    })?;
                    key.push(u32::try_from(index).map_err(|_| missing())?);
                }
            }
        }
        let next = groups.len();
        let g = *group_of.entry(key.clone()).or_insert(next);
        if g == next {
            groups.push((key, subtotal));
        }
        cells.push((g, metric));
    }
    if groups.is_empty() {
        groups.push((Vec::new(), false));
    }

    let raw_rows = data.metric_values.raw.len();
    if raw_rows != row_count
        && !(value_columns == 0 && raw_rows == 0)
        && !(metric_count == 0 && raw_rows == 0)
    {
        return Err(bad(format!(
            "metricValues.raw has {raw_rows} rows for {row_count} header rows"
        )));
    }
    let formatted_rows = data.metric_values.formatted.len();
    let with_formatted = match options.formatted {
        Formatted::Skip => false,
        Formatted::IfPresent => formatted_rows > 0,
        Formatted::Required => true,
    };
    if with_formatted && formatted_rows != row_count && !(metric_count == 0 && formatted_rows == 0)
    {
        return Err(bad(format!(
            "metricValues.formatted has {formatted_rows} rows for {row_count} header rows"
        )));
    }

    let keep = |subtotal: bool| match options.subtotals {
        Subtotals::Exclude => !subtotal,
        Subtotals::Include => true,
        Subtotals::Only => subtotal,
    };
    let raw = &data.metric_values.raw;
    let formatted = &data.metric_values.formatted;
    let header_rows = &data.headers.rows;
    let page_by_count = page_by.len();
    let mut units = page_by;
    units.extend(attributes);
    let mut flat = Flat::new(
        units,
        metric_count,
        with_formatted,
        row_count.saturating_mul(groups.len()),
    );
    let mut kept: Vec<bool> = Vec::with_capacity(flat.index.capacity());
    // Metrics on rows: one flat row per (row elements but the metric, column group).
    let mut folded: HashMap<(Vec<usize>, usize), usize> = HashMap::new();
    let mut base: Vec<u32> = Vec::with_capacity(flat.width);
    for r in 0..header_rows.len() {
        let header = header_rows.row(r);
        let at = offset.saturating_add(u64::try_from(r).unwrap_or(u64::MAX));
        if header.len() != row_slots.len() {
            return Err(bad(format!(
                "header row {r} has {} element indexes for {} row units",
                header.len(),
                row_slots.len()
            )));
        }
        base.clear();
        base.extend_from_slice(&prefix);
        let mut subtotal = prefix_subtotal;
        let mut row_metric = None;
        for (k, (&index, slot)) in header.iter().zip(&row_slots).enumerate() {
            match *slot {
                Slot::Metrics => {
                    if index >= metric_count {
                        return Err(bad(format!(
                            "row {r} points at metric {index} of {metric_count}"
                        )));
                    }
                    row_metric = Some(index);
                }
                Slot::Attribute(a) => {
                    let missing = || {
                        bad(format!(
                            "row {r} points at element {index} of attribute {k}, which the page does not list"
                        ))
                    };
                    subtotal |= flat.units[page_by_count.saturating_add(a)].check(
                        index,
                        missing,
                        |wrong| {
                            Error::decode(format!(
                                "row {at} of the report: {wrong}; check the form's dataType on the server"
                            ))
                        },
                    )?;
                    base.push(u32::try_from(index).map_err(|_| missing())?);
                }
            }
        }
        let raw_row = raw.row(r);
        if raw_row.len() != value_columns && !(metric_count == 0 && raw_row.is_empty()) {
            return Err(bad(format!(
                "row {r} has {} metric values for {value_columns} value columns",
                raw_row.len()
            )));
        }
        let text_row: &[Text] = if with_formatted {
            let t = formatted.row(r);
            if t.len() != value_columns && !(metric_count == 0 && t.is_empty()) {
                return Err(bad(format!(
                    "row {r} has {} formatted values for {value_columns} value columns",
                    t.len()
                )));
            }
            t
        } else {
            &[]
        };
        let fold_key = row_metric.map(|_| {
            header
                .iter()
                .zip(&row_slots)
                .filter(|(_, s)| !is_metrics(s))
                .map(|(i, _)| *i)
                .collect::<Vec<usize>>()
        });
        for (g, (group_elements, group_subtotal)) in groups.iter().enumerate() {
            // With metrics on rows, a later metric of the same row fills the row made before.
            let existing = fold_key.as_ref().and_then(|key| {
                let next = flat.len();
                let i = *folded.entry((key.clone(), g)).or_insert(next);
                (i != next).then_some(i)
            });
            let target = match existing {
                Some(existing) => existing,
                None => {
                    let is_total = subtotal || *group_subtotal;
                    flat.push(at, &base, group_elements, is_total);
                    kept.push(keep(is_total));
                    flat.len().saturating_sub(1)
                }
            };
            for (j, &(cg, col_metric)) in cells.iter().enumerate() {
                if cg != g {
                    continue;
                }
                let Some(m) = col_metric.or(row_metric) else {
                    continue;
                };
                let value = raw_row.get(j).and_then(|n| n.0);
                if let Some(v) = value
                    && columns.metrics[m].value_type == ValueType::Integer
                    && values::whole(v).is_none()
                    && !flat.subtotal[target]
                {
                    return Err(Error::decode(format!(
                        "row {at} of the report: metric {:?} has the value {v}, which is not an integer; check the metric's dataType on the server",
                        columns.metrics[m].name
                    )));
                }
                flat.set(target, m, value, || {
                    text_row
                        .get(j)
                        .and_then(|t| t.0.as_deref().map(str::to_owned))
                });
            }
        }
    }
    flat.retain(&kept);
    Ok(Decoded {
        columns,
        parts: vec![flat],
    })
}

/// A page's rows before they are [`Row`]s: per row, the element index of each attribute
/// unit and the metric values, flat. Rows are made from it, and Arrow columns without rows.
#[derive(Debug, Clone)]
pub(crate) struct Flat {
    /// Page-by units, then the rows' attributes, then the columns' (the column order).
    units: Vec<Values>,
    /// `units.len()`: element indexes per row.
    width: usize,
    elements: Vec<u32>,
    metric_count: usize,
    metrics: Vec<Option<f64>>,
    /// `metric_count` per row when formatted values are decoded, else empty.
    formatted: Vec<Option<String>>,
    with_formatted: bool,
    index: Vec<u64>,
    subtotal: Vec<bool>,
}

impl Flat {
    fn new(units: Vec<Values>, metric_count: usize, with_formatted: bool, rows: usize) -> Flat {
        let width = units.len();
        Flat {
            units,
            width,
            elements: Vec::with_capacity(rows.saturating_mul(width)),
            metric_count,
            metrics: Vec::with_capacity(rows.saturating_mul(metric_count)),
            formatted: Vec::new(),
            with_formatted,
            index: Vec::with_capacity(rows),
            subtotal: Vec::with_capacity(rows),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    fn push(&mut self, index: u64, base: &[u32], group: &[u32], subtotal: bool) {
        self.elements.extend_from_slice(base);
        self.elements.extend_from_slice(group);
        self.metrics
            .resize(self.metrics.len().saturating_add(self.metric_count), None);
        if self.with_formatted {
            self.formatted
                .resize(self.formatted.len().saturating_add(self.metric_count), None);
        }
        self.index.push(index);
        self.subtotal.push(subtotal);
    }

    fn set(
        &mut self,
        row: usize,
        metric: usize,
        value: Option<f64>,
        text: impl FnOnce() -> Option<String>,
    ) {
        let at = row.saturating_mul(self.metric_count).saturating_add(metric);
        self.metrics[at] = value;
        if self.with_formatted {
            self.formatted[at] = text();
        }
    }

    /// Keeps the rows flagged in `kept` (one flag per row, in order).
    fn retain(&mut self, kept: &[bool]) {
        if kept.iter().all(|k| *k) {
            return;
        }
        // Position `i` of a buffer with `width` values per row belongs to row `i / width`.
        let row_kept = |width: usize| {
            move |i: usize| {
                i.checked_div(width)
                    .is_some_and(|r| kept.get(r).copied().unwrap_or(false))
            }
        };
        retain_indexed(&mut self.index, row_kept(1));
        retain_indexed(&mut self.subtotal, row_kept(1));
        retain_indexed(&mut self.elements, row_kept(self.width));
        retain_indexed(&mut self.metrics, row_kept(self.metric_count));
        if self.with_formatted {
            retain_indexed(&mut self.formatted, row_kept(self.metric_count));
        }
    }

    /// Per attribute unit, in column order: how many form columns it has.
    pub(crate) fn forms(&self) -> impl Iterator<Item = usize> + '_ {
        self.units.iter().map(|u| u.forms)
    }

    /// How many elements unit `u` lists.
    pub(crate) fn elements(&self, u: usize) -> usize {
        self.units[u].len()
    }

    /// Element `e` of unit `u`: the text of its form `f`.
    pub(crate) fn element_value(&self, u: usize, e: usize, f: usize) -> Option<&str> {
        self.units[u].value(e, f)
    }

    /// Per element of unit `u`: the text of its form `f`.
    #[cfg(feature = "arrow")]
    pub(crate) fn element_values(
        &self,
        u: usize,
        f: usize,
    ) -> impl Iterator<Item = Option<&str>> + '_ {
        let unit = &self.units[u];
        (0..unit.len()).map(move |e| unit.value(e, f))
    }

    /// Per row: its element index for unit `u`.
    #[cfg(feature = "arrow")]
    pub(crate) fn row_elements(&self, u: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(move |r| self.element(r, u))
    }

    /// Per row: the raw value of metric `m`.
    #[cfg(feature = "arrow")]
    pub(crate) fn metric_values(&self, m: usize) -> impl Iterator<Item = Option<f64>> + '_ {
        self.metrics
            .iter()
            .skip(m)
            .step_by(self.metric_count.max(1))
            .copied()
    }

    /// Row `r`'s raw metric values.
    pub(crate) fn metric_row(&self, r: usize) -> &[Option<f64>] {
        let m = r.saturating_mul(self.metric_count);
        &self.metrics[m..m.saturating_add(self.metric_count)]
    }

    /// Row `r`'s element index for unit `u`.
    pub(crate) fn element(&self, r: usize, u: usize) -> usize {
        self.elements[r.saturating_mul(self.width).saturating_add(u)] as usize
    }

    /// Row `r`'s formatted metric values (empty when they were not decoded).
    pub(crate) fn formatted_row(&self, r: usize) -> &[Option<String>] {
        if !self.with_formatted {
            return &[];
        }
        let m = r.saturating_mul(self.metric_count);
        &self.formatted[m..m.saturating_add(self.metric_count)]
    }

    /// The rows, as [`Row`]s sharing `columns` and these buffers.
    pub(crate) fn into_rows(self, columns: &Arc<Columns>) -> Vec<Row> {
        let slots = self
            .units
            .iter()
            .enumerate()
            .flat_map(|(u, unit)| (0..unit.forms).map(move |f| (u, f)))
            .collect();
        let len = self.len();
        let part = Arc::new(Part {
            columns: Arc::clone(columns),
            flat: self,
            slots,
        });
        (0..len)
            .map(|at| Row {
                part: Arc::clone(&part),
                at,
            })
            .collect()
    }
}

/// `Vec::retain` by position.
fn retain_indexed<T>(values: &mut Vec<T>, keep: impl Fn(usize) -> bool) {
    let mut i = 0usize;
    values.retain(|_| {
        let k = keep(i);
        i = i.saturating_add(1);
        k
    });
}

fn slots(
    units: &[Unit],
    axis: Axis,
    columns: &mut Columns,
    attributes: &mut Vec<Values>,
) -> Vec<Slot> {
    units
        .iter()
        .map(|u| {
            if u.kind == "templateMetrics" {
                metric_columns(u, columns);
                Slot::Metrics
            } else {
                let index = attributes.len();
                attributes.push(Values::new(u, axis, columns));
                Slot::Attribute(index)
            }
        })
        .collect()
}

/// A cell read as text: strings as they are, numbers and booleans printed, `null` as `None`;
/// shared, as the rows that show an element share its values.
struct Text(Option<Arc<str>>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Text, E> {
                Ok(Text(Some(Arc::from(v))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Text, E> {
                Ok(Text(Some(Arc::from(v.to_string()))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Text, E> {
                Ok(Text(Some(Arc::from(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Text, E> {
                Ok(Text(Some(Arc::from(v.to_string()))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Text, E> {
                Ok(Text(Some(Arc::from(v.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> std::result::Result<Text, E> {
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A raw metric cell: a number, a numeric string, or `None` for anything else.
struct Number(Option<f64>);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a metric value")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Number, E> {
                Ok(Number(Some(v)))
            }
            #[allow(
                clippy::cast_precision_loss,
                reason = "metric values are f64 on the server too"
            )]
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            #[allow(
                clippy::cast_precision_loss,
                reason = "metric values are f64 on the server too"
            )]
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Number, E> {
                Ok(Number(v.trim().parse().ok()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_none<E: de::Error>(self) -> std::result::Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Number, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Number, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct PagingOnly {
    data: Option<PagingData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PagingData {
    paging: Paging,
    #[serde(default)]
    headers: RowsCount,
    #[serde(default)]
    metric_values: RawCount,
}

#[derive(Deserialize, Default)]
struct RowsCount {
    #[serde(default)]
    rows: Count,
}

#[derive(Deserialize, Default)]
struct RawCount {
    #[serde(default)]
    raw: Count,
}

/// The length of a JSON array, read without keeping its elements; anything but an array is
/// an error.
#[derive(Default)]
struct Count(u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Count, A::Error> {
                let mut n = 0u64;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n = n.saturating_add(1);
                }
                Ok(Count(n))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A page's `data.paging`, with how many header rows and raw metric rows it really lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageShape {
    pub(crate) paging: Paging,
    pub(crate) header_rows: u64,
    pub(crate) raw_rows: u64,
}

fn decode_error(what: &str, e: serde_json::Error) -> Error {
    Error::Decode(mstr_rest_error::DecodeError::new(what.to_owned()).with_source(e))
}

/// Reads `data.paging` and counts the rows the page lists (the rest is skipped without
/// allocating).
pub(crate) fn shape(body: &[u8]) -> Result<Option<PageShape>> {
    let parsed: PagingOnly = serde_json::from_slice(body)
        .map_err(|e| decode_error("a report page is not valid JSON", e))?;
    Ok(parsed.data.map(|d| PageShape {
        paging: d.paging,
        header_rows: d.headers.rows.0,
        raw_rows: d.metric_values.raw.0,
    }))
}

/// Whether formatted metric values are decoded, and whether a page must carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Formatted {
    /// Not asked for: ignored if present.
    Skip,
    /// Asked for: every row must have them.
    Required,
    /// Decoded when the page has them (a page read back with [`Page::rows`](super::Page::rows)).
    IfPresent,
}

#[derive(Deserialize)]
struct PageByHead {
    definition: Option<PageByDefinition>,
}

#[derive(Deserialize)]
struct PageByDefinition {
    grid: PageByGrid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageByGrid {
    #[serde(default)]
    page_by: Count,
}

/// How many page-by attributes a page's grid has (the rest is skipped without allocating).
pub(crate) fn page_by_units(body: &[u8]) -> Result<u64> {
    let head: PageByHead = serde_json::from_slice(body)
        .map_err(|e| decode_error("a report page is not valid JSON", e))?;
    Ok(head.definition.map_or(0, |d| d.grid.page_by.0))
}
