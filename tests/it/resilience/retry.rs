//! `#[retry]`: attempts and backoff, what is never retried, the breaker under the retries, `when`, no blocked runtime.

use super::*;

static RETRY_TIMES: Mutex<Vec<tokio::time::Instant>> = Mutex::new(Vec::new());

#[retry(max = 4, base = "100ms", max_delay = "400ms")]
async fn always_fails_timed() -> Result<(), ToolError> {
    RETRY_TIMES
        .lock()
        .unwrap()
        .push(tokio::time::Instant::now());
    Err(ToolError::new("nope"))
}

#[tokio::test(start_paused = true)]
async fn retry_makes_one_plus_max_attempts_with_capped_jittered_backoff() {
    let e = always_fails_timed().await.unwrap_err();
    assert_eq!(e, ToolError::new("nope"), "the last error is returned");
    let times = RETRY_TIMES.lock().unwrap().clone();
    assert_eq!(times.len(), 5, "1 + max attempts");
    let nominal = [100, 200, 400, 400];
    for (i, pair) in times.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        let n = Duration::from_millis(nominal[i]);
        assert!(
            gap >= n / 2 && gap <= n,
            "delay {i} = {gap:?}, expected within [0.5, 1.0] x {n:?}"
        );
    }
    let stats = policies_for("::always_fails_timed").unwrap().stats();
    assert_eq!(stats["retry"]["retries"], 4, "retries are counted: {stats}");
}

static NO_RETRY_CALLS: AtomicU32 = AtomicU32::new(0);

#[retry(max = 5, base = "1ms")]
async fn upstream_rate_limited() -> Result<(), ToolError> {
    NO_RETRY_CALLS.fetch_add(1, SeqCst);
    Err(ToolError::RateLimited {
        retry_after: Duration::from_secs(1),
    })
}

#[tokio::test]
async fn retry_never_retries_rate_limited() {
    assert!(matches!(
        upstream_rate_limited().await,
        Err(ToolError::RateLimited { .. })
    ));
    assert_eq!(NO_RETRY_CALLS.load(SeqCst), 1);
}

static THROUGH_BREAKER_CALLS: AtomicU32 = AtomicU32::new(0);

// Written in the "wrong" order on purpose: the pipeline is retry → circuit_breaker regardless.
#[circuit_breaker(threshold = 2, recovery = 60)]
#[retry(max = 5, base = "1ms")]
async fn retry_through_breaker() -> Result<(), ToolError> {
    THROUGH_BREAKER_CALLS.fetch_add(1, SeqCst);
    Err(ToolError::new("down"))
}

#[tokio::test]
async fn every_retry_attempt_passes_the_breaker_and_circuit_open_is_not_retried() {
    let e = retry_through_breaker().await.unwrap_err();
    assert!(matches!(e, ToolError::CircuitOpen { .. }), "{e:?}");
    assert_eq!(THROUGH_BREAKER_CALLS.load(SeqCst), 2);
    // The retries stopped because the breaker opened: the error still says what failed.
    assert_eq!(e.kind(), "circuit_open");
    assert!(e.retry_after().unwrap() > Duration::from_secs(59), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with("down; the circuit is now open: retry after"),
        "{text}"
    );
    assert_eq!(e.to_json()["last_failure"], "down");
    // A call that finds the circuit already open ran nothing, so it has no failure to report.
    let e = retry_through_breaker().await.unwrap_err();
    assert_eq!(
        e,
        ToolError::CircuitOpen {
            retry_after: e.retry_after().unwrap(),
            last_failure: None
        }
    );
    assert_eq!(THROUGH_BREAKER_CALLS.load(SeqCst), 2);
}

static WHEN_CALLS: AtomicU32 = AtomicU32::new(0);

fn only_transient(e: &ToolError) -> bool {
    e.to_string().contains("transient")
}

#[retry(max = 3, base = "1ms", when = only_transient)]
async fn permanent_failure() -> Result<(), ToolError> {
    WHEN_CALLS.fetch_add(1, SeqCst);
    Err(ToolError::new("permanent"))
}

#[tokio::test]
async fn retry_when_decides_which_errors_are_retried() {
    assert!(permanent_failure().await.is_err());
    assert_eq!(WHEN_CALLS.load(SeqCst), 1);
}

#[retry(max = 3, base = "50ms")]
async fn slow_retries() -> Result<(), ToolError> {
    Err(ToolError::new("down"))
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn async_retries_do_not_block_the_runtime() {
    let ticks = Arc::new(AtomicU32::new(0));
    let t = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            t.fetch_add(1, SeqCst);
        }
    });
    let start = tokio::time::Instant::now();
    assert!(slow_retries().await.is_err());
    let elapsed = start.elapsed();
    ticker.abort();
    // On one thread, the ticker only runs if the retry's waits yield to it.
    let expected = (elapsed.as_millis() / 5) as u32;
    assert!(
        ticks.load(SeqCst) + 2 >= expected,
        "{} ticks in {elapsed:?}",
        ticks.load(SeqCst)
    );
    assert!(elapsed >= Duration::from_millis(25 + 50 + 100));
}
