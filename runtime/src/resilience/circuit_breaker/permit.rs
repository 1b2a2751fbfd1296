//! One admitted call, which reports its outcome.

use super::CircuitBreaker;

/// One admitted call; report its outcome with [`success`](Self::success) or
/// [`failure`](Self::failure).
#[must_use = "report the outcome of the call"]
#[derive(Debug)]
pub struct BreakerPermit<'a> {
    pub(super) breaker: &'a CircuitBreaker,
    pub(super) trial: bool,
    pub(super) done: bool,
}

impl BreakerPermit<'_> {
    #[inline]
    /// The call succeeded.
    pub fn success(mut self) {
        self.done = true;
        self.breaker.record(self.trial, Some(true));
    }

    #[inline]
    /// The call failed.
    pub fn failure(mut self) {
        self.done = true;
        self.breaker.record(self.trial, Some(false));
    }
}

impl Drop for BreakerPermit<'_> {
    #[inline]
    fn drop(&mut self) {
        if !self.done {
            self.breaker.record(self.trial, None);
        }
    }
}
