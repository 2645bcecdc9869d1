//! The Modeling service: changesets and the modeling objects they stage and commit.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error_body::ApiError;
use crate::ids;

use super::not_found;

/// The object kinds under `model/` the emulator serves.
pub(crate) const KINDS: [&str; 8] = [
    "attributes",
    "facts",
    "metrics",
    "filters",
    "prompts",
    "customGroups",
    "consolidations",
    "derivedElements",
];

#[derive(Debug)]
struct Changeset {
    project: String,
    user: String,
    schema_edit: bool,
    /// Objects created or updated in the changeset, by (kind, id).
    staged: HashMap<(String, String), Value>,
}

/// Committed objects and open changesets.
#[derive(Debug, Default)]
pub(crate) struct Modeling {
    committed: HashMap<(String, String), (String, Value)>,
    changesets: HashMap<String, Changeset>,
    commits: usize,
}

fn stamp() -> &'static str {
    "2026-01-05T09:30:00.000000Z"
}

impl Modeling {
    /// Seeded: the metric "Revenue" and the attribute "Region" in `project`.
    pub(crate) fn seeded(project: &str) -> Modeling {
        let mut m = Modeling::default();
        for (kind, name, sub) in [
            ("metrics", "Revenue", "metric"),
            ("attributes", "Region", "attribute"),
        ] {
            let id = ids::stable_guid(name);
            let object = json!({
                "information": {
                    "objectId": id, "name": name, "subType": sub,
                    "versionId": ids::stable_guid(&format!("version:{name}")),
                    "destinationFolderId": super::PUBLIC_OBJECTS, "primaryLocale": "en-US",
                },
            });
            m.committed
                .insert((kind.to_owned(), id), (project.to_owned(), object));
        }
        m
    }

    pub(crate) fn open(&mut self, project: &str, user: &str, schema_edit: bool) -> Value {
        let id = ids::stable_guid(&format!("changeset:{}", ids::ticket_id()));
        self.changesets.insert(
            id.clone(),
            Changeset {
                project: project.to_owned(),
                user: user.to_owned(),
                schema_edit,
                staged: HashMap::new(),
            },
        );
        self.info(&id, "Ready")
    }

    fn info(&self, id: &str, status: &str) -> Value {
        let cs = &self.changesets[id];
        json!({
            "id": id, "dateCreated": stamp(), "dateModified": stamp(), "status": status,
            "schemaEdit": cs.schema_edit, "mstrProjectId": cs.project, "mstrUserId": cs.user,
            "userDateNumberLocale": "en-US", "userMetadataLocale": "en-US",
            "userWarehouseLocale": "en-US",
        })
    }

    fn changeset(&mut self, id: &str) -> Result<&mut Changeset, ApiError> {
        self.changesets
            .get_mut(id)
            .ok_or_else(|| not_found("changeset", id))
    }

    /// `POST model/{kind}` in a changeset.
    pub(crate) fn create(
        &mut self,
        changeset: &str,
        kind: &str,
        body: Value,
    ) -> Result<Value, ApiError> {
        let name = body["information"]["name"]
            .as_str()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::invalid_input("information.name is required"))?
            .to_owned();
        let cs = self.changeset(changeset)?;
        let id = ids::stable_guid(&format!("{}:{kind}:{name}", cs.project));
        let object = Self::stamped(body, &id, 0);
        cs.staged.insert((kind.to_owned(), id), object.clone());
        Ok(object)
    }

    fn stamped(mut body: Value, id: &str, edit: usize) -> Value {
        if !body["information"].is_object() {
            body["information"] = json!({});
        }
        body["information"]["objectId"] = json!(id);
        body["information"]["versionId"] = json!(ids::stable_guid(&format!("version:{id}:{edit}")));
        body
    }

    /// `PUT model/{kind}/{id}` in a changeset: the object must exist (committed or staged).
    pub(crate) fn update(
        &mut self,
        changeset: &str,
        kind: &str,
        id: &str,
        body: Value,
    ) -> Result<Value, ApiError> {
        let exists = self.get(Some(changeset), None, kind, id).is_ok();
        if !exists {
            return Err(not_found(kind.trim_end_matches('s'), id));
        }
        let cs = self.changeset(changeset)?;
        let edit = cs.staged.len().saturating_add(1);
        let object = Self::stamped(body, id, edit);
        cs.staged
            .insert((kind.to_owned(), id.to_ascii_uppercase()), object.clone());
        Ok(object)
    }

    /// `GET model/{kind}/{id}`: in a changeset (its staged version first) or, with a project
    /// only, as committed.
    pub(crate) fn get(
        &self,
        changeset: Option<&str>,
        project: Option<&str>,
        kind: &str,
        id: &str,
    ) -> Result<Value, ApiError> {
        let key = (kind.to_owned(), id.to_ascii_uppercase());
        let project = match changeset {
            Some(cs) => {
                let cs = self
                    .changesets
                    .get(cs)
                    .ok_or_else(|| not_found("changeset", cs))?;
                if let Some(staged) = cs.staged.get(&key) {
                    return Ok(staged.clone());
                }
                cs.project.clone()
            }
            None => project.unwrap_or_default().to_owned(),
        };
        match self.committed.get(&key) {
            Some((p, object)) if p.eq_ignore_ascii_case(&project) => Ok(object.clone()),
            _ => Err(not_found(kind.trim_end_matches('s'), id)),
        }
    }

    pub(crate) fn commit(&mut self, id: &str) -> Result<Value, ApiError> {
        let cs = self.changeset(id)?;
        let project = cs.project.clone();
        let staged: Vec<_> = cs.staged.drain().collect();
        for (key, object) in staged {
            self.committed.insert(key, (project.clone(), object));
        }
        self.commits = self.commits.saturating_add(1);
        Ok(self.info(id, "Ready"))
    }

    pub(crate) fn delete(&mut self, id: &str) -> Result<(), ApiError> {
        self.changesets
            .remove(id)
            .map(drop)
            .ok_or_else(|| not_found("changeset", id))
    }

    pub(crate) fn open_changesets(&self) -> usize {
        self.changesets.len()
    }

    pub(crate) fn commits(&self) -> usize {
        self.commits
    }

    pub(crate) fn committed_names(&self, kind: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .committed
            .iter()
            .filter(|((k, _), _)| k == kind)
            .filter_map(|(_, (_, o))| o["information"]["name"].as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    }
}

/// A call that changes objects needs a changeset.
pub(crate) fn changeset_required() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "ERR006",
        "The X-MSTR-MS-Changeset header is required to create or change modeling objects",
    )
}
