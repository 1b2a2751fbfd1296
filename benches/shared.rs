//! The shared store's cost per call, against a raw Redis round trip and the in-process policies,
//! all in the same run: `cargo bench --bench shared` (starts `redis-server` on a free port, without
//! persistence; needs it installed).
//!
//! Group `shared_store`:
//! - `redis_ping`, `redis_get`: one raw round trip (the floor of anything shared);
//! - `limiter_in_process`: `RateLimiter::check` (no Redis);
//! - `limiter_shared`: a `#[rate_limited]` call decided in Redis (one EVALSHA of the sliding-log
//!   script);
//! - `cache_hit_front`: a `#[cached]` hit with the store installed (the in-process front cache
//!   answers: no round trip).
//!
//! For the limiter against one round trip, see `benches/shared_ratio.rs` (interleaved rounds: the
//! way to get that ratio on a machine whose round trip drifts between runs).

mod common;

use common::redis_server::RedisServer;
use criterion::{criterion_group, criterion_main, Criterion};
use redis::aio::ConnectionManager;
use std::hint::black_box;
use std::time::Duration;
use sturdy::prelude::*;
use sturdy::resilience::RateLimiter;
use sturdy::shared::{self, RedisOptions, RedisStore};

/// Large enough that nothing is rejected during a run.
const HUGE: u32 = 4_000_000_000;

// A short window keeps the sorted set at a steady size (one expiry per admission).
#[rate_limited(4_000_000_000, "100ms", key = global)]
async fn limited(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

#[cached(ttl = 600)]
async fn cached_add(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

fn shared_store(c: &mut Criterion) {
    let redis = RedisServer::start(None);
    let url = redis.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let raw: ConnectionManager = rt.block_on(async {
        let client = redis::Client::open(url.as_str()).unwrap();
        ConnectionManager::new(client).await.unwrap()
    });
    let mut group = c.benchmark_group("shared_store");

    let local = RateLimiter::new(HUGE, Duration::from_millis(100));
    group.bench_function("limiter_in_process", |b| {
        b.iter(|| local.check(black_box("global")).unwrap())
    });

    {
        let _guard = rt.enter();
        let mut options = RedisOptions::new(url.clone());
        // A benchmark measures round trips, not fallbacks.
        options.timeout = Duration::from_secs(1);
        shared::install(RedisStore::connect(options, "bench").unwrap()).unwrap();
    }
    group.bench_function("redis_ping", |b| {
        b.to_async(&rt).iter(|| {
            let mut c = raw.clone();
            async move {
                let pong: String = redis::cmd("PING").query_async(&mut c).await.unwrap();
                black_box(pong)
            }
        })
    });
    group.bench_function("redis_get", |b| {
        b.to_async(&rt).iter(|| {
            let mut c = raw.clone();
            async move {
                let v: Option<String> = redis::cmd("GET")
                    .arg("sturdy:bench:missing")
                    .query_async(&mut c)
                    .await
                    .unwrap();
                black_box(v)
            }
        })
    });
    group.bench_function("limiter_shared", |b| {
        b.to_async(&rt)
            .iter(|| async { limited(black_box(1), black_box(2)).await.unwrap() })
    });
    rt.block_on(cached_add(1, 2)).unwrap();
    group.bench_function("cache_hit_front", |b| {
        b.to_async(&rt)
            .iter(|| async { cached_add(black_box(1), black_box(2)).await.unwrap() })
    });
    group.finish();
    let fallbacks = shared::store().unwrap().stats().fallbacks;
    assert_eq!(fallbacks, 0, "calls fell back: the numbers are not Redis's");
    drop(redis);
}

criterion_group!(benches, shared_store);
criterion_main!(benches);
