//! What a breaker reports.

/// The state a breaker reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    /// Calls pass; failures are counted.
    Closed,
    /// Calls are rejected without running.
    Open,
    /// The recovery time has passed: a few trial calls decide.
    HalfOpen,
}

/// A snapshot of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CircuitStats {
    /// The state now.
    pub state: CircuitState,
    /// Failures in a row (consecutive mode).
    pub consecutive_failures: u32,
    /// Trial calls running (half-open only).
    pub trials: u32,
    /// Calls rejected since creation.
    pub rejected: u64,
    /// Failure-rate mode: calls and failures in the window (0 otherwise).
    pub window_calls: u32,
    /// Failures among the calls in the window (failure-rate mode).
    pub window_failures: u32,
}
