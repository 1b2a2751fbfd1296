//! Sync functions get the same pipeline; `Clone` is needed only with a cache.

use super::*;

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
