//! The shared rate limit against one raw Redis round trip, measured interleaved: `cargo bench
//! --bench shared_ratio` (starts `redis-server` on a free port; needs it installed).
//!
//! A loopback round trip on a shared machine drifts between runs by more than the difference
//! being measured, so criterion's one-after-the-other groups cannot give the ratio. Here every
//! round runs each arm for a batch of sequential calls, in a rotating order, and the ratio is
//! taken within each round; the report gives the rounds' median and spread. The bench pins
//! itself to CPU 0 and Redis to CPU 1 (with `taskset`, when there are two CPUs).
//!
//! Arms (each one awaited call on a current-thread runtime):
//! - `ping`, `get`: one raw round trip, the floor of anything shared;
//! - `noop_script`: `EVAL` of `return 1`: a round trip through the script engine;
//! - `raw_sliding_log`: the limiter's own script sent raw (the same keys and arguments);
//! - `limiter`: a `#[rate_limited]` call decided in Redis (what a tool pays).
//!
//! `limiter / raw_sliding_log` is sturdy's client-side cost; `raw_sliding_log / ping` the
//! script's cost in Redis.

mod common;

use common::pinning::pin_this_process;
use common::redis_server::RedisServer;
use redis::aio::ConnectionManager;
use std::time::{Duration, Instant};
use sturdy::prelude::*;
use sturdy::shared::{self, RedisOptions, RedisStore, SLIDING_LOG_SCRIPT};

// A short window keeps the sorted set at a steady size (one expiry per admission).
#[rate_limited(4_000_000_000, "100ms", key = global)]
async fn limited(a: u64, b: u64) -> Result<u64, ToolError> {
    Ok(a + b)
}

const ROUNDS: usize = 60;
const CALLS_PER_BATCH: usize = 400;
const ARMS: [&str; 5] = ["ping", "get", "noop_script", "raw_sliding_log", "limiter"];

async fn one_call(arm: usize, raw: &mut ConnectionManager, scripts: &Scripts, n: u64) {
    match arm {
        0 => {
            let _: String = redis::cmd("PING").query_async(raw).await.unwrap();
        }
        1 => {
            let _: Option<String> = redis::cmd("GET")
                .arg("sturdy:bench:missing")
                .query_async(raw)
                .await
                .unwrap();
        }
        2 => {
            // EVAL, not EVALSHA: Redis's command statistics then tell it from the limiter's.
            let _: i64 = redis::cmd("EVAL")
                .arg(scripts.noop)
                .arg(0)
                .query_async(raw)
                .await
                .unwrap();
        }
        3 => {
            let _: (i64, i64) = scripts
                .sliding_log
                .key("sturdy:bench-raw:limited:rl:global")
                .arg(4_000_000_000u64)
                .arg(100u64)
                .arg(format!("{:016x}-{n}", 7))
                .invoke_async(raw)
                .await
                .unwrap();
        }
        _ => {
            limited(1, 2).await.unwrap();
        }
    }
}

struct Scripts {
    noop: &'static str,
    sliding_log: redis::Script,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported (one report).
    let pinned = pin_this_process(0);
    let redis = RedisServer::start(pinned.then_some(1));
    let rt = common::current_thread_runtime();
    let mut raw: ConnectionManager = rt.block_on(async {
        let client = redis::Client::open(redis.url()).unwrap();
        ConnectionManager::new(client).await.unwrap()
    });
    {
        let _guard = rt.enter();
        let mut options = RedisOptions::new(redis.url());
        // A benchmark measures round trips, not fallbacks.
        options.timeout = Duration::from_secs(1);
        shared::install(RedisStore::connect(options, "bench").unwrap()).unwrap();
    }
    let scripts = Scripts {
        noop: "return 1",
        sliding_log: redis::Script::new(SLIDING_LOG_SCRIPT),
    };
    // per_call[arm][round], in microseconds
    let mut per_call = vec![Vec::with_capacity(ROUNDS); ARMS.len()];
    rt.block_on(async {
        let mut n = 0u64;
        for arm in 0..ARMS.len() {
            for _ in 0..CALLS_PER_BATCH {
                n += 1;
                one_call(arm, &mut raw, &scripts, n).await;
            }
        }
        for round in 0..ROUNDS {
            for i in 0..ARMS.len() {
                let arm = (round + i) % ARMS.len();
                let started = Instant::now();
                for _ in 0..CALLS_PER_BATCH {
                    n += 1;
                    one_call(arm, &mut raw, &scripts, n).await;
                }
                per_call[arm].push(started.elapsed().as_secs_f64() * 1e6 / CALLS_PER_BATCH as f64);
            }
        }
    });
    let fallbacks = shared::store().unwrap().stats().fallbacks;
    assert_eq!(fallbacks, 0, "calls fell back: the numbers are not Redis's");

    println!(
        "shared_ratio: {ROUNDS} rounds x {CALLS_PER_BATCH} calls per arm, interleaved{}",
        if pinned {
            "; bench on CPU 0, redis-server on CPU 1"
        } else {
            "; not pinned"
        }
    );
    for (arm, name) in ARMS.iter().enumerate() {
        let mut v = per_call[arm].clone();
        v.sort_by(f64::total_cmp);
        println!(
            "  {name:<16} per call: median {:7.1} us   (p10 {:7.1}, p90 {:7.1})",
            quantile(&v, 0.5),
            quantile(&v, 0.1),
            quantile(&v, 0.9)
        );
    }
    let ratio = |a: usize, b: usize| {
        let mut r: Vec<f64> = (0..ROUNDS)
            .map(|i| per_call[a][i] / per_call[b][i])
            .collect();
        r.sort_by(f64::total_cmp);
        (quantile(&r, 0.5), quantile(&r, 0.1), quantile(&r, 0.9))
    };
    for (a, b) in [(4, 0), (4, 1), (4, 3), (3, 0), (2, 0)] {
        let (median, p10, p90) = ratio(a, b);
        println!(
            "  {:>15} / {:<15} median {median:.2}x   (p10 {p10:.2}x, p90 {p90:.2}x)",
            ARMS[a], ARMS[b]
        );
    }
    // What Redis itself spent per command (µs, by its own clock): the script against PING.
    let stats: String = rt
        .block_on(redis::cmd("INFO").arg("commandstats").query_async(&mut raw))
        .unwrap();
    println!("  in redis-server (INFO commandstats):");
    for line in stats.lines() {
        let Some((name, fields)) = line
            .strip_prefix("cmdstat_")
            .and_then(|l| l.split_once(':'))
        else {
            continue;
        };
        if let Some(usec) = fields
            .split(',')
            .find_map(|f| f.strip_prefix("usec_per_call="))
        {
            println!("    {name:<18} {usec:>8} us per call");
        }
    }
    drop(redis);
}
