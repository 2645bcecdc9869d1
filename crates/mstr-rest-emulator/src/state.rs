//! Everything that changes while the emulator runs: HTTP sessions, identity tokens, counters,
//! the request log and queued faults. One `std::sync::Mutex`, never held across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use crate::clock::Clock;
use crate::directory::Directory;
use crate::error_body::ApiError;
use crate::fault::Fault;
use crate::ids;
use crate::record::{RecordedRequest, RequestLog};

/// The state every handler sees.
pub(crate) type AppState = Arc<Shared>;

/// Switches fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) idle_timeout: Duration,
    pub(crate) strict_cookies: bool,
    pub(crate) secure_cookies: bool,
    pub(crate) record_requests: bool,
    /// `/__emulator/*` control routes and exchange capture (`routes::admin`).
    pub(crate) admin_routes: bool,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) directory: Directory,
    pub(crate) settings: Settings,
    pub(crate) clock: Clock,
    /// Request/response pairs kept while the control routes are on (`routes::admin`).
    pub(crate) exchanges: crate::routes::admin::ExchangeLog,
    /// Objects, accounts and pushed datasets (`crate::catalog`), behind their own locks.
    pub(crate) catalog: crate::catalog::Catalog,
    /// Reports, cubes and their instances (`crate::reports`).
    pub(crate) reports: crate::reports::Reports,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Live HTTP sessions by auth token.
    sessions: HashMap<String, Session>,
    identity_tokens: HashMap<String, IdentityGrant>,
    logins: usize,
    logouts: usize,
    log: RequestLog,
    faults: VecDeque<Fault>,
}

/// Per-session values a client may choose at login and `SessionInfo` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prefs {
    pub(crate) max_search: i64,
    pub(crate) working_set: i64,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            max_search: 3,
            working_set: 10,
        }
    }
}

/// One HTTP session: a token bound to its cookie, on top of an IServer session that delegated
/// logins share.
#[derive(Debug, Clone)]
struct Session {
    cookie: String,
    user: usize,
    server_session: String,
    prefs: Prefs,
    last_used: Instant,
}

#[derive(Debug, Clone)]
struct IdentityGrant {
    user: usize,
    server_session: String,
    prefs: Prefs,
}

/// What a successful login or delegation hands back to the client.
#[derive(Debug)]
pub(crate) struct NewSession {
    pub(crate) token: String,
    pub(crate) cookie: String,
}

/// A copy of the caller's session, taken when the request was authenticated.
#[derive(Debug, Clone)]
pub(crate) struct SessionView {
    pub(crate) user: usize,
    pub(crate) server_session: String,
    pub(crate) prefs: Prefs,
    /// Idle time that was left when the request arrived, before this request reset the timer.
    pub(crate) remaining: Duration,
}

impl Shared {
    pub(crate) fn new(directory: Directory, settings: Settings) -> Self {
        Self {
            catalog: crate::catalog::Catalog::new(
                &directory,
                crate::catalog::default_dossiers(),
                crate::builder::DEFAULT_JOB_POLLS,
            ),
            directory,
            settings,
            clock: Clock::default(),
            exchanges: crate::routes::admin::ExchangeLog::default(),
            reports: crate::reports::Reports::default(),
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not turn every later request into another panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks and drops every session idle past the timeout: expiry is applied lazily, whenever
    /// someone looks.
    fn lock_pruned(&self) -> MutexGuard<'_, Inner> {
        let now = self.clock.now();
        let idle_timeout = self.settings.idle_timeout;
        let mut inner = self.lock();
        inner
            .sessions
            .retain(|_, s| now.saturating_duration_since(s.last_used) <= idle_timeout);
        inner
    }

    /// Validates the token (and, when strict, its `JSESSIONID`), then resets the idle timer.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<SessionView, ApiError> {
        let token =
            header_str(headers, "x-mstr-authtoken").ok_or_else(ApiError::session_expired)?;
        let now = self.clock.now();
        let idle_timeout = self.settings.idle_timeout;
        let strict = self.settings.strict_cookies;
        let mut inner = self.lock_pruned();
        let session = inner
            .sessions
            .get_mut(token)
            .ok_or_else(ApiError::session_expired)?;
        if strict && !session_cookies(headers).any(|c| c == session.cookie) {
            return Err(ApiError::session_expired());
        }
        let idle = now.saturating_duration_since(session.last_used);
        session.last_used = now;
        Ok(SessionView {
            user: session.user,
            server_session: session.server_session.clone(),
            prefs: session.prefs,
            remaining: idle_timeout.saturating_sub(idle),
        })
    }

    /// Opens a new HTTP session on a new IServer session.
    pub(crate) fn login(&self, user: usize, prefs: Prefs) -> NewSession {
        let mut inner = self.lock_pruned();
        let now = self.clock.now();
        inner.open(user, ids::server_session_id(), prefs, now)
    }

    /// Closes the caller's IServer session and with it every HTTP session sharing it.
    pub(crate) fn logout(&self, view: &SessionView) {
        let mut inner = self.lock();
        inner
            .sessions
            .retain(|_, s| s.server_session != view.server_session);
        inner
            .identity_tokens
            .retain(|_, g| g.server_session != view.server_session);
        inner.logouts += 1;
    }

    pub(crate) fn create_identity_token(&self, view: &SessionView) -> String {
        let mut inner = self.lock();
        let token = loop {
            let candidate = ids::identity_token();
            if !inner.identity_tokens.contains_key(&candidate) {
                break candidate;
            }
        };
        inner.identity_tokens.insert(
            token.clone(),
            IdentityGrant {
                user: view.user,
                server_session: view.server_session.clone(),
                prefs: view.prefs,
            },
        );
        token
    }

    /// The user behind a still-usable identity token, without using it up.
    pub(crate) fn identity_user(&self, token: &str) -> Option<usize> {
        let inner = self.lock_pruned();
        let grant = inner.identity_tokens.get(token)?;
        inner
            .server_session_alive(&grant.server_session)
            .then_some(grant.user)
    }

    /// Uses up an identity token and opens a new HTTP session on the same IServer session.
    pub(crate) fn delegate(&self, token: &str) -> Option<NewSession> {
        let mut inner = self.lock_pruned();
        let grant = inner.identity_tokens.remove(token)?;
        if !inner.server_session_alive(&grant.server_session) {
            return None;
        }
        let now = self.clock.now();
        Some(inner.open(grant.user, grant.server_session, grant.prefs, now))
    }

    pub(crate) fn expire_token(&self, token: &str) {
        self.lock().sessions.remove(token);
    }

    pub(crate) fn expire_all(&self) {
        self.lock().sessions.clear();
    }

    pub(crate) fn open_sessions(&self) -> usize {
        self.lock_pruned().sessions.len()
    }

    pub(crate) fn logins(&self) -> usize {
        self.lock().logins
    }

    pub(crate) fn logouts(&self) -> usize {
        self.lock().logouts
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        self.lock().log.push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.snapshot()
    }

    pub(crate) fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// Back to the state at start (`POST /__emulator/reset`): no sessions (so no report
    /// instances either), identity tokens, counters, recorded requests, exchanges or queued
    /// faults; objects and datasets as seeded; the clock's offset undone. An area that keeps
    /// state of its own resets it here too.
    pub(crate) fn reset(&self) {
        *self.lock() = Inner::default();
        self.catalog.reset(&self.directory);
        self.clock.reset();
        self.exchanges.clear();
        self.reports.clear();
    }

    pub(crate) fn count(&self, method: &str, path: &str) -> usize {
        self.lock().log.count(method, path)
    }

    pub(crate) fn inject(&self, fault: Fault) {
        if fault.remaining > 0 {
            self.lock().faults.push_back(fault);
        }
    }

    /// Takes one use of the first queued fault matching the request.
    pub(crate) fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut inner = self.lock();
        let index = inner.faults.iter().position(|f| f.matches(method, path))?;
        let fault = inner.faults.get_mut(index)?;
        fault.remaining -= 1;
        let taken = fault.clone();
        if taken.remaining == 0 {
            inner.faults.remove(index);
        }
        Some(taken)
    }
}

impl Inner {
    fn open(
        &mut self,
        user: usize,
        server_session: String,
        prefs: Prefs,
        now: Instant,
    ) -> NewSession {
        let token = loop {
            let candidate = ids::auth_token();
            if !self.sessions.contains_key(&candidate) {
                break candidate;
            }
        };
        let cookie = ids::session_cookie();
        self.sessions.insert(
            token.clone(),
            Session {
                cookie: cookie.clone(),
                user,
                server_session,
                prefs,
                last_used: now,
            },
        );
        self.logins += 1;
        NewSession { token, cookie }
    }

    fn server_session_alive(&self, server_session: &str) -> bool {
        self.sessions
            .values()
            .any(|s| s.server_session == server_session)
    }
}

/// A header's value as text; a value that is not visible ASCII counts as absent.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every `JSESSIONID` value in the request's `Cookie` headers. Like Tomcat, any one of several
/// may name the session.
fn session_cookies(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == "JSESSIONID")
        .map(|(_, value)| value.trim())
}
