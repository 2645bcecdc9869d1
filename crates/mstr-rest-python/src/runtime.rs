//! The one tokio runtime behind every call, and the way Python waits on it: with the GIL
//! released, waking every few milliseconds to let Ctrl-C through.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors;

/// How often a waiting call looks for a pending signal (Ctrl-C): short enough to feel
/// immediate, long enough to cost nothing.
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// The runtime and the process it was made in: a child made by `fork` inherits the memory
/// of the parent's runtime but none of its threads, so it makes its own.
static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The process's runtime, made on first use (and again in a forked child).
pub(crate) fn runtime() -> PyResult<Arc<Runtime>> {
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some((owner, runtime)) = slot.as_ref()
        && *owner == pid
    {
        return Ok(Arc::clone(runtime));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("mstr-rest")
        .enable_all()
        .build()
        .map_err(|e| errors::internal(format!("cannot start the mstr-rest runtime: {e}")))?;
    let runtime = Arc::new(runtime);
    if let Some((_, inherited)) = slot.replace((pid, Arc::clone(&runtime))) {
        // The parent's runtime: its threads do not exist here, so dropping it would wait
        // for workers that will never answer.
        std::mem::forget(inherited);
    }
    Ok(runtime)
}

/// Runs `future` on the runtime and waits for it without holding the GIL. A signal handler
/// that raises (Ctrl-C's `KeyboardInterrupt`) cancels the future — dropping it closes its
/// connections — and the exception propagates.
pub(crate) fn wait<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = mstr_rest::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    wait_any(py, future)?.map_err(|e| errors::to_py(py, &e))
}

/// As [`wait`], for a future whose output is not a library result.
pub(crate) fn wait_any<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let task = runtime()?.spawn(async move {
        let _ = tx.send(future.await);
    });
    let mut rx = rx;
    loop {
        // The receiver is moved in and back: it is Send but not Sync.
        let (got, back) = py.detach(move || (rx.recv_timeout(SIGNAL_CHECK), rx));
        rx = back;
        match got {
            Ok(value) => return Ok(value),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Err(interrupted) = py.check_signals() {
                    task.abort();
                    return Err(interrupted);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(errors::internal(
                    "an mstr-rest task stopped without an answer (a bug: please report it)",
                ));
            }
        }
    }
}
