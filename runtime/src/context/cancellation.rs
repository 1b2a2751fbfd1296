//! The cancellation of one call: set by the client (`notifications/cancelled`), read by the tool
//! ([`Context::is_cancelled`](super::Context::is_cancelled),
//! [`Context::cancelled`](super::Context::cancelled)) and by the dispatcher, which stops waiting
//! for the call.
//!
//! Written here rather than taken from `tokio_util`'s `CancellationToken`: a call has no child
//! tokens, and the token takes a lock on every clone and drop, three of each per call; this is a
//! flag and a `Notify` kept in the context's own allocation.

use std::sync::atomic::{AtomicBool, Ordering};
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
}

impl Cancellation {
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// A wait for the cancel, to [`enable`](tokio::sync::futures::Notified::enable) before
    /// reading [`is_cancelled`](Self::is_cancelled) (for futures written by hand).
    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.waiters.notified()
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
