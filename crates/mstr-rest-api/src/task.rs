//! [`Task`]: a spawned task that is aborted when dropped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use mstr_rest_session::{Error, Result};
use tokio::task::JoinHandle;

/// A spawned task that is aborted when dropped, so a dropped stream or push stops the
/// requests it started; a panic in it is resumed in the awaiting task.
pub(crate) struct Task<T>(pub(crate) JoinHandle<Result<T>>);

impl<T> Future for Task<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|joined| match joined {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(Error::decode("a task was cancelled")),
        })
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
