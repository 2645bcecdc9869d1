//! The Modeling service through changesets: attributes, facts, metrics, filters, prompts,
//! custom groups, consolidations and derived elements, read, created and updated inside a
//! changeset (`X-MSTR-MS-Changeset`), then committed as one transaction or abandoned.
//!
//! [`ModelingApi::changeset`] is the safe form: it commits when the closure succeeds and
//! abandons the changeset when it fails or panics. A [`Changeset`] dropped without
//! [`commit`](Changeset::commit) or [`abandon`](Changeset::abandon) is abandoned in the
//! background — never left half applied.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_session::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest_api::modeling::{ModelKind, ModelingApi};
//! use mstr_rest_session::{Credentials, Session};
//! use serde_json::json;
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! let project = "B19DEDCC11D4E0EFC000EB9495D0F44F";
//!
//! let metric = session
//!     .changeset(project, |cs| async move {
//!         cs.objects(ModelKind::Metrics)
//!             .create(&json!({
//!                 "information": {"name": "Revenue per order", "subType": "metric",
//!                                 "destinationFolderId": "98FE182C2A10427EACE0CD30B6768258"},
//!                 "expression": {"text": "Sum(Revenue) / Count(Order)"}
//!             }))
//!             .await
//!     })
//!     .await?;
//! assert_eq!(metric.information.name, "Revenue per order");
//! # Ok(()) }
//! ```

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::FutureExt;
use mstr_rest_core::{RequestBuilder, segment};
use mstr_rest_session::{Error, Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The header naming the changeset a modeling call works in.
pub const CHANGESET_HEADER: &str = "X-MSTR-MS-Changeset";

/// The kinds of modeling objects a changeset reads and writes (`model/{kind}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelKind {
    /// `model/attributes`
    Attributes,
    /// `model/facts`
    Facts,
    /// `model/metrics`
    Metrics,
    /// `model/filters`
    Filters,
    /// `model/prompts`
    Prompts,
    /// `model/customGroups`
    CustomGroups,
    /// `model/consolidations`
    Consolidations,
    /// `model/derivedElements`
    DerivedElements,
}

impl ModelKind {
    /// The path segment after `model/`.
    pub fn path(self) -> &'static str {
        match self {
            ModelKind::Attributes => "attributes",
            ModelKind::Facts => "facts",
            ModelKind::Metrics => "metrics",
            ModelKind::Filters => "filters",
            ModelKind::Prompts => "prompts",
            ModelKind::CustomGroups => "customGroups",
            ModelKind::Consolidations => "consolidations",
            ModelKind::DerivedElements => "derivedElements",
        }
    }

    /// The object's name in messages.
    fn noun(self) -> &'static str {
        match self {
            ModelKind::Attributes => "attribute",
            ModelKind::Facts => "fact",
            ModelKind::Metrics => "metric",
            ModelKind::Filters => "filter",
            ModelKind::Prompts => "prompt",
            ModelKind::CustomGroups => "custom group",
            ModelKind::Consolidations => "consolidation",
            ModelKind::DerivedElements => "derived element",
        }
    }
}

/// The `information` block every modeling object has — the stable part of its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Information {
    /// The object's id (absent before the server assigns it).
    #[serde(default)]
    pub object_id: Option<String>,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The modeling subtype (`attribute`, `metric`, `filter` …).
    #[serde(default)]
    pub sub_type: Option<String>,
    /// The folder the object lives in.
    #[serde(default)]
    pub destination_folder_id: Option<String>,
    /// The version, which changes on every saved edit.
    #[serde(default)]
    pub version_id: Option<String>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A modeling object as the server answers it: the typed [`Information`], and the rest of
/// its definition (forms, expressions, elements …) as it came, to pass back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelObject {
    /// Id, name, subtype, folder, version.
    pub information: Information,
    /// The definition besides `information`, as the server sent it.
    #[serde(flatten)]
    pub definition: Map<String, Value>,
}

/// A changeset's state, as `POST model/changesets` answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChangesetInfo {
    /// The changeset id.
    pub id: String,
    /// `Ready`, …
    #[serde(default)]
    pub status: Option<String>,
    /// Whether schema objects may be changed (then reload the schema after the commit).
    #[serde(default)]
    pub schema_edit: bool,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Modeling calls: `use mstr_rest_api::modeling::ModelingApi;` (or the facade's prelude).
pub trait ModelingApi {
    /// `POST model/changesets` in a project: a changeset to work in by hand. Prefer
    /// [`changeset`](Self::changeset), which always ends it.
    fn open_changeset(&self, project_id: &str) -> impl Future<Output = Result<Changeset>> + Send;

    /// Runs `work` in a new changeset of the project, then commits it when `work` returns
    /// `Ok` and abandons it when `work` returns an error or panics (the panic then goes on).
    /// Returns `work`'s value.
    ///
    /// # Errors
    /// `work`'s error (after the abandon); the commit's error ([`Error::Api`] when the
    /// server refuses the changes — the changeset is then abandoned too);
    /// [`Error::Transport`].
    fn changeset<F, Fut, T>(
        &self,
        project_id: &str,
        work: F,
    ) -> impl Future<Output = Result<T>> + Send
    where
        F: FnOnce(Changeset) -> Fut + Send,
        Fut: Future<Output = Result<T>> + Send,
        T: Send;

    /// `GET model/{kind}/{id}` outside any changeset: the object as committed.
    fn model_object(
        &self,
        project_id: &str,
        kind: ModelKind,
        id: &str,
    ) -> impl Future<Output = Result<ModelObject>> + Send;
}

impl ModelingApi for Session {
    fn open_changeset(&self, project_id: &str) -> impl Future<Output = Result<Changeset>> + Send {
        Changeset::open(self.clone(), project_id.to_owned(), false)
    }

    fn changeset<F, Fut, T>(
        &self,
        project_id: &str,
        work: F,
    ) -> impl Future<Output = Result<T>> + Send
    where
        F: FnOnce(Changeset) -> Fut + Send,
        Fut: Future<Output = Result<T>> + Send,
        T: Send,
    {
        let session = self.clone();
        let project_id = project_id.to_owned();
        async move {
            let cs = Changeset::open(session, project_id, false).await?;
            let handle = cs.clone();
            match AssertUnwindSafe(work(cs)).catch_unwind().await {
                Ok(Ok(value)) => {
                    handle.commit().await?;
                    Ok(value)
                }
                Ok(Err(e)) => {
                    handle.abandon_logged().await;
                    Err(e)
                }
                Err(panic) => {
                    handle.abandon_logged().await;
                    std::panic::resume_unwind(panic)
                }
            }
        }
    }

    fn model_object(
        &self,
        project_id: &str,
        kind: ModelKind,
        id: &str,
    ) -> impl Future<Output = Result<ModelObject>> + Send {
        let request = object_path(kind, id).map(|p| self.get(&p).project(project_id));
        async move { request?.send().await?.json().await }
    }
}

fn object_path(kind: ModelKind, id: &str) -> Result<String> {
    Ok(format!(
        "model/{}/{}",
        kind.path(),
        segment(&format!("{} id", kind.noun()), id)?
    ))
}

/// Ends the changeset on the server when the last handle goes without an explicit end.
#[derive(Debug)]
struct Guard {
    session: Session,
    id: String,
    ended: AtomicBool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.ended.load(Ordering::Acquire) {
            return;
        }
        let Ok(path) = changeset_path(&self.id) else {
            return;
        };
        let request = self
            .session
            .delete(&path)
            .header(CHANGESET_HEADER, self.id.as_str());
        let id = std::mem::take(&mut self.id);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    match request.send().await {
                        Ok(_) => tracing::debug!(changeset = %id, "abandoned a dropped changeset"),
                        Err(e) => {
                            tracing::warn!(changeset = %id, error = %e, "abandoning a dropped changeset failed; the server expires it")
                        }
                    }
                });
            }
            Err(_) => tracing::warn!(
                changeset = %id,
                "a changeset was dropped outside a runtime; it was never committed and the server expires it"
            ),
        }
    }
}

fn changeset_path(id: &str) -> Result<String> {
    Ok(format!("model/changesets/{}", segment("changeset id", id)?))
}

/// An open changeset. Clones share it; nothing is applied until [`commit`](Self::commit).
#[derive(Debug, Clone)]
pub struct Changeset {
    guard: Arc<Guard>,
    project_id: String,
    info: Arc<ChangesetInfo>,
}

impl Changeset {
    /// `POST model/changesets?schemaEdit=…`.
    async fn open(session: Session, project_id: String, schema_edit: bool) -> Result<Changeset> {
        let info: ChangesetInfo = session
            .post("model/changesets")
            .project(&project_id)
            .query(&[("schemaEdit", schema_edit)])
            .send()
            .await?
            .json()
            .await?;
        if segment("changeset id", &info.id).is_err() {
            return Err(Error::decode(format!(
                "the server opened a changeset with the id {:?}, which is not an id",
                info.id
            )));
        }
        Ok(Changeset {
            guard: Arc::new(Guard {
                session,
                id: info.id.clone(),
                ended: AtomicBool::new(false),
            }),
            project_id,
            info: Arc::new(info),
        })
    }

    /// The changeset's id (what `X-MSTR-MS-Changeset` carries).
    pub fn id(&self) -> &str {
        &self.info.id
    }

    /// What the server said when it opened the changeset.
    pub fn info(&self) -> &ChangesetInfo {
        &self.info
    }

    /// The project the changeset belongs to.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// A request in this changeset to any modeling path (for objects this module does not
    /// type: tables, hierarchies, transformations …).
    pub fn request(&self, method: mstr_rest_core::Method, path: &str) -> RequestBuilder {
        self.guard
            .session
            .request(method, path)
            .header(CHANGESET_HEADER, self.info.id.as_str())
    }

    /// The objects of one kind, in this changeset.
    pub fn objects(&self, kind: ModelKind) -> ModelObjects<'_> {
        ModelObjects {
            changeset: self,
            kind,
        }
    }

    fn end(&self) -> bool {
        !self.guard.ended.swap(true, Ordering::AcqRel)
    }

    /// `POST model/changesets/{id}/commit`, then `DELETE model/changesets/{id}`: applies
    /// every change as one transaction. If the server refuses the commit, the changeset
    /// is abandoned and the refusal returned.
    ///
    /// # Errors
    /// [`Error::Api`] (the server's validation errors); [`Error::Transport`];
    /// [`Error::Config`] when the changeset was already committed or abandoned.
    pub async fn commit(self) -> Result<ChangesetInfo> {
        if !self.end() {
            return Err(self.ended_already());
        }
        let path = changeset_path(self.id())?;
        let committed = self
            .request(mstr_rest_core::Method::POST, &format!("{path}/commit"))
            .send()
            .await;
        let deleted = self.delete().await;
        let info: ChangesetInfo = committed?.json().await?;
        if let Err(e) = deleted {
            tracing::debug!(changeset = self.id(), error = %e, "deleting the committed changeset failed; the server expires it");
        }
        Ok(info)
    }

    /// `DELETE model/changesets/{id}`: drops every change.
    ///
    /// # Errors
    /// [`Error::Api`]; [`Error::Transport`]; [`Error::Config`] when the changeset was
    /// already committed or abandoned.
    pub async fn abandon(self) -> Result<()> {
        if !self.end() {
            return Err(self.ended_already());
        }
        self.delete().await
    }

    async fn abandon_logged(&self) {
        if self.end()
            && let Err(e) = self.delete().await
        {
            tracing::warn!(changeset = self.id(), error = %e, "abandoning the changeset failed; the server expires it");
        }
    }

    async fn delete(&self) -> Result<()> {
        self.request(mstr_rest_core::Method::DELETE, &changeset_path(self.id())?)
            .send()
            .await
            .map(drop)
    }

    fn ended_already(&self) -> Error {
        Error::config(format!(
            "changeset {} was already committed or abandoned; open a new one",
            self.id()
        ))
    }
}

/// The objects of one [`ModelKind`] in a [`Changeset`].
#[derive(Debug, Clone, Copy)]
pub struct ModelObjects<'a> {
    changeset: &'a Changeset,
    kind: ModelKind,
}

impl ModelObjects<'_> {
    /// `GET model/{kind}/{id}`: the object as this changeset sees it.
    ///
    /// # Errors
    /// [`Error::Api`] (`ERR004` for an unknown id); [`Error::Transport`]; [`Error::Decode`].
    pub async fn get(&self, id: &str) -> Result<ModelObject> {
        self.changeset
            .request(mstr_rest_core::Method::GET, &object_path(self.kind, id)?)
            .send()
            .await?
            .json()
            .await
    }

    /// `POST model/{kind}`: creates an object from its definition (a [`ModelObject`], a
    /// `serde_json::Value`, or a type of your own).
    ///
    /// # Errors
    /// [`Error::Api`] when the server refuses the definition; [`Error::Transport`].
    pub async fn create<B: Serialize + ?Sized + Sync>(
        &self,
        definition: &B,
    ) -> Result<ModelObject> {
        self.changeset
            .request(
                mstr_rest_core::Method::POST,
                &format!("model/{}", self.kind.path()),
            )
            .json(definition)
            .send()
            .await?
            .json()
            .await
    }

    /// `PUT model/{kind}/{id}`: replaces the object's definition.
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub async fn update<B: Serialize + ?Sized + Sync>(
        &self,
        id: &str,
        definition: &B,
    ) -> Result<ModelObject> {
        self.changeset
            .request(mstr_rest_core::Method::PUT, &object_path(self.kind, id)?)
            .json(definition)
            .send()
            .await?
            .json()
            .await
    }
}
