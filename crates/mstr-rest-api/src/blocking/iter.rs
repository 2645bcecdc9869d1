//! Streams of the async API consumed as iterators on the caller's thread.

use std::fmt;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};

use futures_util::{Stream, StreamExt};
use tokio::sync::Semaphore;

/// The items of a stream that runs on a blocking session's thread, received here.
///
/// At most `buffer` items wait between the thread and the caller: the stream is paused
/// while the caller does not read (bounded memory). Dropping the iterator stops the stream.
pub struct Iter<T> {
    items: Receiver<T>,
    room: Arc<Semaphore>,
}

impl<T> Iterator for Iter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = self.items.recv().ok()?;
        self.room.add_permits(1);
        Some(item)
    }
}

impl<T> fmt::Debug for Iter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T> Drop for Iter<T> {
    fn drop(&mut self) {
        // Wakes a producer waiting for room, which then finds the receiver gone and stops.
        self.room.close();
    }
}

/// Drives `stream` into the channel, waiting for room before each item.
pub(crate) async fn pump<S>(stream: S, items: Sender<S::Item>, room: Arc<Semaphore>)
where
    S: Stream,
{
    let mut stream = std::pin::pin!(stream);
    while let Some(item) = stream.next().await {
        let Ok(permit) = room.acquire().await else {
            return;
        };
        permit.forget();
        if items.send(item).is_err() {
            return;
        }
    }
}

pub(crate) fn channel<T>(buffer: usize) -> (Sender<T>, Iter<T>, Arc<Semaphore>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let room = Arc::new(Semaphore::new(buffer.max(1)));
    let iter = Iter {
        items: rx,
        room: Arc::clone(&room),
    };
    (tx, iter, room)
}
