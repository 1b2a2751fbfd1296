//! Bulkhead: at most N calls running at once.

use crate::error::ToolError;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// At most `max_concurrent` calls run at once; others wait up to `max_wait`, then get
/// [`ToolError::Rejected`].
///
/// ```
/// # tokio_test_block_on(async {
/// use sturdy_runtime::resilience::Bulkhead;
/// use std::time::Duration;
///
/// let bulkhead = Bulkhead::new(1, Duration::ZERO);
/// let held = bulkhead.acquire().await.unwrap();
/// assert!(bulkhead.acquire().await.is_err());
/// drop(held);
/// assert!(bulkhead.acquire().await.is_ok());
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug)]
pub struct Bulkhead {
    semaphore: Semaphore,
    max_concurrent: usize,
    max_wait: Duration,
}

/// A snapshot of a bulkhead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BulkheadStats {
    /// The limit.
    pub max_concurrent: usize,
    /// Calls running now.
    pub running: usize,
}

impl Bulkhead {
    /// At most `max_concurrent` calls at once; others wait up to `max_wait` (zero: rejected at once).
    pub fn new(max_concurrent: usize, max_wait: Duration) -> Self {
        assert!(max_concurrent > 0, "a bulkhead admits at least 1 call");
        Bulkhead {
            semaphore: Semaphore::new(max_concurrent),
            max_concurrent,
            max_wait,
        }
    }

    /// A snapshot of its state.
    pub fn stats(&self) -> BulkheadStats {
        BulkheadStats {
            max_concurrent: self.max_concurrent,
            running: self.max_concurrent - self.semaphore.available_permits(),
        }
    }

    /// A free slot, without waiting.
    pub(crate) fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire().ok()
    }

    /// [`acquire`](Self::acquire) for sync callers: polls for a slot on the calling thread
    /// (every millisecond) until `max_wait`, without needing a tokio timer.
    pub fn acquire_blocking(&self) -> Result<SemaphorePermit<'_>, ToolError> {
        let deadline = std::time::Instant::now() + self.max_wait;
        loop {
            if let Some(permit) = self.try_acquire() {
                return Ok(permit);
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(ToolError::Rejected {
                    max_concurrent: self.max_concurrent,
                });
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(1)));
        }
    }

    /// A slot for one call, or `Rejected` after waiting `max_wait`.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, ToolError> {
        let rejected = ToolError::Rejected {
            max_concurrent: self.max_concurrent,
        };
        if let Ok(permit) = self.semaphore.try_acquire() {
            return Ok(permit);
        }
        if self.max_wait.is_zero() {
            return Err(rejected);
        }
        match tokio::time::timeout(self.max_wait, self.semaphore.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(rejected),
        }
    }
}
