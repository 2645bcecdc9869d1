//! The User Management API: users and user groups (list, get, create, update).

use mstr_rest_session::{Result, Session};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use mstr_rest_core::segment;

/// A user or group a membership names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// The id.
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
}

/// A user (`GET users/{id}`, and each item of `GET users`).
///
/// Real servers name the same facts twice: `GET users/{id}` sends `username` and
/// `fullName`, while a `GET users` list item sends only `abbreviation` (the login) and
/// `name` (the display name). Either spelling fills [`username`](Self::username) and
/// [`full_name`](Self::full_name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "RawUser")]
#[non_exhaustive]
pub struct User {
    /// The user id.
    pub id: String,
    /// The login name (`username`, or `abbreviation` in lists).
    #[serde(default)]
    pub username: String,
    /// The display name (`fullName`, or `name` in lists).
    #[serde(default)]
    pub full_name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// False when the account is disabled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The groups the user belongs to, when the server lists them.
    #[serde(default)]
    pub memberships: Vec<Member>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user as the server spells it, before the two spellings are merged.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawUser {
    id: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    abbreviation: Option<String>,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    memberships: Vec<Member>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<RawUser> for User {
    fn from(raw: RawUser) -> User {
        let mut extra = raw.extra;
        // Keep the list spellings visible too, for callers who read them.
        if let Some(a) = &raw.abbreviation {
            extra.insert("abbreviation".to_owned(), Value::String(a.clone()));
        }
        if let Some(n) = &raw.name {
            extra.insert("name".to_owned(), Value::String(n.clone()));
        }
        User {
            id: raw.id,
            username: raw.username.or(raw.abbreviation).unwrap_or_default(),
            full_name: raw.full_name.or(raw.name).unwrap_or_default(),
            description: raw.description,
            enabled: raw.enabled,
            memberships: raw.memberships,
            extra,
        }
    }
}

/// A user group (`GET usergroups/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserGroup {
    /// The group id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The members, when the server lists them.
    #[serde(default)]
    pub members: Vec<Member>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user to create (`POST users`). Passwords are set with `session.patch(...)` on the
/// generic API, so that no secret passes through this struct.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    username: String,
    full_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    memberships: Vec<String>,
}

impl NewUser {
    /// A user with this login name and display name.
    pub fn new(username: impl Into<String>, full_name: impl Into<String>) -> NewUser {
        NewUser {
            username: username.into(),
            full_name: full_name.into(),
            description: None,
            enabled: None,
            memberships: Vec::new(),
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Creates the account enabled or disabled (server default: enabled).
    #[must_use]
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Adds the user to a group.
    #[must_use]
    pub fn member_of(mut self, group_id: impl Into<String>) -> Self {
        self.memberships.push(group_id.into());
        self
    }
}

/// A user group to create (`POST usergroups`).
#[derive(Debug, Clone, Serialize)]
pub struct NewUserGroup {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    members: Vec<String>,
}

impl NewUserGroup {
    /// A group with this name and no members.
    pub fn new(name: impl Into<String>) -> NewUserGroup {
        NewUserGroup {
            name: name.into(),
            description: None,
            members: Vec::new(),
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a member (a user id).
    #[must_use]
    pub fn member(mut self, user_id: impl Into<String>) -> Self {
        self.members.push(user_id.into());
        self
    }
}

/// Changes to a user: the `operationList` of `PATCH users/{id}`.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub(super) ops: Vec<Value>,
}

fn op(op: &str, path: &str, value: Value) -> Value {
    json!({ "op": op, "path": path, "value": value })
}

impl UserUpdate {
    /// No changes yet.
    pub fn new() -> UserUpdate {
        UserUpdate::default()
    }

    /// Replaces the display name.
    #[must_use]
    pub fn full_name(mut self, full_name: impl Into<String>) -> Self {
        self.ops
            .push(op("replace", "/fullName", json!(full_name.into())));
        self
    }

    /// Replaces the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.ops
            .push(op("replace", "/description", json!(description.into())));
        self
    }

    /// Enables or disables the account.
    #[must_use]
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.ops.push(op("replace", "/enabled", json!(enabled)));
        self
    }
}

/// Changes to a group: the `operationList` of `PATCH usergroups/{id}`.
#[derive(Debug, Clone, Default)]
pub struct UserGroupUpdate {
    pub(super) ops: Vec<Value>,
}

impl UserGroupUpdate {
    /// No changes yet.
    pub fn new() -> UserGroupUpdate {
        UserGroupUpdate::default()
    }

    /// Replaces the name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.ops.push(op("replace", "/name", json!(name.into())));
        self
    }

    /// Replaces the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.ops
            .push(op("replace", "/description", json!(description.into())));
        self
    }

    /// Adds members (user ids).
    #[must_use]
    pub fn add_members<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        self.ops.push(op("add", "/members", json!(ids)));
        self
    }

    /// Removes members (user ids).
    #[must_use]
    pub fn remove_members<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        self.ops.push(op("remove", "/members", json!(ids)));
        self
    }
}

/// The calls users and user groups share: list, get, create and update over one
/// collection path.
#[derive(Debug, Clone, Copy)]
struct Collection<'s> {
    session: &'s Session,
    path: &'static str,
    /// What an id of this collection is called in errors ("user id").
    id_name: &'static str,
}

impl Collection<'_> {
    async fn list<T: DeserializeOwned>(&self, query: &[(&str, &str)]) -> Result<Vec<T>> {
        self.session
            .get(self.path)
            .query(query)
            .send()
            .await?
            .json()
            .await
    }

    async fn get<T: DeserializeOwned>(&self, id: &str) -> Result<T> {
        self.session
            .get(&format!("{}/{}", self.path, segment(self.id_name, id)?))
            .send()
            .await?
            .json()
            .await
    }

    async fn create<B: Serialize, T: DeserializeOwned>(&self, body: &B) -> Result<T> {
        self.session
            .post(self.path)
            .json(body)
            .send()
            .await?
            .json()
            .await
    }

    async fn update<T: DeserializeOwned>(&self, id: &str, ops: &[Value]) -> Result<T> {
        self.session
            .patch(&format!("{}/{}", self.path, segment(self.id_name, id)?))
            .json(&json!({ "operationList": ops }))
            .send()
            .await?
            .json()
            .await
    }
}

/// Every item, as the server lists them without paging.
const ALL: &[(&str, &str)] = &[("offset", "0"), ("limit", "-1")];

/// Users, from [`UsersApi::users`].
#[derive(Debug, Clone)]
pub struct Users<S = Session> {
    pub(crate) session: S,
}

impl Users {
    fn users(&self) -> Collection<'_> {
        Collection {
            session: &self.session,
            path: "users",
            id_name: "user id",
        }
    }

    /// `GET users`: every user.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api); [`Error::Transport`](mstr_rest_session::Error::Transport);
    /// [`Error::Decode`](mstr_rest_session::Error::Decode).
    pub async fn list(&self) -> Result<Vec<User>> {
        self.users().list(ALL).await
    }

    /// `GET users?nameBegins=…`: users whose name or login begins with `prefix`.
    ///
    /// # Errors
    /// As [`list`](Self::list).
    pub async fn name_begins(&self, prefix: &str) -> Result<Vec<User>> {
        self.users().list(&[("nameBegins", prefix)]).await
    }

    /// `GET users/{id}`.
    ///
    /// # Errors
    /// As [`list`](Self::list); `ERR004` for an unknown id.
    pub async fn get(&self, id: &str) -> Result<User> {
        self.users().get(id).await
    }

    /// `POST users`: creates a user and returns it.
    ///
    /// # Errors
    /// As [`list`](Self::list); `ERR006` for a name already taken.
    pub async fn create(&self, user: &NewUser) -> Result<User> {
        self.users().create(user).await
    }

    /// `PATCH users/{id}`: applies the changes and returns the user.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub async fn update(&self, id: &str, update: &UserUpdate) -> Result<User> {
        self.users().update(id, &update.ops).await
    }
}

/// User groups, from [`ObjectsApi::user_groups`](UsersApi::user_groups).
#[derive(Debug, Clone)]
pub struct UserGroups<S = Session> {
    pub(crate) session: S,
}

impl UserGroups {
    fn groups(&self) -> Collection<'_> {
        Collection {
            session: &self.session,
            path: "usergroups",
            id_name: "user group id",
        }
    }

    /// `GET usergroups`: every group.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api); [`Error::Transport`](mstr_rest_session::Error::Transport);
    /// [`Error::Decode`](mstr_rest_session::Error::Decode).
    pub async fn list(&self) -> Result<Vec<UserGroup>> {
        self.groups().list(ALL).await
    }

    /// `GET usergroups/{id}`.
    ///
    /// # Errors
    /// As [`list`](Self::list); `ERR004` for an unknown id.
    pub async fn get(&self, id: &str) -> Result<UserGroup> {
        self.groups().get(id).await
    }

    /// `POST usergroups`: creates a group and returns it.
    ///
    /// # Errors
    /// As [`list`](Self::list); `ERR006` for a name already taken.
    pub async fn create(&self, group: &NewUserGroup) -> Result<UserGroup> {
        self.groups().create(group).await
    }

    /// `PATCH usergroups/{id}`: applies the changes and returns the group.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub async fn update(&self, id: &str, update: &UserGroupUpdate) -> Result<UserGroup> {
        self.groups().update(id, &update.ops).await
    }
}

/// The User Management API on a [`Session`]: `use mstr_rest_api::users::UsersApi;` (or the
/// facade's prelude).
pub trait UsersApi {
    /// Users: list, search by name, get, create, update.
    fn users(&self) -> Users;

    /// User groups: list, get, create, update (members too).
    fn user_groups(&self) -> UserGroups;
}

impl UsersApi for Session {
    fn users(&self) -> Users {
        Users {
            session: self.clone(),
        }
    }

    fn user_groups(&self) -> UserGroups {
        UserGroups {
            session: self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn updates_become_operation_lists() {
        let user = UserUpdate::new().full_name("Dave B").enabled(false);
        assert_eq!(
            json!(user.ops),
            json!([
                {"op": "replace", "path": "/fullName", "value": "Dave B"},
                {"op": "replace", "path": "/enabled", "value": false},
            ])
        );
        let group = UserGroupUpdate::new()
            .add_members(["u1"])
            .remove_members(["u2"]);
        assert_eq!(
            json!(group.ops),
            json!([
                {"op": "add", "path": "/members", "value": ["u1"]},
                {"op": "remove", "path": "/members", "value": ["u2"]},
            ])
        );
    }
}
