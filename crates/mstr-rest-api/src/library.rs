//! The Library API: the user's dossiers and documents across projects (`GET library`),
//! and publishing a dossier or document to users and groups (`POST library`,
//! `DELETE library/{id}[/recipients/{recipient}]`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::library::LibraryApi;
//! use mstr_rest_api::users::UsersApi;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("administrator", "")).await?;
//! let dossier = "27D332AC6D43352E0928B9A1FCAF4AB0";
//! let analysts = session.user_groups().list().await?.into_iter()
//!     .find(|g| g.name == "Analysts").expect("seeded");
//! let publishing = session.publishing("B19DEDCC11D4E0EFC000EB9495D0F44F");
//! publishing.publish(dossier, [&analysts.id]).await?;
//! publishing.unpublish_from(dossier, &analysts.id).await?;
//! # Ok(()) }
//! ```

use std::future::Future;

use mstr_rest_session::{Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use mstr_rest_core::segment;

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

    /// Publishing dossiers and documents of a project to Libraries.
    fn publishing(&self, project_id: &str) -> Publishing;
}

impl LibraryApi for Session {
    fn library(&self) -> impl Future<Output = Result<Vec<LibraryItem>>> + Send {
        let request = self.get("library");
        async move { request.send().await?.json().await }
    }

    fn publishing(&self, project_id: &str) -> Publishing {
        Publishing::new(self.clone(), project_id)
    }
}

/// `POST library` body: a dossier or document and who gets it.
#[derive(Serialize)]
struct Publication<'a> {
    id: &'a str,
    recipients: Vec<Recipient<'a>>,
}

#[derive(Serialize)]
struct Recipient<'a> {
    id: &'a str,
}

/// Publishing to and unpublishing from users' Libraries, from [`LibraryApi::publishing`].
#[derive(Debug, Clone)]
pub struct Publishing<S = Session> {
    pub(crate) session: S,
    project_id: String,
}

impl<S> Publishing<S> {
    pub(crate) fn new(session: S, project_id: &str) -> Publishing<S> {
        Publishing {
            session,
            project_id: project_id.to_owned(),
        }
    }

    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Publishing<T> {
        Publishing::new(session, &self.project_id)
    }
}

impl Publishing {
    /// `POST library`: publishes the dossier or document `id` to the Libraries of these
    /// users and user groups (their ids). An empty list is refused: the server would
    /// publish to the caller only, which is rarely what automation means.
    ///
    /// # Errors
    /// [`Error::Config`](mstr_rest_session::Error::Config) for no recipient;
    /// [`Error::Api`](mstr_rest_session::Error::Api) (unknown dossier or recipient `ERR004`);
    /// [`Error::Transport`](mstr_rest_session::Error::Transport).
    pub async fn publish<I, R>(&self, id: &str, recipients: I) -> Result<()>
    where
        I: IntoIterator<Item = R>,
        R: AsRef<str>,
    {
        let ids: Vec<R> = recipients.into_iter().collect();
        if ids.is_empty() {
            return Err(mstr_rest_session::Error::config(format!(
                "publishing {id}: name at least one user or user group id to publish it to"
            )));
        }
        segment("dossier id", id)?;
        let body = Publication {
            id,
            recipients: ids.iter().map(|r| Recipient { id: r.as_ref() }).collect(),
        };
        self.session
            .post("library")
            .project(&self.project_id)
            .json(&body)
            .send()
            .await?;
        Ok(())
    }

    /// `DELETE library/{id}`: unpublishes the dossier or document from every Library.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api) (not published, `ERR004`);
    /// [`Error::Transport`](mstr_rest_session::Error::Transport).
    pub async fn unpublish(&self, id: &str) -> Result<()> {
        self.session
            .delete(&format!("library/{}", segment("dossier id", id)?))
            .project(&self.project_id)
            .send()
            .await?;
        Ok(())
    }

    /// `DELETE library/{id}/recipients/{recipient}`: unpublishes it from one user's or
    /// group's Library.
    ///
    /// # Errors
    /// As [`unpublish`](Self::unpublish).
    pub async fn unpublish_from(&self, id: &str, recipient_id: &str) -> Result<()> {
        let path = format!(
            "library/{}/recipients/{}",
            segment("dossier id", id)?,
            segment("recipient id", recipient_id)?
        );
        self.session
            .delete(&path)
            .project(&self.project_id)
            .send()
            .await?;
        Ok(())
    }
}
