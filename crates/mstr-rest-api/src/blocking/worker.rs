//! The dedicated thread: a current-thread runtime fed boxed futures over a channel.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use mstr_rest_error::{Error, Result, WorkerError};

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

pub(crate) struct Worker {
    jobs: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

fn stopped(what: &'static str) -> Error {
    Error::Worker(WorkerError::new(what))
}

impl Worker {
    /// Starts the thread and its runtime.
    pub(crate) fn start() -> Result<Arc<Worker>> {
        let (jobs, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("mstr-rest-blocking".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => {
                        let _ = ready_tx.send(Ok(()));
                        runtime
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    // Each call is its own task, so background tasks (keep-alive) and calls
                    // from several threads make progress together.
                    while let Some(job) = rx.recv().await {
                        tokio::spawn(job);
                    }
                });
            })
            .map_err(|e| {
                Error::config(format!("could not start the blocking runtime thread: {e}"))
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Arc::new(Worker {
                jobs: Mutex::new(Some(jobs)),
                thread: Mutex::new(Some(thread)),
            })),
            Ok(Err(e)) => Err(Error::config(format!(
                "could not start the blocking runtime: {e}"
            ))),
            Err(_) => Err(stopped(
                "the blocking runtime thread stopped while starting",
            )),
        }
    }

    /// Starts `future` on the thread without waiting for it.
    pub(crate) fn spawn<F>(&self, future: F) -> Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|jobs| jobs.send(Box::pin(future)).is_ok());
        if sent == Some(true) {
            Ok(())
        } else {
            Err(stopped("the blocking runtime thread has stopped"))
        }
    }

    /// Runs `future` on the thread and waits for its output.
    pub(crate) fn run<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let job: Job = Box::pin(async move {
            let _ = tx.send(future.await);
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|jobs| jobs.send(job).is_ok());
        if sent != Some(true) {
            return Err(stopped("the blocking runtime thread has stopped"));
        }
        // The sender is dropped without a value only if the call panicked on the thread.
        rx.recv()
            .map_err(|_| stopped("the call panicked on the blocking runtime thread"))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; then wait for it, unless this drop runs
        // on that very thread (joining would then wait forever).
        self.jobs
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let thread = self
            .thread
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread
            && thread.thread().id() != std::thread::current().id()
            && thread.join().is_err()
        {
            tracing::warn!("the blocking runtime thread panicked");
        }
    }
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}
