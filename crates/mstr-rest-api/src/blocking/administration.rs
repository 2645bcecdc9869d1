//! The families that run jobs on the server — cube publishing, dossier and document
//! exports, datasources, Library publishing, migration packages, emails, quotas — on the
//! blocking session. Files stream to any [`std::io::Write`] a few chunks at a time.

use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use mstr_rest_session::{Result, SecretSource};

use super::Session;
use crate::cubes::{CubeStatus, Cubes, PublishJob};
use crate::datasources::{
    Changes, DatasourceConnection, DatasourceInstance, DatasourceLogin, Datasources,
    NewDatasourceLogin,
};
use crate::documents::{Document, DossierDefinition, Export, Kind};
use crate::download::{CHUNKS_AHEAD, write_chunks_blocking};
use crate::emails::{Email, EmailsApi, Transmitter};
use crate::library::Publishing;
use crate::migrations::{Binary, Import, Package, PackageDefinition, Packages};
use crate::quotas::{Quotas, UserQuota};

/// One blocking method per async one: the handle is re-made on the async session, the
/// arguments are carried to the session's thread (`str`: borrowed here, owned there;
/// `val`: copied; `refd`: cloned), and the call waits for the answer.
macro_rules! mirror {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($mode:ident $arg:ident: $ty:ty),*) -> $ret:ty;
    )*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        /// As the async method of the same name.
        pub fn $name(&self, $($arg: mirror!(@param $mode $ty)),*) -> Result<$ret> {
            let handle = self.on(self.session.as_async().clone());
            $(let $arg = mirror!(@carry $mode $arg);)*
            self.session
                .wait(async move { handle.$name($(mirror!(@pass $mode $arg)),*).await })
        }
    )*};
    (@param str $ty:ty) => { &str };
    (@param val $ty:ty) => { $ty };
    (@param refd $ty:ty) => { &$ty };
    (@carry str $arg:ident) => { $arg.to_owned() };
    (@carry val $arg:ident) => { $arg };
    (@carry refd $arg:ident) => { $arg.clone() };
    (@pass str $arg:ident) => { &$arg };
    (@pass val $arg:ident) => { $arg };
    (@pass refd $arg:ident) => { &$arg };
}

impl Session {
    /// Cube publishing in a project, as [`CubesApi::cubes`](crate::cubes::CubesApi::cubes).
    pub fn cubes(&self, project_id: &str) -> Cubes<Session> {
        Cubes::new(self.clone(), project_id)
    }

    /// A dossier, as [`DocumentsApi::dossier`](crate::documents::DocumentsApi::dossier).
    pub fn dossier(&self, id: &str) -> Document<Session> {
        Document::new(self.clone(), Kind::Dossier, id)
    }

    /// A document, as [`DocumentsApi::document`](crate::documents::DocumentsApi::document).
    pub fn document(&self, id: &str) -> Document<Session> {
        Document::new(self.clone(), Kind::Document, id)
    }

    /// Datasources, as [`DatasourcesApi::datasources`](crate::datasources::DatasourcesApi::datasources).
    pub fn datasources(&self) -> Datasources<Session> {
        Datasources {
            session: self.clone(),
        }
    }

    /// Library publishing, as [`LibraryApi::publishing`](crate::library::LibraryApi::publishing).
    pub fn publishing(&self, project_id: &str) -> Publishing<Session> {
        Publishing::new(self.clone(), project_id)
    }

    /// Migration packages, as [`MigrationsApi::packages`](crate::migrations::MigrationsApi::packages).
    pub fn packages(&self) -> Packages<Session> {
        Packages::new(self.clone())
    }

    /// Data Import quotas, as [`QuotasApi::quotas`](crate::quotas::QuotasApi::quotas).
    pub fn quotas(&self, project_id: &str) -> Quotas<Session> {
        Quotas::new(self.clone(), project_id)
    }

    /// `POST emails`, as [`EmailsApi::send_email`].
    ///
    /// # Errors
    /// As [`EmailsApi::send_email`].
    pub fn send_email(&self, email: &Email) -> Result<()> {
        let s = self.as_async().clone();
        let email = email.clone();
        self.wait(async move { s.send_email(&email).await })
    }

    /// `GET transmitters`, as [`EmailsApi::transmitters`].
    ///
    /// # Errors
    /// As [`EmailsApi::transmitters`].
    pub fn transmitters(&self) -> Result<Vec<Transmitter>> {
        let s = self.as_async().clone();
        self.wait(async move { s.transmitters().await })
    }
}

impl Cubes<Session> {
    mirror! {
        /// `POST v2/cubes/{id}`, as [`Cubes::publish`].
        fn publish(str id: str) -> PublishJob;
        /// `HEAD cubes/{id}`, as [`Cubes::status`].
        fn status(str id: str) -> CubeStatus;
        /// Polls until published, as [`Cubes::wait_published`].
        fn wait_published(str id: str, val timeout: Duration) -> CubeStatus;
        /// Publishes and waits, as [`Cubes::publish_and_wait`].
        fn publish_and_wait(str id: str, val timeout: Duration) -> CubeStatus;
    }
}

impl Document<Session> {
    mirror! {
        /// `GET dossiers/{id}/definition`, as [`Document::definition`].
        fn definition() -> DossierDefinition;
    }
}

impl Export<Session> {
    /// Streams the exported file into `writer`, as the async [`Export::write_to`]: at most
    /// a few chunks wait between the session's thread and the writer.
    ///
    /// # Errors
    /// As [`Export::write_to`].
    pub fn write_to<W: Write + ?Sized>(self, writer: &mut W) -> Result<u64> {
        let session = self.document.session.clone();
        let export = self.on(session.as_async().clone());
        let chunks = session.iter(move |_| export.bytes_stream(), CHUNKS_AHEAD)?;
        write_chunks_blocking(chunks, writer)
    }
}

impl Binary<Session> {
    /// Streams the package file into `writer`, as the async [`Binary::write_to`].
    ///
    /// # Errors
    /// As [`Binary::write_to`].
    pub fn write_to<W: Write + ?Sized>(self, writer: &mut W) -> Result<u64> {
        let session = self.packages.session.clone();
        let binary = self.on(session.as_async().clone());
        let chunks = session.iter(move |_| binary.bytes_stream(), CHUNKS_AHEAD)?;
        write_chunks_blocking(chunks, writer)
    }
}

impl Datasources<Session> {
    mirror! {
        /// `GET datasources`, as [`Datasources::instances`].
        fn instances() -> Vec<DatasourceInstance>;
        /// `GET datasources/{id}`, as [`Datasources::instance`].
        fn instance(str id: str) -> DatasourceInstance;
        /// `PATCH datasources/{id}`, as [`Datasources::update_instance`].
        fn update_instance(str id: str, refd changes: Changes) -> DatasourceInstance;
        /// `GET datasources/connections`, as [`Datasources::connections`].
        fn connections() -> Vec<DatasourceConnection>;
        /// `GET datasources/connections/{id}`, as [`Datasources::connection`].
        fn connection(str id: str) -> DatasourceConnection;
        /// `PATCH datasources/connections/{id}`, as [`Datasources::update_connection`].
        fn update_connection(str id: str, refd changes: Changes) -> DatasourceConnection;
        /// `GET datasources/logins`, as [`Datasources::logins`].
        fn logins() -> Vec<DatasourceLogin>;
        /// `GET datasources/logins/{id}`, as [`Datasources::login`].
        fn login(str id: str) -> DatasourceLogin;
        /// `POST datasources/logins`, as [`Datasources::create_login`].
        fn create_login(refd login: NewDatasourceLogin) -> DatasourceLogin;
        /// `PATCH datasources/logins/{id}`, as [`Datasources::update_login`].
        fn update_login(str id: str, refd changes: Changes) -> DatasourceLogin;
    }

    /// `POST datasources`, as [`Datasources::create_instance`].
    ///
    /// # Errors
    /// As [`Datasources::create_instance`], plus [`Error::Config`](mstr_rest_session::Error::Config)
    /// when `definition` does not serialize.
    pub fn create_instance<B: serde::Serialize + ?Sized>(
        &self,
        definition: &B,
    ) -> Result<DatasourceInstance> {
        let handle = self.on(self.session.as_async().clone());
        let body = to_value(definition)?;
        self.session
            .wait(async move { handle.create_instance(&body).await })
    }

    /// `POST datasources/connections`, as [`Datasources::create_connection`].
    ///
    /// # Errors
    /// As [`create_instance`](Self::create_instance).
    pub fn create_connection<B: serde::Serialize + ?Sized>(
        &self,
        definition: &B,
    ) -> Result<DatasourceConnection> {
        let handle = self.on(self.session.as_async().clone());
        let body = to_value(definition)?;
        self.session
            .wait(async move { handle.create_connection(&body).await })
    }

    /// Sets a database login's password from `source`, as
    /// [`Datasources::rotate_login_password`]. The source moves to the session's thread,
    /// where it is resolved.
    ///
    /// # Errors
    /// As [`Datasources::rotate_login_password`].
    pub fn rotate_login_password<P>(&self, id: &str, source: P) -> Result<()>
    where
        P: SecretSource + 'static,
    {
        let handle = self.on(self.session.as_async().clone());
        let id = id.to_owned();
        self.session
            .wait(async move { handle.rotate_login_password(&id, &source).await })
    }
}

/// A body serialized on the caller's thread, so that borrowed definitions need not travel.
pub(crate) fn to_value<B: serde::Serialize + ?Sized>(body: &B) -> Result<serde_json::Value> {
    serde_json::to_value(body).map_err(|e| {
        mstr_rest_session::Error::config(format!("the definition does not serialize to JSON: {e}"))
    })
}

impl Publishing<Session> {
    /// `POST library`, as [`Publishing::publish`].
    ///
    /// # Errors
    /// As [`Publishing::publish`].
    pub fn publish<I, R>(&self, id: &str, recipients: I) -> Result<()>
    where
        I: IntoIterator<Item = R>,
        R: AsRef<str>,
    {
        let handle = self.on(self.session.as_async().clone());
        let id = id.to_owned();
        let recipients: Vec<String> = recipients
            .into_iter()
            .map(|r| r.as_ref().to_owned())
            .collect();
        self.session
            .wait(async move { handle.publish(&id, &recipients).await })
    }

    mirror! {
        /// `DELETE library/{id}`, as [`Publishing::unpublish`].
        fn unpublish(str id: str) -> ();
        /// `DELETE library/{id}/recipients/{recipient}`, as [`Publishing::unpublish_from`].
        fn unpublish_from(str id: str, str recipient_id: str) -> ();
    }
}

impl Packages<Session> {
    mirror! {
        /// Creates and builds a package, as [`Packages::create`].
        fn create(refd definition: PackageDefinition) -> Package;
        /// `GET packages/{id}`, as [`Packages::get`].
        fn get(str id: str) -> Package;
        /// Imports a package and waits, as [`Packages::import`].
        fn import(str package_id: str, val undo: bool) -> Import;
        /// `DELETE packages/{id}`, as [`Packages::delete`].
        fn delete(str id: str) -> ();
        /// `DELETE packages/imports/{id}`, as [`Packages::delete_import`].
        fn delete_import(str import_id: str) -> ();
    }
}

impl Packages<Session> {
    /// Uploads a package file, as [`Packages::upload`].
    ///
    /// # Errors
    /// As [`Packages::upload`].
    pub fn upload(&self, file: impl Into<Bytes>) -> Result<Package> {
        let handle = self.on(self.session.as_async().clone());
        let file: Bytes = file.into();
        self.session.wait(async move { handle.upload(file).await })
    }
}

impl Quotas<Session> {
    mirror! {
        /// `GET projects/{id}/quotas`, as [`Quotas::project`].
        fn project() -> f64;
        /// `PUT projects/{id}/quotas`, as [`Quotas::set_project`].
        fn set_project(val mb: f64) -> ();
        /// `GET projects/{id}/users/quotas`, as [`Quotas::users`].
        fn users() -> Vec<UserQuota>;
        /// `PUT projects/{id}/users/{userId}/quotas`, as [`Quotas::set_user`].
        fn set_user(str user_id: str, val mb: f64) -> ();
    }
}
