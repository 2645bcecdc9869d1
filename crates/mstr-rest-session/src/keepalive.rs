//! The optional background task that keeps a session alive with `PUT sessions`.

use std::sync::{Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

use crate::session::{Inner, Session};

/// The shortest keep-alive period: more often would only load the server.
pub const MIN_KEEPALIVE: Duration = Duration::from_secs(1);
/// The longest keep-alive period: servers expire idle sessions within minutes to hours, so a
/// longer period could not keep one alive.
pub const MAX_KEEPALIVE: Duration = Duration::from_secs(24 * 60 * 60);

/// Refuses a keep-alive period that cannot work, naming the setting.
pub(crate) fn check_period(period: Duration) -> mstr_rest_error::Result<()> {
    if (MIN_KEEPALIVE..=MAX_KEEPALIVE).contains(&period) {
        Ok(())
    } else {
        Err(mstr_rest_error::Error::config(format!(
            "keepalive({period:?}) cannot keep a session alive: choose a period from 1 s to 24 h, \
             shorter than the server's session timeout"
        )))
    }
}

impl Ticks {
    pub(crate) fn check(&self) -> mstr_rest_error::Result<()> {
        match self {
            Ticks::Every(period) => check_period(*period),
            Ticks::Manual(_) => Ok(()),
        }
    }
}

/// What drives the keep-alive.
pub(crate) enum Ticks {
    /// Every `Duration`, first after one period.
    Every(Duration),
    /// One tick per message, for tests (used once: a restarted task has no sender).
    // Built only by `SessionBuilder::keepalive_ticks` (feature `test-util`).
    #[cfg_attr(not(any(test, feature = "test-util")), allow(dead_code))]
    Manual(mpsc::Receiver<()>),
}

#[derive(Default)]
pub(crate) struct KeepAlive {
    ticks: Mutex<Option<Ticks>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl KeepAlive {
    pub(crate) fn new(ticks: Option<Ticks>) -> KeepAlive {
        KeepAlive {
            ticks: Mutex::new(ticks),
            task: Mutex::new(None),
        }
    }

    /// Starts the task if configured and not running (after a login).
    pub(crate) fn start(&self, session: Weak<Inner>) {
        let mut task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if task.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let ticks = {
            let mut slot = self.ticks.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.take() {
                Some(Ticks::Every(d)) => {
                    *slot = Some(Ticks::Every(d));
                    Ticks::Every(d)
                }
                Some(manual) => manual,
                None => return,
            }
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("keep-alive needs a tokio runtime; not started");
            return;
        };
        *task = Some(
            runtime
                .spawn(run(session, ticks).instrument(tracing::debug_span!("mstr_rest.keepalive"))),
        );
    }

    /// Stops the task (on logout and when the session is dropped).
    pub(crate) fn stop(&self) {
        if let Some(task) = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn run(session: Weak<Inner>, ticks: Ticks) {
    let mut ticks = match ticks {
        Ticks::Every(period) => {
            // The period was checked at build(), so the first tick is representable.
            let first = Instant::now()
                .checked_add(period)
                .unwrap_or_else(Instant::now);
            let mut interval = tokio::time::interval_at(first, period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            Source::Every(interval)
        }
        Ticks::Manual(rx) => Source::Manual(rx),
    };
    while ticks.tick().await {
        // A weak handle: the task must not keep a dropped session alive.
        let Some(inner) = session.upgrade() else {
            break;
        };
        let session = Session::from_inner(inner);
        if !session.has_session() {
            break;
        }
        match session.extend_session().await {
            Ok(()) => tracing::debug!("session extended"),
            Err(e) => tracing::warn!(error = %e, "keep-alive failed"),
        }
    }
}

enum Source {
    Every(tokio::time::Interval),
    Manual(mpsc::Receiver<()>),
}

impl Source {
    async fn tick(&mut self) -> bool {
        match self {
            Source::Every(interval) => {
                interval.tick().await;
                true
            }
            Source::Manual(rx) => rx.recv().await.is_some(),
        }
    }
}
