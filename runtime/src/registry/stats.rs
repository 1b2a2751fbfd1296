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

/// One tool's counters.
#[derive(Debug, Default)]
pub(crate) struct ToolMetrics {
    pub(crate) calls: AtomicU64,
    pub(crate) errors: [AtomicU64; KINDS.len()],
    pub(crate) micros: AtomicU64,
}

impl ToolMetrics {
    /// A call that ended (a call dropped before its end, when cancelled, is not counted).
    pub(crate) fn record(&self, elapsed: Duration, error: Option<&ToolError>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
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
