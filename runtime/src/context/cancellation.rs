//! The cancellation of one call: set by the client (`notifications/cancelled`), read by the tool
//! ([`Context::is_cancelled`](super::Context::is_cancelled),
//! [`Context::cancelled`](super::Context::cancelled)) and by the dispatcher, which stops waiting
//! for the call.
//!
//! Written here rather than taken from `tokio_util`'s `CancellationToken`: a call has no child
//! tokens, and the token takes a lock on every clone and drop, three of each per call; this is a
//! flag and a `Notify` kept in the context's own allocation, plus one waker slot for the
//! dispatcher (which owns the call's future and cannot hold a `Notified` borrowing it).

use futures_util::task::AtomicWaker;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Waker;
use tokio::sync::Notify;

/// Something a session can cancel by request id: a call's context, a listen stream.
pub(crate) trait Cancel: Send + Sync + std::fmt::Debug {
    fn cancel(&self);
}

/// Cancelled once, never reset.
#[derive(Debug, Default)]
pub(crate) struct Cancellation {
    cancelled: AtomicBool,
    waiters: Notify,
    /// The dispatcher waiting for the call (see [`wake_on_cancel`](Self::wake_on_cancel)).
    dispatcher: AtomicWaker,
}

impl Cancellation {
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// Wakes `waker` when the call is cancelled. Register before reading
    /// [`is_cancelled`](Self::is_cancelled): a cancel between the two still wakes it. One waker
    /// at a time: the latest registered.
    pub(crate) fn wake_on_cancel(&self, waker: &Waker) {
        self.dispatcher.register(waker);
    }

    /// Completes once [`cancel`](Cancel::cancel) has been called (at once if it was already).
    pub(crate) async fn cancelled(&self) {
        let notified = self.waiters.notified();
        let mut notified = std::pin::pin!(notified);
        // Registered before the flag is read: a cancel between the two still wakes this.
        notified.as_mut().enable();
        if self.is_cancelled() {
            return;
        }
        notified.await
    }
}

impl Cancel for Cancellation {
    fn cancel(&self) {
        if !self.cancelled.swap(true, Ordering::AcqRel) {
            self.waiters.notify_waiters();
            self.dispatcher.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Many waiters on real threads, cancelled from another: every one wakes, whether it started
    /// waiting before or after the cancel.
    #[test]
    fn every_waiter_wakes_before_or_after_the_cancel() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_time()
            .build()
            .unwrap();
        for _ in 0..50 {
            let cancellation = Arc::new(Cancellation::default());
            let waiters: Vec<_> = (0..16)
                .map(|_| {
                    let c = cancellation.clone();
                    runtime.spawn(async move { c.cancelled().await })
                })
                .collect();
            let canceller = {
                let c = cancellation.clone();
                std::thread::spawn(move || c.cancel())
            };
            let late = {
                let c = cancellation.clone();
                runtime.spawn(async move { c.cancelled().await })
            };
            canceller.join().unwrap();
            runtime.block_on(async {
                for w in waiters.into_iter().chain([late]) {
                    tokio::time::timeout(std::time::Duration::from_secs(10), w)
                        .await
                        .expect("a waiter woke")
                        .unwrap();
                }
            });
            assert!(cancellation.is_cancelled());
        }
    }
}
