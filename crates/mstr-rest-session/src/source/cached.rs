//! A caching wrapper with a time to live and an injectable clock.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
#[cfg(any(test, feature = "test-util"))]
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::flight::SingleFlight;

use mstr_rest_error::CredentialError;
use secrecy::SecretString;

use super::SecretSource;

/// Where a [`Cached`] source reads the time, so tests can move it without sleeping.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to; clones share the time (feature `test-util`).
///
/// ```
/// use std::time::Duration;
/// use mstr_rest_session::{Clock, ManualClock};
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now() - t0, Duration::from_secs(60));
/// ```
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Instant>>);

#[cfg(any(test, feature = "test-util"))]
impl ManualClock {
    /// A clock stopped at the current instant.
    pub fn new() -> ManualClock {
        ManualClock(Arc::new(Mutex::new(Instant::now())))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add(by).unwrap_or(*now);
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Caches the value of another source. See [`cached`].
pub struct Cached<S> {
    source: Arc<S>,
    ttl: Option<Duration>,
    clock: Arc<dyn Clock>,
    value: Arc<SingleFlight<(SecretString, Instant)>>,
}

/// Caches `source`'s value: resolved once, then served from memory — for ever, or until
/// the [`ttl`](Cached::ttl) passes or [`invalidate`](SecretSource::invalidate) is called.
/// Clones share the cache; concurrent resolutions make one fetch.
///
/// ```
/// use std::time::Duration;
/// use mstr_rest_session::{cached, env};
/// let password = cached(env("MSTR_PASSWORD")).ttl(Duration::from_secs(300));
/// # let _ = password;
/// ```
pub fn cached<S: SecretSource>(source: S) -> Cached<S> {
    Cached {
        source: Arc::new(source),
        ttl: None,
        clock: Arc::new(SystemClock),
        value: Arc::new(SingleFlight::new()),
    }
}

impl<S: SecretSource> Cached<S> {
    /// Re-fetches once the value is older than `ttl`.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Reads the time from `clock` (for tests).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

impl<S> Clone for Cached<S> {
    fn clone(&self) -> Self {
        Cached {
            source: self.source.clone(),
            ttl: self.ttl,
            clock: self.clock.clone(),
            value: self.value.clone(),
        }
    }
}

impl<S: SecretSource> SecretSource for Cached<S> {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        // A TTL past what the clock can represent never runs out (`ttl(Duration::MAX)`).
        let fresh = |(_, fetched): &(SecretString, Instant)| {
            self.ttl.is_none_or(|ttl| {
                fetched
                    .checked_add(ttl)
                    .is_none_or(|stale_at| self.clock.now() < stale_at)
            })
        };
        let fetch = || async {
            let value = self.source.resolve().await?;
            Ok((value, self.clock.now()))
        };
        let (value, _) = self.value.get_or_fetch(fresh, fetch).await?;
        Ok(value)
    }

    fn describe(&self) -> Cow<'static, str> {
        Cow::Owned(format!("cached:{}", self.source.describe()))
    }

    /// Forgets the cached value. A fetch already in flight is left to finish: its value is
    /// fresh.
    fn invalidate(&self) {
        self.value.invalidate();
        self.source.invalidate();
    }
}

impl<S: SecretSource> fmt::Debug for Cached<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cached")
            .field("source", &self.source.describe())
            .field("ttl", &self.ttl)
            .finish()
    }
}
