//! Polling until done or a deadline: report instances that answer 202, prompt rounds, and
//! dataset publishing all wait the same way.

use std::time::Duration;

use tokio::time::Instant;

/// The shortest wait between polls, whatever the settings say: a zero interval would poll
/// the server in a busy loop.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// Exponential back-off from `first` up to `max`, within `limit` of when it was made.
#[derive(Debug)]
pub(crate) struct Backoff {
    wait: Duration,
    max: Duration,
    /// `None` when the limit is too far away to represent (`Duration::MAX`): no deadline.
    deadline: Option<Instant>,
}

impl Backoff {
    pub(crate) fn new(first: Duration, max: Duration, limit: Duration) -> Backoff {
        let wait = first.max(MIN_WAIT);
        Backoff {
            wait,
            max: max.max(wait),
            deadline: Instant::now().checked_add(limit),
        }
    }

    /// Waits before the next poll. Returns false, without waiting, when the wait would end
    /// past the deadline.
    pub(crate) async fn wait(&mut self) -> bool {
        let Some(at) = Instant::now().checked_add(self.wait) else {
            return false;
        };
        if self.deadline.is_some_and(|d| at > d) {
            return false;
        }
        tracing::debug!(
            wait_ms = u64::try_from(self.wait.as_millis()).unwrap_or(u64::MAX),
            "waiting before the next poll"
        );
        tokio::time::sleep_until(at).await;
        self.wait = self.wait.saturating_mul(2).min(self.max);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waits_double_up_to_the_cap_and_stop_at_the_deadline() {
        let started = Instant::now();
        let mut b = Backoff::new(
            Duration::from_millis(100),
            Duration::from_millis(300),
            Duration::from_secs(1),
        );
        let mut waited = Vec::new();
        let mut last = started;
        while b.wait().await {
            waited.push(last.elapsed().as_millis());
            last = Instant::now();
        }
        assert_eq!(waited, [100, 200, 300, 300]);
        assert!(started.elapsed() <= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn extreme_settings_neither_panic_nor_spin() {
        let mut forever = Backoff::new(Duration::MAX, Duration::MAX, Duration::MAX);
        assert!(
            !forever.wait().await,
            "a wait past the clock's end is refused"
        );
        let mut zero = Backoff::new(Duration::ZERO, Duration::ZERO, Duration::from_millis(3));
        let started = Instant::now();
        let mut polls = 0;
        while zero.wait().await {
            polls += 1;
        }
        assert_eq!(
            polls, 3,
            "a zero interval still waits {MIN_WAIT:?} per poll"
        );
        assert_eq!(started.elapsed(), Duration::from_millis(3));
    }
}
