#![cfg_attr(docsrs, feature(doc_cfg))]
//! The typed REST API families of [mstr-rest](https://docs.rs/mstr-rest), one module per
//! family as the [REST API Explorer](https://demo.microstrategy.com/MicroStrategyLibrary/api-docs/)
//! names them, on top of a logged-in [`Session`](mstr_rest_session::Session):
//!
//! | module | family | entry point |
//! |---|---|---|
//! | [`reports`] | Reports (JSON Data API v2) | [`ReportsApi::report`](reports::ReportsApi::report) |
//! | [`cubes`] | Cubes: data, publish and wait | [`CubesApi::cube`](cubes::CubesApi::cube), [`CubesApi::cubes`](cubes::CubesApi::cubes) |
//! | [`documents`] | Dossiers and Documents: definition, PDF/Excel/CSV export | [`DocumentsApi::dossier`](documents::DocumentsApi::dossier) |
//! | [`prompts`] | Prompts | [`ReportQuery::answer`](reports::ReportQuery::answer), [`Instance::prompts`](reports::Instance::prompts) |
//! | [`datasets`] | Datasets (push) | [`DatasetsApi::datasets`](datasets::DatasetsApi::datasets) |
//! | [`browsing`] | Browsing: folders and search | [`BrowsingApi`](browsing::BrowsingApi) |
//! | [`objects`] | Object Management | [`ObjectsApi::objects`](objects::ObjectsApi::objects) |
//! | [`library`] | Library: items, publish/unpublish | [`LibraryApi`](library::LibraryApi) |
//! | [`modeling`] | Modeling through changesets | [`ModelingApi::changeset`](modeling::ModelingApi::changeset) |
//! | [`datasources`] | Datasource Management: instances, connections, logins | [`DatasourcesApi::datasources`](datasources::DatasourcesApi::datasources) |
//! | [`migrations`] | Migration packages: create, download, upload, import | [`MigrationsApi::packages`](migrations::MigrationsApi::packages) |
//! | [`emails`] | Emails, transmitters | [`EmailsApi`](emails::EmailsApi) |
//! | [`quotas`] | Project and user Data Import quotas | [`QuotasApi::quotas`](quotas::QuotasApi::quotas) |
//! | [`users`] | User Management | [`UsersApi`](users::UsersApi) |
//! | [`security`] | Security Roles, Security Filters | [`SecurityApi`](security::SecurityApi) |
//! | [`blocking`] (feature `blocking`) | all of the above, blocking | [`blocking::Session`] |
//!
//! Projects and authentication are the session's own
//! ([`Session::projects`](mstr_rest_session::Session::projects),
//! [`Session::project`](mstr_rest_session::Session::project),
//! [`Session::login`](mstr_rest_session::Session::login), …). Everything else stays
//! reachable through `session.get(path)`.
//!
//! Layers: `mstr-rest` (facade) → **`mstr-rest-api`** → cloud crates → `mstr-rest-session`
//! → `mstr-rest-core` → `mstr-rest-error`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Numbers chosen by a server or a user never overflow: arithmetic is checked or saturating
// (tests and benches may use plain operators).
#![cfg_attr(not(test), warn(clippy::arithmetic_side_effects))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
pub mod browsing;
pub mod cubes;
pub mod datasets;
pub mod datasources;
pub mod documents;
mod download;
pub mod emails;
pub mod library;
pub mod migrations;
pub mod modeling;
pub mod objects;
mod poll;
pub mod prompts;
pub mod quotas;
pub mod reports;
pub mod security;
mod task;
pub mod users;
