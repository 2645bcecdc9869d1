//! The emulator's notion of "now".
//!
//! Real monotonic time plus a manual offset: sessions age on their own in long-running use (the
//! binary), while tests jump ahead with [`Clock::advance`] instead of sleeping.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    pub(crate) fn now(&self) -> Instant {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        // An offset beyond Instant's range is a test bug; ignoring it beats a panic inside the
        // server task.
        Instant::now()
            .checked_add(offset)
            .unwrap_or_else(Instant::now)
    }

    /// Undoes every [`advance`](Self::advance).
    pub(crate) fn reset(&self) {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner) = Duration::ZERO;
    }

    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }
}
