//! Logging in again after the server expired the session (`ERR009`).

use std::sync::Arc;

use mstr_rest_error::{ApiErrorKind, Error, Result};
use secrecy::ExposeSecret;

use crate::authenticated::resolve;
use crate::credentials::Credentials;
use crate::session::Session;
use crate::source::DynSource;

/// What a session replays to log in again.
#[derive(Clone)]
pub(crate) enum Recipe {
    /// Fixed credentials given to [`SessionBuilder::relogin_with`](crate::SessionBuilder::relogin_with).
    Fixed(Credentials),
    /// The sources of an `AuthenticatedSession`, resolved afresh each time.
    Sources(Arc<SourcePlan>),
}

/// The credential sources of an `AuthenticatedSession` (the base URL is not re-resolved:
/// a session belongs to one server).
pub(crate) struct SourcePlan {
    pub(crate) identity_token: Option<Box<dyn DynSource>>,
    pub(crate) api_key: Option<Box<dyn DynSource>>,
    pub(crate) username: Option<Box<dyn DynSource>>,
    pub(crate) password: Option<Box<dyn DynSource>>,
    pub(crate) ldap: bool,
}

impl SourcePlan {
    pub(crate) async fn credentials(&self) -> Result<Credentials> {
        if let Some(t) = &self.identity_token {
            // Identity tokens are single use: each delegation asks the source for a new one,
            // as the Python library calls its identity-token callable again.
            return Ok(Credentials::IdentityToken(
                resolve("identity_token", &**t).await?,
            ));
        }
        match (&self.api_key, &self.username, &self.password) {
            (Some(k), _, _) => Ok(Credentials::ApiKey(resolve("api_key", &**k).await?)),
            (None, Some(u), Some(p)) => {
                let username = resolve("username", &**u).await?.expose_secret().to_owned();
                let password = resolve("password", &**p).await?;
                Ok(if self.ldap {
                    Credentials::Ldap { username, password }
                } else {
                    Credentials::Standard { username, password }
                })
            }
            _ => Ok(Credentials::Anonymous),
        }
    }

    /// Forgets cached values, so a rotated secret is read again.
    fn invalidate(&self) {
        for source in [
            &self.identity_token,
            &self.api_key,
            &self.username,
            &self.password,
        ]
        .into_iter()
        .flatten()
        {
            source.invalidate_dyn();
        }
    }
}

impl Session {
    /// Logs in again with the stored recipe. Single flight: callers that saw the same
    /// expired token wait for one login, then find the generation moved on.
    pub(crate) async fn relogin(&self, stale: u64) -> Result<()> {
        let _flight = self.relogin_flight().lock().await;
        if self.auth().generation() != stale {
            return Ok(());
        }
        let Some(recipe) = self.recipe() else {
            return Err(Error::NotLoggedIn);
        };
        // The old HTTP session is dead: its cookie must not ride along (Python pitfall 7).
        self.auth().jar().clear();
        match recipe {
            Recipe::Fixed(credentials) => self.login_inner(credentials).await,
            Recipe::Sources(plan) => {
                let first = self.login_inner(plan.credentials().await?).await;
                match first {
                    Err(Error::Api(e)) if e.kind() == ApiErrorKind::LoginFailure => {
                        tracing::info!("re-login refused; reading the credential sources again");
                        plan.invalidate();
                        self.login_inner(plan.credentials().await?).await
                    }
                    other => other,
                }
            }
        }
    }
}
