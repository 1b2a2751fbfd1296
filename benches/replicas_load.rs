//! calls/s of one replica against three behind a round-robin client, with the policy state in a
//! local Redis: `cargo bench --bench replicas_load` (options: `--seconds N`; starts
//! `redis-server` on a free port and needs it installed).
//!
//! Two tools over Streamable HTTP (stateless 2026-07-28 requests, keep-alive connections,
//! concurrency 32, connection `i` to replica `i % replicas`): `add` (no shared state: what
//! spreading costs by itself) and `limited_add` (a rate limit on one key for every replica,
//! never reached: each call is one shared decision in Redis). Baselines in the same run: one
//! replica without Redis (the in-process limiter).
//!
//! The bench binary is also the replica: it re-runs itself with `--serve ADDR`
//! (`STURDY_REDIS_URL` in its environment when shared). On a two-CPU machine, the replicas,
//! Redis and the client share two CPUs, so three replicas cannot do more work than one; what the
//! bench shows there is what sharing costs, not how it scales.

mod common;

use common::http_client::{drive, post, spawn_self, Run};
use common::redis_server::RedisServer;
use std::io::BufReader;
use std::net::{SocketAddr, TcpStream};
use std::process::Child;
use sturdy::prelude::*;

/// Add two numbers, at most 4 billion calls per 100 ms across all replicas (never reached).
#[tool]
#[rate_limited(4_000_000_000, "100ms", key = global)]
async fn limited_add(a: i64, b: i64) -> Result<i64, ToolError> {
    Ok(a + b)
}

const CONCURRENCY: usize = 32;

fn body(tool: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}}}},"name":"{tool}","arguments":{{"a":2,"b":3}}}}}}"#
    )
}

/// `replicas` servers (sharing `redis` when given) driven round robin with calls of `tool`.
fn measure(tool: &'static str, replicas: usize, redis: Option<&RedisServer>, seconds: f64) -> Run {
    let url = redis.map(RedisServer::url);
    let env: Vec<(&str, &str)> = match &url {
        // A generous timeout: the bench measures sharing, not fallbacks.
        Some(url) => vec![("STURDY_REDIS_URL", url), ("STURDY_REDIS_TIMEOUT", "2")],
        None => Vec::new(),
    };
    let servers: Vec<(Child, SocketAddr)> = (0..replicas)
        .map(|_| spawn_self(None, &["--serve"], &env))
        .collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|(_, a)| *a).collect();
    let headers = format!(
        "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: {tool}\r\n"
    );
    let request = move |w: &mut TcpStream, _: &mut BufReader<TcpStream>| {
        vec![post(w.peer_addr().unwrap(), &headers, &body(tool))]
    };
    drive(&addrs, 8, 0.3, request.clone());
    let run = drive(&addrs, CONCURRENCY, seconds, request);
    for (mut child, _) in servers {
        let _ = child.kill();
        let _ = child.wait();
    }
    run
}

fn main() {
    if let Some(addr) = common::flag_value("--serve") {
        return common::serve_sturdy_http("bench-replicas", addr);
    }
    if common::listing_only() {
        return;
    }
    let seconds = common::seconds_flag(3.0);
    let redis = RedisServer::start(None);
    println!(
        "replicas load: tools/call over HTTP, concurrency {CONCURRENCY}, {seconds} s per run, {} CPUs",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:>12} | {:>26} | {:>9} | {:>7} | {:>7} | {:>8}",
        "tool", "replicas", "calls/s", "p50 µs", "p99 µs", "vs first"
    );
    for tool in ["add", "limited_add"] {
        let mut first = None;
        for (replicas, shared) in [(1, false), (1, true), (3, true)] {
            let run = measure(tool, replicas, shared.then_some(&redis), seconds);
            let base = *first.get_or_insert(run.calls_per_sec);
            let label = format!(
                "{replicas} {}",
                if shared {
                    "sharing one Redis"
                } else {
                    "in-process (no Redis)"
                }
            );
            println!(
                "{tool:>12} | {label:>26} | {:>9.0} | {:>7.0} | {:>7.0} | {:>7.2}x",
                run.calls_per_sec,
                run.p50.as_secs_f64() * 1e6,
                run.p99.as_secs_f64() * 1e6,
                run.calls_per_sec / base
            );
        }
    }
}
