#![cfg_attr(docsrs, feature(doc_cfg))]
//! Azure Key Vault secret sources for [mstr-rest](https://docs.rs/mstr-rest): pull the base
//! URL, user name and password of a MicroStrategy login from Key Vault, just in time.
//!
//! Layers: `mstr-rest` (feature `azure`, as `mstr_rest::azure`) → **`mstr-rest-azure`** →
//! `mstr-rest-session` → `mstr-rest-core` → `mstr-rest-error`, beside `mstr-rest-api` (the
//! typed families). Built on the current Azure SDK (`azure_security_keyvault_secrets`
//! 1.x, `azure_identity` 1.x, rustls only). This crate re-exports the session crate as
//! [`session`], so depending on it alone is enough to log in.
//!
//! | Python (`mstr.requests.credentials.azure`) | Rust |
//! |---|---|
//! | `key_vault(url, name)` | [`key_vault`]`(url, name)`: read on each resolution; `.version(v)` |
//! | `KeyVaultSecret(url, name).field("x")` | [`KeyVaultSecret::new`]`(url, name).field("x")`: read once for all fields |
//!
//! Credentials are found as the Python library's `DefaultAzureCredential` finds them: see
//! [`AmbientCredential`] for the order. Nothing is read, built or sent until a source is
//! resolved. Inject a credential with `.with_credential(..)` and client options (a
//! transport of your own, say) with `.with_client_options(..)`.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> mstr_rest_azure::session::Result<()> {
//! use mstr_rest_azure::KeyVaultSecret;
//! use mstr_rest_azure::session::AuthenticatedSession;
//!
//! // the secret holds {"base_url": "...", "username": "...", "password": "..."}
//! let secret = KeyVaultSecret::new("https://my-vault.vault.azure.net/", "mstr-connection");
//! let session = AuthenticatedSession::builder()
//!     .base_url(secret.field("base_url"))
//!     .username(secret.field("username"))
//!     .password(secret.field("password"))
//!     .connect()
//!     .await?; // one read of the secret, then the login
//! println!("{} projects", session.projects().await?.len());
//! session.close().await?; // logs out
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod credential;
mod key_vault;

pub use credential::AmbientCredential;
pub use key_vault::{KeyVault, KeyVaultSecret, key_vault};

/// The session crate, so that this crate alone is enough to log in.
pub use mstr_rest_session as session;

pub use azure_core::credentials::TokenCredential;
pub use azure_security_keyvault_secrets::SecretClientOptions;

#[cfg(test)]
mod credential_tests;
