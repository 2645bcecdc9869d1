#![cfg_attr(docsrs, feature(doc_cfg))]
//! AWS Secrets Manager and SSM Parameter Store secret sources for
//! [mstr-rest](https://docs.rs/mstr-rest).
//!
//! Layers: `mstr-rest` (feature `aws`) → **`mstr-rest-aws`** → `mstr-rest-session` →
//! `mstr-rest-core` → `mstr-rest-error`, beside `mstr-rest-api` (the typed families), which
//! it neither needs nor knows. Each source here implements
//! [`SecretSource`](session::SecretSource), so it can feed any field of an
//! [`AuthenticatedSession`](session::AuthenticatedSession) — the base URL too. The session
//! crate is re-exported as [`session`], so this crate alone is enough to log in:
//!
//! ```no_run
//! # #[tokio::main] async fn main() -> mstr_rest_aws::session::Result<()> {
//! use mstr_rest_aws::SecretsManagerSecret;
//! use mstr_rest_aws::session::AuthenticatedSession;
//!
//! // {"base_url": "https://env.example.com/MicroStrategyLibrary/api/", "username": …, "password": …}
//! let secret = SecretsManagerSecret::new("prod/mstr").region("eu-west-1");
//! let session = AuthenticatedSession::builder()
//!     .base_url(secret.field("base_url"))
//!     .username(secret.field("username"))
//!     .password(secret.field("password"))
//!     .connect()          // one GetSecretValue for the three fields, then the login
//!     .await?;
//! println!("{} projects", session.projects().await?.len());
//! session.close().await?;   // logs out
//! # Ok(()) }
//! ```
//!
//! # Sources
//!
//! | Python (`mstr.requests.credentials.aws`) | here | calls |
//! |---|---|---|
//! | `secrets_manager(id)` | [`secrets_manager(id)`](secrets_manager()) | one `GetSecretValue` per resolution |
//! | `secrets_manager(id, key="username")` | [`secrets_manager(id).key("username")`](SecretsManager::key) | one `GetSecretValue` per resolution, one JSON field |
//! | `SecretsManagerSecret(id).field("x")` | [`SecretsManagerSecret::new(id).field("x")`](mstr_rest_session::JsonSecret::field) | one `GetSecretValue` for all fields, until [`invalidate`](mstr_rest_session::JsonSecret::invalidate) |
//! | `parameter_store(name)` | [`parameter_store(name)`](parameter_store()) | one `GetParameter` (`WithDecryption: true`) per resolution |
//! | `ParameterStoreValues().parameter(name)` | [`ParameterStoreValues::new().parameter(name)`](ParameterStoreValues::parameter) | one `GetParameter` per name, until invalidated |
//!
//! Each takes `.region(..)`, `.endpoint(url)`, `.with_sdk_config(SdkConfig)` and
//! `.with_client(client)`; Secrets Manager sources also `.version_stage(..)` and
//! `.version_id(..)`. They describe themselves in errors and traces as
//! `aws-secretsmanager:{id}`, `aws-secretsmanager:{id}#{field}` and `aws-ssm:{name}` —
//! never with the value.
//!
//! # Laziness and credentials
//!
//! Making a source does nothing: no configuration is read and nothing is sent. The SDK
//! client is built on the first resolution, once per source group (a source, its clones,
//! and all fields of one [`SecretsManagerSecret`] or parameters of one
//! [`ParameterStoreValues`] share it). Unless a client or an [`SdkConfig`](aws_config::SdkConfig)
//! was injected, the configuration comes from
//! [`aws_config::defaults(BehaviorVersion::latest())`](aws_config::defaults), which finds
//! credentials in this order:
//!
//! 1. environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`);
//! 2. the shared profile files (`~/.aws/config`, `~/.aws/credentials`, `AWS_PROFILE`) —
//!    static keys and role assumption; SSO and `credential_process` profiles are not
//!    compiled in;
//! 3. web identity tokens (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, e.g. EKS IRSA);
//! 4. the ECS / container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_*`);
//! 5. the EC2 instance metadata service (IMDSv2), unless `AWS_EC2_METADATA_DISABLED=true`.
//!
//! The region comes from `.region(..)`, else `AWS_REGION`, the profile, or IMDS. The
//! endpoint from `.endpoint(..)`, else `AWS_ENDPOINT_URL_SECRETS_MANAGER` /
//! `AWS_ENDPOINT_URL_SSM` / `AWS_ENDPOINT_URL`, else the regional AWS endpoint.
//!
//! # Errors
//!
//! Failures are [`CredentialError`](session::CredentialError)s naming the source, with the
//! SDK error as their `source()`. The kind comes from the typed SDK error, its error code
//! or the HTTP status: `ResourceNotFoundException` / `ParameterNotFound` →
//! [`NotFound`](session::CredentialErrorKind::NotFound); `AccessDeniedException`, rejected
//! credentials or HTTP 403 → [`AccessDenied`](session::CredentialErrorKind::AccessDenied);
//! `ThrottlingException` / `TooManyUpdates` / HTTP 429 →
//! [`Throttled`](session::CredentialErrorKind::Throttled); `DecryptionFailure`, an invalid
//! KMS key, or a `SecretBinary` that is not UTF-8 →
//! [`Invalid`](session::CredentialErrorKind::Invalid); anything else (network, timeout,
//! no region) → [`Other`](session::CredentialErrorKind::Other).
//!
//! # Testing with injected clients
//!
//! Tests give a source an explicitly configured client, so nothing reads the environment
//! or reaches AWS:
//!
//! ```
//! use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
//! use mstr_rest_aws::SecretsManagerSecret;
//!
//! let config = aws_sdk_secretsmanager::Config::builder()
//!     .behavior_version(BehaviorVersion::latest())
//!     .region(Region::new("us-east-1"))
//!     .credentials_provider(Credentials::new("AKID", "SECRET", None, None, "test"))
//!     .endpoint_url("http://127.0.0.1:4566")   // a mock server or moto_server
//!     .build();
//! let secret = SecretsManagerSecret::new("my-id")
//!     .with_client(aws_sdk_secretsmanager::Client::from_conf(config));
//! # let _ = secret;
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod error;
mod parameter_store;
mod secrets_manager;

pub use parameter_store::{CachedParameter, ParameterStore, ParameterStoreValues, parameter_store};
pub use secrets_manager::{SecretsManager, SecretsManagerSecret, secrets_manager};

/// The session crate, so that this crate alone is enough to log in.
pub use mstr_rest_session as session;

/// The AWS SDK crates the sources take in `with_sdk_config` and `with_client`, re-exported
/// so their versions always match.
pub use {aws_config, aws_sdk_secretsmanager, aws_sdk_ssm};
