//! The breaker's states and transitions, in both modes.

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
