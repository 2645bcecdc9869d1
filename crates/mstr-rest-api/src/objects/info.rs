//! `ObjectInfo` and what embeds it (reference §6, §7).

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

/// The dossier or document a [`LibraryItem`] points at. Only the id is sure to be there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LibraryTarget {
    /// The dossier's or document's id.
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The type, when the server says (55 for documents and dossiers).
    #[serde(rename = "type", default)]
    pub object_type: Option<ObjectType>,
    /// The subtype, when the server says (14081 = dossier).
    #[serde(default)]
    pub subtype: Option<i32>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The owner.
    #[serde(default)]
    pub owner: Option<Owner>,
    /// Every other field the server sent (`chapters`, `certifiedInfo`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An item of the user's Library (`GET library`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LibraryItem {
    /// The Library item id (not the dossier's).
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The project the dossier or document lives in.
    #[serde(default)]
    pub project_id: Option<String>,
    /// The dossier or document itself, as the Library describes it (real servers leave
    /// out its `type`).
    #[serde(default)]
    pub target: Option<LibraryTarget>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
