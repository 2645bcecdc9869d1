//! The Browsing API: folders and quick search in a project.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::browsing::BrowsingApi;
//! use mstr_rest_api::objects::ObjectType;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let project = session.project("MicroStrategy Tutorial").await?;
//! let found = session.search(&project.id).name("Revenue").object_type(ObjectType::REPORT).send().await?;
//! assert_eq!(found.result[0].name, "Revenue by Region");
//! let roots = session.folders(&project.id).root().await?;
//! assert!(!roots.is_empty());
//! # Ok(()) }
//! ```

use mstr_rest_session::{Result, Session};
use serde::{Deserialize, Serialize};

use crate::objects::{ObjectInfo, ObjectType};
use mstr_rest_core::segment;

/// Folder browsing in one project, from [`BrowsingApi::folders`].
#[derive(Debug, Clone)]
pub struct Folders<S = Session> {
    pub(crate) session: S,
    project_id: String,
}

impl<S> Folders<S> {
    pub(crate) fn new(session: S, project_id: &str) -> Folders<S> {
        Folders {
            session,
            project_id: project_id.to_owned(),
        }
    }

    /// The same handle on another session (the blocking one runs the async calls).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Folders<T> {
        Folders::new(session, &self.project_id)
    }
}

impl Folders {
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

/// A quick search, from [`BrowsingApi::search`].
#[derive(Debug, Clone)]
#[must_use = "a search does nothing until .send() is awaited"]
pub struct Search<S = Session> {
    pub(crate) session: S,
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

impl<S> Search<S> {
    pub(crate) fn new(session: S, project_id: &str) -> Search<S> {
        Search {
            session,
            project_id: project_id.to_owned(),
            query: vec![("getAncestors", "true".to_owned())],
        }
    }

    /// The same search on another session (the blocking one runs the async call).
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(self, session: T) -> Search<T> {
        Search {
            session,
            project_id: self.project_id,
            query: self.query,
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
}

impl Search {
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

/// The Browsing API on a [`Session`]: `use mstr_rest_api::browsing::BrowsingApi;` (or the
/// facade's prelude).
pub trait BrowsingApi {
    /// Folder browsing in a project.
    fn folders(&self, project_id: &str) -> Folders;

    /// A quick search (`GET searches/results`) in a project; set criteria, then `send()`.
    fn search(&self, project_id: &str) -> Search;
}

impl BrowsingApi for Session {
    fn folders(&self, project_id: &str) -> Folders {
        Folders::new(self.clone(), project_id)
    }

    fn search(&self, project_id: &str) -> Search {
        Search::new(self.clone(), project_id)
    }
}
