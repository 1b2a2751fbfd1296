//! A breaker's settings, and the failure-rate rule.

use std::time::Duration;

/// Settings of a [`CircuitBreaker`](super::CircuitBreaker).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// Consecutive failures that open the circuit (ignored in failure-rate mode).
    pub threshold: u32,
    /// How long the circuit stays open before trial calls are let through.
    pub recovery: Duration,
    /// Trial calls admitted at once while half-open.
    pub half_open: u32,
    /// Failure-rate mode: open on the share of failures among recent calls instead of on
    /// consecutive failures.
    pub failure_rate: Option<FailureRate>,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        CircuitBreakerConfig::DEFAULT
    }
}

impl CircuitBreakerConfig {
    /// What `#[circuit_breaker]` means without arguments: open after 5 consecutive failures, one
    /// trial call after 60 s. The macro fills the arguments a user leaves out from here.
    pub const DEFAULT: CircuitBreakerConfig = CircuitBreakerConfig {
        threshold: 5,
        recovery: Duration::from_secs(60),
        half_open: 1,
        failure_rate: None,
    };
}

/// The failure-rate rule: among the last `window` calls (once there are at least `min_calls` of
/// them), a share of failures of `rate` or more opens the circuit. Suits services that fail
/// intermittently, where failures are rarely consecutive but too frequent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FailureRate {
    /// From 0 (exclusive) to 1.
    pub rate: f64,
    /// Calls looked at, at most [`FailureRate::MAX_WINDOW`].
    pub window: u32,
    /// Calls needed in the window before the rate decides, from 1 to `window`.
    pub min_calls: u32,
}

impl FailureRate {
    /// The largest window (the breaker keeps one flag per call in it).
    pub const MAX_WINDOW: u32 = 10_000;
    /// The window when none is given, in calls.
    pub const DEFAULT_WINDOW: u32 = 20;

    /// The rule for `rate`, over `window` calls (default [`FailureRate::DEFAULT_WINDOW`]) once
    /// `min_calls` of them are in (default: half the window, rounded up).
    ///
    /// `const`, so that `#[circuit_breaker(failure_rate = …)]` is checked when the program compiles:
    /// a window above [`FailureRate::MAX_WINDOW`] or `min_calls` above the window stops the build
    /// with this function's message.
    ///
    /// ```
    /// use sturdy_runtime::resilience::FailureRate;
    ///
    /// let rule = FailureRate::new(0.5, None, None);
    /// assert_eq!((rule.window, rule.min_calls), (20, 10));
    /// ```
    pub const fn new(rate: f64, window: Option<u32>, min_calls: Option<u32>) -> FailureRate {
        let window = match window {
            Some(w) => w,
            None => Self::DEFAULT_WINDOW,
        };
        assert!(
            window >= 1 && window <= Self::MAX_WINDOW,
            "a failure-rate window holds 1 to 10000 calls"
        );
        let min_calls = match min_calls {
            Some(m) => m,
            None => window.div_ceil(2),
        };
        assert!(
            min_calls >= 1 && min_calls <= window,
            "`min_calls` is at least 1 and at most the window (20 calls when `window` is not given)"
        );
        assert!(
            rate > 0.0 && rate <= 1.0,
            "a failure rate is above 0 and at most 1"
        );
        FailureRate {
            rate,
            window,
            min_calls,
        }
    }
}
