//! `#[cached]`: falsy results, errors not cached, one computation per key under a stampede, expiry, bounded memory.

use super::*;

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

static SCALE_CALLS: AtomicU32 = AtomicU32::new(0);

/// A cache cannot reject a call, so a function that cannot fail takes `#[cached]` as it is.
#[cached]
fn scale(x: u64) -> u64 {
    SCALE_CALLS.fetch_add(1, SeqCst);
    x * 2
}

static SQUARE_CALLS: AtomicU32 = AtomicU32::new(0);

#[cached(ttl = 60)]
async fn square_early(n: u64) -> u64 {
    SQUARE_CALLS.fetch_add(1, SeqCst);
    if n == 0 {
        // `return` leaves the function's body as it would without the attribute.
        return 0;
    }
    n * n
}

#[cached]
fn panics_for_odd(n: u64) -> u64 {
    assert!(n.is_multiple_of(2), "odd");
    n
}

#[tokio::test]
async fn infallible_functions_are_cached() {
    assert_eq!(scale(3), 6);
    assert_eq!(scale(3), 6);
    assert_eq!(scale(4), 8);
    assert_eq!(SCALE_CALLS.load(SeqCst), 2, "one computation per key");
    assert_eq!(square_early(0).await, 0);
    assert_eq!(square_early(5).await, 25);
    assert_eq!(square_early(5).await, 25);
    assert_eq!(SQUARE_CALLS.load(SeqCst), 2);
    // A panic is not a value: it goes on as a panic, and nothing is cached.
    assert_eq!(panics_for_odd(2), 2);
    for _ in 0..2 {
        let caught = std::panic::catch_unwind(|| panics_for_odd(3));
        let payload = caught.expect_err("an odd number panics");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"odd"));
    }
}
