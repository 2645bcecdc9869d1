//! Pushed datasets and their upload sessions.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::error_body::ApiError;
use crate::ids;

/// Polls of `publishStatus` that answer "still running" before "result ready".
pub(crate) const PUBLISH_POLLS: u32 = 2;

#[derive(Debug, Default)]
pub(crate) struct Datasets {
    by_id: HashMap<String, Dataset>,
}

#[derive(Debug)]
pub(crate) struct Dataset {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) project: String,
    pub(crate) tables: Vec<Table>,
    session: Option<Upload>,
}

#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) name: String,
    pub(crate) columns: Vec<(String, String)>,
    /// Columns that identify a row for UPDATE and UPSERT: those attribute forms read.
    key: Vec<usize>,
    pub(crate) rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    Replace,
    Add,
    Update,
    Upsert,
}

impl Policy {
    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "REPLACE" => Some(Self::Replace),
            "ADD" => Some(Self::Add),
            "UPDATE" => Some(Self::Update),
            "UPSERT" => Some(Self::Upsert),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Upload {
    id: String,
    tables: HashMap<String, UploadTable>,
    /// `None` until published; then the polls left before "result ready".
    polls_left: Option<u32>,
}

#[derive(Debug)]
struct UploadTable {
    policy: Policy,
    /// Column order of the chunks: indexes into the table's columns.
    order: Vec<usize>,
    column_orientation: bool,
    /// Chunks by `index`; the same index sent twice replaces the first.
    chunks: BTreeMap<i64, Vec<Vec<Value>>>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_input(message.into())
}

impl Datasets {
    /// `POST datasets/models`: a `PushAPIDataset`.
    pub(crate) fn create_model(
        &mut self,
        project: &str,
        body: &Value,
    ) -> Result<&Dataset, ApiError> {
        let name = body["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid("The dataset needs a name"))?;
        let tables = body["tables"]
            .as_array()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("The dataset needs at least one table"))?;
        let mut out = Vec::new();
        for table in tables {
            let tname = table["name"]
                .as_str()
                .ok_or_else(|| invalid("Every table needs a name"))?;
            let columns: Vec<(String, String)> = table["columnHeaders"]
                .as_array()
                .ok_or_else(|| invalid(format!("Table '{tname}' needs columnHeaders")))?
                .iter()
                .map(|c| {
                    Some((
                        c["name"].as_str()?.to_owned(),
                        c["dataType"].as_str()?.to_ascii_uppercase(),
                    ))
                })
                .collect::<Option<_>>()
                .ok_or_else(|| invalid("Every column needs a name and a dataType"))?;
            if columns.is_empty() {
                return Err(invalid(format!("Table '{tname}' has no columns")));
            }
            let mut key: Vec<usize> = Vec::new();
            for attribute in body["attributes"].as_array().into_iter().flatten() {
                for form in attribute["attributeForms"].as_array().into_iter().flatten() {
                    for expr in form["expressions"].as_array().into_iter().flatten() {
                        if expr["tableName"].as_str() == Some(tname)
                            && let Some(i) = columns
                                .iter()
                                .position(|(n, _)| Some(n.as_str()) == expr["columnName"].as_str())
                            && !key.contains(&i)
                        {
                            key.push(i);
                        }
                    }
                }
            }
            if key.is_empty() {
                key.push(0);
            }
            out.push(Table {
                name: tname.to_owned(),
                columns,
                key,
                rows: Vec::new(),
            });
        }
        let id = loop {
            let candidate = ids::session_cookie();
            if !self.by_id.contains_key(&candidate) {
                break candidate;
            }
        };
        let dataset = Dataset {
            id: id.clone(),
            name: name.to_owned(),
            project: project.to_owned(),
            tables: out,
            session: None,
        };
        Ok(self.by_id.entry(id).or_insert(dataset))
    }

    pub(crate) fn get(&self, project: &str, id: &str) -> Result<&Dataset, ApiError> {
        self.by_id
            .get(id)
            .filter(|d| d.project.eq_ignore_ascii_case(project))
            .ok_or_else(|| super::not_found("dataset", id))
    }

    fn get_mut(&mut self, project: &str, id: &str) -> Result<&mut Dataset, ApiError> {
        self.by_id
            .get_mut(id)
            .filter(|d| d.project.eq_ignore_ascii_case(project))
            .ok_or_else(|| super::not_found("dataset", id))
    }

    pub(crate) fn remove(&mut self, project: &str, id: &str) -> bool {
        let found = self.get(project, id).is_ok();
        if found {
            self.by_id.remove(id);
        }
        found
    }

    pub(crate) fn rows(&self, id: &str, table: &str) -> Option<Vec<Vec<Value>>> {
        let dataset = self.by_id.get(id)?;
        dataset
            .tables
            .iter()
            .find(|t| t.name == table)
            .map(|t| t.rows.clone())
    }

    pub(crate) fn has_upload_session(&self, id: &str) -> bool {
        self.by_id.get(id).is_some_and(|d| d.session.is_some())
    }

    /// `POST datasets/{id}/uploadSessions`.
    pub(crate) fn open(
        &mut self,
        project: &str,
        id: &str,
        body: &Value,
    ) -> Result<String, ApiError> {
        let dataset = self.get_mut(project, id)?;
        if dataset.session.is_some() {
            return Err(invalid(
                "Another upload session is open on this dataset; publish or delete it first",
            ));
        }
        let mut tables = HashMap::new();
        for entry in body["tables"]
            .as_array()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("The upload session needs tables"))?
        {
            let name = entry["name"]
                .as_str()
                .ok_or_else(|| invalid("Every upload table needs a name"))?;
            let table = dataset
                .tables
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| invalid(format!("The dataset has no table '{name}'")))?;
            let policy = entry["updatePolicy"]
                .as_str()
                .and_then(Policy::parse)
                .ok_or_else(|| invalid("updatePolicy must be REPLACE, ADD, UPDATE or UPSERT"))?;
            let order = match entry["columnHeaders"].as_array() {
                None => (0..table.columns.len()).collect(),
                Some(headers) => headers
                    .iter()
                    .map(|h| {
                        let n = h["name"].as_str().or(h.as_str())?;
                        table.columns.iter().position(|(c, _)| c == n)
                    })
                    .collect::<Option<Vec<_>>>()
                    .filter(|o| o.len() == table.columns.len())
                    .ok_or_else(|| invalid(format!("columnHeaders do not match table '{name}'")))?,
            };
            let column_orientation = entry["orientation"]
                .as_str()
                .is_some_and(|o| o.eq_ignore_ascii_case("COLUMN"));
            tables.insert(
                name.to_owned(),
                UploadTable {
                    policy,
                    order,
                    column_orientation,
                    chunks: BTreeMap::new(),
                },
            );
        }
        let sid = ids::session_cookie();
        dataset.session = Some(Upload {
            id: sid.clone(),
            tables,
            polls_left: None,
        });
        Ok(sid)
    }

    fn upload_mut(&mut self, project: &str, id: &str, sid: &str) -> Result<&mut Dataset, ApiError> {
        let dataset = self.get_mut(project, id)?;
        match &dataset.session {
            Some(s) if s.id == sid => Ok(dataset),
            _ => Err(super::not_found("upload session", sid)),
        }
    }

    /// `PUT datasets/{id}/uploadSessions/{sid}`: one decoded chunk.
    pub(crate) fn put(
        &mut self,
        project: &str,
        id: &str,
        sid: &str,
        table: &str,
        index: i64,
        data: Value,
    ) -> Result<(), ApiError> {
        if index < 1 {
            return Err(invalid("index must be 1 or more"));
        }
        let dataset = self.upload_mut(project, id, sid)?;
        let upload = dataset
            .session
            .as_mut()
            .ok_or_else(|| invalid("no session"))?;
        if upload.polls_left.is_some() {
            return Err(invalid("The upload session is already published"));
        }
        let entry = upload
            .tables
            .get_mut(table)
            .ok_or_else(|| invalid(format!("The upload session has no table '{table}'")))?;
        let width = entry.order.len();
        let Value::Array(items) = data else {
            return Err(invalid("data must be base64 of a JSON array of arrays"));
        };
        let mut lines = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::Array(a) => lines.push(a),
                _ => return Err(invalid("data must be base64 of a JSON array of arrays")),
            }
        }
        let rows = if entry.column_orientation {
            if lines.len() != width {
                return Err(invalid(format!(
                    "expected {width} columns, got {}",
                    lines.len()
                )));
            }
            let height = lines.first().map_or(0, Vec::len);
            if lines.iter().any(|c| c.len() != height) {
                return Err(invalid("every column must hold the same number of values"));
            }
            let mut columns: Vec<_> = lines.into_iter().map(Vec::into_iter).collect();
            (0..height)
                .map(|_| columns.iter_mut().filter_map(Iterator::next).collect())
                .collect()
        } else {
            if let Some(bad) = lines.iter().find(|r| r.len() != width) {
                return Err(invalid(format!(
                    "a row has {} values; the table has {width} columns",
                    bad.len()
                )));
            }
            lines
        };
        // Stored in the table's own column order.
        let rows = rows
            .into_iter()
            .map(|row| {
                let mut out = vec![Value::Null; width];
                for (value, &at) in row.into_iter().zip(&entry.order) {
                    out[at] = value;
                }
                out
            })
            .collect();
        entry.chunks.insert(index, rows);
        Ok(())
    }

    /// `POST …/publish`: applies every table's policy now; the status reports "running" for a
    /// few polls anyway.
    pub(crate) fn publish(&mut self, project: &str, id: &str, sid: &str) -> Result<(), ApiError> {
        let dataset = self.upload_mut(project, id, sid)?;
        let Some(upload) = dataset.session.as_mut() else {
            return Err(invalid("no session"));
        };
        if upload.polls_left.is_some() {
            return Err(invalid("The upload session is already published"));
        }
        upload.polls_left = Some(PUBLISH_POLLS);
        let staged: Vec<(String, Policy, Vec<Vec<Value>>)> = upload
            .tables
            .iter_mut()
            .map(|(name, t)| {
                let rows = std::mem::take(&mut t.chunks)
                    .into_values()
                    .flatten()
                    .collect();
                (name.clone(), t.policy, rows)
            })
            .collect();
        for (name, policy, rows) in staged {
            if let Some(table) = dataset.tables.iter_mut().find(|t| t.name == name) {
                table.apply(policy, rows);
            }
        }
        Ok(())
    }

    /// `GET …/publishStatus`: `(status, message)`; the session closes once ready.
    pub(crate) fn status(
        &mut self,
        project: &str,
        id: &str,
        sid: &str,
    ) -> Result<(i64, &'static str), ApiError> {
        let dataset = self.upload_mut(project, id, sid)?;
        let Some(upload) = dataset.session.as_mut() else {
            return Err(invalid("no session"));
        };
        match upload.polls_left {
            None => Ok((0, "ready to publish")),
            Some(0) => {
                dataset.session = None;
                Ok((1, "result ready"))
            }
            Some(n) => {
                upload.polls_left = Some(n - 1);
                Ok((6, "sql execution"))
            }
        }
    }

    /// `DELETE …/uploadSessions/{sid}`: discards what was uploaded and not yet published.
    pub(crate) fn delete(&mut self, project: &str, id: &str, sid: &str) -> Result<(), ApiError> {
        let dataset = self.upload_mut(project, id, sid)?;
        dataset.session = None;
        Ok(())
    }
}

impl Table {
    fn key_of<'a>(&self, row: &'a [Value]) -> Vec<&'a Value> {
        self.key.iter().filter_map(|&i| row.get(i)).collect()
    }

    fn apply(&mut self, policy: Policy, rows: Vec<Vec<Value>>) {
        match policy {
            Policy::Replace => self.rows = rows,
            Policy::Add => self.rows.extend(rows),
            Policy::Update | Policy::Upsert => {
                let mut at: HashMap<String, usize> = self
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (key_string(&self.key_of(r)), i))
                    .collect();
                for row in rows {
                    let key = key_string(&self.key_of(&row));
                    match at.get(&key) {
                        Some(&i) => self.rows[i] = row,
                        None if policy == Policy::Upsert => {
                            at.insert(key, self.rows.len());
                            self.rows.push(row);
                        }
                        None => {}
                    }
                }
            }
        }
    }
}

fn key_string(values: &[&Value]) -> String {
    serde_json::to_string(values).unwrap_or_default()
}
