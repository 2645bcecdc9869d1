//! Typed object APIs: projects, folders and search, objects, library, users and user groups,
//! security roles and filters, identity tokens.
//!
//! Bring [`ObjectsApi`] into scope and call it on a logged-in
//! [`Session`] (or an `AuthenticatedSession`, which derefs to
//! one). Families with several calls hand back a cheap handle (`session.users().list()`);
//! the others are one call (`session.library().await`). Responses are `#[non_exhaustive]`
//! structs that keep every field they do not name in `extra`. Anything not typed here stays
//! reachable through `session.get(path)` and friends.
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
//!
//! let found = session.search(&project.id).name("Revenue").object_type(ObjectType::REPORT).send().await?;
//! let report = &found.result[0];
//! let again = session.objects(&project.id).get(&report.id, ObjectType::REPORT).await?;
//! assert_eq!(again.name, "Revenue by Region");
//!
//! for user in session.users().list().await? {
//!     println!("{} ({})", user.full_name, user.username);
//! }
//! # Ok(()) }
//! ```

mod browse;
mod info;
mod security;
mod users;

use std::future::Future;

use mstr_rest_core::HeaderValue;
use mstr_rest_session::{Error, IDENTITY_TOKEN_HEADER, Project, Result, Session};
use serde::Deserialize;

use crate::path::segment;

pub use browse::{Folders, Objects, Search, SearchPattern, SearchResult};
pub use info::{Ancestor, LibraryItem, LibraryTarget, ObjectInfo, ObjectType, Owner};
pub use security::{SecurityFilter, SecurityRole};
pub use users::{
    Member, NewUser, NewUserGroup, User, UserGroup, UserGroupUpdate, UserGroups, UserUpdate, Users,
};

/// Typed object calls on a [`Session`].
pub trait ObjectsApi {
    /// `GET projects/{name}`: one project by name (or id).
    ///
    /// # Errors
    /// [`Error::Api`] (`ERR004`) for an unknown project; [`Error::Transport`].
    fn project(&self, name_or_id: &str) -> impl Future<Output = Result<Project>> + Send;

    /// Folder browsing in a project.
    fn folders(&self, project_id: &str) -> Folders;

    /// A quick search (`GET searches/results`) in a project; set criteria, then `send()`.
    fn search(&self, project_id: &str) -> Search;

    /// Objects of a project by id and type.
    fn objects(&self, project_id: &str) -> Objects;

    /// `GET library`: the user's Library items (dossiers and documents) across projects.
    ///
    /// # Errors
    /// [`Error::Api`]; [`Error::Transport`]; [`Error::Decode`].
    fn library(&self) -> impl Future<Output = Result<Vec<LibraryItem>>> + Send;

    /// User management: users.
    fn users(&self) -> Users;

    /// User management: user groups.
    fn user_groups(&self) -> UserGroups;

    /// `GET securityRoles`.
    ///
    /// # Errors
    /// [`Error::Api`]; [`Error::Transport`]; [`Error::Decode`].
    fn security_roles(&self) -> impl Future<Output = Result<Vec<SecurityRole>>> + Send;

    /// `GET securityFilters` in a project.
    ///
    /// # Errors
    /// [`Error::Api`]; [`Error::Transport`]; [`Error::Decode`].
    fn security_filters(
        &self,
        project_id: &str,
    ) -> impl Future<Output = Result<Vec<SecurityFilter>>> + Send;

    /// `GET auth/identityToken`: the id of the user an identity token stands for, without
    /// using it up. The token is sent as a sensitive header.
    ///
    /// # Errors
    /// [`Error::Api`] (`ERR003`) for an unknown or used token; [`Error::Config`] for a
    /// token that is not a valid header value.
    fn identity_token_user(
        &self,
        identity_token: &str,
    ) -> impl Future<Output = Result<String>> + Send;
}

impl ObjectsApi for Session {
    fn project(&self, name_or_id: &str) -> impl Future<Output = Result<Project>> + Send {
        let request =
            segment("project name or id", name_or_id).map(|s| self.get(&format!("projects/{s}")));
        async move { request?.send().await?.json().await }
    }

    fn folders(&self, project_id: &str) -> Folders {
        Folders::new(self.clone(), project_id)
    }

    fn search(&self, project_id: &str) -> Search {
        Search::new(self.clone(), project_id)
    }

    fn objects(&self, project_id: &str) -> Objects {
        Objects::new(self.clone(), project_id)
    }

    fn library(&self) -> impl Future<Output = Result<Vec<LibraryItem>>> + Send {
        let request = self.get("library");
        async move { request.send().await?.json().await }
    }

    fn users(&self) -> Users {
        Users::new(self.clone())
    }

    fn user_groups(&self) -> UserGroups {
        UserGroups::new(self.clone())
    }

    fn security_roles(&self) -> impl Future<Output = Result<Vec<SecurityRole>>> + Send {
        let request = self.get("securityRoles");
        async move { request.send().await?.json().await }
    }

    fn security_filters(
        &self,
        project_id: &str,
    ) -> impl Future<Output = Result<Vec<SecurityFilter>>> + Send {
        let request = self.get("securityFilters").project(project_id);
        async move {
            let listed: security::Listed = request.send().await?.json().await?;
            Ok(listed.into_vec())
        }
    }

    fn identity_token_user(
        &self,
        identity_token: &str,
    ) -> impl Future<Output = Result<String>> + Send {
        let header = HeaderValue::from_str(identity_token).map(|mut v| {
            v.set_sensitive(true);
            v
        });
        let request = self.get("auth/identityToken");
        async move {
            let header = header
                .map_err(|_| Error::config("the identity token is not a valid header value"))?;
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Checked {
                user_id: String,
            }
            let checked: Checked = request
                .header(IDENTITY_TOKEN_HEADER, header)
                .send()
                .await?
                .json()
                .await?;
            Ok(checked.user_id)
        }
    }
}

#[cfg(test)]
mod tests;
