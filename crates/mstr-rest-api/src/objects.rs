//! The Object Management API: objects by id and type, and the `ObjectInfo` every listing
//! of objects (folders, search) returns.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::objects::{ObjectType, ObjectsApi};
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let project = session.project("MicroStrategy Tutorial").await?;
//! let report = session
//!     .objects(&project.id)
//!     .get("C1055E5B408A9A7ABA47C6A001E8D72C", ObjectType::REPORT)
//!     .await;
//! # let _ = report;
//! # Ok(()) }
//! ```

use mstr_rest_core::segment;
use mstr_rest_session::{Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An object type (EnumDSSXMLObjectTypes), as sent in `type=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjectType(pub i32);

impl ObjectType {
    /// A filter.
    pub const FILTER: ObjectType = ObjectType(1);
    /// A template.
    pub const TEMPLATE: ObjectType = ObjectType(2);
    /// A report, a cube or a pushed dataset.
    pub const REPORT: ObjectType = ObjectType(3);
    /// A metric.
    pub const METRIC: ObjectType = ObjectType(4);
    /// A folder.
    pub const FOLDER: ObjectType = ObjectType(8);
    /// A prompt.
    pub const PROMPT: ObjectType = ObjectType(10);
    /// An attribute.
    pub const ATTRIBUTE: ObjectType = ObjectType(12);
    /// A fact.
    pub const FACT: ObjectType = ObjectType(13);
    /// A user or user group.
    pub const USER: ObjectType = ObjectType(34);
    /// A security role.
    pub const SECURITY_ROLE: ObjectType = ObjectType(44);
    /// A document or dossier.
    pub const DOCUMENT: ObjectType = ObjectType(55);
    /// A security filter.
    pub const SECURITY_FILTER: ObjectType = ObjectType(58);
}

/// The owner of an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Owner {
    /// The owner's id.
    pub id: String,
    /// The owner's name.
    #[serde(default)]
    pub name: String,
}

/// A folder above an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ancestor {
    /// The folder id.
    pub id: String,
    /// The folder name.
    #[serde(default)]
    pub name: String,
    /// The depth the server reports, when it does.
    #[serde(default)]
    pub level: Option<i32>,
}

/// An object as browsing, search and `objects/{id}` describe it (`ObjectInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ObjectInfo {
    /// The object id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    /// The subtype (768 = grid report, 14081 = dossier, …).
    #[serde(default)]
    pub subtype: Option<i32>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// When created, as the server spells it (`2006-05-22T11:42:06.000-0400`).
    #[serde(default)]
    pub date_created: Option<String>,
    /// When last changed.
    #[serde(default)]
    pub date_modified: Option<String>,
    /// The owner.
    #[serde(default)]
    pub owner: Option<Owner>,
    /// The folders above, from the root down.
    #[serde(default)]
    pub ancestors: Vec<Ancestor>,
    /// The project, for project objects.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Every other field the server sent (`acg`, `version`, `certifiedInfo`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Objects of one project by id and type, from [`ObjectsApi::objects`].
#[derive(Debug, Clone)]
pub struct Objects<S = Session> {
    pub(crate) session: S,
    project_id: String,
}

impl<S> Objects<S> {
    pub(crate) fn new(session: S, project_id: &str) -> Objects<S> {
        Objects {
            session,
            project_id: project_id.to_owned(),
        }
    }

    /// The same handle on another session (the blocking one runs the async calls).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Objects<T> {
        Objects::new(session, &self.project_id)
    }
}

impl Objects {
    /// `GET objects/{id}?type=…`.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api) (`ERR004` when no object of that type
    /// has the id); [`Error::Transport`](mstr_rest_session::Error::Transport);
    /// [`Error::Decode`](mstr_rest_session::Error::Decode).
    pub async fn get(&self, id: &str, object_type: ObjectType) -> Result<ObjectInfo> {
        self.session
            .get(&format!("objects/{}", segment("object id", id)?))
            .project(&self.project_id)
            .query(&[("type", object_type.0)])
            .send()
            .await?
            .json()
            .await
    }

    /// `DELETE objects/{id}?type=…`.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub async fn delete(&self, id: &str, object_type: ObjectType) -> Result<()> {
        self.session
            .delete(&format!("objects/{}", segment("object id", id)?))
            .project(&self.project_id)
            .query(&[("type", object_type.0)])
            .send()
            .await?;
        Ok(())
    }
}

/// The Object Management API on a [`Session`]: `use mstr_rest_api::objects::ObjectsApi;` (or
/// the facade's prelude).
pub trait ObjectsApi {
    /// Objects of a project by id and type.
    fn objects(&self, project_id: &str) -> Objects;
}

impl ObjectsApi for Session {
    fn objects(&self, project_id: &str) -> Objects {
        Objects::new(self.clone(), project_id)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ObjectInfo, ObjectType};

    #[test]
    fn object_info_keeps_unnamed_fields_in_extra() {
        let info: ObjectInfo = serde_json::from_value(json!({
            "id": "A", "name": "R", "type": 3, "subtype": 768, "acg": 255,
            "ancestors": [{"id": "F", "name": "Reports", "level": 1}],
        }))
        .unwrap();
        assert_eq!(info.object_type, ObjectType::REPORT);
        assert_eq!(info.ancestors[0].name, "Reports");
        assert_eq!(info.extra["acg"], 255);
    }
}
