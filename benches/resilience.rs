//! Per-call overhead of the resilience attributes on the success path, as a ratio to the bare
//! async function measured in the same run, and the primitives against their crate-built
//! equivalents (`governor`, `moka`). Report: `cargo bench --bench resilience`.
//!
//! Groups:
//! - `resilience_attrs`: `add(a, b)` bare and under each attribute, and under all of them (a
//!   cache hit, so the rate limiter and the cache are what runs) — all on one current-thread
//!   runtime through `to_async`, whose loop awaits the calls inside one `block_on` per sample, so
//!   `bare` is the harness baseline to subtract.
//! - `breaker`, `rate_limiter`, `cache_hit`: the primitive alone against the crate equivalent.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;
use sturdy::prelude::*;
use sturdy::resilience::{Cache, CircuitBreaker, CircuitBreakerConfig, FailureRate, RateLimiter};

/// Large enough that nothing is rejected during a run (the limit is a `u32`).
const HUGE: u32 = 4_000_000_000;

async fn bare(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

#[circuit_breaker]
async fn breaker(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

// The limiter keeps one timestamp per call admitted within the window (it is an exact sliding
// log), so a long window under a benchmark's tens of millions of calls would grow by hundreds of
// megabytes; a short one measures the steady state (one expiry per admission) in bounded memory.
#[rate_limited(4_000_000_000, "100ms", key = global)]
async fn rate_limited(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

// Keyed by a parameter: the key is the parameter's `Display` text.
#[rate_limited(4_000_000_000, "100ms", key = a)]
async fn rate_limited_by_param(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

#[cached]
async fn cached(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

#[retry]
async fn retry(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

#[timeout(30)]
async fn timeout(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

#[bulkhead(max_concurrent = 1000)]
async fn bulkhead(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

#[rate_limited(4_000_000_000, "100ms", key = global)]
#[cached]
#[retry]
#[circuit_breaker]
#[timeout(30)]
#[bulkhead(max_concurrent = 1000)]
async fn full_stack(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

/// Everything but the cache: what a call costs when the cache cannot help.
#[rate_limited(4_000_000_000, "100ms", key = global)]
#[retry]
#[circuit_breaker]
#[timeout(30)]
#[bulkhead(max_concurrent = 1000)]
async fn full_stack_uncached(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

macro_rules! bench_attr {
    ($group:expr, $rt:expr, $f:ident) => {
        // Every variant computes the same thing and never fails.
        assert_eq!($rt.block_on($f(2, 3)).unwrap(), 5);
        $group.bench_function(stringify!($f), |b| {
            b.to_async(&$rt)
                .iter(|| async { $f(black_box(2), black_box(3)).await })
        });
    };
}

fn attributes(c: &mut Criterion) {
    let rt = common::current_thread_runtime();
    let mut g = c.benchmark_group("resilience_attrs");
    bench_attr!(g, rt, bare);
    bench_attr!(g, rt, rate_limited_by_param);
    bench_attr!(g, rt, breaker);
    bench_attr!(g, rt, rate_limited);
    bench_attr!(g, rt, cached);
    bench_attr!(g, rt, retry);
    bench_attr!(g, rt, timeout);
    bench_attr!(g, rt, bulkhead);
    bench_attr!(g, rt, full_stack);
    bench_attr!(g, rt, full_stack_uncached);
    g.finish();
}

fn breaker_primitive(c: &mut Criterion) {
    let mut g = c.benchmark_group("breaker");
    let breaker = CircuitBreaker::new(5, Duration::from_secs(60));
    g.bench_function("sturdy_try_acquire_success", |b| {
        b.iter(|| black_box(&breaker).try_acquire().unwrap().success())
    });
    // Failure-rate mode records every outcome in its window, under the breaker's lock.
    let by_rate = CircuitBreaker::with_config(CircuitBreakerConfig {
        failure_rate: Some(FailureRate {
            rate: 0.5,
            window: 20,
            min_calls: 10,
        }),
        ..Default::default()
    });
    g.bench_function("sturdy_failure_rate_try_acquire_success", |b| {
        b.iter(|| black_box(&by_rate).try_acquire().unwrap().success())
    });
    g.finish();
}

fn rate_limiter_primitive(c: &mut Criterion) {
    let mut g = c.benchmark_group("rate_limiter");
    let ours = RateLimiter::new(HUGE, Duration::from_millis(100));
    g.bench_function("sturdy_check", |b| {
        b.iter(|| black_box(&ours).check(black_box("global")).unwrap())
    });
    // The same admission rate as a GCRA: never rejects either.
    let quota = governor::Quota::per_second(NonZeroU32::MAX);
    let direct = governor::RateLimiter::direct(quota);
    g.bench_function("governor_direct_check", |b| {
        b.iter(|| black_box(&direct).check().unwrap())
    });
    let keyed = governor::RateLimiter::<&'static str, _, _>::keyed(quota);
    g.bench_function("governor_keyed_check", |b| {
        b.iter(|| black_box(&keyed).check_key(black_box(&"global")).unwrap())
    });
    g.finish();
}

fn cache_primitive(c: &mut Criterion) {
    let rt = common::current_thread_runtime();
    let mut g = c.benchmark_group("cache_hit");
    let ttl = Duration::from_secs(300);
    let ours: Cache<(u64, u64), u64> = Cache::new(ttl, 10_000);
    rt.block_on(ours.get_or_try_insert((2, 3), async { Ok::<_, ToolError>(5) }))
        .unwrap();
    g.bench_function("sturdy_get_or_try_insert", |b| {
        b.to_async(&rt).iter(|| async {
            let (v, hit) = ours
                .get_or_try_insert(black_box((2, 3)), async { Ok::<_, ToolError>(5) })
                .await
                .unwrap();
            debug_assert!(hit);
            v
        })
    });
    let moka: moka::future::Cache<(u64, u64), u64> = moka::future::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(ttl)
        .build();
    rt.block_on(moka.insert((2, 3), 5));
    g.bench_function("moka_get", |b| {
        b.to_async(&rt)
            .iter(|| async { moka.get(black_box(&(2, 3))).await.unwrap() })
    });
    g.bench_function("moka_try_get_with", |b| {
        b.to_async(&rt).iter(|| async {
            moka.try_get_with(black_box((2, 3)), async { Ok::<_, ToolError>(5) })
                .await
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    attributes,
    breaker_primitive,
    rate_limiter_primitive,
    cache_primitive
);
criterion_main!(benches);
