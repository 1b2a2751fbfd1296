//! Resilience attributes on `#[tool]`s, seen by MCP clients over the stdio transport.

mod common;

use common::Client;
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use sturdy::prelude::*;

/// Doubles a number, at most twice a minute per client.
#[tool]
#[rate_limited(2, 60)]
async fn limited(x: i64) -> Result<i64, ToolError> {
    Ok(x * 2)
}

static EXPENSIVE_CALLS: AtomicU32 = AtomicU32::new(0);

/// An expensive square.
#[cached(ttl = 60)]
#[tool(read_only)]
async fn expensive(n: u64) -> Result<u64, ToolError> {
    EXPENSIVE_CALLS.fetch_add(1, SeqCst);
    Ok(n * n)
}

static CUBE_CALLS: AtomicU32 = AtomicU32::new(0);

/// A cube, which cannot fail; cached for a minute. Panics on 13, which is unlucky.
#[tool(read_only)]
#[cached(ttl = 60)]
fn cube(n: u64) -> u64 {
    CUBE_CALLS.fetch_add(1, SeqCst);
    assert!(n != 13, "unlucky");
    n * n * n
}

static GREETINGS: AtomicU32 = AtomicU32::new(0);

/// Greets the caller by the name it gave; its answer depends on who asks (it takes `Context`),
/// so its entries are kept per caller.
#[tool(read_only)]
#[cached(ttl = 60)]
async fn cached_greeting(ctx: Context) -> String {
    GREETINGS.fetch_add(1, SeqCst);
    format!("hello {}", ctx.client_id())
}

static ANNOUNCEMENTS: AtomicU32 = AtomicU32::new(0);

/// The same for everyone, although it takes `Context`: `shared`.
#[tool(read_only)]
#[cached(shared, ttl = 60)]
async fn cached_announcement(ctx: Context) -> String {
    ANNOUNCEMENTS.fetch_add(1, SeqCst);
    let _ = ctx;
    "the office is closed on Friday".to_owned()
}

static QUOTAS: AtomicU32 = AtomicU32::new(0);

/// Kept per caller although it takes no `Context`: `per = client`.
#[tool(read_only)]
#[cached(per = client, ttl = 60)]
async fn cached_quota() -> String {
    format!("quota #{}", QUOTAS.fetch_add(1, SeqCst))
}

/// Always down.
#[tool]
#[circuit_breaker(threshold = 1, recovery = 30)]
async fn down() -> Result<String, ToolError> {
    Err(ToolError::new("upstream is down"))
}

#[tokio::test]
async fn rate_limits_are_per_client_and_rejections_carry_retry_after() {
    let mut alice = Client::start();
    alice.initialize_as("2025-11-25", "alice").await;
    let mut bob = Client::start();
    bob.initialize_as("2025-11-25", "bob").await;
    for id in 1..=2 {
        let r = alice.call(id, "limited", json!({"x": 3})).await;
        assert_eq!(r["structuredContent"]["result"], 6);
    }
    let r = alice.call(3, "limited", json!({"x": 3})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "rate_limited");
    let after = r["_meta"]["dev.sturdy/error"]["retry_after"]
        .as_f64()
        .unwrap();
    assert!(after > 59.0 && after <= 60.0, "{after}");
    assert!(r["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("rate limited"));
    // Another client has its own budget.
    let r = bob.call(1, "limited", json!({"x": 5})).await;
    assert_eq!(r["structuredContent"]["result"], 10);
}

#[tokio::test]
async fn cached_results_say_so() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let first = c.call(1, "expensive", json!({"n": 12})).await;
    assert_eq!(first["structuredContent"]["result"], 144);
    assert!(first.get("_meta").is_none());
    let second = c.call(2, "expensive", json!({"n": 12})).await;
    assert_eq!(second["structuredContent"]["result"], 144);
    assert_eq!(second["_meta"]["dev.sturdy/cache"], "hit");
    assert_eq!(EXPENSIVE_CALLS.load(SeqCst), 1);
}

#[tokio::test]
async fn an_infallible_tool_is_cached_and_a_panic_stays_an_error_result() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let first = c.call(1, "cube", json!({"n": 3})).await;
    assert_eq!(first["structuredContent"]["result"], 27);
    let second = c.call(2, "cube", json!({"n": 3})).await;
    assert_eq!(second["structuredContent"]["result"], 27);
    assert_eq!(second["_meta"]["dev.sturdy/cache"], "hit");
    assert_eq!(CUBE_CALLS.load(SeqCst), 1, "computed once");
    // A panic is no value: an error result, nothing cached, and the server keeps serving.
    for id in 3..=4 {
        let r = c.call(id, "cube", json!({"n": 13})).await;
        assert_eq!(r["isError"], true, "{r}");
        assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "panicked", "{r}");
    }
    assert_eq!(CUBE_CALLS.load(SeqCst), 3, "each panicking call ran");
    let r = c.call(5, "cube", json!({"n": 2})).await;
    assert_eq!(r["structuredContent"]["result"], 8);
}

/// A cached answer never reaches another caller unless the function says it may (`shared`).
#[tokio::test]
async fn cached_answers_stay_with_their_caller_unless_shared() {
    let mut alice = Client::start();
    alice.initialize_as("2025-11-25", "alice").await;
    let mut bob = Client::start();
    bob.initialize_as("2025-11-25", "bob").await;
    let text = |r: &serde_json::Value| r["content"][0]["text"].as_str().unwrap().to_owned();
    let cached = |r: &serde_json::Value| r["_meta"]["dev.sturdy/cache"] == "hit";
    let (a1, a2) = (
        alice.call(1, "cached_greeting", json!({})).await,
        alice.call(2, "cached_greeting", json!({})).await,
    );
    let b1 = bob.call(1, "cached_greeting", json!({})).await;
    assert_eq!(
        (text(&a1), text(&a2), text(&b1)),
        (
            "hello alice".into(),
            "hello alice".into(),
            "hello bob".into()
        )
    );
    assert!(!cached(&a1) && cached(&a2) && !cached(&b1));
    assert_eq!(GREETINGS.load(SeqCst), 2);

    let a = alice.call(3, "cached_announcement", json!({})).await;
    let b = bob.call(3, "cached_announcement", json!({})).await;
    assert!(!cached(&a) && cached(&b), "shared: bob gets alice's entry");
    assert_eq!(ANNOUNCEMENTS.load(SeqCst), 1);

    let a = alice.call(4, "cached_quota", json!({})).await;
    let b = bob.call(4, "cached_quota", json!({})).await;
    let a_again = alice.call(5, "cached_quota", json!({})).await;
    assert_ne!(text(&a), text(&b), "per = client: one entry each");
    assert_eq!(text(&a), text(&a_again));
    assert!(cached(&a_again));
}

#[tokio::test]
async fn open_circuits_are_tool_errors_with_retry_after() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let r = c.call(1, "down", json!({})).await;
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "failed");
    let r = c.call(2, "down", json!({})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "circuit_open");
    assert!(
        r["_meta"]["dev.sturdy/error"]["retry_after"]
            .as_f64()
            .unwrap()
            > 29.0
    );
    // Clients validate structuredContent against the outputSchema, errors included: none here.
    assert!(r.get("structuredContent").is_none(), "{r}");
}

#[tokio::test]
async fn tools_list_and_registry_show_the_policies() {
    let mut c = Client::start();
    let list = c.request(1, "tools/list", json!({})).await;
    let tools = list["result"]["tools"].as_array().unwrap();
    let limited = tools.iter().find(|t| t["name"] == "limited").unwrap();
    assert_eq!(
        limited["_meta"]["dev.sturdy/policies"],
        json!([{"policy": "rate_limited", "limit": 2, "window": 60.0, "key": "client"}])
    );
    let registry = Registry::from_inventory().unwrap();
    let expensive = registry.get("expensive").unwrap();
    assert_eq!(expensive.policies[0]["policy"], "cached");
    assert_eq!(expensive.policies[0]["ttl"], 60.0);
}

/// A sync tool limited per client: the client identity reaches the blocking pool.
#[tool]
#[rate_limited(1, 60)]
fn sync_limited() -> Result<String, ToolError> {
    Ok("ok".into())
}

#[tokio::test]
async fn sync_tools_are_limited_per_client_too() {
    let mut carol = Client::start();
    carol.initialize_as("2025-11-25", "carol").await;
    let mut dave = Client::start();
    dave.initialize_as("2025-11-25", "dave").await;
    assert!(carol
        .call(1, "sync_limited", json!({}))
        .await
        .get("isError")
        .is_none());
    let r = carol.call(2, "sync_limited", json!({})).await;
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "rate_limited");
    assert!(dave
        .call(1, "sync_limited", json!({}))
        .await
        .get("isError")
        .is_none());
}
