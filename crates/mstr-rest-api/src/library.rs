//! The Library API: the user's dossiers and documents across projects (`GET library`).

use std::future::Future;

use mstr_rest_session::{Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::objects::{ObjectType, Owner};

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

/// The Library API on a [`Session`]: `use mstr_rest_api::library::LibraryApi;` (or the
/// facade's prelude).
pub trait LibraryApi {
    /// `GET library`: the user's Library items (dossiers and documents) across projects.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api); [`Error::Transport`](mstr_rest_session::Error::Transport);
    /// [`Error::Decode`](mstr_rest_session::Error::Decode).
    fn library(&self) -> impl Future<Output = Result<Vec<LibraryItem>>> + Send;
}

impl LibraryApi for Session {
    fn library(&self) -> impl Future<Output = Result<Vec<LibraryItem>>> + Send {
        let request = self.get("library");
        async move { request.send().await?.json().await }
    }
}
