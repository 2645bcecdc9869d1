//! A hostile server and hostile input (issue 10): credentials stay home across redirects,
//! ids stay path segments, a report stream is exactly the report, no number panics, every
//! size is bounded, secrets stay out of errors, a restored session keeps what is good, and
//! the Python library's retry and identity-token re-login behaviours hold. One module per
//! class; every test is bounded in time by [`bounded`].

mod bounds;
mod ids;
mod numbers;
mod parity;
mod redirects;
mod restore;
mod secrets;
mod stream;

use std::future::Future;
use std::time::Duration;

/// Runs `f`, failing the test if it takes longer than 30 s (a hang is a defect too).
pub(crate) async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the test finished within 30 s")
}
