//! The session's credentials — token, its generation, cookie jar — and the rule that an
//! expired session (`ERR009`) is logged in again once and the request replayed: the
//! [`AuthLayer`] this crate installs on its client. Only [`Session`]'s methods change it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError, RwLock, Weak};

use futures_util::future::BoxFuture;
use mstr_rest_core::{AuthLayer, Failure, HeaderMap, HeaderValue, Replay, Url, header};
use mstr_rest_error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};

use crate::cookies::CookieJar;
use crate::session::{Inner, Session};

/// The header carrying the session token.
pub const AUTH_TOKEN_HEADER: &str = "X-MSTR-AuthToken";

/// What a session holds to prove who it is.
#[derive(Default)]
pub(crate) struct AuthState {
    token: RwLock<Option<Token>>,
    /// Moves on at every token change, so a re-login can tell that another request already
    /// replaced the token it found expired (single flight).
    generation: AtomicU64,
    jar: Mutex<CookieJar>,
    /// The session, to log in again; weak, as the session's client holds this state.
    session: OnceLock<Weak<Inner>>,
}

struct Token {
    secret: SecretString,
    header: HeaderValue,
}

impl AuthState {
    pub(crate) fn bind(&self, session: Weak<Inner>) {
        // Bound once, right after the session is made; a second bind cannot happen.
        let _ = self.session.set(session);
    }

    /// Adopts a token; the generation moves on.
    pub(crate) fn set_token(&self, token: SecretString) -> Result<()> {
        let mut header = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
            Error::decode("the X-MSTR-AuthToken the server sent is not a valid header value")
        })?;
        header.set_sensitive(true);
        *write(&self.token) = Some(Token {
            secret: token,
            header,
        });
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Forgets the token and the cookies.
    pub(crate) fn clear(&self) {
        *write(&self.token) = None;
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.jar().clear();
    }

    /// Drops the token the server just called expired — unless a newer one replaced it.
    fn expire(&self, generation: u64) {
        let mut token = write(&self.token);
        if self.generation.load(Ordering::SeqCst) == generation {
            *token = None;
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn has_token(&self) -> bool {
        read(&self.token).is_some()
    }

    pub(crate) fn token(&self) -> Option<SecretString> {
        read(&self.token).as_ref().map(|t| t.secret.clone())
    }

    pub(crate) fn jar(&self) -> MutexGuard<'_, CookieJar> {
        // A panic while the jar was held leaves it consistent (each method finishes its
        // mutation before it can panic), so poisoning is not a reason to fail.
        self.jar.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn renew(&self, stale: u64) -> Result<Replay> {
        let Some(inner) = self.session.get().and_then(Weak::upgrade) else {
            // The session is gone (a request outlived it): nobody can log in again.
            self.expire(stale);
            return Ok(Replay::No);
        };
        let session = Session::from_inner(inner);
        if session.recipe().is_none() {
            // The server no longer knows this token: stop advertising a session.
            self.expire(stale);
            return Ok(Replay::No);
        }
        tracing::info!("session expired; logging in again");
        match session.relogin(stale).await {
            Ok(()) => Ok(Replay::Once),
            Err(e) => {
                // Do not let every later request try (and maybe lock the account).
                self.expire(stale);
                Err(e)
            }
        }
    }
}

impl AuthLayer for AuthState {
    fn sign(&self, url: &Url, headers: &mut HeaderMap) -> Option<u64> {
        let stamp = read(&self.token).as_ref().map(|t| {
            headers.insert(AUTH_TOKEN_HEADER, t.header.clone());
            self.generation.load(Ordering::SeqCst)
        });
        if let Some(cookie) = self.jar().header_for(url) {
            headers.insert(header::COOKIE, cookie);
        }
        stamp
    }

    fn strip(&self, headers: &mut HeaderMap) {
        headers.remove(AUTH_TOKEN_HEADER);
        headers.remove(header::COOKIE);
    }

    fn observe(&self, url: &Url, headers: &HeaderMap) {
        self.jar().store(url, headers);
    }

    fn on_error<'a>(&'a self, failure: Failure<'a>) -> BoxFuture<'a, Result<Replay>> {
        Box::pin(async move {
            // A refused login is the caller's to see, never a reason to log in again.
            if !failure.error.is_session_expired() || failure.path.starts_with("auth/") {
                return Ok(Replay::No);
            }
            if failure.replayed {
                self.expire(failure.stamp);
                return Ok(Replay::No);
            }
            self.renew(failure.stamp).await
        })
    }
}

impl fmt::Debug for AuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthState")
            .field("token", &self.has_token().then_some("** redacted **"))
            .field("cookies", &*self.jar())
            .finish()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_token() {
        let auth = AuthState::default();
        auth.set_token(SecretString::from("tok-secret-123"))
            .unwrap();
        let shown = format!("{auth:?}");
        assert!(!shown.contains("tok-secret-123"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn a_token_that_is_not_a_header_value_is_refused_and_the_old_one_kept() {
        let auth = AuthState::default();
        auth.set_token(SecretString::from("good")).unwrap();
        let generation = auth.generation();
        assert!(auth.set_token(SecretString::from("bad\nvalue")).is_err());
        assert_eq!(auth.token().unwrap().expose_secret(), "good");
        assert_eq!(auth.generation(), generation);
    }

    #[test]
    fn an_expiry_seen_for_an_old_token_keeps_the_new_one() {
        let auth = AuthState::default();
        auth.set_token(SecretString::from("old")).unwrap();
        let stale = auth.generation();
        auth.set_token(SecretString::from("new")).unwrap();
        auth.expire(stale);
        assert_eq!(auth.token().unwrap().expose_secret(), "new");
        auth.expire(auth.generation());
        assert!(!auth.has_token());
    }
}
