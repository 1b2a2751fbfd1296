//! One chosen instance, and the outcome of the call made on it.

use super::instance::Instance;
use crate::resilience::BreakerPermit;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::Ordering;

/// One chosen instance: dereferences to the `T`, and is one call in progress on it until dropped.
/// Report the outcome with [`success`](Self::success) or [`failure`](Self::failure); dropping it
/// without one counts as neither (a cancelled call), except during a panic, which counts as a
/// failure.
#[must_use = "report the outcome of the call with success() or failure()"]
pub struct Pick<'a, T> {
    pub(super) instance: &'a Instance<T>,
    pub(super) index: usize,
    pub(super) permit: Option<BreakerPermit<'a>>,
}

impl<'a, T> Pick<'a, T> {
    /// The instance (also reachable through `Deref`), borrowed from the balancer rather than the
    /// pick, so it outlives the pick.
    pub fn value(&self) -> &'a T {
        &self.instance.value
    }

    /// The instance's name.
    pub fn name(&self) -> &'a str {
        &self.instance.name
    }

    /// The instance's position among the balancer's instances (the order they were added).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The call succeeded: resets the breaker's failure count (closes it after a half-open trial).
    pub fn success(mut self) {
        if let Some(p) = self.permit.take() {
            p.success();
        }
        self.instance
            .counters
            .successes
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The call failed: counts toward opening the instance's breaker.
    pub fn failure(mut self) {
        if let Some(p) = self.permit.take() {
            p.failure();
        }
        self.instance
            .counters
            .failures
            .fetch_add(1, Ordering::Relaxed);
    }
}

impl<T> Deref for Pick<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.instance.value
    }
}

impl<T> fmt::Debug for Pick<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pick")
            .field("name", &self.name())
            .field("index", &self.index)
            .finish()
    }
}

impl<T> Drop for Pick<'_, T> {
    fn drop(&mut self) {
        if let Some(p) = self.permit.take() {
            if std::thread::panicking() {
                p.failure();
                self.instance
                    .counters
                    .failures
                    .fetch_add(1, Ordering::Relaxed);
            }
            // Otherwise dropped unreported: the permit's own drop frees a trial slot, if any.
        }
        self.instance
            .counters
            .outstanding
            .fetch_sub(1, Ordering::Relaxed);
    }
}
