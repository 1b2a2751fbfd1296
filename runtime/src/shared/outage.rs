//! Telling an outage of the shared store once, and counting the calls that fell back meanwhile.

use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Whether the store is reachable, as last seen, and what fell back.
#[derive(Debug, Default)]
pub(crate) struct Outage {
    down: AtomicBool,
    outages: AtomicU64,
    fallbacks: AtomicU64,
    errors: AtomicU64,
}

/// Counters of the shared store, for `/metrics`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SharedStats {
    /// Whether the last operation failed (the store is unavailable, slow or answered badly).
    pub down: bool,
    /// Outages seen: times the store went from answering to not.
    pub outages: u64,
    /// Operations that fell back to what a replica does alone.
    pub fallbacks: u64,
    /// Of those, answers that could not be used (a key of the wrong type, a value that does not
    /// deserialise) rather than timeouts or lost connections.
    pub bad_answers: u64,
}

impl Outage {
    /// An operation failed: logged when it starts an outage (once until the store answers again).
    pub(crate) fn failed(&self, operation: &str, why: &dyn std::fmt::Display, bad_answer: bool) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        if bad_answer {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        if !self.down.swap(true, Ordering::AcqRel) {
            self.outages.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                target: "sturdy::shared",
                operation,
                "the shared store failed ({why}); each replica decides alone until it answers again"
            );
        }
    }

    /// An operation succeeded: an outage, if any, is over.
    pub(crate) fn answered(&self) {
        // Read first: the common case (no outage) writes nothing shared.
        if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::AcqRel) {
            tracing::warn!(target: "sturdy::shared", "the shared store answers again; sharing resumes");
        }
    }

    pub(crate) fn stats(&self) -> SharedStats {
        SharedStats {
            down: self.down.load(Ordering::Relaxed),
            outages: self.outages.load(Ordering::Relaxed),
            fallbacks: self.fallbacks.load(Ordering::Relaxed),
            bad_answers: self.errors.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_counted_once_and_each_fallback_every_time() {
        let o = Outage::default();
        o.answered();
        o.failed("rate_limit", &"timeout", false);
        o.failed("rate_limit", &"timeout", false);
        o.failed("rate_limit", &"WRONGTYPE", true);
        assert_eq!(
            o.stats(),
            SharedStats {
                down: true,
                outages: 1,
                fallbacks: 3,
                bad_answers: 1
            }
        );
        o.answered();
        o.failed("rate_limit", &"timeout", false);
        let s = o.stats();
        assert_eq!((s.down, s.outages, s.fallbacks), (true, 2, 4));
    }
}
