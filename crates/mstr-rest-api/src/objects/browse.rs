//! Folders, quick search and objects by id (reference §6).

use mstr_rest_session::{Result, Session};
use serde::{Deserialize, Serialize};

use super::info::{ObjectInfo, ObjectType};
use crate::path::segment;

/// Folder browsing in one project, from [`ObjectsApi::folders`](super::ObjectsApi::folders).
#[derive(Debug, Clone)]
pub struct Folders {
    session: Session,
    project_id: String,
}

impl Folders {
    pub(super) fn new(session: Session, project_id: &str) -> Folders {
        Folders {
            session,
            project_id: project_id.to_owned(),
        }
    }

    async fn list(&self, path: &str) -> Result<Vec<ObjectInfo>> {
        self.session
            .get(path)
            .project(&self.project_id)
            .query(&[("offset", 0), ("limit", -1)])
            .send()
            .await?
            .json()
            .await
    }

    /// `GET folders`: the project's root folders.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api); [`Error::Transport`](mstr_rest_session::Error::Transport);
    /// [`Error::Decode`](mstr_rest_session::Error::Decode).
    pub async fn root(&self) -> Result<Vec<ObjectInfo>> {
        self.list("folders").await
    }

    /// `GET folders/{id}`: what a folder holds.
    ///
    /// # Errors
    /// As [`root`](Self::root); `ERR004` for an unknown folder.
    pub async fn contents(&self, folder_id: &str) -> Result<Vec<ObjectInfo>> {
        self.list(&format!("folders/{}", segment("folder id", folder_id)?))
            .await
    }

    /// `GET folders/preDefined/{folder_type}`: a predefined folder's contents
    /// (EnumDSSXMLFolderNames, e.g. Public Objects).
    ///
    /// # Errors
    /// As [`contents`](Self::contents).
    pub async fn predefined(&self, folder_type: i32) -> Result<Vec<ObjectInfo>> {
        self.list(&format!("folders/preDefined/{folder_type}"))
            .await
    }

    /// `GET folders/myPersonalObjects`: the user's My Reports.
    ///
    /// # Errors
    /// As [`root`](Self::root).
    pub async fn my_personal_objects(&self) -> Result<Vec<ObjectInfo>> {
        self.list("folders/myPersonalObjects").await
    }
}

/// How a search matches names (EnumDSSXMLSearchTypes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SearchPattern(pub i32);

impl SearchPattern {
    /// Any word of the name begins with the text.
    pub const BEGIN_WITH: SearchPattern = SearchPattern(1);
    /// The whole name.
    pub const EXACTLY: SearchPattern = SearchPattern(2);
    /// A part of the name (the default).
    pub const CONTAINS: SearchPattern = SearchPattern(4);
}

/// A quick search, from [`ObjectsApi::search`](super::ObjectsApi::search).
#[derive(Debug, Clone)]
#[must_use = "a search does nothing until .send() is awaited"]
pub struct Search {
    session: Session,
    project_id: String,
    query: Vec<(&'static str, String)>,
}

/// What a search found (`{totalItems, result}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SearchResult {
    /// Matches in all, beyond this page too.
    #[serde(default)]
    pub total_items: u64,
    /// This page of matches.
    #[serde(default)]
    pub result: Vec<ObjectInfo>,
}

impl Search {
    pub(super) fn new(session: Session, project_id: &str) -> Search {
        Search {
            session,
            project_id: project_id.to_owned(),
            query: vec![("getAncestors", "true".to_owned())],
        }
    }

    fn set(mut self, key: &'static str, value: String) -> Self {
        self.query.retain(|(k, _)| *k != key);
        self.query.push((key, value));
        self
    }

    /// The text to match in names.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.set("name", name.into())
    }

    /// How to match it (default [`SearchPattern::CONTAINS`]).
    pub fn pattern(self, pattern: SearchPattern) -> Self {
        self.set("pattern", pattern.0.to_string())
    }

    /// Keeps objects of this type; call again to allow several.
    pub fn object_type(mut self, object_type: ObjectType) -> Self {
        self.query.push(("type", object_type.0.to_string()));
        self
    }

    /// Keeps objects below this folder.
    pub fn root(self, folder_id: impl Into<String>) -> Self {
        self.set("root", folder_id.into())
    }

    /// Skips this many matches.
    pub fn offset(self, offset: u64) -> Self {
        self.set("offset", offset.to_string())
    }

    /// Returns at most this many (default: all).
    pub fn limit(self, limit: u64) -> Self {
        self.set("limit", limit.to_string())
    }

    /// `GET searches/results`.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api); [`Error::Transport`](mstr_rest_session::Error::Transport);
    /// [`Error::Decode`](mstr_rest_session::Error::Decode).
    pub async fn send(self) -> Result<SearchResult> {
        self.session
            .get("searches/results")
            .project(&self.project_id)
            .query(&self.query)
            .send()
            .await?
            .json()
            .await
    }
}

/// Objects of one project by id and type, from [`ObjectsApi::objects`](super::ObjectsApi::objects).
#[derive(Debug, Clone)]
pub struct Objects {
    session: Session,
    project_id: String,
}

impl Objects {
    pub(super) fn new(session: Session, project_id: &str) -> Objects {
        Objects {
            session,
            project_id: project_id.to_owned(),
        }
    }

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
