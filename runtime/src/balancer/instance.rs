//! One instance of a balancer, its counters, and the snapshot of them users read.

use crate::resilience::{CircuitBreaker, CircuitState, CircuitStats};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize};

/// One instance and its counters, on its own cache lines so that threads picking different
/// instances do not contend.
#[repr(align(128))]
pub(super) struct Instance<T> {
    pub(super) name: Box<str>,
    pub(super) value: T,
    pub(super) breaker: CircuitBreaker,
    pub(super) weight: AtomicU32,
    pub(super) counters: Counters,
}

/// What every pick writes, on cache lines of its own: the breaker's state word and the weight,
/// read by every pick, then stay cached in each picking thread.
#[repr(align(128))]
#[derive(Default)]
pub(super) struct Counters {
    pub(super) outstanding: AtomicUsize,
    pub(super) picks: AtomicU64,
    pub(super) successes: AtomicU64,
    pub(super) failures: AtomicU64,
}

/// A snapshot of one instance, from [`LoadBalancer::stats`](super::LoadBalancer::stats).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InstanceStats {
    /// The instance's name.
    pub name: String,
    /// Times this instance was picked.
    pub picks: u64,
    /// Picks not yet dropped (calls in progress).
    pub outstanding: usize,
    /// Outcomes reported with [`Pick::success`](super::Pick::success) / [`Pick::failure`](super::Pick::failure).
    pub successes: u64,
    /// Calls that counted against it.
    pub failures: u64,
    /// The breaker's state (same as `breaker.state`).
    pub state: CircuitState,
    /// Its breaker.
    pub breaker: CircuitStats,
    /// Its share of the picks under weighted strategies.
    pub weight: u32,
}
