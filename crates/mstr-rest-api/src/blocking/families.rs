//! Every typed family on the blocking session: the async handles, run on the session's
//! thread. Settings (a search's criteria, an upload's policy) are the async ones; only the
//! calls that talk to the server block.

use mstr_rest_session::Result;
use serde::Serialize;

use super::Session;
use crate::browsing::{Folders, Search, SearchResult};
use crate::datasets::{Dataset, DatasetModel, Datasets, PushSummary, Upload};
use crate::library::{LibraryApi, LibraryItem};
use crate::objects::{ObjectInfo, ObjectType, Objects};
use crate::security::{SecurityApi, SecurityFilter, SecurityRole};
use crate::users::{
    NewUser, NewUserGroup, User, UserGroup, UserGroupUpdate, UserGroups, UserUpdate, Users,
};

impl Session {
    /// Folder browsing in a project, as [`BrowsingApi::folders`](crate::browsing::BrowsingApi::folders).
    pub fn folders(&self, project_id: &str) -> Folders<Session> {
        Folders::new(self.clone(), project_id)
    }

    /// A quick search in a project, as [`BrowsingApi::search`](crate::browsing::BrowsingApi::search).
    pub fn search(&self, project_id: &str) -> Search<Session> {
        Search::new(self.clone(), project_id)
    }

    /// Objects of a project, as [`ObjectsApi::objects`](crate::objects::ObjectsApi::objects).
    pub fn objects(&self, project_id: &str) -> Objects<Session> {
        Objects::new(self.clone(), project_id)
    }

    /// The datasets of a project, as [`DatasetsApi::datasets`](crate::datasets::DatasetsApi::datasets).
    pub fn datasets(&self, project_id: &str) -> Datasets<Session> {
        Datasets::new(self.clone(), project_id)
    }

    /// Users, as [`UsersApi::users`](crate::users::UsersApi::users).
    pub fn users(&self) -> Users<Session> {
        Users {
            session: self.clone(),
        }
    }

    /// User groups, as [`UsersApi::user_groups`](crate::users::UsersApi::user_groups).
    pub fn user_groups(&self) -> UserGroups<Session> {
        UserGroups {
            session: self.clone(),
        }
    }

    /// `GET library`, as [`LibraryApi::library`].
    ///
    /// # Errors
    /// As [`LibraryApi::library`].
    pub fn library(&self) -> Result<Vec<LibraryItem>> {
        let s = self.as_async().clone();
        self.wait(async move { s.library().await })
    }

    /// `GET securityRoles`, as [`SecurityApi::security_roles`].
    ///
    /// # Errors
    /// As [`SecurityApi::security_roles`].
    pub fn security_roles(&self) -> Result<Vec<SecurityRole>> {
        let s = self.as_async().clone();
        self.wait(async move { s.security_roles().await })
    }

    /// `GET securityFilters` in a project, as [`SecurityApi::security_filters`].
    ///
    /// # Errors
    /// As [`SecurityApi::security_filters`].
    pub fn security_filters(&self, project_id: &str) -> Result<Vec<SecurityFilter>> {
        let s = self.as_async().clone();
        let project_id = project_id.to_owned();
        self.wait(async move { s.security_filters(&project_id).await })
    }
}

impl Folders<Session> {
    /// `GET folders`, as [`Folders::root`].
    ///
    /// # Errors
    /// As [`Folders::root`].
    pub fn root(&self) -> Result<Vec<ObjectInfo>> {
        let handle = self.on(self.session.as_async().clone());
        self.session.wait(async move { handle.root().await })
    }

    /// `GET folders/{id}`, as [`Folders::contents`].
    ///
    /// # Errors
    /// As [`Folders::contents`].
    pub fn contents(&self, folder_id: &str) -> Result<Vec<ObjectInfo>> {
        let handle = self.on(self.session.as_async().clone());
        let folder_id = folder_id.to_owned();
        self.session
            .wait(async move { handle.contents(&folder_id).await })
    }

    /// `GET folders/preDefined/{type}`, as [`Folders::predefined`].
    ///
    /// # Errors
    /// As [`Folders::predefined`].
    pub fn predefined(&self, folder_type: i32) -> Result<Vec<ObjectInfo>> {
        let handle = self.on(self.session.as_async().clone());
        self.session
            .wait(async move { handle.predefined(folder_type).await })
    }

    /// `GET folders/myPersonalObjects`, as [`Folders::my_personal_objects`].
    ///
    /// # Errors
    /// As [`Folders::my_personal_objects`].
    pub fn my_personal_objects(&self) -> Result<Vec<ObjectInfo>> {
        let handle = self.on(self.session.as_async().clone());
        self.session
            .wait(async move { handle.my_personal_objects().await })
    }
}

impl Search<Session> {
    /// Runs the search, as [`Search::send`].
    ///
    /// # Errors
    /// As [`Search::send`].
    pub fn send(self) -> Result<SearchResult> {
        let session = self.session.clone();
        let search = self.on(session.as_async().clone());
        session.wait(async move { search.send().await })
    }
}

impl Objects<Session> {
    /// `GET objects/{id}?type=…`, as [`Objects::get`].
    ///
    /// # Errors
    /// As [`Objects::get`].
    pub fn get(&self, id: &str, object_type: ObjectType) -> Result<ObjectInfo> {
        let handle = self.on(self.session.as_async().clone());
        let id = id.to_owned();
        self.session
            .wait(async move { handle.get(&id, object_type).await })
    }

    /// `DELETE objects/{id}?type=…`, as [`Objects::delete`].
    ///
    /// # Errors
    /// As [`Objects::delete`].
    pub fn delete(&self, id: &str, object_type: ObjectType) -> Result<()> {
        let handle = self.on(self.session.as_async().clone());
        let id = id.to_owned();
        self.session
            .wait(async move { handle.delete(&id, object_type).await })
    }
}

impl Users<Session> {
    /// `GET users`, as [`Users::list`].
    ///
    /// # Errors
    /// As [`Users::list`].
    pub fn list(&self) -> Result<Vec<User>> {
        let handle = Users {
            session: self.session.as_async().clone(),
        };
        self.session.wait(async move { handle.list().await })
    }

    /// `GET users?nameBegins=…`, as [`Users::name_begins`].
    ///
    /// # Errors
    /// As [`Users::name_begins`].
    pub fn name_begins(&self, prefix: &str) -> Result<Vec<User>> {
        let handle = Users {
            session: self.session.as_async().clone(),
        };
        let prefix = prefix.to_owned();
        self.session
            .wait(async move { handle.name_begins(&prefix).await })
    }

    /// `GET users/{id}`, as [`Users::get`].
    ///
    /// # Errors
    /// As [`Users::get`].
    pub fn get(&self, id: &str) -> Result<User> {
        let handle = Users {
            session: self.session.as_async().clone(),
        };
        let id = id.to_owned();
        self.session.wait(async move { handle.get(&id).await })
    }

    /// `POST users`, as [`Users::create`].
    ///
    /// # Errors
    /// As [`Users::create`].
    pub fn create(&self, user: &NewUser) -> Result<User> {
        let handle = Users {
            session: self.session.as_async().clone(),
        };
        let user = user.clone();
        self.session.wait(async move { handle.create(&user).await })
    }

    /// `PATCH users/{id}`, as [`Users::update`].
    ///
    /// # Errors
    /// As [`Users::update`].
    pub fn update(&self, id: &str, update: &UserUpdate) -> Result<User> {
        let handle = Users {
            session: self.session.as_async().clone(),
        };
        let (id, update) = (id.to_owned(), update.clone());
        self.session
            .wait(async move { handle.update(&id, &update).await })
    }
}

impl UserGroups<Session> {
    /// `GET usergroups`, as [`UserGroups::list`].
    ///
    /// # Errors
    /// As [`UserGroups::list`].
    pub fn list(&self) -> Result<Vec<UserGroup>> {
        let handle = UserGroups {
            session: self.session.as_async().clone(),
        };
        self.session.wait(async move { handle.list().await })
    }

    /// `GET usergroups/{id}`, as [`UserGroups::get`].
    ///
    /// # Errors
    /// As [`UserGroups::get`].
    pub fn get(&self, id: &str) -> Result<UserGroup> {
        let handle = UserGroups {
            session: self.session.as_async().clone(),
        };
        let id = id.to_owned();
        self.session.wait(async move { handle.get(&id).await })
    }

    /// `POST usergroups`, as [`UserGroups::create`].
    ///
    /// # Errors
    /// As [`UserGroups::create`].
    pub fn create(&self, group: &NewUserGroup) -> Result<UserGroup> {
        let handle = UserGroups {
            session: self.session.as_async().clone(),
        };
        let group = group.clone();
        self.session
            .wait(async move { handle.create(&group).await })
    }

    /// `PATCH usergroups/{id}`, as [`UserGroups::update`].
    ///
    /// # Errors
    /// As [`UserGroups::update`].
    pub fn update(&self, id: &str, update: &UserGroupUpdate) -> Result<UserGroup> {
        let handle = UserGroups {
            session: self.session.as_async().clone(),
        };
        let (id, update) = (id.to_owned(), update.clone());
        self.session
            .wait(async move { handle.update(&id, &update).await })
    }
}

impl Datasets<Session> {
    /// `POST datasets/models`, as [`Datasets::create`]; the dataset stays on this session.
    ///
    /// # Errors
    /// As [`Datasets::create`].
    pub fn create(&self, model: &DatasetModel) -> Result<Dataset<Session>> {
        let handle = self.on(self.session.as_async().clone());
        let model = model.clone();
        let created = self
            .session
            .wait(async move { handle.create(&model).await })?;
        Ok(created.on(self.session.clone()))
    }

    /// Deletes a dataset, as [`Datasets::delete`].
    ///
    /// # Errors
    /// As [`Datasets::delete`].
    pub fn delete(&self, id: &str) -> Result<()> {
        let handle = self.on(self.session.as_async().clone());
        let id = id.to_owned();
        self.session.wait(async move { handle.delete(&id).await })
    }
}

impl Dataset<Session> {
    /// `GET datasets/{id}`, as [`Dataset::info`].
    ///
    /// # Errors
    /// As [`Dataset::info`].
    pub fn info(&self) -> Result<serde_json::Value> {
        let handle = self.on(self.session.as_async().clone());
        self.session.wait(async move { handle.info().await })
    }
}

impl Upload<Session> {
    /// Pushes `rows` — any `Iterator`, read on the session's thread as chunks are sent —
    /// as the async [`Upload::push`]: one upload session, published and polled; on
    /// failure the session is deleted and the dataset keeps its rows.
    ///
    /// # Errors
    /// As [`Upload::push`].
    pub fn push<I>(self, rows: I) -> Result<PushSummary>
    where
        I: IntoIterator + Send + 'static,
        I::IntoIter: Send,
        I::Item: Serialize + Send,
    {
        let session = self.session().clone();
        let upload = self.on(session.as_async().clone());
        session.wait(async move { upload.push(futures_util::stream::iter(rows)).await })
    }
}
