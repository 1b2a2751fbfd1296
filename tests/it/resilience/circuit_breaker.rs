//! `#[circuit_breaker]`: opening at the threshold, consecutive failures only, half-open trials.

use super::*;

static OPENS_CALLS: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(threshold = 3, recovery = 60)]
async fn opens_after_threshold() -> Result<(), ToolError> {
    OPENS_CALLS.fetch_add(1, SeqCst);
    Err(ToolError::new("down"))
}

#[tokio::test]
async fn breaker_opens_after_exactly_threshold_failures_and_never_calls_while_open() {
    for i in 1..=3 {
        let e = opens_after_threshold().await.unwrap_err();
        assert_eq!(e, ToolError::new("down"), "call {i} reaches the function");
        let expected = if i < 3 {
            CircuitState::Closed
        } else {
            CircuitState::Open
        };
        assert_eq!(breaker_state("::opens_after_threshold"), expected);
    }
    for _ in 0..10 {
        match opens_after_threshold().await.unwrap_err() {
            ToolError::CircuitOpen { retry_after, .. } => {
                assert!(
                    retry_after > Duration::from_secs(59) && retry_after <= Duration::from_secs(60)
                )
            }
            other => panic!("expected CircuitOpen, got {other:?}"),
        }
    }
    assert_eq!(
        OPENS_CALLS.load(SeqCst),
        3,
        "an open breaker never calls the function"
    );
}

static SUCCESS_RESETS: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(threshold = 2, recovery = 60)]
async fn success_resets(fail: bool) -> Result<(), ToolError> {
    SUCCESS_RESETS.fetch_add(1, SeqCst);
    if fail {
        Err(ToolError::new("down"))
    } else {
        Ok(())
    }
}

#[tokio::test]
async fn breaker_counts_consecutive_failures_only() {
    for _ in 0..5 {
        let _ = success_resets(true).await;
        success_resets(false).await.unwrap();
    }
    assert_eq!(breaker_state("::success_resets"), CircuitState::Closed);
}

static HALF_OPEN_FAIL: AtomicBool = AtomicBool::new(true);
static HALF_OPEN_CALLS: AtomicU32 = AtomicU32::new(0);
static HALF_OPEN_RUNNING: AtomicU32 = AtomicU32::new(0);
static HALF_OPEN_PEAK: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(threshold = 1, recovery = "300ms", half_open = 2)]
async fn half_open_trials() -> Result<(), ToolError> {
    HALF_OPEN_CALLS.fetch_add(1, SeqCst);
    let running = HALF_OPEN_RUNNING.fetch_add(1, SeqCst) + 1;
    HALF_OPEN_PEAK.fetch_max(running, SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    HALF_OPEN_RUNNING.fetch_sub(1, SeqCst);
    if HALF_OPEN_FAIL.load(SeqCst) {
        Err(ToolError::new("down"))
    } else {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn breaker_half_open_admits_only_the_trial_count_and_decides() {
    assert!(half_open_trials().await.is_err());
    assert_eq!(breaker_state("::half_open_trials"), CircuitState::Open);
    tokio::time::sleep(Duration::from_millis(350)).await;
    // Reported without any call.
    assert_eq!(breaker_state("::half_open_trials"), CircuitState::HalfOpen);
    assert_eq!(HALF_OPEN_CALLS.load(SeqCst), 1);

    // Many tasks at once: only `half_open` trials run; a failing trial reopens.
    HALF_OPEN_PEAK.store(0, SeqCst);
    let results = run_concurrently(32, half_open_trials).await;
    let rejected = results
        .iter()
        .filter(|r| matches!(r, Err(ToolError::CircuitOpen { .. })))
        .count();
    assert_eq!(HALF_OPEN_CALLS.load(SeqCst), 1 + 2);
    assert_eq!(rejected, 30);
    assert_eq!(HALF_OPEN_PEAK.load(SeqCst), 2);
    assert_eq!(breaker_state("::half_open_trials"), CircuitState::Open);
    assert!(matches!(
        half_open_trials().await,
        Err(ToolError::CircuitOpen { .. })
    ));

    // After a fresh recovery time, a successful trial closes it.
    HALF_OPEN_FAIL.store(false, SeqCst);
    tokio::time::sleep(Duration::from_millis(350)).await;
    half_open_trials().await.unwrap();
    assert_eq!(breaker_state("::half_open_trials"), CircuitState::Closed);
}
