//! Retries of transient failures: which failures, how often, how long to wait.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};
use mstr_rest_error::{Error, TransportKind};

/// When and how often a failed request is sent again.
///
/// A request is retried only when sending it twice is safe:
/// - a **connect error** (nothing reached the server), for every method;
/// - a connection **closed before any response head** arrived (a server restart, a proxy,
///   a stale pooled connection), for idempotent methods only: the server may have acted;
/// - **429, 502, 503, 504**, for idempotent methods (`GET`, `HEAD`, `OPTIONS`, `PUT`,
///   `DELETE`), and for a `POST` the caller marked with
///   [`RequestBuilder::idempotent`](crate::RequestBuilder::idempotent).
///
/// Waits grow exponentially from [`base_delay`](Self::base_delay) with jitter, capped at
/// [`max_delay`](Self::max_delay); a `Retry-After` in seconds from the server wins when
/// longer. All attempts and waits stay within [`deadline`](Self::deadline). A client-wide
/// budget keeps retries to a fraction of traffic, so a failing server is not hammered.
///
/// Default: 2 retries, 200 ms base, 10 s cap, 60 s deadline, budget 20 % of requests plus 10.
///
/// ```
/// use std::time::Duration;
/// use mstr_rest_core::RetryPolicy;
/// let patient = RetryPolicy::default().max_retries(5).deadline(Duration::from_secs(300));
/// let never = RetryPolicy::none();
/// # let _ = (patient, never);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
    budget_percent: u32,
    budget_floor: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
            budget_percent: 20,
            budget_floor: 10,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Retries after the first attempt (0 disables retrying).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The first back-off; each further one doubles, with jitter.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The longest back-off (a longer `Retry-After` still wins, within the deadline).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The time the retries of one request may take: no retry starts that would wait past
    /// it, and a retry's timeout is cut to what is left of it. (The first attempt has the
    /// request's own timeout.)
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// The client-wide budget: retries may add at most `percent` % to the requests sent,
    /// plus `floor` retries to start with.
    pub fn budget(mut self, percent: u32, floor: u32) -> Self {
        self.budget_percent = percent;
        self.budget_floor = floor;
        self
    }

    pub(crate) fn retries(&self) -> u32 {
        self.max_retries
    }

    pub(crate) fn total_deadline(&self) -> Duration {
        self.deadline
    }

    /// The wait before retry number `retry` (1-based): equal jitter over an exponential cap.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let cap = exp.min(self.max_delay);
        let half = cap.checked_div(2).unwrap_or_default();
        let jitter =
            Duration::try_from_secs_f64(half.as_secs_f64() * unit_random()).unwrap_or(half);
        half.saturating_add(jitter)
    }

    pub(crate) fn new_budget(&self) -> RetryBudget {
        RetryBudget {
            milli_tokens: AtomicU64::new(u64::from(self.budget_floor).saturating_mul(1000)),
            deposit: u64::from(self.budget_percent).saturating_mul(10),
            cap: u64::from(self.budget_floor)
                .saturating_add(100)
                .saturating_mul(1000),
        }
    }
}

/// A token bucket shared by the clones of a client: each request adds a fraction of a
/// token, each retry takes a whole one.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    milli_tokens: AtomicU64,
    deposit: u64,
    cap: u64,
}

impl RetryBudget {
    pub(crate) fn deposit(&self) {
        let _ = self
            .milli_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(self.deposit).min(self.cap))
            });
    }

    pub(crate) fn withdraw(&self) -> bool {
        self.milli_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                t.checked_sub(1000)
            })
            .is_ok()
    }
}

fn unit_random() -> f64 {
    // RandomState is seeded per instance from the OS: enough entropy for jitter, no dependency.
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x5EED);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Methods that are safe to send twice.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// Why an attempt may be retried, if it may.
pub(crate) fn retryable(err: &Error, idempotent: bool) -> Option<&'static str> {
    match err {
        Error::Transport(t) if t.is_connect() => Some("connect error"),
        Error::Transport(t) if idempotent && t.kind() == TransportKind::Closed => {
            Some("connection closed before the answer")
        }
        Error::Api(e) if idempotent => match e.status {
            429 => Some("429 Too Many Requests"),
            502 => Some("502 Bad Gateway"),
            503 => Some("503 Service Unavailable"),
            504 => Some("504 Gateway Timeout"),
            _ => None,
        },
        _ => None,
    }
}

/// A `Retry-After` given in seconds (HTTP dates are rare here and fall back to back-off).
pub(crate) fn retry_after(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    if !matches!(status.as_u16(), 429 | 503) {
        return None;
    }
    let secs: u64 = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}
