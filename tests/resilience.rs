//! The resilience attributes, driven through the macros: the classic bugs of the reference
//! patterns, each with a test that would catch it. Each test has its own functions (policy state
//! is per function).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sturdy::prelude::*;
use sturdy::resilience::{policies_for, CircuitState};

fn breaker_state(suffix: &str) -> CircuitState {
    policies_for(suffix)
        .expect("the function ran")
        .circuit_breaker()
        .expect("it has a breaker")
        .state()
}

// ---------------------------------------------------------------- circuit breaker

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

async fn run_concurrently<F, Fut, T>(n: usize, f: F) -> Vec<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(f())).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

// ---------------------------------------------------------------- retry

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

// ---------------------------------------------------------------- cache

static ZERO_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached(ttl = 60)]
async fn zero(key: bool) -> Result<i64, ToolError> {
    ZERO_CALLS.fetch_add(1, SeqCst);
    Ok(i64::from(key) - 1)
}

static FALSE_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached]
async fn falsy_string(n: u8) -> Result<(bool, String, Option<u8>), ToolError> {
    FALSE_CALLS.fetch_add(1, SeqCst);
    let _ = n;
    Ok((false, String::new(), None))
}

#[tokio::test]
async fn falsy_results_are_cache_hits() {
    assert_eq!(zero(true).await.unwrap(), 0);
    assert_eq!(zero(true).await.unwrap(), 0);
    assert_eq!(zero(false).await.unwrap(), -1);
    assert_eq!(zero(false).await.unwrap(), -1);
    assert_eq!(ZERO_CALLS.load(SeqCst), 2);
    assert_eq!(falsy_string(1).await.unwrap(), (false, String::new(), None));
    assert_eq!(falsy_string(1).await.unwrap(), (false, String::new(), None));
    assert_eq!(FALSE_CALLS.load(SeqCst), 1);
    falsy_string(2).await.unwrap();
    assert_eq!(FALSE_CALLS.load(SeqCst), 2, "the key is all arguments");
}

static ERR_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached]
async fn fails_once(key: String) -> Result<String, ToolError> {
    if ERR_CALLS.fetch_add(1, SeqCst) == 0 {
        return Err(ToolError::new("first call fails"));
    }
    Ok(key)
}

#[tokio::test]
async fn errors_are_not_cached() {
    assert!(fails_once("k".into()).await.is_err());
    assert_eq!(fails_once("k".into()).await.unwrap(), "k");
    assert_eq!(fails_once("k".into()).await.unwrap(), "k");
    assert_eq!(ERR_CALLS.load(SeqCst), 2);
}

static STAMPEDE_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached]
async fn stampede(key: u32) -> Result<u32, ToolError> {
    STAMPEDE_CALLS.fetch_add(1, SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(key * 2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_misses_on_one_key_run_the_function_once() {
    let results = run_concurrently(50, || stampede(21)).await;
    assert!(results.iter().all(|r| r.as_ref().unwrap() == &42));
    assert_eq!(STAMPEDE_CALLS.load(SeqCst), 1);
}

static TTL_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached(ttl = "200ms")]
async fn short_lived(key: u32) -> Result<u32, ToolError> {
    Ok(key + TTL_CALLS.fetch_add(1, SeqCst))
}

#[tokio::test]
async fn expired_entries_are_never_served() {
    assert_eq!(short_lived(1).await.unwrap(), 1);
    assert_eq!(short_lived(1).await.unwrap(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(short_lived(1).await.unwrap(), 2, "recomputed after ttl");
    assert_eq!(TTL_CALLS.load(SeqCst), 2);
}

#[cached(capacity = 1000)]
async fn many_keys(key: u64) -> Result<u64, ToolError> {
    Ok(key)
}

#[tokio::test]
async fn cache_capacity_bounds_memory_after_100k_keys() {
    for k in 0..100_000u64 {
        assert_eq!(many_keys(k).await.unwrap(), k);
    }
    let view = policies_for("::many_keys").unwrap();
    view.sync().await;
    let entries = view.stats()["cached"]["entries"].as_u64().unwrap();
    assert!(entries <= 1000, "{entries} entries held");
    assert!(entries > 0);
}

// ---------------------------------------------------------------- rate limit

static ADMITTED: Mutex<Vec<Instant>> = Mutex::new(Vec::new());

#[rate_limited(20, "300ms", key = global)]
async fn hammered() -> Result<(), ToolError> {
    ADMITTED.lock().unwrap().push(Instant::now());
    Ok(())
}

#[test]
fn rate_limit_never_admits_more_than_n_in_any_window_under_8_threads() {
    let stop = Instant::now() + Duration::from_millis(1500);
    let rejected = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let rejected = rejected.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    while Instant::now() < stop {
                        if let Err(e) = hammered().await {
                            assert!(matches!(e, ToolError::RateLimited { .. }));
                            rejected.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut times = ADMITTED.lock().unwrap().clone();
    times.sort();
    assert!(rejected.load(SeqCst) > 0);
    assert!(times.len() >= 20 * 4, "{} admitted", times.len());
    // Admissions are recorded just after the limiter decided; allow that much skew.
    let window = Duration::from_millis(300) - Duration::from_millis(30);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|u| **u - *t < window).count();
        assert!(
            in_window <= 20,
            "{in_window} calls admitted within {window:?}"
        );
    }
}

#[rate_limited(3, 60, key = user)]
async fn per_user(user: String) -> Result<String, ToolError> {
    Ok(user)
}

#[tokio::test]
async fn rate_limit_keys_are_isolated_and_retry_after_is_accurate() {
    let start = Instant::now();
    for _ in 0..3 {
        per_user("alice".into()).await.unwrap();
    }
    let e = per_user("alice".into()).await.unwrap_err();
    let ToolError::RateLimited { retry_after } = e else {
        panic!("expected RateLimited, got {e:?}")
    };
    let elapsed = start.elapsed();
    assert!(retry_after <= Duration::from_secs(60) - elapsed + Duration::from_millis(1));
    assert!(retry_after >= Duration::from_secs(59), "{retry_after:?}");
    assert_eq!(per_user("bob".into()).await.unwrap(), "bob");
    let stats = policies_for("::per_user").unwrap().stats();
    assert_eq!(stats["rate_limited"]["rejected"], 1, "{stats}");
}

#[rate_limited(1, 60, key = key)]
async fn million_keys(key: u64) -> Result<(), ToolError> {
    let _ = key;
    Ok(())
}

#[tokio::test]
async fn rate_limit_memory_stays_bounded_with_1m_distinct_keys() {
    for k in 0..1_000_000u64 {
        million_keys(k).await.unwrap();
    }
    let stats = policies_for("::million_keys").unwrap().stats();
    let keys = stats["rate_limited"]["keys"].as_u64().unwrap();
    assert!(keys <= 100_000, "{keys} keys tracked");
}

// ---------------------------------------------------------------- timeout and bulkhead

static DROPPED: AtomicBool = AtomicBool::new(false);

struct SetOnDrop;
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        DROPPED.store(true, SeqCst);
    }
}

#[timeout("100ms")]
async fn hangs() -> Result<(), ToolError> {
    let _guard = SetOnDrop;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn timeout_drops_the_call_at_the_deadline() {
    let e = hangs().await.unwrap_err();
    assert_eq!(e, ToolError::Timeout(Duration::from_millis(100)));
    assert!(DROPPED.load(SeqCst), "the attempt's future was dropped");
}

static TIMED_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[timeout("50ms")]
#[retry(max = 2, base = "1ms")]
async fn each_attempt_times_out() -> Result<(), ToolError> {
    TIMED_ATTEMPTS.fetch_add(1, SeqCst);
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn every_retry_attempt_has_its_own_timeout() {
    let start = tokio::time::Instant::now();
    let e = each_attempt_times_out().await.unwrap_err();
    assert!(matches!(e, ToolError::Timeout(_)));
    assert_eq!(TIMED_ATTEMPTS.load(SeqCst), 3);
    assert!(start.elapsed() < Duration::from_secs(1));
}

static BULK_RUNNING: AtomicU32 = AtomicU32::new(0);
static BULK_PEAK: AtomicU32 = AtomicU32::new(0);

#[bulkhead(max_concurrent = 2)]
async fn narrow() -> Result<(), ToolError> {
    let now = BULK_RUNNING.fetch_add(1, SeqCst) + 1;
    BULK_PEAK.fetch_max(now, SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    BULK_RUNNING.fetch_sub(1, SeqCst);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bulkhead_rejects_beyond_its_width() {
    let results = run_concurrently(10, narrow).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let rejected = results
        .iter()
        .filter(|r| matches!(r, Err(ToolError::Rejected { max_concurrent: 2 })))
        .count();
    assert_eq!((ok, rejected), (2, 8));
    assert_eq!(BULK_PEAK.load(SeqCst), 2);
}

static WAIT_PEAK: AtomicU32 = AtomicU32::new(0);
static WAIT_RUNNING: AtomicU32 = AtomicU32::new(0);

#[bulkhead(max_concurrent = 2, max_wait = 5)]
async fn queued() -> Result<(), ToolError> {
    let now = WAIT_RUNNING.fetch_add(1, SeqCst) + 1;
    WAIT_PEAK.fetch_max(now, SeqCst);
    tokio::time::sleep(Duration::from_millis(20)).await;
    WAIT_RUNNING.fetch_sub(1, SeqCst);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bulkhead_queues_up_to_max_wait() {
    let results = run_concurrently(10, queued).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(WAIT_PEAK.load(SeqCst), 2);
}

// ---------------------------------------------------------------- stacking

static STACK_CALLS: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(threshold = 1, recovery = 60)]
#[retry(max = 3, base = "1ms")]
#[cached]
async fn stacked(key: u32) -> Result<u32, ToolError> {
    STACK_CALLS.fetch_add(1, SeqCst);
    if key == 0 {
        return Err(ToolError::new("zero is bad"));
    }
    Ok(key)
}

#[tokio::test]
async fn a_cache_hit_skips_retry_and_breaker() {
    assert_eq!(stacked(7).await.unwrap(), 7);
    // Open the breaker with a failing key (threshold 1: the retry's second attempt is rejected).
    assert!(matches!(
        stacked(0).await,
        Err(ToolError::CircuitOpen { .. })
    ));
    assert_eq!(STACK_CALLS.load(SeqCst), 2);
    assert_eq!(breaker_state("::stacked"), CircuitState::Open);
    // The cached key is still served: the cache sits outside the breaker.
    assert_eq!(stacked(7).await.unwrap(), 7);
    // An uncached key meets the open breaker.
    assert!(matches!(
        stacked(8).await,
        Err(ToolError::CircuitOpen { .. })
    ));
    assert_eq!(STACK_CALLS.load(SeqCst), 2);
}

static REJECTED_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached]
#[retry(max = 3, base = "1ms")]
#[rate_limited(2, 60, key = global)]
async fn limited_first(key: u32) -> Result<u32, ToolError> {
    REJECTED_CALLS.fetch_add(1, SeqCst);
    Ok(key)
}

#[tokio::test]
async fn rejected_clients_cost_no_call_and_are_not_retried() {
    limited_first(1).await.unwrap();
    limited_first(2).await.unwrap();
    for key in [1, 3] {
        assert!(matches!(
            limited_first(key).await,
            Err(ToolError::RateLimited { .. })
        ));
    }
    assert_eq!(REJECTED_CALLS.load(SeqCst), 2);
}

// ---------------------------------------------------------------- cached errors and panics

#[derive(Debug, PartialEq)]
enum AppError {
    NotFound(u32),
    Rejected(String),
}

impl From<ToolError> for AppError {
    fn from(e: ToolError) -> Self {
        AppError::Rejected(e.to_string())
    }
}

#[cached]
async fn lookup(id: u32) -> Result<u32, AppError> {
    Err(AppError::NotFound(id))
}

#[cached]
async fn strict(id: u32) -> Result<u32, ToolError> {
    Err(ToolError::invalid_arguments(format!("no id {id}")))
}

#[cached]
async fn explodes(id: u32) -> Result<u32, ToolError> {
    panic!("exploded on {id}")
}

#[tokio::test]
async fn a_cached_function_returns_its_own_error_and_panics_propagate() {
    assert_eq!(lookup(7).await, Err(AppError::NotFound(7)));
    assert_eq!(
        strict(3).await,
        Err(ToolError::invalid_arguments("no id 3"))
    );
    let panicked = tokio::spawn(explodes(1)).await.unwrap_err();
    assert!(panicked.is_panic());
    let message = panicked.into_panic();
    assert_eq!(message.downcast_ref::<String>().unwrap(), "exploded on 1");
}

// ---------------------------------------------------------------- sync functions

static SYNC_CALLS: AtomicU32 = AtomicU32::new(0);

#[retry(max = 2, base = "1ms")]
#[circuit_breaker(threshold = 10)]
fn sync_flaky() -> Result<u32, ToolError> {
    let n = SYNC_CALLS.fetch_add(1, SeqCst);
    if n < 2 {
        return Err(ToolError::new("not yet"));
    }
    Ok(n)
}

static SYNC_CACHE_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached]
#[rate_limited(2, 60, key = global)]
fn sync_cached(key: u32) -> Result<u32, ToolError> {
    SYNC_CACHE_CALLS.fetch_add(1, SeqCst);
    Ok(key * 10)
}

#[test]
fn sync_functions_get_the_same_pipeline_without_a_runtime() {
    // A plain thread, no tokio runtime anywhere: retries sleep on this thread.
    assert_eq!(sync_flaky(), Ok(2));
    assert_eq!(SYNC_CALLS.load(SeqCst), 3);
    assert_eq!(
        breaker_state("::sync_flaky"),
        CircuitState::Closed,
        "the success reset the count"
    );
    assert_eq!(sync_cached(1), Ok(10));
    assert_eq!(sync_cached(2), Ok(20));
    // The rate limit sits outside the cache: a third call is rejected even for a cached key.
    assert!(matches!(sync_cached(1), Err(ToolError::RateLimited { .. })));
    assert_eq!(SYNC_CACHE_CALLS.load(SeqCst), 2);
}

/// Only `#[cached]` needs `Clone` results.
#[derive(Debug, PartialEq)]
struct Unique(u32);

#[retry(max = 1, base = "1ms")]
#[circuit_breaker]
#[rate_limited(100, 60)]
async fn unique() -> Result<Unique, ToolError> {
    Ok(Unique(1))
}

#[tokio::test]
async fn results_need_not_be_clone_without_a_cache() {
    assert_eq!(unique().await, Ok(Unique(1)));
}

// ---------------------------------------------------------------- breaker modes and predicates

static INTERMITTENT_CALLS: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(failure_rate = 0.5, window = 10, min_calls = 6, recovery = 60)]
async fn intermittent(fail: bool) -> Result<(), ToolError> {
    INTERMITTENT_CALLS.fetch_add(1, SeqCst);
    if fail {
        Err(ToolError::new("flaky"))
    } else {
        Ok(())
    }
}

#[tokio::test]
async fn failure_rate_mode_opens_on_intermittent_failures_that_are_never_consecutive() {
    for k in 0..5 {
        let _ = intermittent(k % 2 == 0).await;
    }
    assert_eq!(
        breaker_state("::intermittent"),
        CircuitState::Closed,
        "5 calls < min_calls"
    );
    let _ = intermittent(false).await;
    assert_eq!(
        breaker_state("::intermittent"),
        CircuitState::Open,
        "3 of 6 calls failed, none twice in a row"
    );
    let e = intermittent(false).await.unwrap_err();
    assert!(matches!(e, ToolError::CircuitOpen { .. }), "{e:?}");
    assert_eq!(INTERMITTENT_CALLS.load(SeqCst), 6, "not called while open");
}

fn is_outage(e: &ToolError) -> bool {
    e.is_retryable()
}

static STATUS_CALLS: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(threshold = 2, recovery = 60, when = is_outage)]
async fn status_call(status: u16) -> Result<(), ToolError> {
    STATUS_CALLS.fetch_add(1, SeqCst);
    Err(ToolError::Upstream {
        message: format!("HTTP {status}"),
        status: Some(status),
        instance: None,
        transient: status >= 500,
    })
}

#[tokio::test]
async fn breaker_when_decides_which_errors_count_as_failures() {
    for _ in 0..10 {
        let _ = status_call(404).await;
    }
    assert_eq!(
        breaker_state("::status_call"),
        CircuitState::Closed,
        "a 404 is an answer, not an outage"
    );
    let _ = status_call(503).await;
    // A 404 between two 503s is a success for the breaker: the failures are not consecutive.
    let _ = status_call(404).await;
    let _ = status_call(503).await;
    assert_eq!(breaker_state("::status_call"), CircuitState::Closed);
    let _ = status_call(503).await;
    assert_eq!(breaker_state("::status_call"), CircuitState::Open);
    assert!(matches!(
        status_call(404).await,
        Err(ToolError::CircuitOpen { .. })
    ));
    assert_eq!(STATUS_CALLS.load(SeqCst), 14);
}

#[rate_limited(1, 60, key = user)]
async fn keyed_by_text(user: String) -> Result<usize, ToolError> {
    Ok(user.len())
}

#[rate_limited(1, 60, key = id)]
async fn keyed_by_number(id: u64) -> Result<u64, ToolError> {
    Ok(id)
}

#[tokio::test]
async fn parameter_keys_of_any_length_and_type_are_distinct() {
    // Keys longer than the stack buffer take the allocating path; they differ only at the end.
    let long = "x".repeat(100);
    for key in ["a".to_owned(), format!("{long}1"), format!("{long}2")] {
        keyed_by_text(key.clone()).await.unwrap();
        assert!(
            matches!(keyed_by_text(key).await, Err(ToolError::RateLimited { .. })),
            "the second call of a key is limited"
        );
    }
    for id in [0, u64::MAX] {
        keyed_by_number(id).await.unwrap();
        assert!(keyed_by_number(id).await.is_err());
    }
    let stats = policies_for("::keyed_by_text").unwrap().stats();
    assert_eq!(stats["rate_limited"]["keys"], 3, "{stats}");
}
