//! Circuit breaker: stop calling a failing service, try again after a recovery time.

use crate::error::ToolError;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Settings of a [`CircuitBreaker`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerConfig {
    /// Consecutive failures that open the circuit.
    pub threshold: u32,
    /// How long the circuit stays open before trial calls are let through.
    pub recovery: Duration,
    /// Trial calls admitted at once while half-open.
    pub half_open: u32,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        CircuitBreakerConfig {
            threshold: 5,
            recovery: Duration::from_secs(60),
            half_open: 1,
        }
    }
}

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
    pub state: CircuitState,
    pub consecutive_failures: u32,
    /// Trial calls running (half-open only).
    pub trials: u32,
    /// Calls rejected since creation.
    pub rejected: u64,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trials: u32 },
}

#[derive(Debug)]
struct Inner {
    state: State,
    rejected: u64,
}

/// Closed → Open after `threshold` consecutive failures; Open rejects at once with
/// [`ToolError::CircuitOpen`]; after `recovery` it is HalfOpen (without needing a call) and admits
/// at most `half_open` trial calls at a time; a trial success closes it, a trial failure reopens it
/// with a fresh timer.
///
/// ```
/// use sturdy_runtime::resilience::{CircuitBreaker, CircuitState};
/// use std::time::Duration;
///
/// let breaker = CircuitBreaker::new(2, Duration::from_secs(30));
/// for _ in 0..2 {
///     breaker.try_acquire().unwrap().failure();
/// }
/// assert_eq!(breaker.state(), CircuitState::Open);
/// assert!(breaker.try_acquire().is_err());
/// ```
#[derive(Debug)]
pub struct CircuitBreaker {
    config: CircuitBreakerConfig,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// A breaker opening after `threshold` consecutive failures for `recovery`.
    pub fn new(threshold: u32, recovery: Duration) -> Self {
        Self::with_config(CircuitBreakerConfig {
            threshold,
            recovery,
            ..Default::default()
        })
    }

    pub fn with_config(config: CircuitBreakerConfig) -> Self {
        assert!(
            config.threshold > 0,
            "a circuit breaker threshold is at least 1"
        );
        assert!(
            config.half_open > 0,
            "a circuit breaker admits at least 1 trial"
        );
        CircuitBreaker {
            config,
            inner: Mutex::new(Inner {
                state: State::Closed { failures: 0 },
                rejected: 0,
            }),
        }
    }

    pub fn config(&self) -> &CircuitBreakerConfig {
        &self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the state half-updated (each update is one
        // assignment), so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current state; an open breaker whose recovery time has passed reports `HalfOpen`.
    pub fn state(&self) -> CircuitState {
        self.stats().state
    }

    pub fn stats(&self) -> CircuitStats {
        let inner = self.lock();
        let (state, consecutive_failures, trials) = match inner.state {
            State::Closed { failures } => (CircuitState::Closed, failures, 0),
            State::Open { until } if Instant::now() >= until => {
                (CircuitState::HalfOpen, self.config.threshold, 0)
            }
            State::Open { .. } => (CircuitState::Open, self.config.threshold, 0),
            State::HalfOpen { trials } => (CircuitState::HalfOpen, self.config.threshold, trials),
        };
        CircuitStats {
            state,
            consecutive_failures,
            trials,
            rejected: inner.rejected,
        }
    }

    /// Admits one call or rejects it with [`ToolError::CircuitOpen`]. Report the outcome on the
    /// permit; a permit dropped without an outcome (the call was cancelled) frees its trial slot
    /// and counts as neither.
    pub fn try_acquire(&self) -> Result<BreakerPermit<'_>, ToolError> {
        let mut inner = self.lock();
        let now = Instant::now();
        let trial = match inner.state {
            State::Closed { .. } => false,
            State::Open { until } if now >= until => {
                inner.state = State::HalfOpen { trials: 1 };
                true
            }
            State::Open { until } => {
                inner.rejected += 1;
                return Err(ToolError::CircuitOpen {
                    retry_after: until - now,
                });
            }
            State::HalfOpen { ref mut trials } if *trials < self.config.half_open => {
                *trials += 1;
                true
            }
            State::HalfOpen { .. } => {
                inner.rejected += 1;
                return Err(ToolError::CircuitOpen {
                    retry_after: Duration::ZERO,
                });
            }
        };
        Ok(BreakerPermit {
            breaker: self,
            trial,
            done: false,
        })
    }

    fn record(&self, trial: bool, outcome: Option<bool>) {
        let mut inner = self.lock();
        let now = Instant::now();
        match (&mut inner.state, outcome) {
            (State::HalfOpen { trials }, None) if trial => *trials = trials.saturating_sub(1),
            (_, None) => {}
            (State::HalfOpen { .. }, Some(true)) if trial => {
                inner.state = State::Closed { failures: 0 }
            }
            (State::HalfOpen { .. }, Some(false)) if trial => {
                inner.state = State::Open {
                    until: now + self.config.recovery,
                }
            }
            (State::Closed { failures }, Some(true)) => *failures = 0,
            (State::Closed { failures }, Some(false)) => {
                *failures += 1;
                if *failures >= self.config.threshold {
                    inner.state = State::Open {
                        until: now + self.config.recovery,
                    };
                }
            }
            // A call admitted while closed that ends after the circuit opened (or a trial ending
            // after another trial decided) changes nothing.
            _ => {}
        }
    }
}

/// One admitted call; report its outcome with [`success`](Self::success) or
/// [`failure`](Self::failure).
#[must_use = "report the outcome of the call"]
#[derive(Debug)]
pub struct BreakerPermit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    done: bool,
}

impl BreakerPermit<'_> {
    pub fn success(mut self) {
        self.done = true;
        self.breaker.record(self.trial, Some(true));
    }

    pub fn failure(mut self) {
        self.done = true;
        self.breaker.record(self.trial, Some(false));
    }
}

impl Drop for BreakerPermit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.breaker.record(self.trial, None);
        }
    }
}
