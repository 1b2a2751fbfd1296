//! Each tool's own counters, updated where its calls end; `metrics` reads them.

use crate::error::ToolError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every error kind ([`ToolError::kind`]), in a fixed order: the index of a tool's error counter.
pub(crate) const KINDS: [&str; 11] = [
    "failed",
    "invalid_arguments",
    "panicked",
    "cancelled",
    "circuit_open",
    "rate_limited",
    "timeout",
    "rejected",
    "unavailable",
    "upstream",
    "client",
];

/// The upper bounds of the call-duration histogram's buckets, in seconds (Prometheus `le`), from
/// half a millisecond to a minute; longer calls fall in the last (`+Inf`).
pub(crate) const BUCKETS: [f64; 16] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];
/// The same bounds in microseconds, what a call's duration is compared with.
const BUCKET_MICROS: [u64; 16] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000,
];

/// One tool's counters.
#[derive(Debug, Default)]
pub(crate) struct ToolMetrics {
    pub(crate) calls: AtomicU64,
    pub(crate) errors: [AtomicU64; KINDS.len()],
    pub(crate) micros: AtomicU64,
    /// Calls by duration: one count per bucket of [`BUCKETS`] and one over the last (not
    /// cumulative: `metrics` adds them up as Prometheus wants).
    pub(crate) durations: [AtomicU64; BUCKETS.len() + 1],
}

impl ToolMetrics {
    /// A call that ended (a call dropped before its end, when cancelled, is not counted).
    pub(crate) fn record(&self, elapsed: Duration, error: Option<&ToolError>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let micros = elapsed.as_micros() as u64;
        self.micros.fetch_add(micros, Ordering::Relaxed);
        let bucket = BUCKET_MICROS.partition_point(|&bound| bound < micros);
        self.durations[bucket].fetch_add(1, Ordering::Relaxed);
        if let Some(e) = error {
            // A kind added later without a counter is counted as `failed`.
            let i = KINDS.iter().position(|k| *k == e.kind()).unwrap_or(0);
            self.errors[i].fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_bounds_agree() {
        for (seconds, micros) in BUCKETS.iter().zip(BUCKET_MICROS) {
            assert_eq!((seconds * 1e6).round() as u64, micros);
        }
    }

    /// A duration on a bound falls in that bucket (`le`: less than or equal).
    #[test]
    fn durations_fall_in_their_buckets() {
        let m = ToolMetrics::default();
        for micros in [0, 500, 501, 60_000_000, 60_000_001] {
            m.record(Duration::from_micros(micros), None);
        }
        let counts: Vec<u64> = m
            .durations
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        assert_eq!(counts[0], 2, "0 and 500 µs: {counts:?}");
        assert_eq!(counts[1], 1, "501 µs: {counts:?}");
        assert_eq!(counts[15], 1, "a minute: {counts:?}");
        assert_eq!(counts[16], 1, "over a minute: {counts:?}");
    }

    #[test]
    fn every_error_kind_has_a_counter() {
        let kinds = [
            ToolError::new("x"),
            ToolError::invalid_arguments("x"),
            ToolError::Panicked("x".into()),
            ToolError::Cancelled,
            ToolError::circuit_open(Duration::ZERO),
            ToolError::RateLimited {
                retry_after: Duration::ZERO,
            },
            ToolError::Timeout(Duration::ZERO),
            ToolError::Rejected { max_concurrent: 1 },
            ToolError::Unavailable {
                message: "x".into(),
                retry_after: None,
            },
            ToolError::Upstream {
                message: "x".into(),
                status: None,
                instance: None,
                transient: false,
            },
            ToolError::Client {
                method: "x".into(),
                message: "x".into(),
            },
            ToolError::MissingClientCapability {
                method: "x".into(),
                capability: "x".into(),
            },
        ];
        for e in kinds {
            assert!(KINDS.contains(&e.kind()), "{}", e.kind());
        }
    }
}
