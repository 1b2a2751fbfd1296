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
            }
            (State::HalfOpen { .. }, Some(false)) => {
                inner.state = State::Open {
                    until: Instant::now() + self.config.recovery,
                };
                tracing::warn!(target: "sturdy::breaker", breaker = &*self.name,
                    recovery_s = self.config.recovery.as_secs_f64(),
                    "circuit open again: a trial call failed");
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
                    return;
                }
                Err(now) => word = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32, recovery_ms: u64, half_open: u32) -> CircuitBreaker {
        CircuitBreaker::with_config(CircuitBreakerConfig {
            threshold,
            recovery: Duration::from_millis(recovery_ms),
            half_open,
            failure_rate: None,
        })
    }

    fn rate_breaker(rate: f64, window: u32, min_calls: u32) -> CircuitBreaker {
        CircuitBreaker::with_config(CircuitBreakerConfig {
            recovery: Duration::from_millis(30),
            failure_rate: Some(FailureRate {
                rate,
                window,
                min_calls,
            }),
            ..Default::default()
        })
    }

    #[test]
    fn failure_rate_mode_opens_on_the_share_of_recent_failures() {
        let b = rate_breaker(0.5, 10, 6);
        // Alternating outcomes: never two failures in a row, yet half of the calls fail.
        for _ in 0..2 {
            b.try_acquire().unwrap().failure();
            b.try_acquire().unwrap().success();
        }
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Closed, "5 calls < min_calls");
        assert_eq!((b.stats().window_calls, b.stats().window_failures), (5, 3));
        b.try_acquire().unwrap().success();
        assert_eq!(b.state(), CircuitState::Open, "3 of 6 failed");
        assert_eq!(b.stats().window_calls, 0, "the window starts afresh");
        wait_for_half_open(&b);
        b.try_acquire().unwrap().success();
        assert_eq!(b.state(), CircuitState::Closed);
    }

    #[test]
    fn failure_rate_window_slides() {
        let b = rate_breaker(0.5, 4, 4);
        b.try_acquire().unwrap().failure();
        for _ in 0..4 {
            b.try_acquire().unwrap().success();
        }
        // The failure has left the window: 1 of 4 is below the rate, 2 of 4 is not.
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Closed);
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Open);
    }

    #[test]
    fn failure_rate_counts_every_outcome_under_contention() {
        // Rate 1.0 over a full window: it opens only once every outcome of the 4 threads is counted.
        let b = rate_breaker(1.0, 10_000, 10_000);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..2_499 {
                        b.try_acquire().unwrap().failure();
                    }
                });
            }
        });
        assert_eq!(b.stats().window_failures, 9_996);
        assert_eq!(b.state(), CircuitState::Closed);
        for _ in 0..3 {
            b.try_acquire().unwrap().failure();
        }
        assert_eq!(b.state(), CircuitState::Closed);
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Open);
    }

    fn wait_for_half_open(b: &CircuitBreaker) {
        while b.state() != CircuitState::HalfOpen {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn consecutive_failures_open_and_a_success_resets_them() {
        let b = breaker(3, 60_000, 1);
        b.try_acquire().unwrap().failure();
        b.try_acquire().unwrap().failure();
        assert_eq!(b.stats().consecutive_failures, 2);
        b.try_acquire().unwrap().success();
        assert_eq!(b.stats().consecutive_failures, 0);
        for _ in 0..3 {
            b.try_acquire().unwrap().failure();
        }
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(b.stats().consecutive_failures, 3);
        assert!(matches!(
            b.try_acquire(),
            Err(ToolError::CircuitOpen { retry_after, .. }) if retry_after > Duration::from_secs(59)
        ));
        assert_eq!(b.stats().rejected, 1);
    }

    #[test]
    fn calls_admitted_while_closed_change_nothing_once_it_opened() {
        let b = breaker(1, 60_000, 1);
        let late_success = b.try_acquire().unwrap();
        let late_failure = b.try_acquire().unwrap();
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Open);
        late_success.success();
        late_failure.failure();
        assert_eq!(b.state(), CircuitState::Open);
        assert!(b.try_acquire().is_err());
    }

    #[test]
    fn half_open_trials_decide_and_cancelled_trials_free_their_slot() {
        let b = breaker(1, 30, 1);
        b.try_acquire().unwrap().failure();
        wait_for_half_open(&b);
        let trial = b.try_acquire().unwrap();
        assert!(b.try_acquire().is_err(), "one trial at a time");
        assert_eq!(b.stats().trials, 1);
        drop(trial);
        assert_eq!(b.stats().trials, 0);
        // A failing trial reopens with a fresh timer.
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Open);
        wait_for_half_open(&b);
        b.try_acquire().unwrap().success();
        assert_eq!(b.state(), CircuitState::Closed);
        assert_eq!(b.stats().consecutive_failures, 0);
    }

    #[test]
    fn a_trial_ending_after_another_closed_the_circuit_counts_as_a_closed_call() {
        let b = breaker(2, 30, 2);
        b.try_acquire().unwrap().failure();
        b.try_acquire().unwrap().failure();
        wait_for_half_open(&b);
        let first = b.try_acquire().unwrap();
        let second = b.try_acquire().unwrap();
        first.success();
        assert_eq!(b.state(), CircuitState::Closed);
        second.failure();
        assert_eq!(b.state(), CircuitState::Closed);
        assert_eq!(b.stats().consecutive_failures, 1);
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Open);
    }

    #[test]
    fn concurrent_failures_are_all_counted_and_open_it_once() {
        let b = breaker(4 * 10_000 + 1, 60_000, 1);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        b.try_acquire().unwrap().failure();
                    }
                });
            }
        });
        assert_eq!(b.state(), CircuitState::Closed);
        assert_eq!(b.stats().consecutive_failures, 40_000);
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(b.stats().rejected, 0);
    }
}
