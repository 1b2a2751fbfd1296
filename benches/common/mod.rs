//! What the benches share: the `add` tool they call, a runtime, and the hand-written baseline the
//! transport benches compare sturdy with.
#![allow(dead_code)] // each bench uses part of it

pub mod callgrind;
pub mod http_client;
pub mod pinning;
pub mod redis_server;

use serde_json::{json, Value};
use sturdy::prelude::*;

/// Add two numbers: the tool every transport bench calls (registered in each bench binary that
/// declares this module).
#[tool]
pub async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The same tool written as a plain function: the first tool a user writes.
#[tool]
pub fn add_sync(a: i64, b: i64) -> i64 {
    a + b
}

/// The value after `flag` on this bench's command line (`--seconds 3`, `--serve ADDR`).
pub fn flag_value(flag: &str) -> Option<String> {
    let mut args = std::env::args().skip_while(|a| a != flag);
    args.next().and(args.next())
}

/// `--seconds N` on this bench's command line, else `default`.
pub fn seconds_flag(default: f64) -> f64 {
    flag_value("--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Whether cargo only asks for the bench's names (`cargo bench -- --list`): load benches have
/// no named benchmarks.
pub fn listing_only() -> bool {
    std::env::args().any(|a| a == "--list")
}

/// Serves this binary's tools with sturdy over HTTP at `addr` until killed (a bench's server
/// mode).
pub fn serve_sturdy_http(name: &str, addr: String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(sturdy::App::new(name, "1").run_with_args(vec!["--http".into(), addr]));
}

/// A single-threaded runtime with every driver, for the in-process benches.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// What a hand-written server answers to the benches' `tools/call add` request: the same
/// response shape as sturdy's (a text copy and `structuredContent`), with no framework around it.
pub fn floor_response(request: &Value) -> Value {
    let args = &request["params"]["arguments"];
    let sum = args["a"].as_i64().unwrap() + args["b"].as_i64().unwrap();
    let structured = json!({ "result": sum });
    json!({
        "jsonrpc": "2.0",
        "id": request["id"],
        "result": {
            "content": [{ "type": "text", "text": structured.to_string() }],
            "structuredContent": structured,
        }
    })
}

/// CPU time of every thread of process `pid` so far, in ns, from `/proc/<pid>/task/*/schedstat`
/// (0 where `/proc` does not say): what a server costs, whether or not its client keeps up.
#[allow(dead_code)]
pub fn server_cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}
