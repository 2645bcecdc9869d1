//! Changesets on the blocking session: the same commit-or-abandon rules as
//! [`ModelingApi::changeset`](crate::modeling::ModelingApi::changeset), with a closure
//! that blocks.

use std::panic::AssertUnwindSafe;

use mstr_rest_session::Result;
use serde::Serialize;

use super::Session;
use super::administration::to_value;
use crate::modeling::{self, ChangesetInfo, ModelKind, ModelObject, ModelingApi};

/// An open changeset on the blocking session. Dropped without
/// [`commit`](Self::commit) or [`abandon`](Self::abandon), it is abandoned (the drop waits
/// for the server's answer).
#[derive(Debug)]
pub struct Changeset {
    inner: Option<modeling::Changeset>,
    session: Session,
}

impl Drop for Changeset {
    fn drop(&mut self) {
        // As a blocking session logs out when dropped: wait for the abandon, so that the
        // session's thread cannot stop before it is sent.
        if let Some(inner) = self.inner.take()
            && let Err(e) = self.session.wait(async move { inner.abandon().await })
        {
            tracing::warn!(error = %e, "abandoning a dropped changeset failed; the server expires it");
        }
    }
}

impl Session {
    /// `POST model/changesets`, as [`ModelingApi::open_changeset`].
    ///
    /// # Errors
    /// As [`ModelingApi::open_changeset`].
    pub fn open_changeset(&self, project_id: &str) -> Result<Changeset> {
        let s = self.as_async().clone();
        let project_id = project_id.to_owned();
        let inner = self.wait(async move { s.open_changeset(&project_id).await })?;
        Ok(Changeset {
            inner: Some(inner),
            session: self.clone(),
        })
    }

    /// Runs `work` in a new changeset, then commits it when `work` returns `Ok` and
    /// abandons it when `work` returns an error or panics (the panic then goes on), as
    /// [`ModelingApi::changeset`].
    ///
    /// # Errors
    /// As [`ModelingApi::changeset`].
    pub fn changeset<T>(
        &self,
        project_id: &str,
        work: impl FnOnce(&Changeset) -> Result<T>,
    ) -> Result<T> {
        let cs = self.open_changeset(project_id)?;
        match std::panic::catch_unwind(AssertUnwindSafe(|| work(&cs))) {
            Ok(Ok(value)) => {
                cs.commit()?;
                Ok(value)
            }
            Ok(Err(e)) => {
                if let Err(abandon) = cs.abandon() {
                    tracing::warn!(error = %abandon, "abandoning the changeset failed; the server expires it");
                }
                Err(e)
            }
            Err(panic) => {
                if let Err(abandon) = cs.abandon() {
                    tracing::warn!(error = %abandon, "abandoning the changeset failed; the server expires it");
                }
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// `GET model/{kind}/{id}` outside any changeset, as [`ModelingApi::model_object`].
    ///
    /// # Errors
    /// As [`ModelingApi::model_object`].
    pub fn model_object(&self, project_id: &str, kind: ModelKind, id: &str) -> Result<ModelObject> {
        let s = self.as_async().clone();
        let (project_id, id) = (project_id.to_owned(), id.to_owned());
        self.wait(async move { s.model_object(&project_id, kind, &id).await })
    }
}

impl Changeset {
    fn inner(&self) -> &modeling::Changeset {
        self.inner
            .as_ref()
            .expect("present until the changeset is ended or dropped")
    }

    /// The changeset's id.
    pub fn id(&self) -> &str {
        self.inner().id()
    }

    /// What the server said when it opened the changeset.
    pub fn info(&self) -> &ChangesetInfo {
        self.inner().info()
    }

    /// The objects of one kind, in this changeset.
    pub fn objects(&self, kind: ModelKind) -> ModelObjects<'_> {
        ModelObjects {
            changeset: self,
            kind,
        }
    }

    /// Commits, as [`modeling::Changeset::commit`].
    ///
    /// # Errors
    /// As [`modeling::Changeset::commit`].
    pub fn commit(mut self) -> Result<ChangesetInfo> {
        let inner = self.inner.take().expect("present until ended");
        self.session.wait(async move { inner.commit().await })
    }

    /// Abandons, as [`modeling::Changeset::abandon`].
    ///
    /// # Errors
    /// As [`modeling::Changeset::abandon`].
    pub fn abandon(mut self) -> Result<()> {
        let inner = self.inner.take().expect("present until ended");
        self.session.wait(async move { inner.abandon().await })
    }
}

/// The objects of one [`ModelKind`] in a blocking [`Changeset`].
#[derive(Debug, Clone, Copy)]
pub struct ModelObjects<'a> {
    changeset: &'a Changeset,
    kind: ModelKind,
}

impl ModelObjects<'_> {
    /// `GET model/{kind}/{id}` in the changeset, as [`modeling::ModelObjects::get`].
    ///
    /// # Errors
    /// As [`modeling::ModelObjects::get`].
    pub fn get(&self, id: &str) -> Result<ModelObject> {
        let (cs, kind, id) = (self.changeset.inner().clone(), self.kind, id.to_owned());
        self.changeset
            .session
            .wait(async move { cs.objects(kind).get(&id).await })
    }

    /// `POST model/{kind}`, as [`modeling::ModelObjects::create`].
    ///
    /// # Errors
    /// As [`modeling::ModelObjects::create`], plus [`Error::Config`](mstr_rest_session::Error::Config)
    /// when `definition` does not serialize.
    pub fn create<B: Serialize + ?Sized>(&self, definition: &B) -> Result<ModelObject> {
        let (cs, kind, body) = (
            self.changeset.inner().clone(),
            self.kind,
            to_value(definition)?,
        );
        self.changeset
            .session
            .wait(async move { cs.objects(kind).create(&body).await })
    }

    /// `PUT model/{kind}/{id}`, as [`modeling::ModelObjects::update`].
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub fn update<B: Serialize + ?Sized>(&self, id: &str, definition: &B) -> Result<ModelObject> {
        let (cs, kind, body) = (
            self.changeset.inner().clone(),
            self.kind,
            to_value(definition)?,
        );
        let id = id.to_owned();
        self.changeset
            .session
            .wait(async move { cs.objects(kind).update(&id, &body).await })
    }
}
