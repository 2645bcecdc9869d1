#![cfg_attr(docsrs, feature(doc_cfg))]
//! # mstr-rest
//!
//! An async, typed client for the MicroStrategy (Strategy) REST API: every login mode the
//! server allows, sessions kept and handed between processes, typed errors, and secrets
//! pulled just in time from where you keep them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest::prelude::*;
//!
//! let session = Session::builder(emulator.base_url()).build()?;
//! session.login(Credentials::standard("dave", "hellodave")).await?;
//! for project in session.projects().await? {
//!     println!("{} {}", project.id, project.name);
//! }
//! match session.get("no/such/endpoint").send().await {
//!     Err(Error::Api(e)) if e.kind() == ApiErrorKind::ResourceNotFound => println!("{e}"),
//!     other => panic!("unexpected: {other:?}"),
//! }
//! session.logout().await?;
//! # Ok(()) }
//! ```
//!
//! Context-manager style — log in on connect, log out on every way out, credentials
//! resolved lazily from any [`SecretSource`]:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest::Result<()> {
//! # let emulator = mstr_rest_emulator::Emulator::start().await;
//! use mstr_rest::prelude::*;
//! # let env = |n: &'static str| mstr_rest::env(n).with_lookup(|n| Some(if n == "MSTR_USER" { "dave" } else { "hellodave" }.into()));
//! let s = AuthenticatedSession::builder()
//!     .base_url(emulator.base_url())
//!     .username(env("MSTR_USER"))
//!     .password(env("MSTR_PASSWORD"))
//!     .connect()
//!     .await?;
//! let me = s.user_info().await?;
//! assert_eq!(me.full_name, "Dave Bowman");
//! s.close().await?;
//! # Ok(()) }
//! ```
//!
//! ## Where things live
//!
//! Every REST API family we type is a module here, named as the
//! [REST API Explorer](https://demo.microstrategy.com/MicroStrategyLibrary/api-docs/) names it;
//! its entry point is a trait the [`prelude`] brings into scope:
//!
//! | module | family | call |
//! |---|---|---|
//! | [`authentication`] | Authentication | [`Session::login`], [`AuthenticatedSession`], [`Credentials`] |
//! | [`projects`] | Projects | [`Session::projects`], [`Session::project_id`], [`Session::project`] |
//! | [`reports`] | Reports | `session.report(id)` |
//! | [`cubes`] | Cubes | `session.cube(id)` (data), `session.cubes(project).publish_and_wait(id, timeout)` |
//! | [`documents`] | Dossiers and Documents | `session.dossier(id).pdf(options).write_to(w)`, `.excel()`, `.visualization_csv(key)`, `.definition()` |
//! | [`prompts`] | Prompts | `ReportQuery::answer`, `Instance::prompts` |
//! | [`datasets`] | Datasets (push) | `session.datasets(project)` |
//! | [`browsing`] | Browsing | `session.folders(project)`, `session.search(project)` |
//! | [`objects`] | Object Management | `session.objects(project)` |
//! | [`library`] | Library | `session.library()`, `session.publishing(project).publish(id, recipients)` |
//! | [`modeling`] | Modeling (changesets) | `session.changeset(project, \|cs\| async move { .. })` |
//! | [`datasources`] | Datasource Management | `session.datasources().rotate_login_password(id, &source)` |
//! | [`migrations`] | Migration packages | `session.packages().project(p).create(&definition)`, `.download(id)`, `.upload(file)`, `.import(id, undo)` |
//! | [`emails`] | Emails (Distribution Services) | `session.send_email(&Email::new(..))`, `session.transmitters()` |
//! | [`quotas`] | Project quotas | `session.quotas(project).set_user(id, mb)` |
//! | [`users`] | User Management | `session.users()`, `session.user_groups()` |
//! | [`security`] | Security Roles and Filters | `session.security_roles()`, `session.security_filters(project)` |
//! | `blocking` (feature) | all of the above, without `.await` | `blocking::Session` |
//!
//! Any other endpoint: `session.get(path)` and friends, which send the token, the cookies
//! and, with `.project(id)`, the project header.
//!
//! ## Crate map
//!
//! | crate | holds |
//! |---|---|
//! | `mstr-rest` (this one) | curated re-exports, the family modules, and the [`prelude`] |
//! | [`mstr-rest-api`](mstr_rest_api) | the typed families and the blocking API |
//! | [`mstr-rest-session`](mstr_rest_session) | [`Session`] (token, cookies, re-login, keep-alive), [`AuthenticatedSession`], [`Credentials`], [`SecretSource`] and the generic sources |
//! | [`mstr-rest-core`](mstr_rest_core) | the transport: [`Client`], [`ClientBuilder`], [`RequestBuilder`], [`Response`], [`RetryPolicy`], the [`AuthLayer`] hook |
//! | [`mstr-rest-error`](mstr_rest_error) | [`Error`] and the structs its variants wrap, [`Result`] |
//! | `mstr-rest-aws`, `-azure`, `-gcp` | secret sources for each cloud (features below) |
//! | `mstr-rest-emulator` | a stateful fake server for your tests (dev-dependency) |
//!
//! ## Features
//!
//! All off by default: you compile only what you use.
//!
//! | feature | adds | crate |
//! |---|---|---|
//! | `aws` | `mstr_rest::aws`: Secrets Manager and SSM Parameter Store sources | `mstr-rest-aws` |
//! | `azure` | `mstr_rest::azure`: Key Vault sources and an ambient credential chain | `mstr-rest-azure` |
//! | `gcp` | `mstr_rest::gcp`: Secret Manager sources over Application Default Credentials | `mstr-rest-gcp` |
//! | `blocking` | `mstr_rest::blocking`: sessions and every typed family for synchronous code | `mstr-rest-api` |
//! | `arrow` | `ReportQuery::record_batches`: report and cube pages as Arrow `RecordBatch`es | `mstr-rest-api` |
//! | `test-util` | hooks for your tests: `SessionBuilder::keepalive_ticks`, `Env::with_lookup`, `ManualClock` | `mstr-rest-session` |

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The names most programs need, at the root; the rest in the family modules.
pub use mstr_rest_core::{
    AuthLayer, BaseUrl, Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_TIMEOUT, Failure, HeaderMap, HeaderName, HeaderValue, Method, PROJECT_ID_HEADER,
    Replay, RequestBuilder, Response, RetryPolicy, StatusCode, Url, segment,
};
pub use mstr_rest_error::{
    ApiError, ApiErrorKind, ApiSubError, BODY_EXCERPT_LIMIT, BoxError, ConfigError,
    CredentialError, CredentialErrorKind, DeadlineError, DecodeError, Error, IoError, Result,
    TransportError, TransportKind, WorkerError,
};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use mstr_rest_session::ManualClock;
pub use mstr_rest_session::{
    AuthenticatedSession, AuthenticatedSessionBuilder, Cached, Clock, Credentials, Env,
    ExposeSecret, FromAsyncFn, FromFn, JsonField, JsonSecret, MAX_COOKIE_BYTES, MAX_COOKIES,
    MAX_KEEPALIVE, MIN_KEEPALIVE, SecretSource, SecretString, Session, SessionBuilder,
    SharedSource, SystemClock, TryFromFn, cached, env, from_async_fn, from_fn, try_from_fn,
};

/// The Authentication API: login modes, identity tokens, connect-on-enter sessions. The
/// calls are [`Session`]'s own ([`login`](Session::login), [`delegate`](Session::delegate),
/// [`logout`](Session::logout), [`create_identity_token`](Session::create_identity_token),
/// [`identity_token_user`](Session::identity_token_user)).
pub mod authentication {
    pub use mstr_rest_session::{
        AUTH_TOKEN_HEADER, AuthenticatedSession, AuthenticatedSessionBuilder, Credentials,
        DEFAULT_APPLICATION_TYPE, IDENTITY_TOKEN_HEADER, LoginMode, UserInfo,
    };
}

/// The Projects API: [`Session::projects`] (cached), [`Session::load_projects`],
/// [`Session::project_id`] and [`Session::project`] (`GET projects/{name}`).
pub mod projects {
    pub use mstr_rest_session::Project;
}

#[doc(inline)]
pub use mstr_rest_api::{
    browsing, cubes, datasets, datasources, documents, emails, library, migrations, modeling,
    objects, prompts, quotas, reports, security, users,
};

/// The blocking API (feature `blocking`).
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
#[doc(inline)]
pub use mstr_rest_api::blocking;

/// AWS Secrets Manager and SSM Parameter Store sources (feature `aws`).
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
#[doc(inline)]
pub use mstr_rest_aws as aws;

/// Azure Key Vault sources (feature `azure`).
#[cfg(feature = "azure")]
#[cfg_attr(docsrs, doc(cfg(feature = "azure")))]
#[doc(inline)]
pub use mstr_rest_azure as azure;

/// Google Cloud Secret Manager sources (feature `gcp`).
#[cfg(feature = "gcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "gcp")))]
#[doc(inline)]
pub use mstr_rest_gcp as gcp;

/// Runs the README's examples as doctests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The everyday names, and every family's entry trait: `use mstr_rest::prelude::*;`
pub mod prelude {
    pub use crate::browsing::BrowsingApi;
    pub use crate::cubes::CubesApi;
    pub use crate::datasets::DatasetsApi;
    pub use crate::datasources::DatasourcesApi;
    pub use crate::documents::DocumentsApi;
    pub use crate::emails::EmailsApi;
    pub use crate::library::LibraryApi;
    pub use crate::migrations::MigrationsApi;
    pub use crate::modeling::ModelingApi;
    pub use crate::objects::ObjectsApi;
    pub use crate::quotas::QuotasApi;
    pub use crate::reports::ReportsApi;
    pub use crate::security::SecurityApi;
    pub use crate::users::UsersApi;
    pub use crate::{
        ApiErrorKind, AuthenticatedSession, Credentials, Error, Method, Result, SecretSource,
        Session,
    };
}
