//! Cost of a load-balancer pick per strategy, and batch throughput against a plain
//! `stream::iter(..).buffer_unordered(n)` loop. Report: `cargo bench --bench balancer`.
//!
//! Groups:
//! - `pick_1_thread/<strategy>`: one `pick()` + `success()` over 4 healthy instances.
//! - `pick_2_threads/<strategy>`: two threads picking from one shared balancer at once; the time
//!   is wall time per pick *pair* (both threads do `iters` picks), so 1× the single-thread figure
//!   means perfect scaling and 2× means fully serialised.
//! - `batch_1000/<variant>`: 1,000 trivial async jobs at concurrency 64 on a current-thread
//!   runtime: `plain` is the hand-written `buffer_unordered` loop collecting results, `batch` is
//!   `Batch::run`, `batch_timeout` adds a per-item timeout; jobs either complete at once (`ready`)
//!   or yield once first (`yield`).
//!
//! After criterion, the batch/plain ratios are measured again in one interleaved loop (median of
//! rounds) and printed, so the comparison is from the same run.

mod common;

use criterion::{criterion_group, Criterion};
use futures_util::{stream, StreamExt};
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};
use sturdy::balancer::{LoadBalancer, Strategy};
use sturdy::batch::Batch;
use sturdy::ToolError;

fn balancer(strategy: Strategy) -> LoadBalancer<u64> {
    LoadBalancer::new(strategy, (0..4u64).map(|i| (format!("i{i}"), i)))
}

fn picks(c: &mut Criterion) {
    let mut g = c.benchmark_group("pick_1_thread");
    for s in Strategy::ALL {
        let lb = balancer(s);
        g.bench_function(s.to_string(), |b| {
            b.iter(|| {
                let p = lb.pick().unwrap();
                black_box(*p);
                p.success();
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("pick_2_threads");
    for s in Strategy::ALL {
        let lb = balancer(s);
        g.bench_function(s.to_string(), |b| {
            b.iter_custom(|iters| {
                let barrier = Barrier::new(3);
                std::thread::scope(|scope| {
                    for _ in 0..2 {
                        scope.spawn(|| {
                            barrier.wait();
                            for _ in 0..iters {
                                let p = lb.pick().unwrap();
                                black_box(*p);
                                p.success();
                            }
                            barrier.wait();
                        });
                    }
                    barrier.wait();
                    let t0 = Instant::now();
                    barrier.wait();
                    t0.elapsed()
                })
            })
        });
    }
    g.finish();
}

const JOBS: u64 = 1_000;
const CONCURRENCY: usize = 64;

async fn job(i: u64, yields: bool) -> Result<u64, ToolError> {
    if yields {
        tokio::task::yield_now().await;
    }
    Ok(black_box(i) * 2)
}

async fn plain(yields: bool) -> usize {
    let mut out: Vec<(usize, Result<u64, ToolError>)> = stream::iter(0..JOBS)
        .enumerate()
        .map(|(k, i)| async move { (k, job(i, yields).await) })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    // Results in input order, as the batch gives them.
    out.sort_unstable_by_key(|r| r.0);
    out.iter().filter(|r| r.1.is_ok()).count()
}

async fn batch(yields: bool, timeout: bool) -> usize {
    let mut b = Batch::new(CONCURRENCY);
    if timeout {
        b = b.timeout(Duration::from_secs(30));
    }
    b.map(0..JOBS, |i| job(i, yields)).await.successful
}

fn batches(c: &mut Criterion) {
    let rt = common::current_thread_runtime();
    let mut g = c.benchmark_group("batch_1000");
    for yields in [false, true] {
        let kind = if yields { "yield" } else { "ready" };
        g.bench_function(format!("plain/{kind}"), |b| {
            b.to_async(&rt).iter(|| plain(yields))
        });
        g.bench_function(format!("batch/{kind}"), |b| {
            b.to_async(&rt).iter(|| batch(yields, false))
        });
        g.bench_function(format!("batch_timeout/{kind}"), |b| {
            b.to_async(&rt).iter(|| batch(yields, true))
        });
    }
    g.finish();
}

/// Median time of `f` over interleaved rounds, for each variant.
fn ratios() {
    let rt = common::current_thread_runtime();
    for yields in [false, true] {
        let kind = if yields { "yield" } else { "ready" };
        let mut times: [Vec<f64>; 3] = Default::default();
        for _ in 0..60 {
            for (v, t) in times.iter_mut().enumerate() {
                let t0 = Instant::now();
                for _ in 0..20 {
                    let n = rt.block_on(async {
                        match v {
                            0 => plain(yields).await,
                            1 => batch(yields, false).await,
                            _ => batch(yields, true).await,
                        }
                    });
                    assert_eq!(n, JOBS as usize);
                }
                t.push(t0.elapsed().as_secs_f64() / 20.0);
            }
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let [p, b, bt] = times.each_mut().map(med);
        println!(
            "batch_1000/{kind}: plain {:.1} µs, batch {:.1} µs ({:.2}×), batch+timeout {:.1} µs ({:.2}×)",
            p * 1e6,
            b * 1e6,
            b / p,
            bt * 1e6,
            bt / p
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = picks, batches
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --all-targets` runs benches once as a smoke test, without `--bench`.
    if std::env::args().any(|a| a == "--bench") {
        ratios();
    }
}
