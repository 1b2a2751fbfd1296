//! End-to-end: tools defined with `#[tool]`, served over the stdio transport, driven by a client
//! speaking newline-delimited JSON-RPC.

mod common;

use common::{meta_2026, Client};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;
use sturdy::prelude::*;

/// Add two numbers.
#[tool(read_only, idempotent)]
async fn add(a: i64, b: i64, #[arg(description = "third")] c: Option<i64>) -> i64 {
    a + b + c.unwrap_or(0)
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Pair {
    left: String,
    right: String,
}

/// Split on the first separator.
#[tool(name = "split_once")]
fn split(text: String, #[arg(default = ",")] sep: String) -> Result<Pair, ToolError> {
    let (l, r) = text
        .split_once(&sep)
        .ok_or_else(|| ToolError::new(format!("no `{sep}` in the text")))?;
    Ok(Pair {
        left: l.into(),
        right: r.into(),
    })
}

/// Counting words:
#[doc = include_str!("doc_include.md")]
#[tool]
fn words(text: String) -> usize {
    text.split_whitespace().count()
}

/// Sleeps, then answers.
#[tool]
async fn slow(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}

/// A sync tool that sleeps on the blocking pool.
#[tool]
fn slow_sync(ms: u64) -> String {
    std::thread::sleep(Duration::from_millis(ms));
    format!("slept {ms}")
}

#[tool]
fn boom(#[arg(rename = "async")] is_async: bool) -> String {
    panic!("boom (async: {is_async})")
}

#[tool]
async fn boom_async() -> u8 {
    panic!("async boom")
}

/// A parameter type whose `Deserialize` panics on a negative number (a hand-written impl, as a
/// user may write one).
#[derive(JsonSchema)]
struct Fragile(u32);

impl<'de> Deserialize<'de> for Fragile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        assert!(n >= 0, "fragile: {n} is negative");
        Ok(Fragile(n as u32))
    }
}

#[tool]
async fn fragile(n: Fragile) -> u32 {
    n.0
}

#[tool]
fn who(ctx: Context) -> String {
    ctx.client_id().to_owned()
}

#[tool]
fn fails_with_display() -> Result<u8, std::num::ParseIntError> {
    "x".parse::<u8>()
}

#[tokio::test]
async fn initialize_list_and_call() {
    let mut c = Client::start();
    let init = c.initialize("2025-06-18").await;
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(init["result"]["serverInfo"]["name"], "test");

    let list = c.request(1, "tools/list", json!({})).await;
    let tools = list["result"]["tools"].as_array().unwrap();
    let add = tools.iter().find(|t| t["name"] == "add").unwrap();
    assert_eq!(add["description"], "Add two numbers.");
    assert_eq!(add["inputSchema"]["required"], json!(["a", "b"]));
    assert_eq!(
        add["inputSchema"]["properties"]["c"]["description"],
        "third"
    );
    assert_eq!(add["annotations"]["readOnlyHint"], true);
    assert!(list["result"].get("resultType").is_none());
    // Doc text from `#[doc = include_str!(..)]` is part of the description.
    let words = tools.iter().find(|t| t["name"] == "words").unwrap();
    assert_eq!(
        words["description"],
        "Counting words:\n\nCount the words of a text.\n\nWords are runs of non-whitespace."
    );

    let r = c.call(2, "add", json!({"a": 2, "b": 3})).await;
    assert_eq!(r["structuredContent"], json!({"result": 5}));
    assert_eq!(r["content"][0]["text"], "{\"result\":5}");
    assert!(r.get("isError").is_none());
}

#[tokio::test]
async fn structured_results_defaults_and_errors() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let r = c.call(1, "split_once", json!({"text": "a,b"})).await;
    assert_eq!(r["structuredContent"], json!({"left": "a", "right": "b"}));
    let r = c
        .call(2, "split_once", json!({"text": "a-b", "sep": "-"}))
        .await;
    assert_eq!(r["structuredContent"]["right"], "b");
    let r = c.call(3, "split_once", json!({"text": "ab"})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(r["content"][0]["text"], "no `,` in the text");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "failed");
    let r = c.call(4, "fails_with_display", json!({})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(r["content"][0]["text"], "invalid digit found in string");
}

#[tokio::test]
async fn bad_arguments_are_tool_errors() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    for (id, args, needle) in [
        (1, json!({"a": "one", "b": 2}), "argument `a`"),
        (2, json!({"a": 1}), "missing required argument `b`"),
        (3, json!({"a": 1, "b": 2, "d": 4}), "unknown argument `d`"),
    ] {
        let r = c.call(id, "add", args).await;
        assert_eq!(r["isError"], true, "{r}");
        assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "invalid_arguments");
        let text = r["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(needle), "{text}");
    }
    // The server still serves.
    let r = c.call(9, "add", json!({"a": 1, "b": 1})).await;
    assert_eq!(r["structuredContent"]["result"], 2);
}

#[tokio::test]
async fn protocol_errors() {
    let mut c = Client::start();
    c.send_raw("{not json").await;
    let r = c.next().await.unwrap();
    assert_eq!(r["error"]["code"], -32700);
    c.send_raw("[1, 2]").await;
    assert_eq!(c.next().await.unwrap()["error"]["code"], -32600);
    c.send_raw(r#"{"jsonrpc":"1.0","id":5,"method":"ping"}"#)
        .await;
    assert_eq!(c.response(5).await["error"]["code"], -32600);
    let r = c.request(6, "no/such/method", json!({})).await;
    assert_eq!(r["error"]["code"], -32601);
    let r = c.request(7, "tools/call", json!({"name": "nope"})).await;
    assert_eq!(r["error"]["code"], -32602);
    assert!(r["error"]["message"].as_str().unwrap().contains("nope"));
    let r = c
        .request(8, "tools/call", json!({"name": "add", "arguments": [1, 2]}))
        .await;
    assert_eq!(r["error"]["code"], -32602);
    let r = c.request(9, "tools/list", json!({"cursor": "bogus"})).await;
    assert_eq!(r["error"]["code"], -32602);
    let r = c.request(10, "ping", json!({})).await;
    assert_eq!(r["result"], json!({}));
}

#[tokio::test]
async fn panicking_tools_are_errors_and_the_server_keeps_serving() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let r = c.call(1, "boom", json!({"async": false})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "panicked");
    assert!(r["content"][0]["text"].as_str().unwrap().contains("boom"));
    let r = c.call(2, "boom_async", json!({})).await;
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "panicked");
    // A panic while the arguments are read, before the tool runs, is caught the same way.
    let r = c.call(4, "fragile", json!({"n": -1})).await;
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "panicked", "{r}");
    assert!(r["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("negative"));
    let r = c.call(5, "fragile", json!({"n": 7})).await;
    assert_eq!(r["structuredContent"]["result"], 7);
    let r = c.call(3, "add", json!({"a": 1, "b": 1})).await;
    assert_eq!(r["structuredContent"]["result"], 2);
}

#[tokio::test]
async fn requests_are_handled_concurrently() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    // The slow calls go first; the fast one must not wait behind them.
    c.send(json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"ms":1500}}})).await;
    c.send(json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow_sync","arguments":{"ms":1500}}})).await;
    c.send(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}})).await;
    let first = c.next().await.unwrap();
    assert_eq!(first["id"], 3, "the fast call answers first: {first}");
}

#[tokio::test]
async fn stateless_2026_requests() {
    let mut c = Client::start();
    // No initialize: every request carries its version.
    let d = c
        .request(1, "server/discover", json!({"_meta": meta_2026()}))
        .await;
    assert_eq!(d["result"]["resultType"], "complete");
    assert!(d["result"]["supportedVersions"]
        .as_array()
        .unwrap()
        .contains(&json!("2026-07-28")));
    let l = c
        .request(2, "tools/list", json!({"_meta": meta_2026()}))
        .await;
    assert_eq!(l["result"]["resultType"], "complete");
    assert_eq!(l["result"]["cacheScope"], "public");
    assert!(l["result"]["ttlMs"].as_u64().is_some());
    let r = c
        .request(
            3,
            "tools/call",
            json!({"_meta": meta_2026(), "name": "who", "arguments": {}}),
        )
        .await;
    assert_eq!(r["result"]["resultType"], "complete");
    assert_eq!(r["result"]["content"][0]["text"], "stateless-client");
    // ping does not exist in 2026-07-28.
    let p = c.request(4, "ping", json!({"_meta": meta_2026()})).await;
    assert_eq!(p["error"]["code"], -32601);
    let mut bad = meta_2026();
    bad["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
    let e = c.request(5, "tools/list", json!({"_meta": bad})).await;
    assert_eq!(e["error"]["code"], -32022);
    assert_eq!(e["error"]["data"]["requested"], "1900-01-01");
    // Without the client's capabilities a stateless request cannot be understood.
    let mut partial = meta_2026();
    partial
        .as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/clientCapabilities");
    let e = c.request(6, "tools/list", json!({"_meta": partial})).await;
    assert_eq!(e["error"]["code"], -32602, "{e}");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("clientCapabilities"));
    // Nor is there a handshake.
    let e = c
        .request(7, "initialize", json!({"_meta": meta_2026()}))
        .await;
    assert_eq!(e["error"]["code"], -32601, "{e}");
}

#[tokio::test]
async fn client_identity_from_initialize() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    let r = c.call(1, "who", json!({})).await;
    assert_eq!(r["content"][0]["text"], "test-client");
}

#[tokio::test]
async fn cancellation_drops_the_call() {
    let mut c = Client::start();
    c.initialize("2025-11-25").await;
    c.send(json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"ms":60000}}})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.send(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}))
        .await;
    c.close().await;
    // The server ends promptly (the call was dropped) and sends no response for it.
    let rest: Vec<Value> = {
        let mut v = Vec::new();
        while let Some(m) = c.next().await {
            v.push(m);
        }
        v
    };
    assert!(
        rest.iter().all(|m| m.get("id") != Some(&json!(1))),
        "{rest:?}"
    );
    c.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn end_of_input_drains_in_flight_calls() {
    let mut c = Client::start();
    c.send(json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"ms":200}}})).await;
    c.close().await;
    let r = c.response(1).await;
    assert_eq!(r["result"]["content"][0]["text"], "slept 200");
    c.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn oversized_lines_are_rejected_and_skipped() {
    let mut c = Client::start_with(sturdy::transport::stdio::StdioOptions {
        max_message_bytes: 1024,
        ..Default::default()
    });
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"slow","arguments":{{"pad":"{}"}}}}}}"#,
        "x".repeat(5000)
    );
    c.send_raw(&huge).await;
    let r = c.next().await.unwrap();
    assert_eq!(r["error"]["code"], -32700);
    let r = c.call(2, "add", json!({"a": 1, "b": 1})).await;
    assert_eq!(r["structuredContent"]["result"], 2);
}

#[tokio::test]
async fn pagination() {
    let registry = Registry::from_inventory().unwrap();
    let total = registry.tools().len();
    let server = sturdy::Server::with_page_size(registry, ServerInfo::new("t", "1"), 2);
    let session = sturdy::mcp::Session::default();
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for id in 0.. {
        let mut params = json!({});
        if let Some(c) = &cursor {
            params["cursor"] = json!(c);
        }
        let req = json!({"jsonrpc":"2.0","id":id,"method":"tools/list","params":params});
        let resp = server
            .handle(&session, req.to_string().as_bytes())
            .await
            .unwrap();
        let resp: Value = serde_json::from_slice(&resp).unwrap();
        let result = &resp["result"];
        assert!(result["tools"].as_array().unwrap().len() <= 2);
        names.extend(
            result["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].clone()),
        );
        match result.get("nextCursor") {
            Some(c) => cursor = Some(c.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!(names.len(), total);
}

/// Logs at several levels.
#[tool]
async fn chatty(ctx: Context) -> String {
    ctx.log(LogLevel::Debug, "debug detail").await;
    ctx.info("working").await;
    ctx.log(LogLevel::Error, serde_json::json!({"code": 7}))
        .await;
    "done".into()
}

#[tokio::test]
async fn log_messages_follow_the_level_the_client_set() {
    let mut c = Client::start();
    let init = c.initialize("2025-11-25").await;
    assert!(init["result"]["capabilities"].get("logging").is_some());
    // No level set: no messages.
    c.call(1, "chatty", json!({})).await;
    let r = c
        .request(2, "logging/setLevel", json!({"level": "info"}))
        .await;
    assert_eq!(r["result"], json!({}));
    c.send(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"chatty","arguments":{}}}))
        .await;
    let mut notes = Vec::new();
    loop {
        let m = c.next().await.unwrap();
        if m.get("id") == Some(&json!(3)) {
            break;
        }
        notes.push(m);
    }
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0]["method"], "notifications/message");
    assert_eq!(
        notes[0]["params"],
        json!({"level": "info", "data": "working"})
    );
    assert_eq!(
        notes[1]["params"],
        json!({"level": "error", "data": {"code": 7}})
    );
    let bad = c
        .request(4, "logging/setLevel", json!({"level": "loud"}))
        .await;
    assert_eq!(bad["error"]["code"], -32602);
}
