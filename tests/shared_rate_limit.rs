//! A `#[rate_limited]` function whose limit lives in a real Redis (`sturdy::shared::install`):
//! the same sliding-window semantics as in-process (never more than N admitted in any window,
//! admitted again once the oldest call leaves it), and a key per function and per key value.

mod support;

use std::time::{Duration, Instant};
use sturdy::prelude::*;
use sturdy::shared::{self, RedisOptions, RedisStore};
use support::redis::RedisServer;

/// At most 3 calls in any 400 ms per client (outside a tool call, the client is `default`).
#[rate_limited(3, "400ms")]
async fn probe() -> Result<(), ToolError> {
    Ok(())
}

/// At most 2 calls per minute per tenant.
#[rate_limited(2, 60, key = tenant)]
async fn per_tenant(tenant: String) -> Result<String, ToolError> {
    Ok(tenant)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_limit_is_a_sliding_window() {
    let redis = RedisServer::start();
    // A generous timeout: on a loaded machine a round trip can outlast the 50 ms default, and
    // this test checks what Redis decides, not the fallback.
    let mut options = RedisOptions::new(redis.url());
    options.timeout = Duration::from_secs(2);
    let store = RedisStore::connect(options, "sliding").unwrap();
    shared::install(store).expect("the first store of this process");

    // Calls every 25 ms for 2 s. Each admitted call is known by when it was sent and when its
    // answer came back: Redis admitted it in between, whatever the latency.
    let started = Instant::now();
    let mut admitted: Vec<(Duration, Duration)> = Vec::new();
    while started.elapsed() < Duration::from_secs(2) {
        let sent = started.elapsed();
        match probe().await {
            Ok(()) => admitted.push((sent, started.elapsed())),
            Err(ToolError::RateLimited { retry_after }) => {
                assert!(retry_after <= Duration::from_millis(400), "{retry_after:?}");
            }
            Err(e) => panic!("{e}"),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Never more than 3 in any 400 ms: of any 4 admitted calls in a row, the 4th was admitted at
    // least 400 ms (less Redis's millisecond truncation) after the 1st, so its answer came back
    // at least that long after the 1st was sent.
    for four in admitted.windows(4) {
        let span = four[3].1 - four[0].0;
        assert!(
            span >= Duration::from_millis(398),
            "4 calls admitted within {span:?}: {admitted:?}"
        );
    }
    // …and admitted again as calls leave the window: about 3 per 400 ms over 2 s.
    assert!(admitted.len() >= 12, "{admitted:?}");
    // A key expires on its own a window after its last admitted call.
    tokio::time::sleep(Duration::from_millis(450)).await;
    probe().await.expect("a whole window later");
    assert_eq!(redis.keys("sturdy:sliding:*probe:rl:default").len(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(redis.keys("sturdy:sliding:*probe:rl:default").is_empty());

    // Keys are per function and per value.
    for tenant in ["a", "b"] {
        assert!(per_tenant(tenant.into()).await.is_ok());
        assert!(per_tenant(tenant.into()).await.is_ok());
        assert!(matches!(
            per_tenant(tenant.into()).await,
            Err(ToolError::RateLimited { .. })
        ));
    }
    let mut keys = redis.keys("sturdy:sliding:*per_tenant:rl:*");
    keys.sort();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys[0].ends_with(":rl:a") && keys[1].ends_with(":rl:b"),
        "{keys:?}"
    );
    assert_eq!(shared::store().unwrap().stats().fallbacks, 0);
}
