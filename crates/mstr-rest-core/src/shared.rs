//! Transports shared by clients built with the same settings: one connection pool and one
//! TLS configuration per set of transport settings in the process, while a client using it
//! lives.
//!
//! Building a rustls client (its root store, its config) costs milliseconds; a session per
//! task, or one connect per job, would pay it every time and open connections of its own.
//! The HTTP client carries no credential (the auth layer signs each request, and there is no
//! cookie store), so clients of different sessions may share it safely.
//!
//! Only clients built on the same tokio runtime share: a pooled connection is driven by a
//! task on the runtime that opened it, so a client of another runtime handed that
//! connection would wait on a runtime that may be busy, blocked, or shutting down (then
//! hyper's "runtime dropped the dispatch task"). Two `#[tokio::test]`s, two blocking
//! sessions (each has its own runtime thread) or an application running two runtimes must
//! not see each other's connections.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

/// What decides how the HTTP client connects: clients whose keys are equal share one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TransportKey {
    /// The process the client was built in: a forked child (Python's `multiprocessing`)
    /// stays off its parent's transports, whose connections belong to a runtime the child
    /// does not have.
    pub(crate) process: u32,
    /// The runtime the client was built on, whose tasks drive the pool's connections.
    pub(crate) runtime: tokio::runtime::Id,
    pub(crate) connect_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) root_certs: Vec<Vec<u8>>,
    pub(crate) accept_invalid_certs: bool,
    pub(crate) proxy: Option<String>,
    pub(crate) no_proxy: bool,
}

/// The live transports, by key. Entries whose transport has no client left are dropped at
/// the next lookup.
static LIVE: Mutex<Vec<(TransportKey, Weak<reqwest::Client>)>> = Mutex::new(Vec::new());

/// The live transport for `key`, or a new one from `build` — made under the lock, so that
/// clients built at once with the same settings make one between them.
pub(crate) fn transport<E>(
    key: TransportKey,
    build: impl FnOnce() -> Result<reqwest::Client, E>,
) -> Result<Arc<reqwest::Client>, E> {
    // A panic while building cannot leave the list inconsistent: keep using it.
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    live.retain(|(_, weak)| weak.strong_count() > 0);
    if let Some(http) = live
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, weak)| weak.upgrade())
    {
        return Ok(http);
    }
    let http = Arc::new(build()?);
    live.push((key, Arc::downgrade(&http)));
    Ok(http)
}

/// How many transports are live (for tests).
#[cfg(test)]
pub(crate) fn live_count() -> usize {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    live.retain(|(_, weak)| weak.strong_count() > 0);
    live.len()
}
