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
    rows: Vec<Vec<Value>>,
    /// Published chunks after `rows`, not yet read into rows (see [`Chunk`]).
    pending: Vec<Chunk>,
}

/// An uploaded chunk: its JSON, checked when it was uploaded and read into rows only when
/// they are needed (an UPDATE or UPSERT, or a test reading the table), as a real server
/// ingests a dataset after `publish` has answered. Reading a chunk's rows into JSON values
/// at upload made the emulator, not the client, most of a push benchmark.
#[derive(Debug, Clone)]
struct Chunk {
    json: Vec<u8>,
    /// Column order of the chunk: indexes into the table's columns.
    order: Vec<usize>,
    column_orientation: bool,
}

impl Chunk {
    /// The chunk's rows, in the table's column order.
    fn rows(&self) -> Vec<Vec<Value>> {
        let width = self.order.len();
        // Checked at upload, read the same way: an array of arrays of the right widths.
        let lines: Vec<Vec<Value>> = serde_json::from_slice(&self.json).unwrap_or_default();
        let rows = if self.column_orientation {
            let height = lines.first().map_or(0, Vec::len);
            let mut columns: Vec<_> = lines.into_iter().map(Vec::into_iter).collect();
            (0..height)
                .map(|_| columns.iter_mut().filter_map(Iterator::next).collect())
                .collect()
        } else {
            lines
        };
        rows.into_iter()
            .map(|row: Vec<Value>| {
                let mut out = vec![Value::Null; width];
                for (value, &at) in row.into_iter().zip(&self.order) {
                    if let Some(slot) = out.get_mut(at) {
                        *slot = value;
                    }
                }
                out
            })
            .collect()
    }
}

/// The length of a JSON array, its items read (as `Value` would read them, so a chunk that
/// passes reads into rows later) and dropped.
struct ArrayLen(usize);

impl<'de> serde::Deserialize<'de> for ArrayLen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ArrayLen;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ArrayLen, A::Error> {
                let mut n = 0usize;
                while seq.next_element::<AnyValue>()?.is_some() {
                    n = n.saturating_add(1);
                }
                Ok(ArrayLen(n))
            }
        }
        d.deserialize_seq(V)
    }
}

/// Any JSON value, read the way `serde_json::Value` reads it (numbers in range), kept not.
struct AnyValue;

impl<'de> serde::Deserialize<'de> for AnyValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AnyValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<AnyValue, E> {
                Ok(AnyValue)
            }
            fn visit_i64<E>(self, _: i64) -> Result<AnyValue, E> {
                Ok(AnyValue)
            }
            fn visit_u64<E>(self, _: u64) -> Result<AnyValue, E> {
                Ok(AnyValue)
            }
            fn visit_f64<E>(self, _: f64) -> Result<AnyValue, E> {
                Ok(AnyValue)
            }
            fn visit_str<E>(self, _: &str) -> Result<AnyValue, E> {
                Ok(AnyValue)
            }
            fn visit_unit<E>(self) -> Result<AnyValue, E> {
                Ok(AnyValue)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<AnyValue, A::Error> {
                while seq.next_element::<AnyValue>()?.is_some() {}
                Ok(AnyValue)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<AnyValue, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, AnyValue>()?
                    .is_some()
                {}
                Ok(AnyValue)
            }
        }
        d.deserialize_any(V)
    }
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
    chunks: BTreeMap<i64, Chunk>,
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
                pending: Vec::new(),
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
            .map(Table::all_rows)
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

    /// `PUT datasets/{id}/uploadSessions/{sid}`: one chunk's JSON, base64-decoded.
    pub(crate) fn put(
        &mut self,
        project: &str,
        id: &str,
        sid: &str,
        table: &str,
        index: i64,
        data: Vec<u8>,
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
        let lines: Vec<ArrayLen> = serde_json::from_slice(&data).map_err(|e| {
            if e.is_data() {
                invalid("data must be base64 of a JSON array of arrays")
            } else {
                invalid("data is not base64 of JSON")
            }
        })?;
        if entry.column_orientation {
            if lines.len() != width {
                return Err(invalid(format!(
                    "expected {width} columns, got {}",
                    lines.len()
                )));
            }
            let height = lines.first().map_or(0, |c| c.0);
            if lines.iter().any(|c| c.0 != height) {
                return Err(invalid("every column must hold the same number of values"));
            }
        } else if let Some(bad) = lines.iter().find(|r| r.0 != width) {
            return Err(invalid(format!(
                "a row has {} values; the table has {width} columns",
                bad.0
            )));
        }
        let chunk = Chunk {
            json: data,
            order: entry.order.clone(),
            column_orientation: entry.column_orientation,
        };
        entry.chunks.insert(index, chunk);
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
        let staged: Vec<(String, Policy, Vec<Chunk>)> = upload
            .tables
            .iter_mut()
            .map(|(name, t)| {
                let chunks = std::mem::take(&mut t.chunks).into_values().collect();
                (name.clone(), t.policy, chunks)
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

    /// Every row, the pending chunks read.
    fn all_rows(&self) -> Vec<Vec<Value>> {
        let mut rows = self.rows.clone();
        rows.extend(self.pending.iter().flat_map(Chunk::rows));
        rows
    }

    fn apply(&mut self, policy: Policy, chunks: Vec<Chunk>) {
        match policy {
            Policy::Replace => {
                self.rows.clear();
                self.pending = chunks;
            }
            Policy::Add => self.pending.extend(chunks),
            Policy::Update | Policy::Upsert => {
                // Keys are needed: every pending row is read now.
                let pending = std::mem::take(&mut self.pending);
                self.rows.extend(pending.iter().flat_map(Chunk::rows));
                let rows: Vec<Vec<Value>> = chunks.iter().flat_map(Chunk::rows).collect();
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const PROJECT: &str = "P";

    /// A dataset of one table `T` (Id, Name, Revenue) keyed by `Id`.
    fn dataset(datasets: &mut Datasets) -> String {
        let body = json!({
            "name": "D",
            "tables": [{"name": "T", "columnHeaders": [
                {"name": "Id", "dataType": "INTEGER"},
                {"name": "Name", "dataType": "STRING"},
                {"name": "Revenue", "dataType": "DOUBLE"}]}],
            "attributes": [{"attributeForms": [{"expressions": [
                {"tableName": "T", "columnName": "Id"}]}]}],
        });
        datasets.create_model(PROJECT, &body).unwrap().id.clone()
    }

    fn open(
        datasets: &mut Datasets,
        id: &str,
        policy: &str,
        headers: Value,
        orientation: &str,
    ) -> String {
        let body = json!({"tables": [{"name": "T", "updatePolicy": policy,
            "columnHeaders": headers, "orientation": orientation}]});
        datasets.open(PROJECT, id, &body).unwrap()
    }

    fn put(
        datasets: &mut Datasets,
        id: &str,
        sid: &str,
        index: i64,
        data: Value,
    ) -> Result<(), ApiError> {
        let json = serde_json::to_vec(&data).unwrap();
        datasets.put(PROJECT, id, sid, "T", index, json)
    }

    fn publish(datasets: &mut Datasets, id: &str, sid: &str) {
        datasets.publish(PROJECT, id, sid).unwrap();
        while datasets.status(PROJECT, id, sid).unwrap().0 != 1 {}
    }

    #[test]
    fn chunks_read_back_in_index_and_table_column_order_under_every_policy() {
        let mut datasets = Datasets::default();
        let id = dataset(&mut datasets);
        let all = json!(["Id", "Name", "Revenue"]);
        let sid = open(&mut datasets, &id, "REPLACE", all.clone(), "ROW");
        put(&mut datasets, &id, &sid, 2, json!([[3, "c", 3.0]])).unwrap();
        put(
            &mut datasets,
            &id,
            &sid,
            1,
            json!([[1, "a", 1.0], [2, "b", 2.0]]),
        )
        .unwrap();
        publish(&mut datasets, &id, &sid);
        let ids = |d: &Datasets| -> Vec<Value> {
            d.rows(&id, "T")
                .unwrap()
                .into_iter()
                .map(|r| r[0].clone())
                .collect()
        };
        assert_eq!(ids(&datasets), [json!(1), json!(2), json!(3)]);

        // Columns sent in another order and as columns land in the table's order.
        let sid = open(
            &mut datasets,
            &id,
            "ADD",
            json!(["Revenue", "Id", "Name"]),
            "COLUMN",
        );
        put(
            &mut datasets,
            &id,
            &sid,
            1,
            json!([[4.0, 5.0], [4, 5], ["d", "e"]]),
        )
        .unwrap();
        publish(&mut datasets, &id, &sid);
        let rows = datasets.rows(&id, "T").unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[4], [json!(5), json!("e"), json!(5.0)]);

        // UPSERT reads the pending rows for their keys: Id 2 is replaced, Id 6 added.
        let sid = open(&mut datasets, &id, "UPSERT", all, "ROW");
        put(
            &mut datasets,
            &id,
            &sid,
            1,
            json!([[2, "B", 20.0], [6, "f", 6.0]]),
        )
        .unwrap();
        publish(&mut datasets, &id, &sid);
        let rows = datasets.rows(&id, "T").unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[1], [json!(2), json!("B"), json!(20.0)]);
        assert_eq!(rows[5][0], json!(6));
    }

    #[test]
    fn a_chunk_that_would_not_read_into_rows_is_refused_when_it_is_uploaded() {
        let mut datasets = Datasets::default();
        let id = dataset(&mut datasets);
        let sid = open(
            &mut datasets,
            &id,
            "REPLACE",
            json!(["Id", "Name", "Revenue"]),
            "ROW",
        );
        let refused = |r: Result<(), ApiError>| format!("{:?}", r.unwrap_err());
        let narrow = refused(put(&mut datasets, &id, &sid, 1, json!([[1, "a"]])));
        assert!(narrow.contains("a row has 2 values"), "{narrow}");
        let flat = refused(put(&mut datasets, &id, &sid, 1, json!([1, 2, 3])));
        assert!(flat.contains("array of arrays"), "{flat}");
        // A number `Value` cannot hold is not JSON this server reads, and is not kept.
        let huge = datasets.put(PROJECT, &id, &sid, "T", 1, b"[[1e400, \"a\", 1]]".to_vec());
        assert!(refused(huge).contains("not base64 of JSON"));
        put(&mut datasets, &id, &sid, 1, json!([[1, "a", 1.0]])).unwrap();
        publish(&mut datasets, &id, &sid);
        assert_eq!(datasets.rows(&id, "T").unwrap().len(), 1);
    }
}
