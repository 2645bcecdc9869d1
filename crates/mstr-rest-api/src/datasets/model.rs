//! The column schema of a dataset model: `PushAPIDataset`.

use serde::Serialize;

/// A column's type in a dataset table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum DataType {
    /// `BOOLEAN`.
    Boolean,
    /// `INTEGER` (32 bits).
    Integer,
    /// `BIGINTEGER` (64 bits).
    #[serde(rename = "BIGINTEGER")]
    BigInteger,
    /// `DOUBLE`.
    Double,
    /// `BIGDECIMAL`.
    #[serde(rename = "BIGDECIMAL")]
    BigDecimal,
    /// `STRING`.
    String,
    /// `DATE`, sent as ISO-8601 (`2017-12-05`).
    Date,
    /// `TIME`, sent as ISO-8601 (`11:00:00`).
    Time,
    /// `DATETIME`, sent as ISO-8601 (`2017-12-05T11:00:00`).
    #[serde(rename = "DATETIME")]
    DateTime,
}

/// A dataset model to create with `POST datasets/models`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetModel {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    folder_id: Option<String>,
    tables: Vec<TableSchema>,
    metrics: Vec<Metric>,
    attributes: Vec<Attribute>,
}

impl DatasetModel {
    /// A model with this name and nothing in it yet.
    pub fn new(name: impl Into<String>) -> DatasetModel {
        DatasetModel {
            name: name.into(),
            description: None,
            folder_id: None,
            tables: Vec::new(),
            metrics: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The folder to save the dataset in (the server's default: the user's My Reports).
    #[must_use]
    pub fn folder_id(mut self, folder_id: impl Into<String>) -> Self {
        self.folder_id = Some(folder_id.into());
        self
    }

    /// Adds a table.
    #[must_use]
    pub fn table(mut self, table: TableSchema) -> Self {
        self.tables.push(table);
        self
    }

    /// Adds an attribute.
    #[must_use]
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Adds an attribute whose ID form is one column; the emulator and the server use
    /// attribute columns as the row key of `UPDATE` and `UPSERT`.
    #[must_use]
    pub fn attribute_column(self, name: impl Into<String>, table: &str, column: &str) -> Self {
        self.attribute(Attribute::new(name).form(AttributeForm::id(table, column)))
    }

    /// Adds a metric.
    #[must_use]
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metrics.push(metric);
        self
    }

    /// Adds a metric on one column.
    #[must_use]
    pub fn metric_column(self, name: impl Into<String>, table: &str, column: &str) -> Self {
        self.metric(Metric::new(name, table, column))
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tables' names and column counts.
    pub(crate) fn table_widths(&self) -> Vec<(String, usize)> {
        self.tables
            .iter()
            .map(|t| (t.name.clone(), t.column_headers.len()))
            .collect()
    }
}

/// A table of a dataset model: its name and columns, in the order rows are pushed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableSchema {
    name: String,
    column_headers: Vec<ColumnHeader>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ColumnHeader {
    name: String,
    data_type: DataType,
}

impl TableSchema {
    /// A table with no columns yet.
    pub fn new(name: impl Into<String>) -> TableSchema {
        TableSchema {
            name: name.into(),
            column_headers: Vec::new(),
        }
    }

    /// Adds a column.
    #[must_use]
    pub fn column(mut self, name: impl Into<String>, data_type: DataType) -> Self {
        self.column_headers.push(ColumnHeader {
            name: name.into(),
            data_type,
        });
        self
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ColumnRef {
    table_name: String,
    column_name: String,
}

impl ColumnRef {
    fn new(table: &str, column: &str) -> ColumnRef {
        ColumnRef {
            table_name: table.to_owned(),
            column_name: column.to_owned(),
        }
    }
}

/// An attribute of a dataset model.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    name: String,
    attribute_forms: Vec<AttributeForm>,
}

impl Attribute {
    /// An attribute with no forms yet.
    pub fn new(name: impl Into<String>) -> Attribute {
        Attribute {
            name: name.into(),
            attribute_forms: Vec::new(),
        }
    }

    /// Adds a form.
    #[must_use]
    pub fn form(mut self, form: AttributeForm) -> Self {
        self.attribute_forms.push(form);
        self
    }
}

/// An attribute form: `ID` or `DESC`, read from one column.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeForm {
    category: &'static str,
    expressions: Vec<ColumnRef>,
}

impl AttributeForm {
    /// The ID form, from `table.column`.
    pub fn id(table: &str, column: &str) -> AttributeForm {
        AttributeForm {
            category: "ID",
            expressions: vec![ColumnRef::new(table, column)],
        }
    }

    /// The DESC form, from `table.column`.
    pub fn desc(table: &str, column: &str) -> AttributeForm {
        AttributeForm {
            category: "DESC",
            expressions: vec![ColumnRef::new(table, column)],
        }
    }
}

/// A metric of a dataset model, on one column.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    name: String,
    expressions: Vec<ColumnRef>,
}

impl Metric {
    /// A metric on `table.column`.
    pub fn new(name: impl Into<String>, table: &str, column: &str) -> Metric {
        Metric {
            name: name.into(),
            expressions: vec![ColumnRef::new(table, column)],
        }
    }
}
