//! Turning one v2 body (reference §4.4) into typed rows (§4.5).

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};

use mstr_rest_session::{Error, Result};

/// The columns of a report or cube page: one per attribute form, then one per metric. Rows
/// share it through an `Arc`, so a row costs no per-row names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Columns {
    /// One entry per attribute form, in grid order (attribute by attribute, form by form).
    pub attributes: Vec<AttributeColumn>,
    /// One entry per metric of the `templateMetrics` unit, in grid order.
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
}

/// One metric column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricColumn {
    /// The metric's name, e.g. `Revenue`.
    pub name: String,
    /// The metric's 32-hex id.
    pub id: String,
}

/// One row of a report or cube, flattened: every attribute form value, then every metric.
///
/// - [`attributes`](Self::attributes)`[i]` is the value of column
///   [`Columns::attributes`]`[i]` (`None` for a JSON `null`). Values are `Arc<str>` shared by
///   every row of the page that shows the same element, so wide pages decode cheaply.
/// - [`metrics`](Self::metrics)`[m]` is the raw value (`metricValues.raw`) of
///   [`Columns::metrics`]`[m]`, `None` when the cell is null or not a number.
/// - [`formatted`](Self::formatted) holds the formatted values, only when
///   [`ReportQuery::formatted`](super::ReportQuery::formatted) asked for them (empty otherwise).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Row {
    /// The 0-based position of the row in the whole report.
    pub index: u64,
    /// Attribute form values, one per [`Columns::attributes`] entry.
    pub attributes: Vec<Option<Arc<str>>>,
    /// Raw metric values, one per [`Columns::metrics`] entry.
    pub metrics: Vec<Option<f64>>,
    /// Formatted metric values when requested, else empty.
    pub formatted: Vec<Option<String>>,
    /// The column names, shared by every row of the page.
    pub columns: Arc<Columns>,
}

impl Row {
    /// The value of `attribute`'s `form`, if the report has that column and the cell is set.
    pub fn attribute(&self, attribute: &str, form: &str) -> Option<&str> {
        let i = self.columns.attribute_index(attribute, form)?;
        self.attributes.get(i)?.as_deref()
    }

    /// The raw value of the metric `name`, if the report has it and the cell is a number.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let i = self.columns.metric_index(name)?;
        self.metrics.get(i).copied().flatten()
    }
}

/// A decoded page: its columns and rows.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    pub(crate) columns: Arc<Columns>,
    pub(crate) rows: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
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
    elements: Vec<Element>,
}

#[derive(Deserialize)]
struct Form {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Element {
    #[serde(default)]
    form_values: Vec<Text>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    paging: Paging,
    #[serde(default)]
    headers: Headers,
    #[serde(default)]
    metric_values: MetricValues,
}

/// `data.paging` (reference §4.6).
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
    rows: Vec<Vec<usize>>,
}

#[derive(Deserialize, Default)]
struct MetricValues {
    #[serde(default)]
    raw: Vec<Vec<Number>>,
    #[serde(default)]
    formatted: Vec<Vec<Text>>,
}

/// A cell read as text: strings as they are, numbers and booleans printed, `null` as `None`.
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Text, E> {
                Ok(Text(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Text, E> {
                Ok(Text(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Text, E> {
                Ok(Text(Some(v.to_string())))
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

/// The length of a JSON array, read without keeping its elements.
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

/// Decodes one v2 body into columns and rows (reference §4.5).
///
/// # Errors
///
/// [`Error::Decode`] for a body that is not a v2 body, metrics on the rows axis, or a header
/// index outside its attribute's elements.
pub(crate) fn decode(body: &[u8], formatted_mode: Formatted) -> Result<Decoded> {
    let body: Body = serde_json::from_slice(body)
        .map_err(|e| decode_error("a report page is not a v2 body", e))?;
    let grid = body
        .definition
        .ok_or_else(|| Error::decode("a report page has no definition.grid"))?
        .grid;
    if grid
        .metrics_position
        .as_ref()
        .is_some_and(|p| p.axis == "rows")
    {
        return Err(Error::decode(
            "metrics on the rows axis are not supported; put them on the columns",
        ));
    }
    let data = body
        .data
        .ok_or_else(|| Error::decode("a report page has no data"))?;

    // Per attribute: its elements' form values, each string made once and shared.
    let mut columns = Columns::default();
    let mut elements: Vec<Vec<Vec<Option<Arc<str>>>>> = Vec::with_capacity(grid.rows.len());
    for unit in grid.rows {
        let forms = unit.forms.len().max(1);
        if unit.forms.is_empty() {
            columns.attributes.push(AttributeColumn {
                attribute: unit.name.clone(),
                attribute_id: unit.id.clone(),
                form: String::new(),
                form_id: String::new(),
            });
        }
        for form in &unit.forms {
            columns.attributes.push(AttributeColumn {
                attribute: unit.name.clone(),
                attribute_id: unit.id.clone(),
                form: form.name.clone(),
                form_id: form.id.clone(),
            });
        }
        let values = unit
            .elements
            .into_iter()
            .map(|e| {
                if e.form_values.is_empty() {
                    // No forms listed: the element's name stands for its one column.
                    let mut v = vec![None; forms];
                    v[0] = e.name.or(Some(e.id)).map(Arc::from);
                    v
                } else {
                    let mut v: Vec<Option<Arc<str>>> = e
                        .form_values
                        .into_iter()
                        .map(|t| t.0.map(Arc::from))
                        .collect();
                    v.resize(forms, None);
                    v
                }
            })
            .collect();
        elements.push(values);
    }
    for unit in grid
        .columns
        .into_iter()
        .filter(|u| u.kind == "templateMetrics")
    {
        columns
            .metrics
            .extend(unit.elements.into_iter().map(|e| MetricColumn {
                name: e.name.unwrap_or_default(),
                id: e.id,
            }));
    }
    let columns = Arc::new(columns);
    let metric_count = columns.metrics.len();
    let offset = data.paging.offset;
    let row_count = data.headers.rows.len();
    let bad = |what: String| {
        Error::decode(format!(
            "the report page at offset {offset} is inconsistent: {what}; the server sent a page this client cannot trust"
        ))
    };
    let listed = u64::try_from(row_count).unwrap_or(u64::MAX);
    if listed != data.paging.current {
        return Err(bad(format!(
            "paging.current says {} rows, headers.rows lists {row_count}",
            data.paging.current
        )));
    }
    // A grid without metrics may send no raw rows at all; otherwise one per row.
    let raw_rows = data.metric_values.raw.len();
    if raw_rows != row_count && !(metric_count == 0 && raw_rows == 0) {
        return Err(bad(format!(
            "metricValues.raw has {raw_rows} rows for {row_count} header rows"
        )));
    }
    let formatted_rows = data.metric_values.formatted.len();
    let with_formatted = match formatted_mode {
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
    let units = elements.len();
    let mut raw = data.metric_values.raw.into_iter();
    let mut formatted = data.metric_values.formatted.into_iter();
    let mut rows = Vec::with_capacity(row_count);
    for (r, header) in data.headers.rows.into_iter().enumerate() {
        if header.len() != units {
            return Err(bad(format!(
                "header row {r} has {} element indexes for {units} attributes",
                header.len()
            )));
        }
        let mut attributes = Vec::with_capacity(columns.attributes.len());
        for (k, &index) in header.iter().enumerate() {
            let element = elements
                .get(k)
                .and_then(|e| e.get(index))
                .ok_or_else(|| {
                    Error::decode(format!(
                        "row {r} of a page points at element {index} of attribute {k}, which the page does not list"
                    ))
                })?;
            attributes.extend(element.iter().cloned());
        }
        let metrics: Vec<Option<f64>> = raw
            .next()
            .map(|cells| cells.into_iter().map(|n| n.0).collect())
            .unwrap_or_default();
        if metrics.len() != metric_count {
            return Err(bad(format!(
                "row {r} has {} metric values for {metric_count} metrics",
                metrics.len()
            )));
        }
        let mut text = Vec::new();
        if with_formatted {
            text = formatted
                .next()
                .map(|cells| cells.into_iter().map(|t| t.0).collect())
                .unwrap_or_default();
            if text.len() != metric_count {
                return Err(bad(format!(
                    "row {r} has {} formatted values for {metric_count} metrics",
                    text.len()
                )));
            }
        }
        rows.push(Row {
            index: offset.saturating_add(u64::try_from(r).unwrap_or(u64::MAX)),
            attributes,
            metrics,
            formatted: text,
            columns: Arc::clone(&columns),
        });
    }
    Ok(Decoded { columns, rows })
}
