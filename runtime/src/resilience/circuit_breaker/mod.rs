//! Circuit breaker: stop calling a failing service, try again after a recovery time.

mod config;
mod permit;
mod stats;

pub use config::{CircuitBreakerConfig, FailureRate};
pub use permit::BreakerPermit;
pub use stats::{CircuitState, CircuitStats};

use crate::error::ToolError;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The outcomes of the latest calls, for the failure-rate rule.
#[derive(Debug, Default)]
struct Window {
    /// `true` for a failure, oldest first.
    outcomes: VecDeque<bool>,
    failures: u32,
}

/// The non-closed states, and the closed state's stand-in (the failure count lives in the word).
#[derive(Debug)]
enum State {
    /// See [`CircuitBreaker::word`].
    Closed,
    Open {
        until: Instant,
    },
    HalfOpen {
        trials: u32,
    },
}

#[derive(Debug)]
struct Inner {
    state: State,
    rejected: u64,
    window: Window,
}

/// `word` when the circuit is not closed (a closed circuit holds its failure count there, which
/// stays below `threshold`, so below this value; 0 in failure-rate mode).
const NOT_CLOSED: u32 = u32::MAX;

/// Closed → Open after `threshold` consecutive failures; Open rejects at once with
/// [`ToolError::CircuitOpen`]; after `recovery` it is HalfOpen (without needing a call) and admits
/// at most `half_open` trial calls at a time; a trial success closes it, a trial failure reopens it
/// with a fresh timer. In failure-rate mode ([`CircuitBreakerConfig::failure_rate`]) the share
/// of failures among recent calls opens it instead (each outcome is then recorded under a lock;
/// the closed path of the consecutive mode takes none).
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
    /// Names the breaker in log events (see [`named`](Self::named)).
    name: Box<str>,
    /// Closed: the consecutive failures, updated without the lock, so that a healthy circuit
    /// costs an atomic load per call and one more per success. [`NOT_CLOSED`] otherwise, and then
    /// `inner.state` says which. Moving to or from [`NOT_CLOSED`] only happens under the lock, so
    /// that state is consistent for whoever holds it.
    word: AtomicU32,
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

    /// A breaker with `config`.
    pub fn with_config(config: CircuitBreakerConfig) -> Self {
        assert!(
            config.threshold > 0,
            "a circuit breaker threshold is at least 1"
        );
        assert!(
            config.half_open > 0,
            "a circuit breaker admits at least 1 trial"
        );
        if let Some(r) = config.failure_rate {
            assert!(
                r.rate > 0.0 && r.rate <= 1.0,
                "a failure rate is above 0 and at most 1"
            );
            assert!(
                (1..=FailureRate::MAX_WINDOW).contains(&r.window),
                "a failure-rate window holds 1 to {} calls",
                FailureRate::MAX_WINDOW
            );
            assert!(
                (1..=r.window).contains(&r.min_calls),
                "min_calls is from 1 to the window"
            );
        }
        CircuitBreaker {
            config,
            name: "circuit breaker".into(),
            word: AtomicU32::new(0),
            inner: Mutex::new(Inner {
                state: State::Closed,
                rejected: 0,
                window: Window::default(),
            }),
        }
    }

    /// The name its state changes are logged under (target `sturdy::breaker`: opening at warn,
    /// closing at info). The attributes name a function's breaker after the function, a load
    /// balancer after the instance.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into().into_boxed_str();
        self
    }

    /// Its name (in logs and metrics).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its settings.
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

    /// A snapshot of its state.
    pub fn stats(&self) -> CircuitStats {
        let inner = self.lock();
        let word = self.word.load(Ordering::Acquire);
        let (state, consecutive_failures, trials) = match inner.state {
            _ if word != NOT_CLOSED => (CircuitState::Closed, word, 0),
            State::Closed => (CircuitState::Closed, 0, 0),
            State::Open { until } if Instant::now() >= until => {
                (CircuitState::HalfOpen, self.config.threshold, 0)
            }
            State::Open { .. } => (CircuitState::Open, self.config.threshold, 0),
            State::HalfOpen { trials } => (CircuitState::HalfOpen, self.config.threshold, trials),
        };
        CircuitStats {
            state,
            consecutive_failures: if self.config.failure_rate.is_some() {
                0
            } else {
                consecutive_failures
            },
            trials,
            rejected: inner.rejected,
            window_calls: inner.window.outcomes.len() as u32,
            window_failures: inner.window.failures,
        }
    }

    /// Admits one call or rejects it with [`ToolError::CircuitOpen`]. Report the outcome on the
    /// permit; a permit dropped without an outcome (the call was cancelled) frees its trial slot
    /// and counts as neither.
    #[inline]
    pub fn try_acquire(&self) -> Result<BreakerPermit<'_>, ToolError> {
        if self.word.load(Ordering::Acquire) != NOT_CLOSED {
            return Ok(self.permit(false));
        }
        self.try_acquire_slow()
    }

    #[inline]
    fn permit(&self, trial: bool) -> BreakerPermit<'_> {
        BreakerPermit {
            breaker: self,
            trial,
            done: false,
        }
    }

    #[cold]
    fn try_acquire_slow(&self) -> Result<BreakerPermit<'_>, ToolError> {
        let mut inner = self.lock();
        if self.word.load(Ordering::Acquire) != NOT_CLOSED {
            // Closed by a trial since the first look.
            return Ok(self.permit(false));
        }
        let now = Instant::now();
        let trial = match inner.state {
            State::Closed => false,
            State::Open { until } if now >= until => {
                inner.state = State::HalfOpen { trials: 1 };
                true
            }
            State::Open { until } => {
                inner.rejected += 1;
                return Err(ToolError::circuit_open(until - now));
            }
            State::HalfOpen { ref mut trials } if *trials < self.config.half_open => {
                *trials += 1;
                true
            }
            State::HalfOpen { .. } => {
                inner.rejected += 1;
                return Err(ToolError::circuit_open(Duration::ZERO));
            }
        };
        Ok(self.permit(trial))
    }

    /// `outcome`: `Some(success)`, or `None` for a call that ended without one (cancelled).
    #[inline]
    fn record(&self, trial: bool, outcome: Option<bool>) {
        if trial && self.record_trial(outcome) {
            return;
        }
        if let Some(rule) = &self.config.failure_rate {
            if let Some(failed) = outcome.map(|success| !success) {
                self.record_in_window(rule, failed);
            }
            return;
        }
        match outcome {
            None => {}
            Some(true) => {
                let mut word = self.word.load(Ordering::Acquire);
                // Already zero (the usual case): nothing to write.
                while word != 0 && word != NOT_CLOSED {
                    match self.word.compare_exchange_weak(
                        word,
                        0,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => break,
                        Err(now) => word = now,
                    }
                }
            }
            Some(false) => self.record_failure(),
        }
        // A call admitted while closed that ends after the circuit opened changes nothing.
    }

    /// A trial's outcome while the circuit is not closed; false when it is closed (another trial
    /// closed it), in which case the outcome counts as any closed-state call's.
    #[cold]
    fn record_trial(&self, outcome: Option<bool>) -> bool {
        let mut inner = self.lock();
        if self.word.load(Ordering::Acquire) != NOT_CLOSED {
            return false;
        }
        match (&mut inner.state, outcome) {
            (State::HalfOpen { trials }, None) => *trials = trials.saturating_sub(1),
            (State::HalfOpen { .. }, Some(true)) => {
                inner.state = State::Closed;
                self.word.store(0, Ordering::Release);
                tracing::info!(target: "sturdy::breaker", breaker = &*self.name,
                    "circuit closed: a trial call succeeded");
                span_event!("sturdy.circuit_breaker.state",
                    "sturdy.breaker" => self.name.to_string(), "state" => "closed");
            }
            (State::HalfOpen { .. }, Some(false)) => {
                inner.state = State::Open {
                    until: Instant::now() + self.config.recovery,
                };
                tracing::warn!(target: "sturdy::breaker", breaker = &*self.name,
                    recovery_s = self.config.recovery.as_secs_f64(),
                    "circuit open again: a trial call failed");
                span_event!("sturdy.circuit_breaker.state",
                    "sturdy.breaker" => self.name.to_string(), "state" => "open");
            }
            // A trial ending after another trial reopened the circuit changes nothing.
            _ => {}
        }
        true
    }

    /// Failure-rate mode: one more outcome while closed; opens the circuit when the window's
    /// failure share reaches the rate.
    fn record_in_window(&self, rule: &FailureRate, failed: bool) {
        let mut inner = self.lock();
        if self.word.load(Ordering::Acquire) == NOT_CLOSED {
            // Admitted while closed, ended after the circuit opened: changes nothing.
            return;
        }
        let window = &mut inner.window;
        window.outcomes.push_back(failed);
        window.failures += u32::from(failed);
        if window.outcomes.len() > rule.window as usize {
            let oldest = window.outcomes.pop_front().expect("not empty");
            window.failures -= u32::from(oldest);
        }
        let calls = window.outcomes.len() as u32;
        if calls >= rule.min_calls && f64::from(window.failures) >= rule.rate * f64::from(calls) {
            tracing::warn!(target: "sturdy::breaker", breaker = &*self.name,
                recovery_s = self.config.recovery.as_secs_f64(),
                "circuit opened: {} of the last {calls} calls failed", window.failures);
            span_event!("sturdy.circuit_breaker.state",
                "sturdy.breaker" => self.name.to_string(), "state" => "open");
            *window = Window::default();
            self.word.store(NOT_CLOSED, Ordering::Release);
            inner.state = State::Open {
                until: Instant::now() + self.config.recovery,
            };
        }
    }

    /// One more consecutive failure while closed; the one reaching the threshold opens it.
    #[cold]
    fn record_failure(&self) {
        let mut word = self.word.load(Ordering::Acquire);
        while word != NOT_CLOSED {
            let failures = word + 1;
            if failures < self.config.threshold {
                match self.word.compare_exchange_weak(
                    word,
                    failures,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return,
                    Err(now) => word = now,
                }
                continue;
            }
            let until = Instant::now() + self.config.recovery;
            let mut inner = self.lock();
            match self
                .word
                .compare_exchange(word, NOT_CLOSED, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    inner.state = State::Open { until };
                    tracing::warn!(target: "sturdy::breaker", breaker = &*self.name,
                        recovery_s = self.config.recovery.as_secs_f64(),
                        "circuit opened after {failures} consecutive failures");
                    span_event!("sturdy.circuit_breaker.state",
                        "sturdy.breaker" => self.name.to_string(), "state" => "open");
                    return;
                }
                Err(now) => word = now,
            }
        }
    }
}

#[cfg(test)]
mod tests;
