//! Datasource management: database instances (`datasources`), database connections
//! (`datasources/connections`) and database logins (`datasources/logins`) — list, get,
//! create, update — and rotating a login's password from any [`SecretSource`] in one call.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::datasources::DatasourcesApi;
//! use mstr_rest_session::{Credentials, Session, env};
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("administrator", "")).await?;
//!
//! let logins = session.datasources().logins().await?;
//! let warehouse = logins.iter().find(|l| l.name == "Warehouse login").expect("seeded");
//! // The new password comes straight from the vault (here: an environment variable); it
//! // is sent once and appears in no log, error or trace.
//! # unsafe { std::env::set_var("WAREHOUSE_PASSWORD", "s3cret-2026-12") };
//! session
//!     .datasources()
//!     .rotate_login_password(&warehouse.id, &env("WAREHOUSE_PASSWORD"))
//!     .await?;
//! # Ok(()) }
//! ```

use mstr_rest_core::segment;
use mstr_rest_session::{Error, ExposeSecret, Result, SecretSource, SecretString, Session};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value, json};

/// Datasource calls: `use mstr_rest_api::datasources::DatasourcesApi;` (or the facade's
/// prelude). They are server-wide: no project header.
pub trait DatasourcesApi {
    /// The datasource handle.
    fn datasources(&self) -> Datasources;
}

impl DatasourcesApi for Session {
    fn datasources(&self) -> Datasources {
        Datasources {
            session: self.clone(),
        }
    }
}

/// Database instances, connections and logins, from [`DatasourcesApi::datasources`].
#[derive(Debug, Clone)]
pub struct Datasources<S = Session> {
    pub(crate) session: S,
}

impl<S> Datasources<S> {
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Datasources<T> {
        Datasources { session }
    }
}

/// A database instance (`GET datasources/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasourceInstance {
    /// The id.
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// `normal`, `data_import` …
    #[serde(default)]
    pub datasource_type: Option<String>,
    /// The database: its type, version and embedded connection, as the server sent it.
    #[serde(default)]
    pub database: Option<Value>,
    /// The DBMS, as the server sent it.
    #[serde(default)]
    pub dbms: Option<Value>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A database connection (`GET datasources/connections/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasourceConnection {
    /// The id.
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The ODBC connection string.
    #[serde(default)]
    pub connection_string: Option<String>,
    /// The database login this connection uses, as the server sent it.
    #[serde(default)]
    pub database: Option<Value>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A database login (`GET datasources/logins/{id}`). The server never sends the password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasourceLogin {
    /// The id.
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The database user name.
    #[serde(default)]
    pub username: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A database login to create (`POST datasources/logins`). Its `Debug` hides the password.
#[derive(Clone, Serialize)]
pub struct NewDatasourceLogin {
    name: String,
    username: String,
    #[serde(serialize_with = "expose")]
    password: SecretString,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn expose<S: Serializer>(secret: &SecretString, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

impl std::fmt::Debug for NewDatasourceLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewDatasourceLogin")
            .field("name", &self.name)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl NewDatasourceLogin {
    /// A login named `name` for the database user `username`.
    pub fn new(
        name: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> NewDatasourceLogin {
        NewDatasourceLogin {
            name: name.into(),
            username: username.into(),
            password: password.into(),
            description: None,
        }
    }

    /// The description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Changes to a datasource object, sent as one `PATCH` (`{"operationList": [...]}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changes {
    #[serde(rename = "operationList")]
    operations: Vec<Value>,
}

impl Changes {
    /// No change yet.
    pub fn new() -> Changes {
        Changes::default()
    }

    /// Replaces the field at `path` (`/name`, `/description`, `/connectionString` …).
    pub fn replace(mut self, path: &str, value: impl Into<Value>) -> Self {
        self.operations
            .push(json!({"op": "replace", "path": path, "value": value.into()}));
        self
    }

    /// The name.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.replace("/name", name.into())
    }

    /// The description.
    pub fn description(self, description: impl Into<String>) -> Self {
        self.replace("/description", description.into())
    }

    fn check(&self) -> Result<()> {
        if self.operations.iter().any(|op| op["path"] == "/password") {
            return Err(Error::config(
                "Changes: passwords are not sent through Changes (they would sit in a plain \
                 value); use Datasources::rotate_login_password",
            ));
        }
        if self.operations.is_empty() {
            return Err(Error::config(
                "Changes: nothing to change; add at least one field",
            ));
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Listed<T> {
    #[serde(alias = "datasources", alias = "connections", alias = "logins")]
    items: Vec<T>,
}

impl Datasources {
    async fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>> {
        let listed: Listed<T> = self.session.get(path).send().await?.json().await?;
        Ok(listed.items)
    }

    async fn one<T: DeserializeOwned>(&self, base: &str, what: &str, id: &str) -> Result<T> {
        let path = format!("{base}/{}", segment(what, id)?);
        self.session.get(&path).send().await?.json().await
    }

    async fn create<T: DeserializeOwned, B: Serialize + ?Sized + Sync>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.session
            .post(path)
            .json(body)
            .send()
            .await?
            .json()
            .await
    }

    async fn patch<T: DeserializeOwned>(
        &self,
        base: &str,
        what: &str,
        id: &str,
        changes: &Changes,
    ) -> Result<T> {
        changes.check()?;
        let path = format!("{base}/{}", segment(what, id)?);
        self.session
            .patch(&path)
            .json(changes)
            .send()
            .await?
            .json()
            .await
    }

    /// `GET datasources`: every database instance.
    ///
    /// # Errors
    /// [`Error::Api`] (no right to list); [`Error::Transport`]; [`Error::Decode`].
    pub async fn instances(&self) -> Result<Vec<DatasourceInstance>> {
        self.list("datasources").await
    }

    /// `GET datasources/{id}`.
    ///
    /// # Errors
    /// [`Error::Api`] (`ERR004` for an unknown id); [`Error::Transport`]; [`Error::Decode`].
    pub async fn instance(&self, id: &str) -> Result<DatasourceInstance> {
        self.one("datasources", "datasource id", id).await
    }

    /// `POST datasources`: creates a database instance from its definition.
    ///
    /// # Errors
    /// [`Error::Api`] when the server refuses it (`ERR005`: the name is taken); [`Error::Transport`].
    pub async fn create_instance<B: Serialize + ?Sized + Sync>(
        &self,
        definition: &B,
    ) -> Result<DatasourceInstance> {
        self.create("datasources", definition).await
    }

    /// `PATCH datasources/{id}`.
    ///
    /// # Errors
    /// [`Error::Config`] for no change; as [`instance`](Self::instance).
    pub async fn update_instance(&self, id: &str, changes: &Changes) -> Result<DatasourceInstance> {
        self.patch("datasources", "datasource id", id, changes)
            .await
    }

    /// `GET datasources/connections`.
    ///
    /// # Errors
    /// As [`instances`](Self::instances).
    pub async fn connections(&self) -> Result<Vec<DatasourceConnection>> {
        self.list("datasources/connections").await
    }

    /// `GET datasources/connections/{id}`.
    ///
    /// # Errors
    /// As [`instance`](Self::instance).
    pub async fn connection(&self, id: &str) -> Result<DatasourceConnection> {
        self.one("datasources/connections", "connection id", id)
            .await
    }

    /// `POST datasources/connections`.
    ///
    /// # Errors
    /// As [`create_instance`](Self::create_instance).
    pub async fn create_connection<B: Serialize + ?Sized + Sync>(
        &self,
        definition: &B,
    ) -> Result<DatasourceConnection> {
        self.create("datasources/connections", definition).await
    }

    /// `PATCH datasources/connections/{id}`.
    ///
    /// # Errors
    /// As [`update_instance`](Self::update_instance).
    pub async fn update_connection(
        &self,
        id: &str,
        changes: &Changes,
    ) -> Result<DatasourceConnection> {
        self.patch("datasources/connections", "connection id", id, changes)
            .await
    }

    /// `GET datasources/logins`.
    ///
    /// # Errors
    /// As [`instances`](Self::instances).
    pub async fn logins(&self) -> Result<Vec<DatasourceLogin>> {
        self.list("datasources/logins").await
    }

    /// `GET datasources/logins/{id}`.
    ///
    /// # Errors
    /// As [`instance`](Self::instance).
    pub async fn login(&self, id: &str) -> Result<DatasourceLogin> {
        self.one("datasources/logins", "login id", id).await
    }

    /// `POST datasources/logins`.
    ///
    /// # Errors
    /// As [`create_instance`](Self::create_instance).
    pub async fn create_login(&self, login: &NewDatasourceLogin) -> Result<DatasourceLogin> {
        self.create("datasources/logins", login).await
    }

    /// `PATCH datasources/logins/{id}` (not the password: see
    /// [`rotate_login_password`](Self::rotate_login_password)).
    ///
    /// # Errors
    /// As [`update_instance`](Self::update_instance).
    pub async fn update_login(&self, id: &str, changes: &Changes) -> Result<DatasourceLogin> {
        self.patch("datasources/logins", "login id", id, changes)
            .await
    }

    /// Resolves `source` (an environment variable, a file, a cloud secret …) and sets it as
    /// the database login's password: one `PATCH datasources/logins/{id}` replacing
    /// `/password`. The secret is never logged nor put in an error, and is not kept.
    ///
    /// # Errors
    /// [`Error::Credential`] naming the source when it cannot be resolved (nothing is
    /// sent); [`Error::Api`] (unknown login, no right); [`Error::Transport`].
    pub async fn rotate_login_password<P: SecretSource + ?Sized>(
        &self,
        id: &str,
        source: &P,
    ) -> Result<()> {
        let path = format!("datasources/logins/{}", segment("login id", id)?);
        let password = source
            .resolve()
            .await
            .map_err(|e| Error::Credential(e.for_field("database login password")))?;
        let body = json!({"operationList": [
            {"op": "replace", "path": "/password", "value": password.expose_secret()}
        ]});
        tracing::debug!(login = id, source = %source.describe(), "rotating a database login's password");
        self.session.patch(&path).json(&body).send().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_login_debug_hides_the_password() {
        let login = NewDatasourceLogin::new("w", "etl", "hunter2");
        assert!(!format!("{login:?}").contains("hunter2"));
        assert_eq!(
            serde_json::to_value(&login).unwrap()["password"],
            "hunter2",
            "the server still receives it"
        );
    }

    #[test]
    fn changes_refuse_passwords_and_emptiness() {
        let e = Changes::new()
            .replace("/password", "x")
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("rotate_login_password"), "{e}");
        assert!(Changes::new().check().is_err());
        assert_eq!(
            serde_json::to_value(Changes::new().name("n")).unwrap(),
            json!({"operationList": [{"op": "replace", "path": "/name", "value": "n"}]})
        );
    }
}
