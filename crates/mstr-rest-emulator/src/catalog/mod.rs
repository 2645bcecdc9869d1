//! What the object, security and push-data routes read and change: seeded folders, objects,
//! library items, users, groups, security roles and filters, plus pushed datasets. One field of
//! [`Shared`](crate::state::Shared), with its own locks, never held across an `.await`.

mod datasets;
mod documents;
mod modeling;
mod operations;
mod seed;

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};

use crate::directory::Directory;
use crate::error_body::ApiError;
use crate::ids;

pub(crate) use datasets::Datasets;
pub use documents::{ChapterSpec, DossierSpec};
pub(crate) use documents::{Documents, ExportAnswer, default_dossiers};
pub(crate) use modeling::{KINDS as MODEL_KINDS, Modeling, changeset_required};
pub(crate) use operations::{DbObject, Operations};
pub(crate) use seed::{MY_REPORTS, PUBLIC_OBJECTS};

/// The catalog: objects and accounts in one lock, datasets, documents, modeling and server
/// operations each in their own.
#[derive(Debug)]
pub(crate) struct Catalog {
    objects: Mutex<Objects>,
    datasets: Mutex<Datasets>,
    documents: Mutex<Documents>,
    modeling: Mutex<Modeling>,
    operations: Mutex<Operations>,
    /// What a reset starts from again.
    dossiers: Vec<DossierSpec>,
    job_polls: u32,
}

/// A metadata object (folder, report, dossier, dataset …) in one project.
#[derive(Debug, Clone)]
pub(crate) struct Obj {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) object_type: i64,
    pub(crate) subtype: i64,
    pub(crate) description: String,
    pub(crate) parent: Option<String>,
    pub(crate) project: String,
}

#[derive(Debug, Clone)]
pub(crate) struct UserRec {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) full_name: String,
    pub(crate) description: String,
    pub(crate) enabled: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) members: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    /// The project of a security filter; empty for server-wide things.
    pub(crate) project: String,
}

#[derive(Debug, Default)]
pub(crate) struct Objects {
    pub(crate) objects: Vec<Obj>,
    pub(crate) users: Vec<UserRec>,
    pub(crate) groups: Vec<GroupRec>,
    pub(crate) roles: Vec<Named>,
    pub(crate) security_filters: Vec<Named>,
    /// Library items: (item id, target object id).
    pub(crate) library: Vec<(String, String)>,
    /// Who each published dossier or document was published to: (target, recipient ids).
    pub(crate) recipients: Vec<(String, Vec<String>)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Catalog {
    pub(crate) fn new(directory: &Directory, dossiers: Vec<DossierSpec>, job_polls: u32) -> Self {
        Self {
            objects: Mutex::new(seed::objects(directory)),
            datasets: Mutex::default(),
            documents: Mutex::new(Documents::new(dossiers.clone())),
            modeling: Mutex::new(Modeling::seeded(seed::TUTORIAL)),
            operations: Mutex::new(Operations::new(job_polls)),
            dossiers,
            job_polls,
        }
    }

    /// Everything as seeded again (`POST /__emulator/reset`).
    pub(crate) fn reset(&self, directory: &Directory) {
        let seeded = Catalog::new(directory, self.dossiers.clone(), self.job_polls);
        std::mem::swap(&mut *self.objects(), &mut *seeded.objects());
        std::mem::swap(&mut *self.datasets(), &mut *seeded.datasets());
        std::mem::swap(&mut *self.documents(), &mut *seeded.documents());
        std::mem::swap(&mut *self.modeling(), &mut *seeded.modeling());
        std::mem::swap(&mut *self.operations(), &mut *seeded.operations());
    }

    pub(crate) fn documents(&self) -> MutexGuard<'_, Documents> {
        lock(&self.documents)
    }

    pub(crate) fn modeling(&self) -> MutexGuard<'_, Modeling> {
        lock(&self.modeling)
    }

    pub(crate) fn operations(&self) -> MutexGuard<'_, Operations> {
        lock(&self.operations)
    }

    pub(crate) fn objects(&self) -> MutexGuard<'_, Objects> {
        self.objects.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn datasets(&self) -> MutexGuard<'_, Datasets> {
        self.datasets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The creation and modification stamp every seeded object reports.
const STAMP: &str = "2026-01-05T09:30:00.000+0000";

impl Objects {
    pub(crate) fn object(&self, id: &str) -> Option<&Obj> {
        self.objects.iter().find(|o| o.id.eq_ignore_ascii_case(id))
    }

    /// `ObjectInfo`, with the ancestors from the root down.
    pub(crate) fn info(&self, obj: &Obj) -> Value {
        let mut ancestors = Vec::new();
        let mut parent = obj.parent.clone();
        while let Some(id) = parent {
            let Some(p) = self.object(&id) else { break };
            ancestors.push(json!({ "id": p.id, "name": p.name }));
            parent = p.parent.clone();
        }
        ancestors.reverse();
        for (level, a) in ancestors.iter_mut().enumerate() {
            a["level"] = json!(level + 1);
        }
        json!({
            "id": obj.id,
            "name": obj.name,
            "type": obj.object_type,
            "subtype": obj.subtype,
            "description": obj.description,
            "dateCreated": STAMP,
            "dateModified": STAMP,
            "version": ids::stable_guid(&format!("version:{}", obj.id)),
            "acg": 255,
            "owner": { "id": ids::stable_guid("administrator"), "name": "Administrator" },
            "ancestors": ancestors,
            "hidden": false,
            "projectId": obj.project,
        })
    }

    pub(crate) fn children(&self, parent: &str, project: &str) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|o| {
                o.project == project
                    && o.parent
                        .as_deref()
                        .is_some_and(|p| p.eq_ignore_ascii_case(parent))
            })
            .map(|o| self.info(o))
            .collect()
    }

    pub(crate) fn user_info(&self, user: &UserRec) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .filter(|g| g.members.contains(&user.id))
            .map(|g| json!({ "id": g.id, "name": g.name }))
            .collect();
        json!({
            "id": user.id,
            "name": user.full_name,
            "type": 34,
            "subtype": 8704,
            "username": user.username,
            "fullName": user.full_name,
            "description": user.description,
            "enabled": user.enabled,
            "initials": user.full_name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect::<String>().to_uppercase(),
            "memberships": groups,
            "dateCreated": STAMP,
            "dateModified": STAMP,
        })
    }

    /// A `GET users` list item as real servers send it: `name` and `abbreviation` (the
    /// login), no `username`/`fullName`/`memberships` (mstrio-py's recorded `all_users.json`).
    pub(crate) fn user_list_item(user: &UserRec) -> Value {
        json!({
            "id": user.id,
            "name": user.full_name,
            "abbreviation": user.username,
            "description": user.description,
            "type": 34,
            "subtype": 8704,
            "dateCreated": STAMP,
            "dateModified": STAMP,
            "acg": 255,
            "iconPath": "",
            "initials": user.full_name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect::<String>().to_uppercase(),
        })
    }

    pub(crate) fn group_info(&self, group: &GroupRec) -> Value {
        let members: Vec<Value> = group
            .members
            .iter()
            .filter_map(|m| self.users.iter().find(|u| u.id == *m))
            .map(|u| json!({ "id": u.id, "name": u.full_name, "type": 34, "subtype": 8704 }))
            .collect();
        json!({
            "id": group.id,
            "name": group.name,
            "type": 34,
            "subtype": 8705,
            "description": group.description,
            "members": members,
            "dateCreated": STAMP,
            "dateModified": STAMP,
        })
    }

    pub(crate) fn user_mut(&mut self, id: &str) -> Result<&mut UserRec, ApiError> {
        self.users
            .iter_mut()
            .find(|u| u.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| not_found("user", id))
    }

    pub(crate) fn group_mut(&mut self, id: &str) -> Result<&mut GroupRec, ApiError> {
        self.groups
            .iter_mut()
            .find(|g| g.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| not_found("user group", id))
    }
}

pub(crate) fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "ERR004",
        format!("The {what} with id '{id}' could not be found"),
    )
}
