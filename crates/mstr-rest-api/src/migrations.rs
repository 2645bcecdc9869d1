//! Migration packages: create a package of objects in one environment, download it, upload
//! it to another and import it there, polling each asynchronous step (`Prefer:
//! respond-async`) to completion (`packages`, `packages/{id}/binary`, `packages/imports`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let dev = mstr_rest_emulator::Emulator::start().await;
//! # let prod = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::migrations::{Action, MigrationsApi, PackageDefinition};
//! use mstr_rest_api::objects::ObjectType;
//! use mstr_rest_session::{Credentials, Session};
//!
//! let project = "B19DEDCC11D4E0EFC000EB9495D0F44F";
//! let source = Session::builder(dev.base_url()).build()?;
//! source.login(Credentials::standard("administrator", "")).await?;
//! let target = Session::builder(prod.base_url()).build()?;
//! target.login(Credentials::standard("administrator", "")).await?;
//!
//! // Package a report with its dependents, download the package …
//! let definition = PackageDefinition::project(Action::Replace)
//!     .object("A1B2C3D4E5F60718293A4B5C6D7E8F90", ObjectType::REPORT, true);
//! let package = source.packages().project(project).create(&definition).await?;
//! let mut file = Vec::new();
//! source.packages().project(project).download(&package.id).write_to(&mut file).await?;
//!
//! // … and import it into the other environment.
//! let packages = target.packages().project(project);
//! let uploaded = packages.upload(file).await?;
//! let import = packages.import(&uploaded.id, true).await?;
//! assert_eq!(import.status, "IMPORTED");
//! # Ok(()) }
//! ```

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use mstr_rest_core::{RequestBuilder, segment};
use mstr_rest_error::DeadlineError;
use mstr_rest_session::{Error, Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::io::AsyncWrite;

use crate::download::{OCTET_STREAM, file_chunks, write_chunks};
use crate::objects::ObjectType;
use crate::poll::Backoff;

/// Package and import calls: `use mstr_rest_api::migrations::MigrationsApi;` (or the
/// facade's prelude).
pub trait MigrationsApi {
    /// Migration packages (configuration packages; add `.project(id)` for project ones).
    fn packages(&self) -> Packages;
}

impl MigrationsApi for Session {
    fn packages(&self) -> Packages {
        Packages::new(self.clone())
    }
}

/// What a package holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PackageType {
    /// Objects of one project (the project header is required).
    Project,
    /// Server-level objects: users, groups, security roles … (no project header).
    Configuration,
    /// Users and groups with their project security (the project header is required).
    ProjectSecurity,
}

/// What the import does with an object that exists in the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Keep the target's object.
    UseExisting,
    /// Replace it with the package's.
    Replace,
    /// Keep both.
    KeepBoth,
    /// Keep whichever is newer.
    UseNewer,
    /// Keep whichever is older.
    UseOlder,
    /// Delete the target's object.
    ForceReplace,
}

/// One object of a package.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct PackageItem {
    id: String,
    #[serde(rename = "type")]
    object_type: ObjectType,
    action: Action,
    include_dependents: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct PackageSettings {
    default_action: Action,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    update_schema: Vec<String>,
}

/// A package's definition (the body of `PUT packages/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageDefinition {
    #[serde(rename = "type")]
    package_type: PackageType,
    settings: PackageSettings,
    content: Vec<PackageItem>,
}

impl PackageDefinition {
    /// A package of `package_type`, whose objects use `default_action` unless told.
    pub fn new(package_type: PackageType, default_action: Action) -> PackageDefinition {
        PackageDefinition {
            package_type,
            settings: PackageSettings {
                default_action,
                update_schema: Vec::new(),
            },
            content: Vec::new(),
        }
    }

    /// A project package.
    pub fn project(default_action: Action) -> PackageDefinition {
        Self::new(PackageType::Project, default_action)
    }

    /// Adds an object, with its dependents or not, under the default action.
    pub fn object(
        self,
        id: impl Into<String>,
        object_type: ObjectType,
        include_dependents: bool,
    ) -> Self {
        let action = self.settings.default_action;
        self.object_with(id, object_type, action, include_dependents)
    }

    /// Adds an object with an action of its own.
    pub fn object_with(
        mut self,
        id: impl Into<String>,
        object_type: ObjectType,
        action: Action,
        include_dependents: bool,
    ) -> Self {
        self.content.push(PackageItem {
            id: id.into(),
            object_type,
            action,
            include_dependents,
        });
        self
    }

    /// Schema updates the import runs (`recal_table_logical_size`, …; project packages).
    pub fn update_schema(mut self, steps: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.settings.update_schema = steps.into_iter().map(Into::into).collect();
        self
    }

    fn check(&self) -> Result<()> {
        if self.content.is_empty() {
            return Err(Error::config(
                "PackageDefinition: the package holds no object; add one with .object(..)",
            ));
        }
        for item in &self.content {
            segment("package object id", &item.id)?;
        }
        Ok(())
    }
}

/// A package's state (`GET packages/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Package {
    /// The package id (base64: it may hold `/`, `+` and `=`; it is percent-encoded in paths).
    pub id: String,
    /// `EMPTY`, `PROCESSING`, `READY`, `FAILED` …
    pub status: String,
    /// The objects, when the server lists them.
    #[serde(default)]
    pub content: Vec<Value>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An import's state and result (`GET packages/imports/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Import {
    /// The import id.
    pub id: String,
    /// `PROCESSING`, `IMPORTED`, `FAILED` …
    pub status: String,
    /// Percent done, as the server reports it.
    #[serde(default)]
    pub progress: Option<f64>,
    /// Whether an undo package was made ([`Packages::download_undo`]).
    #[serde(default)]
    pub undo_package_created: bool,
    /// Every other field the server sent (messages, per-object results).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Migration packages, from [`MigrationsApi::packages`].
#[derive(Debug, Clone)]
pub struct Packages<S = Session> {
    pub(crate) session: S,
    project_id: Option<String>,
    first_poll: Duration,
    max_poll: Duration,
    timeout: Duration,
}

impl<S> Packages<S> {
    pub(crate) fn new(session: S) -> Packages<S> {
        Packages {
            session,
            project_id: None,
            first_poll: Duration::from_millis(250),
            max_poll: Duration::from_secs(5),
            timeout: Duration::from_secs(1800),
        }
    }

    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Packages<T> {
        Packages {
            session,
            project_id: self.project_id.clone(),
            first_poll: self.first_poll,
            max_poll: self.max_poll,
            timeout: self.timeout,
        }
    }

    /// Project and project-security packages: the project, sent as `X-MSTR-ProjectID`.
    pub fn project(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// The first and the longest wait between polls (default 250 ms doubling up to 5 s).
    pub fn poll(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max;
        self
    }

    /// How long creating or importing a package may take (default 30 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl<S: Clone> Packages<S> {
    /// `GET packages/{id}/binary`: the package file, to stream with `write_to`.
    pub fn download(&self, id: &str) -> Binary<S> {
        Binary {
            packages: self.clone(),
            target: Target::Package(id.to_owned()),
        }
    }

    /// `GET packages/imports/{id}/undoPackage/binary`: the package that undoes an import.
    pub fn download_undo(&self, import_id: &str) -> Binary<S> {
        Binary {
            packages: self.clone(),
            target: Target::Undo(import_id.to_owned()),
        }
    }
}

/// A package file to stream: `write_to` (async here, blocking on the blocking session).
#[derive(Debug, Clone)]
#[must_use = "a download does nothing until written somewhere"]
pub struct Binary<S = Session> {
    pub(crate) packages: Packages<S>,
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    Package(String),
    Undo(String),
}

impl Target {
    fn path(&self) -> Result<String> {
        match self {
            Target::Package(id) => Ok(format!("packages/{}/binary", segment("package id", id)?)),
            Target::Undo(id) => Ok(format!(
                "packages/imports/{}/undoPackage/binary",
                segment("import id", id)?
            )),
        }
    }
}

impl<S> Binary<S> {
    #[cfg(feature = "blocking")]
    pub(crate) fn on<T>(&self, session: T) -> Binary<T> {
        Binary {
            packages: self.packages.on(session),
            target: self.target.clone(),
        }
    }
}

impl Binary {
    /// The file as chunks, as they arrive.
    pub fn bytes_stream(self) -> futures_util::stream::BoxStream<'static, Result<Bytes>> {
        let Binary { packages, target } = self;
        futures_util::stream::once(async move {
            let response = packages
                .scoped(packages.session.get(&target.path()?))
                .header("accept", OCTET_STREAM)
                .send()
                .await?;
            Ok(file_chunks(response))
        })
        .map(|r: Result<_>| match r {
            Ok(s) => s,
            Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
        })
        .flatten()
        .boxed()
    }

    /// Streams the file into `writer`, one chunk at a time, then flushes it; returns the
    /// bytes written.
    ///
    /// # Errors
    /// [`Error::Api`] (unknown package `ERR004`); [`Error::Transport`]; [`Error::Io`].
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(self, writer: &mut W) -> Result<u64> {
        write_chunks(self.bytes_stream(), writer).await
    }
}

/// A multipart/form-data boundary that cannot occur in the part's bytes (checked).
fn boundary_for(file: &[u8]) -> String {
    let mut n = 0u32;
    loop {
        let b = format!("mstr-rest-package-boundary-{n:08x}");
        if !file.windows(b.len()).any(|w| w == b.as_bytes()) {
            return b;
        }
        n = n.wrapping_add(1);
    }
}

fn multipart(file: &[u8]) -> (String, Vec<u8>) {
    let boundary = boundary_for(file);
    let mut body = Vec::with_capacity(file.len().saturating_add(256));
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"package.mmp\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Packages {
    fn scoped(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.project_id {
            Some(p) => request.project(p),
            None => request,
        }
    }

    fn package_path(id: &str) -> Result<String> {
        Ok(format!("packages/{}", segment("package id", id)?))
    }

    /// `POST packages`: an empty package holder.
    async fn holder(&self) -> Result<Package> {
        let package: Package = self
            .scoped(self.session.post("packages"))
            .send()
            .await?
            .json()
            .await?;
        segment("package id", &package.id)?;
        Ok(package)
    }

    /// Creates a package from `definition` and waits until the server has built it
    /// (`POST packages`, `PUT packages/{id}` with `Prefer: respond-async`, then
    /// `GET packages/{id}` until `READY`).
    ///
    /// # Errors
    /// [`Error::Config`] for a package with no object; [`Error::Api`] (unknown objects,
    /// no Create Package privilege); [`Error::Deadline`] naming `Packages::timeout`;
    /// [`Error::Decode`] when the build ends in another status than `READY` (the message
    /// names it).
    pub async fn create(&self, definition: &PackageDefinition) -> Result<Package> {
        definition.check()?;
        let holder = self.holder().await?;
        let path = Self::package_path(&holder.id)?;
        self.scoped(self.session.put(&path))
            .header("prefer", "respond-async")
            .json(definition)
            .send()
            .await?;
        self.wait_package(&holder.id, &path).await
    }

    async fn wait_package(&self, id: &str, path: &str) -> Result<Package> {
        let mut backoff = Backoff::new(self.first_poll, self.max_poll, self.timeout);
        loop {
            let package: Package = self
                .scoped(self.session.get(path))
                .query(&[("showContent", "false")])
                .send()
                .await?
                .json()
                .await?;
            match package.status.as_str() {
                "READY" => return Ok(package),
                "PROCESSING" | "CREATING" | "UPLOADING" => {}
                other => {
                    return Err(Error::decode(format!(
                        "package {id} ended with status {other}, not READY: {}",
                        Value::Object(package.extra)
                    )));
                }
            }
            if !backoff.wait().await {
                return Err(self.deadline(format!("package {id} to be built")));
            }
        }
    }

    fn deadline(&self, what: String) -> Error {
        Error::Deadline(DeadlineError::new(what, "Packages::timeout", self.timeout))
    }

    /// `GET packages/{id}`.
    ///
    /// # Errors
    /// [`Error::Api`] (unknown package `ERR004`); [`Error::Transport`]; [`Error::Decode`].
    pub async fn get(&self, id: &str) -> Result<Package> {
        self.scoped(self.session.get(&Self::package_path(id)?))
            .send()
            .await?
            .json()
            .await
    }

    /// Uploads a package file into a new package holder (`POST packages`, then
    /// `PUT packages/{id}/binary` as `multipart/form-data`); returns the package, ready to
    /// [`import`](Self::import). The file is sent from memory.
    ///
    /// # Errors
    /// [`Error::Api`] when the server refuses the file; [`Error::Transport`].
    pub async fn upload(&self, file: impl Into<Bytes>) -> Result<Package> {
        let file: Bytes = file.into();
        let holder = self.holder().await?;
        let (content_type, body) = multipart(&file);
        drop(file);
        let path = format!("{}/binary", Self::package_path(&holder.id)?);
        let uploaded: Package = self
            .scoped(self.session.put(&path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await?
            .json()
            .await?;
        Ok(uploaded)
    }

    /// Imports the package `id` (`POST packages/imports?packageId=…`, `Prefer:
    /// respond-async`) and polls `GET packages/imports/{importId}` until it is `IMPORTED`;
    /// returns the import with its result. `undo` asks for an undo package too.
    ///
    /// # Errors
    /// [`Error::Api`] (no Import Package privilege, unknown package);
    /// [`Error::Deadline`] naming `Packages::timeout`; [`Error::Decode`] when the import
    /// ends in another status (the message names it and what the server said).
    pub async fn import(&self, package_id: &str, undo: bool) -> Result<Import> {
        segment("package id", package_id)?;
        let started: Import = self
            .scoped(self.session.post("packages/imports"))
            .header("prefer", "respond-async")
            .query(&[("packageId", package_id)])
            .query(&[("generateUndo", undo)])
            .send()
            .await?
            .json()
            .await?;
        let path = format!("packages/imports/{}", segment("import id", &started.id)?);
        let mut backoff = Backoff::new(self.first_poll, self.max_poll, self.timeout);
        let mut import = started;
        loop {
            match import.status.as_str() {
                "IMPORTED" => return Ok(import),
                "PROCESSING" | "IMPORTING" | "CREATING" => {}
                other => {
                    return Err(Error::decode(format!(
                        "import {} of package {package_id} ended with status {other}, not IMPORTED: {}",
                        import.id,
                        Value::Object(import.extra)
                    )));
                }
            }
            if !backoff.wait().await {
                return Err(self.deadline(format!("the import of package {package_id}")));
            }
            import = self
                .scoped(self.session.get(&path))
                .send()
                .await?
                .json()
                .await?;
        }
    }

    /// `DELETE packages/{id}`: frees the package holder (the server keeps one per session).
    ///
    /// # Errors
    /// [`Error::Api`] (unknown package); [`Error::Transport`].
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.scoped(self.session.delete(&Self::package_path(id)?))
            .header("prefer", "respond-async")
            .send()
            .await?;
        Ok(())
    }

    /// `DELETE packages/imports/{id}`: forgets a finished import.
    ///
    /// # Errors
    /// As [`delete`](Self::delete).
    pub async fn delete_import(&self, import_id: &str) -> Result<()> {
        let path = format!("packages/imports/{}", segment("import id", import_id)?);
        self.scoped(self.session.delete(&path))
            .header("prefer", "respond-async")
            .send()
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_never_occurs_in_the_file() {
        let tricky = b"--mstr-rest-package-boundary-00000000 inside".to_vec();
        let (content_type, body) = multipart(&tricky);
        assert!(content_type.ends_with("boundary=mstr-rest-package-boundary-00000001"));
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with("--mstr-rest-package-boundary-00000001\r\n"));
        assert!(text.ends_with("\r\n--mstr-rest-package-boundary-00000001--\r\n"));
    }

    #[test]
    fn a_definition_needs_objects_with_ids() {
        assert!(PackageDefinition::project(Action::Replace).check().is_err());
        let bad =
            PackageDefinition::project(Action::Replace).object("..", ObjectType::REPORT, true);
        assert!(bad.check().is_err());
        let good = PackageDefinition::project(Action::UseExisting)
            .object("A1B2", ObjectType::REPORT, true)
            .object_with("C3D4", ObjectType::FOLDER, Action::Replace, false);
        assert_eq!(
            serde_json::to_value(&good).unwrap(),
            serde_json::json!({
                "type": "project",
                "settings": {"defaultAction": "use_existing"},
                "content": [
                    {"id": "A1B2", "type": 3, "action": "use_existing", "includeDependents": true},
                    {"id": "C3D4", "type": 8, "action": "replace", "includeDependents": false}
                ]
            })
        );
    }
}
