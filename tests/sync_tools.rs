//! Plain (sync) tools, served over the stdio transport: a quick one runs inline once it has been
//! seen quick (what an `async` tool costs, no hop to the blocking pool); one that sleeps stays on
//! the blocking pool and never stalls quick calls; a quick one that starts blocking goes back to
//! the pool for good; a sync tool's panic inline is an error result like any other. Sync
//! resources and prompts follow the same rule, and `blocking` keeps any of them on the pool.

#[path = "common/mod.rs"]
mod common;

use common::Client;
use serde_json::json;
use std::cell::Cell;
use std::time::{Duration, Instant};
use sturdy::__private::SEEN_QUICK_BEFORE_INLINE;
use sturdy::prelude::*;

thread_local! {
    /// Set on the thread of a current-thread runtime driving a server: a call that runs there
    /// ran inline (the tests run in parallel, each on its own thread).
    static SERVES: Cell<bool> = const { Cell::new(false) };
}

fn where_it_ran() -> &'static str {
    if SERVES.get() {
        "inline"
    } else {
        "pool"
    }
}

/// Where this call ran.
#[tool]
fn where_am_i() -> String {
    where_it_ran().into()
}

/// Sleeps `ms` milliseconds, then says where it ran.
#[tool]
fn sometimes_slow(ms: u64) -> String {
    std::thread::sleep(Duration::from_millis(ms));
    where_it_ran().into()
}

/// Add two numbers.
#[tool]
fn add_sync(a: i64, b: i64) -> i64 {
    a + b
}

/// Sleeps `ms` milliseconds (a blocking call).
#[tool]
fn sleepy(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// Panics when asked.
#[tool]
fn panics_when(asked: bool) -> String {
    assert!(!asked, "asked to panic");
    where_it_ran().into()
}

fn text(result: &serde_json::Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{result}"))
        .to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn a_quick_sync_tool_runs_inline_once_seen_quick() {
    SERVES.set(true);
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let mut places = Vec::new();
    for id in 1..=60 {
        places.push(text(&c.call(id, "where_am_i", json!({})).await));
    }
    assert_eq!(places[0], "pool", "a tool not yet seen starts on the pool");
    let first_inline = places
        .iter()
        .position(|p| p == "inline")
        .unwrap_or_else(|| panic!("never inline: {places:?}"));
    assert!(
        first_inline >= SEEN_QUICK_BEFORE_INLINE as usize,
        "{places:?}"
    );
    assert!(
        places[first_inline..].iter().all(|p| p == "inline"),
        "{places:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_quick_tool_that_starts_blocking_goes_back_to_the_pool_for_good() {
    SERVES.set(true);
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let mut id = 0;
    let mut call = |ms: u64| {
        id += 1;
        (id, json!({ "ms": ms }))
    };
    let mut last = String::new();
    for _ in 0..40 {
        let (id, args) = call(0);
        last = text(&c.call(id, "sometimes_slow", args).await);
    }
    assert_eq!(last, "inline");
    // Two inline calls over the limit (one could be the machine; two are the tool).
    for _ in 0..2 {
        let (id, args) = call(20);
        assert_eq!(text(&c.call(id, "sometimes_slow", args).await), "inline");
    }
    for _ in 0..(4 * SEEN_QUICK_BEFORE_INLINE) {
        let (id, args) = call(0);
        assert_eq!(text(&c.call(id, "sometimes_slow", args).await), "pool");
    }
}

// One thread drives the server: a sleeping call run there would stall every other one.
#[tokio::test(flavor = "current_thread")]
async fn a_sync_tool_that_sleeps_never_stalls_quick_calls() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    for id in 1..=40 {
        let r = c.call(id, "add_sync", json!({"a": id, "b": 1})).await;
        assert_eq!(r["structuredContent"]["result"], id + 1, "{r}");
    }
    let started = Instant::now();
    c.send(json!({"jsonrpc": "2.0", "id": 100, "method": "tools/call",
                  "params": {"name": "sleepy", "arguments": {"ms": 2000}}}))
        .await;
    // Meanwhile quick calls are answered at once (the bound is generous: a loaded machine).
    for id in 101..=140 {
        let r = c.call(id, "add_sync", json!({"a": id, "b": 1})).await;
        assert_eq!(r["structuredContent"]["result"], id + 1, "{r}");
    }
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "quick calls waited for the sleeping one: {:?}",
        started.elapsed()
    );
    let slept = c.response(100).await;
    assert_eq!(
        slept["result"]["structuredContent"]["result"], 2000,
        "{slept}"
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test(flavor = "current_thread")]
async fn a_sync_tool_panicking_inline_is_an_error_result_and_the_server_keeps_serving() {
    SERVES.set(true);
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let mut id = 0;
    let mut last = String::new();
    for _ in 0..40 {
        id += 1;
        last = text(&c.call(id, "panics_when", json!({"asked": false})).await);
    }
    assert_eq!(last, "inline");
    let r = c.call(100, "panics_when", json!({"asked": true})).await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(r.to_string().contains("asked to panic"), "{r}");
    let r = c.call(101, "add_sync", json!({"a": 1, "b": 2})).await;
    assert_eq!(r["structuredContent"]["result"], 3, "{r}");
}

/// Where this call ran; marked as blocking.
#[tool(blocking)]
fn always_on_the_pool() -> String {
    where_it_ran().into()
}

#[tokio::test(flavor = "current_thread")]
async fn a_tool_marked_blocking_stays_on_the_pool_however_quick() {
    SERVES.set(true);
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    for id in 1..=(4 * i64::from(SEEN_QUICK_BEFORE_INLINE)) {
        let r = c.call(id, "always_on_the_pool", json!({})).await;
        assert_eq!(text(&r), "pool");
    }
}

/// Where this read ran.
#[resource(uri = "where://quick", mime_type = "text/plain")]
fn where_read() -> String {
    where_it_ran().into()
}

/// Where this read ran; marked as blocking.
#[resource(uri = "where://blocking", mime_type = "text/plain", blocking)]
fn where_read_blocking() -> String {
    where_it_ran().into()
}

/// Says where it ran; marked as blocking.
#[prompt(blocking)]
fn where_prompted() -> String {
    where_it_ran().into()
}

#[tokio::test(flavor = "current_thread")]
async fn sync_resources_and_prompts_follow_the_same_rule() {
    SERVES.set(true);
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let read = |uri: &str, id: i64| (id, json!({ "uri": uri }));
    let mut quick = Vec::new();
    for id in 1..=40 {
        let (id, params) = read("where://quick", id);
        let r = c.request(id, "resources/read", params).await;
        quick.push(
            r["result"]["contents"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let (id, params) = read("where://blocking", 1000 + id);
        let r = c.request(id, "resources/read", params).await;
        assert_eq!(r["result"]["contents"][0]["text"], "pool", "{r}");
        let r = c
            .request(2000 + id, "prompts/get", json!({"name": "where_prompted"}))
            .await;
        assert_eq!(r["result"]["messages"][0]["content"]["text"], "pool", "{r}");
    }
    assert_eq!(quick[0], "pool");
    assert_eq!(quick[39], "inline", "{quick:?}");
}
