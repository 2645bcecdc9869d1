//! [`AuthLayer`]: the one hook through which whoever owns a session's credentials takes
//! part in sending — the transport itself holds no token, no cookie and no login rule.

use futures_util::future::BoxFuture;
use http::{HeaderMap, Method};
use mstr_rest_error::{ApiError, Result};
use url::Url;

/// The credential layer of a [`Client`](crate::Client), installed once with
/// [`ClientBuilder::auth_layer`](crate::ClientBuilder::auth_layer) (the shape of
/// smithy-rs's identity resolver and auth scheme: the transport asks, the layer answers).
///
/// The transport calls it only for *trusted* hops — those to the base URL's origin whose
/// every earlier hop went there too — so what the layer adds never reaches another origin,
/// and only answers from home can change what it holds:
///
/// 1. [`sign`](Self::sign) before each trusted hop of a request that carries auth (not
///    one built with [`without_auth`](crate::RequestBuilder::without_auth)); it adds its
///    headers and returns a *stamp* naming the credential it used (e.g. a token generation);
/// 2. [`observe`](Self::observe) with the headers of every trusted answer, redirects and
///    anonymous requests included (e.g. to keep `Set-Cookie`);
/// 3. [`on_error`](Self::on_error) when a request the layer signed ends in an answer of 400
///    or more. It may renew the credential and return [`Replay::Once`]; the transport then
///    sends the request once more — never twice, whatever the layer answers the second time.
///
/// A replay is only safe for a request the server refused *before running it* (an expired
/// session is such a refusal); the layer decides which errors those are. Bodies are held as
/// bytes, so every request can be replayed.
pub trait AuthLayer: Send + Sync {
    /// Adds the credential headers to a trusted hop to `url`; returns the stamp of the
    /// credential added, or `None` when there is none yet.
    fn sign(&self, url: &Url, headers: &mut HeaderMap) -> Option<u64>;

    /// Removes from a hand-built header map every credential header of this layer's kind,
    /// for a request sent [`without_auth`](crate::RequestBuilder::without_auth).
    fn strip(&self, headers: &mut HeaderMap);

    /// Sees the headers of an answer from a trusted hop to `url`.
    fn observe(&self, url: &Url, headers: &HeaderMap);

    /// Decides what follows an error answer to a request this layer signed.
    ///
    /// # Errors
    /// An error returned here replaces the server's (e.g. a failed re-login).
    fn on_error<'a>(&'a self, failure: Failure<'a>) -> BoxFuture<'a, Result<Replay>>;
}

/// What [`AuthLayer::on_error`] learns about the failed request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Failure<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// The request's path below the base URL (`auth/login`, `v2/reports/…`), without query.
    pub path: &'a str,
    /// The stamp [`AuthLayer::sign`] returned for the hop that got the error.
    pub stamp: u64,
    /// The server's answer.
    pub error: &'a ApiError,
    /// True when this answer is to the one replay already granted.
    pub replayed: bool,
}

/// The answer of [`AuthLayer::on_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replay {
    /// Return the server's error to the caller.
    No,
    /// Send the request once more (ignored for a request already replayed).
    Once,
}
