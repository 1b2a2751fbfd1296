//! The fixed order of the stacked attributes: a cache hit skips the rest, rejected calls cost nothing.

use super::*;

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
