//! Streamable HTTP: the session flow, the stateless 2026-07-28 flow, SSE progress, safe defaults
//! and bad input, with tools defined through the macro and a real HTTP client.

mod common;

use common::http::*;
use reqwest::header::HeaderValue;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use sturdy::prelude::*;
use sturdy::transport::http::{BearerToken, HttpOptions};

/// Add two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Who is calling.
#[tool]
fn whoami(ctx: Context) -> String {
    ctx.client_id().to_owned()
}

/// Counts with progress.
#[tool]
async fn progress(ctx: Context, n: u32) -> String {
    for i in 1..=n {
        ctx.progress(f64::from(i), Some(f64::from(n)), None).await;
    }
    "done".into()
}

/// Once a minute per client.
#[tool]
#[rate_limited(1, 60)]
async fn once_a_minute() -> Result<String, ToolError> {
    Ok("ok".into())
}

/// Sleeps.
#[tool]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}

#[tokio::test]
async fn session_flow_list_call_delete() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    assert_eq!(sid.len(), 32, "128-bit hex id");
    assert!(sid.chars().all(|c| c.is_ascii_hexdigit()));
    let other = open_session(&client, &url, mcp_headers()).await;
    assert_ne!(sid, other, "ids are random");

    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let tools = json_of(r).await;
    assert!(tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "add"));

    let r = post(&client, &url, with_session(&sid),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}})).await;
    assert_eq!(
        json_of(r).await["result"]["structuredContent"]["result"],
        42
    );

    // The peer address, not the self-reported name, is the identity; the id is never shown.
    let r = post(&client, &url, with_session(&sid),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"whoami","arguments":{}}})).await;
    let who = json_of(r).await["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(who, "peer:127.0.0.1");
    assert!(!who.contains(&sid));

    let r = in_session(&client, reqwest::Method::DELETE, &url, &sid).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":5,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = in_session(&client, reqwest::Method::DELETE, &url, &sid).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn stateless_2026_requests_need_no_session() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let meta = stateless_meta();
    let h = stateless_headers();
    let r = post(
        &client,
        &url,
        h.clone(),
        json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":meta}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("mcp-session-id").is_none());
    assert_eq!(json_of(r).await["result"]["resultType"], "complete");
    let mut hm = h.clone();
    hm.insert("mcp-method", HeaderValue::from_static("tools/call"));
    let r = post(&client, &url, hm.clone(),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_meta":meta,"name":"add","arguments":{"a":1,"b":2}}})).await;
    let v = json_of(r).await;
    assert_eq!(v["result"]["structuredContent"]["result"], 3);
    assert_eq!(v["result"]["resultType"], "complete");
    // A mirrored header that disagrees with the body.
    let r = post(
        &client,
        &url,
        hm,
        json!({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":meta}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32020);
    server.shutdown().await;
}

#[tokio::test]
async fn progress_arrives_over_sse_before_the_result() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":7,"method":"tools/call",
        "params":{"name":"progress","arguments":{"n":3},"_meta":{"progressToken":"tok"}}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let text = r.text().await.unwrap();
    let messages = sse_messages(&text);
    assert_eq!(messages.len(), 4, "{text}");
    for (i, m) in messages[..3].iter().enumerate() {
        assert_eq!(m["method"], "notifications/progress");
        assert_eq!(m["params"]["progressToken"], "tok");
        assert_eq!(m["params"]["progress"], (i + 1) as f64);
    }
    assert_eq!(messages[3]["id"], 7);
    assert_eq!(messages[3]["result"]["content"][0]["text"], "done");
    server.shutdown().await;
}

#[tokio::test]
async fn foreign_origins_are_rejected_loopback_ones_pass() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let mut h = mcp_headers();
    h.insert("origin", HeaderValue::from_static("http://evil.example"));
    let r = post(&client, &url, h, json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut h = mcp_headers();
    h.insert("origin", HeaderValue::from_static("http://localhost:6274"));
    open_session(&client, &url, h).await;
    server.shutdown().await;
}

#[tokio::test]
async fn bearer_token_is_required_when_configured_and_names_the_client() {
    let options = HttpOptions {
        bearer_tokens: vec![BearerToken {
            token: "s3cret".into(),
            principal: "ci-bot".into(),
        }],
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}});
    let r = post(&client, &url, mcp_headers(), init.clone()).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let mut bad = mcp_headers();
    bad.insert("authorization", HeaderValue::from_static("Bearer wrong"));
    assert_eq!(
        post(&client, &url, bad, init.clone()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut good = mcp_headers();
    good.insert("authorization", HeaderValue::from_static("Bearer s3cret"));
    let sid = open_session(&client, &url, good.clone()).await;
    let mut h = with_session(&sid);
    h.insert("authorization", HeaderValue::from_static("Bearer s3cret"));
    let r = post(&client, &url, h, json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}})).await;
    assert_eq!(json_of(r).await["result"]["content"][0]["text"], "ci-bot");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_the_right_status_and_the_server_keeps_serving() {
    let options = HttpOptions {
        max_body_bytes: 4096,
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;

    // Malformed JSON.
    let r = client
        .post(&url)
        .headers(with_session(&sid))
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32700);
    // Wrong content type.
    let mut h = with_session(&sid);
    h.insert("content-type", HeaderValue::from_static("text/plain"));
    let r = client
        .post(&url)
        .headers(h)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Accept without text/event-stream.
    let mut h = with_session(&sid);
    h.insert("accept", HeaderValue::from_static("application/json"));
    let r = post(
        &client,
        &url,
        h,
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    // Huge body.
    let huge = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"pad":"x".repeat(10_000)}}});
    let r = post(&client, &url, with_session(&sid), huge).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Unknown session, missing session.
    let r = post(
        &client,
        &url,
        with_session("0123456789abcdef0123456789abcdef"),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(
        &client,
        &url,
        mcp_headers(),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Unsupported protocol version header.
    let mut h = with_session(&sid);
    h.insert(
        "mcp-protocol-version",
        HeaderValue::from_static("1999-01-01"),
    );
    let r = post(
        &client,
        &url,
        h,
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // GET has no stream here.
    let r = in_session(&client, reqwest::Method::GET, &url, &sid).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Unknown tool: a JSON-RPC error; bad arguments: a tool error.
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nope"}}),
    )
    .await;
    assert_eq!(json_of(r).await["error"]["code"], -32602);
    let r = post(&client, &url, with_session(&sid), json!({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"add","arguments":{"a":"x","b":1}}})).await;
    assert_eq!(json_of(r).await["result"]["isError"], true);
    // Still serving.
    let r = post(&client, &url, with_session(&sid), json!({"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":1}}})).await;
    assert_eq!(json_of(r).await["result"]["structuredContent"]["result"], 2);
    server.shutdown().await;
}

#[tokio::test]
async fn default_call_timeout_and_concurrency_cap() {
    let options = HttpOptions {
        max_concurrent_requests: 2,
        ..Default::default()
    };
    let server = TestServer::start_with(options, Some(Duration::from_millis(300))).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let r = post(&client, &url, with_session(&sid), json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nap","arguments":{"ms":5000}}})).await;
    let v = json_of(r).await;
    assert_eq!(v["result"]["isError"], true);
    assert_eq!(v["result"]["_meta"]["dev.sturdy/error"]["error"], "timeout");

    // Two naps hold both slots; a third request is shed with 503.
    let calls: Vec<_> = (0..2)
        .map(|i| {
            let (client, url, h) = (client.clone(), url.clone(), with_session(&sid));
            tokio::spawn(async move {
                post(&client, &url, h, json!({"jsonrpc":"2.0","id":10+i,"method":"tools/call","params":{"name":"nap","arguments":{"ms":250}}})).await.status()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":20,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().get("retry-after").is_some());
    for c in calls {
        assert_eq!(c.await.unwrap(), StatusCode::OK);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_calls_and_refuses_new_ones() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let in_flight = {
        let (client, url, h) = (client.clone(), url.clone(), with_session(&sid));
        tokio::spawn(async move {
            let r = post(&client, &url, h, json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nap","arguments":{"ms":500}}})).await;
            json_of(r).await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let addr = server.addr;
    server.shutdown_nowait();
    let v = in_flight.await.unwrap();
    assert_eq!(v["result"]["content"][0]["text"], "slept 500");
    // The listener is closed: new connections are refused.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn rate_limit_client_key_is_the_http_identity() {
    let options = HttpOptions {
        bearer_tokens: vec![
            BearerToken {
                token: "token-a".into(),
                principal: "alice".into(),
            },
            BearerToken {
                token: "token-b".into(),
                principal: "bob".into(),
            },
        ],
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let call = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"once_a_minute","arguments":{}}});
    let mut outcomes = Vec::new();
    // Two sessions of alice share one budget (the principal, not the session, is the key);
    // bob has his own, whatever name each client reports.
    for token in ["token-a", "token-a", "token-b"] {
        let mut h = mcp_headers();
        h.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        let sid = open_session(&client, &url, h.clone()).await;
        let mut hs = with_session(&sid);
        hs.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        let v = json_of(post(&client, &url, hs, call.clone()).await).await;
        outcomes.push(v["result"]["isError"].as_bool().unwrap_or(false));
    }
    assert_eq!(outcomes, [false, true, false]);
    server.shutdown().await;
}

#[test]
fn safe_defaults() {
    let d = HttpOptions::default();
    assert_eq!(d.bind, "127.0.0.1:8000".parse::<SocketAddr>().unwrap());
    assert!(d.bind.ip().is_loopback());
    assert!(d.allowed_origins.is_empty());
    assert!(d.max_body_bytes <= 4 * 1024 * 1024);
    assert!(d.max_concurrent_requests > 0 && d.max_sessions > 0);
}

/// What became of each `watched` call: running, finished or dropped (cancelled).
static WATCHED: std::sync::Mutex<Vec<(String, &'static str)>> = std::sync::Mutex::new(Vec::new());

fn watched_state(key: &str) -> Option<&'static str> {
    WATCHED
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, s)| *s)
}

/// Runs for 10 s unless dropped, reporting progress every 20 ms.
#[tool]
async fn watched(ctx: Context, key: String) -> String {
    struct Guard(String, bool);
    impl Drop for Guard {
        fn drop(&mut self) {
            let state = if self.1 { "finished" } else { "dropped" };
            WATCHED.lock().unwrap().push((self.0.clone(), state));
        }
    }
    WATCHED.lock().unwrap().push((key.clone(), "running"));
    let mut guard = Guard(key, false);
    for i in 0..500 {
        ctx.progress(f64::from(i), None, None).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    guard.1 = true;
    "finished".into()
}

async fn wait_for_state(key: &str, expected: &str) {
    for _ in 0..200 {
        if watched_state(key) == Some(expected) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{key}: {:?}, expected {expected}", watched_state(key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stateless_client_disconnecting_cancels_its_call() {
    let server = TestServer::start(HttpOptions::default()).await;
    let url = server.url();
    let meta = stateless_meta();
    let mut h = stateless_headers();
    h.insert("mcp-method", HeaderValue::from_static("tools/call"));
    // A JSON response (no progress token): the client gives up while the tool runs.
    let client = Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call",
        "params":{"_meta":meta,"name":"watched","arguments":{"key":"json"}}});
    let sent = client
        .post(&url)
        .headers(h.clone())
        .body(body.to_string())
        .send()
        .await;
    assert!(sent.unwrap_err().is_timeout());
    wait_for_state("json", "dropped").await;

    // An SSE response (progress): the client reads a first event, then closes the stream.
    let mut meta_progress = meta.clone();
    meta_progress["progressToken"] = json!("p");
    let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"_meta":meta_progress,"name":"watched","arguments":{"key":"sse"}}});
    let mut r = Client::new()
        .post(&url)
        .headers(h)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.chunk().await.unwrap().is_some(), "a first progress event");
    assert_eq!(watched_state("sse"), Some("running"));
    drop(r);
    wait_for_state("sse", "dropped").await;
    server.shutdown().await;
}

/// `/metrics` as a Prometheus scraper reads it: every sample line parsed into name, labels, value.
fn samples(text: &str) -> Vec<(String, String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
            (
                name.to_owned(),
                labels.trim_end_matches('}').to_owned(),
                value.parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn metrics_count_calls_errors_and_policies_behind_the_bearer_token() {
    let options = HttpOptions {
        bearer_tokens: vec![BearerToken {
            token: "m3trics".into(),
            principal: "metrics-test".into(),
        }],
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let metrics_url = url.replace("/mcp", "/metrics");
    let mut h = stateless_headers();
    h.insert("authorization", HeaderValue::from_static("Bearer m3trics"));
    h.insert("mcp-method", HeaderValue::from_static("tools/call"));
    let call = |id: u32, name: &str, arguments: Value| {
        json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
               "params":{"_meta":stateless_meta(),"name":name,"arguments":arguments}})
    };
    for (id, name, args) in [
        (1, "add", json!({"a": 1, "b": 2})),
        (2, "add", json!({"a": "x", "b": 2})),
        (3, "once_a_minute", json!({})),
        (4, "once_a_minute", json!({})),
    ] {
        let r = post(&client, &url, h.clone(), call(id, name, args)).await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    assert_eq!(
        client.get(&metrics_url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let r = client
        .get(&metrics_url)
        .header("authorization", "Bearer m3trics")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    let all = samples(&text);
    let value = |name: &str, labels: &str| {
        all.iter()
            .find(|(n, l, _)| n == name && l == labels)
            .map(|s| s.2)
            .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{text}"))
    };
    assert_eq!(value("sturdy_tool_calls_total", r#"tool="add""#), 2.0);
    assert_eq!(
        value(
            "sturdy_tool_errors_total",
            r#"tool="add",kind="invalid_arguments""#
        ),
        1.0
    );
    assert_eq!(
        value("sturdy_tool_calls_total", r#"tool="once_a_minute""#),
        2.0
    );
    assert_eq!(
        value(
            "sturdy_tool_errors_total",
            r#"tool="once_a_minute",kind="rate_limited""#
        ),
        1.0
    );
    assert!(value("sturdy_tool_call_seconds_total", r#"tool="add""#) >= 0.0);
    let limited = all
        .iter()
        .find(|(n, l, _)| n == "sturdy_rate_limited_total" && l.ends_with("::once_a_minute\""))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(limited.2 >= 1.0);
    // Every family is declared once, before its samples.
    for (name, ..) in &all {
        assert_eq!(
            text.matches(&format!("# TYPE {name} ")).count(),
            1,
            "{name}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn odd_but_valid_bodies_get_json_rpc_answers() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    // A null id is a request with a bad id: answered with an error, not taken as a notification.
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":null,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32600);
    // Not an object (a batch, which MCP does not have): a JSON-RPC error, not silence.
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!([{"jsonrpc":"2.0","id":1,"method":"tools/list"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32600);
    // An escaped method name is the same name: its mirrored header agrees.
    let mut h = stateless_headers();
    h.insert("mcp-method", HeaderValue::from_static("tools/list"));
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools\/list","params":{{"_meta":{}}}}}"#,
        stateless_meta()
    );
    let r = client
        .post(&url)
        .headers(h)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(json_of(r).await["result"]["tools"].is_array());
    server.shutdown().await;
}

/// Counts to `n` with progress, `ms` apart.
#[tool]
async fn slow_count(ctx: Context, n: u32, ms: u64) -> String {
    for i in 1..=n {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ctx.progress(f64::from(i), Some(f64::from(n)), None).await;
    }
    format!("counted to {n}")
}

fn progress_call(id: i64, n: u32, ms: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "slow_count", "arguments": {"n": n, "ms": ms}, "_meta": {"progressToken": "p"}}})
}

/// `GET /mcp` resuming after `last`.
async fn resume(client: &Client, url: &str, sid: &str, last: &str) -> reqwest::Response {
    client
        .get(url)
        .headers(with_session(sid))
        .header("last-event-id", last)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dropped_sse_response_is_resumed_with_last_event_id_and_nothing_is_lost() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let mut r = post(&client, &url, with_session(&sid), progress_call(5, 6, 40)).await;
    let mut body = String::new();
    // The first event carries only an id (so the client can resume from the start) and the
    // delay to wait before reconnecting; then the first progress notification.
    let events = read_events(&mut r, &mut body, 2).await;
    assert_eq!(events[0].data, "", "{events:?}");
    assert!(body.contains("retry:"), "{body}");
    let last = events[1].id.clone().expect("events carry ids");
    drop(r); // The connection drops; the call goes on.

    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = resume(&client, &url, &sid, &last).await;
    assert_eq!(again.status(), StatusCode::OK);
    let mut body = String::new();
    let rest = read_events(&mut again, &mut body, 100).await;
    let messages: Vec<Value> = events[1..]
        .iter()
        .chain(&rest)
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect();
    // Every progress notification exactly once, in order, then the result.
    let progress: Vec<f64> = messages
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| m["params"]["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "{messages:?}");
    let last_message = messages.last().unwrap();
    assert_eq!(last_message["id"], 5);
    assert_eq!(last_message["result"]["content"][0]["text"], "counted to 6");
    // Ids grow within the stream.
    let ids: Vec<String> = rest.iter().filter_map(|e| e.id.clone()).collect();
    assert_eq!(ids.len(), rest.len());
    assert!(ids
        .iter()
        .all(|id| id.split('-').next() == last.split('-').next()));

    // Resuming from an id that names nothing kept is refused; a plain GET is still 405.
    let r = resume(&client, &url, &sid, "999-1").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = in_session(&client, reqwest::Method::GET, &url, &sid).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    server.shutdown().await;
}

#[tokio::test]
async fn the_server_can_cut_long_sse_responses_and_the_client_polls_the_rest() {
    let options = HttpOptions {
        sse_close_after: Some(Duration::from_millis(60)),
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let r = post(&client, &url, with_session(&sid), progress_call(7, 8, 25)).await;
    let mut received = sse_events(&r.text().await.unwrap());
    let mut polls = 0;
    // Each connection ends after 60 ms; the client resumes from the last id it got.
    while !received.last().unwrap().data.contains("\"result\"") {
        polls += 1;
        assert!(polls < 50, "never finished: {received:?}");
        let last = received.iter().rev().find_map(|e| e.id.clone()).unwrap();
        let again = resume(&client, &url, &sid, &last).await;
        assert_eq!(again.status(), StatusCode::OK);
        received.extend(sse_events(&again.text().await.unwrap()));
    }
    assert!(polls >= 1, "the 200 ms call outlived one 60 ms connection");
    let progress: Vec<f64> = received
        .iter()
        .filter(|e| !e.data.is_empty())
        .map(|e| serde_json::from_str::<Value>(&e.data).unwrap())
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| m["params"]["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(progress, (1..=8).map(f64::from).collect::<Vec<_>>());

    // A call that sends nothing: JSON when it is quick, a resumable stream when it outlasts the
    // cut.
    let quick = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
                       "params": {"name": "add", "arguments": {"a": 1, "b": 2}}});
    let r = post(&client, &url, with_session(&sid), quick).await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let slow = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                      "params": {"name": "nap", "arguments": {"ms": 200}}});
    let r = post(&client, &url, with_session(&sid), slow).await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let opened = sse_events(&r.text().await.unwrap());
    assert_eq!(
        opened.len(),
        1,
        "only the id-only event before the cut: {opened:?}"
    );
    let mut last = opened[0].id.clone().unwrap();
    let result = loop {
        let again = resume(&client, &url, &sid, &last).await;
        let events = sse_events(&again.text().await.unwrap());
        if let Some(e) = events.iter().find(|e| e.data.contains("\"result\"")) {
            break serde_json::from_str::<Value>(&e.data).unwrap();
        }
        if let Some(id) = events.iter().rev().find_map(|e| e.id.clone()) {
            last = id;
        }
    };
    assert_eq!(result["id"], 9);
    assert_eq!(result["result"]["content"][0]["text"], "slept 200");
    server.shutdown().await;
}

#[tokio::test]
async fn a_session_keeps_a_bounded_number_of_streams() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let mut first_ids = Vec::new();
    for i in 0..=sturdy::transport::http::replay::KEPT_STREAMS as i64 {
        let r = post(
            &client,
            &url,
            with_session(&sid),
            progress_call(100 + i, 1, 0),
        )
        .await;
        let events = sse_events(&r.text().await.unwrap());
        first_ids.push(events[0].id.clone().unwrap());
    }
    // The oldest stream is forgotten, the newest can still be replayed whole.
    let r = resume(&client, &url, &sid, &first_ids[0]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = resume(&client, &url, &sid, first_ids.last().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let replayed = sse_events(&r.text().await.unwrap());
    assert_eq!(
        replayed.len(),
        2,
        "the progress notification and the result: {replayed:?}"
    );
    server.shutdown().await;
}
