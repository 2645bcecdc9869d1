//! [`SingleFlight`]: the one lazy cache cell of the workspace.

use std::fmt;
use std::future::Future;

/// A value fetched on first use, shared, and fetched **once** however many callers ask at
/// the same time — the cell behind [`cached`](crate::cached), [`JsonSecret`](crate::JsonSecret),
/// the cloud crates' parameter groups and their lazily built SDK clients. Use it for a
/// [`SecretSource`](crate::SecretSource) of your own.
///
/// A caller that finds no value (or one `fresh` rejects) runs the fetch while later callers
/// wait for it, then read what it stored; a failed fetch stores nothing, so the next caller
/// tries again.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use mstr_rest_session::SingleFlight;
/// let cell = SingleFlight::new();
/// let one: Result<u32, ()> = cell.get_or_fetch(|_| true, || async { Ok(1) }).await;
/// let two: Result<u32, ()> = cell.get_or_fetch(|_| true, || async { Ok(2) }).await;
/// assert_eq!((one, two), (Ok(1), Ok(1)));
/// cell.invalidate();
/// assert_eq!(cell.get_or_fetch(|_| true, || async { Ok::<_, ()>(3) }).await, Ok(3));
/// # }
/// ```
pub struct SingleFlight<T> {
    // Held across the fetch: that is the single flight.
    slot: tokio::sync::Mutex<Option<T>>,
}

impl<T: Clone> SingleFlight<T> {
    /// An empty cell.
    pub fn new() -> SingleFlight<T> {
        SingleFlight {
            slot: tokio::sync::Mutex::new(None),
        }
    }

    /// The held value when `fresh` accepts it; else `fetch`'s, stored when it succeeds.
    ///
    /// # Errors
    /// `fetch`'s error; nothing is stored then.
    pub async fn get_or_fetch<E, Fut>(
        &self,
        fresh: impl FnOnce(&T) -> bool,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(value) = slot.as_ref()
            && fresh(value)
        {
            return Ok(value.clone());
        }
        let value = fetch().await?;
        *slot = Some(value.clone());
        Ok(value)
    }
}

impl<T> SingleFlight<T> {
    /// Forgets the value; the next caller fetches again. A fetch in flight is left to
    /// finish: its value is fresh.
    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.slot.try_lock() {
            *slot = None;
        }
    }

    /// True when a value is held (a cell being filled right now counts as empty).
    pub fn is_filled(&self) -> bool {
        self.slot.try_lock().is_ok_and(|slot| slot.is_some())
    }
}

impl<T: Clone> Default for SingleFlight<T> {
    fn default() -> Self {
        SingleFlight::new()
    }
}

impl<T> fmt::Debug for SingleFlight<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value may be a secret: whether there is one, nothing more.
        let filled = self.slot.try_lock().map(|slot| slot.is_some()).ok();
        f.debug_struct("SingleFlight")
            .field("filled", &filled)
            .finish()
    }
}
