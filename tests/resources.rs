//! `#[resource]`: fixed URIs and URI templates, written as plain functions, listed and read over
//! stdio and Streamable HTTP, in 2025 sessions and 2026-07-28 stateless requests; errors (unknown
//! URI, a variable that does not parse, a failing or panicking resource) are JSON-RPC errors and
//! the server keeps serving; the resilience attributes work on resources as on tools.

#[path = "common/mod.rs"]
mod common;

use common::http::*;
use common::{meta_2026, Client};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use sturdy::prelude::*;
use sturdy::resources::{ResourceDef, Resources};
use sturdy::transport::http::HttpOptions;

/// The application's settings.
#[resource(
    uri = "config://app",
    mime_type = "application/toml",
    title = "Settings"
)]
fn settings() -> &'static str {
    "debug = false"
}

/// The logo.
#[resource(uri = "assets://logo.png", mime_type = "image/png")]
async fn logo() -> Vec<u8> {
    vec![0x89, b'P', b'N', b'G']
}

/// One user, by numeric id.
#[resource(template = "users://{id}/profile")]
async fn user_profile(id: u32, ctx: Context) -> serde_json::Value {
    json!({"id": id, "asked_by": ctx.client_id()})
}

/// A file under the data directory (`{+path}` may hold `/`).
#[resource(template = "data:///{+path}", name = "data_file")]
fn data_file(path: String) -> Result<Vec<ResourceContents>, ToolError> {
    if path.contains("..") {
        return Err(ToolError::new("paths may not leave the data directory"));
    }
    Ok(vec![
        ResourceContents::text(format!("contents of {path}")).with_mime_type("text/plain"),
        ResourceContents::text("metadata").with_uri(format!("data:///{path}.meta")),
    ])
}

/// Always panics.
#[resource(uri = "broken://panics")]
fn panics() -> String {
    panic!("this resource always panics")
}

static REPORT_BUILDS: AtomicU32 = AtomicU32::new(0);

/// An expensive report, cached for a minute.
// The same for every reader for a minute: clients may keep it that long (2026-07-28).
#[resource(uri = "reports://daily", cache_ttl = 60, cache_scope = "public")]
#[cached(ttl = 60)]
async fn daily_report() -> Result<String, ToolError> {
    let n = REPORT_BUILDS.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(format!("report #{n}"))
}

/// The board: public by its author's hint, but only for callers with `board:read` (over HTTP
/// with an authorization server), so no shared cache may keep it.
#[resource(uri = "reports://board", cache_ttl = 60, cache_scope = "public", scopes = ["board:read"])]
fn board() -> String {
    "the board".into()
}

/// The reader's own view, cached per caller (it takes `Context`): public by its author's hint,
/// private on the wire since each caller has their own entry.
#[resource(uri = "me://view", cache_ttl = 60, cache_scope = "public")]
#[cached(ttl = 60)]
fn my_view(ctx: Context) -> String {
    format!("seen by {}", ctx.client_id())
}

/// The same for everyone (`shared`), so the hint stands.
#[resource(uri = "me://shared", cache_ttl = 60, cache_scope = "public")]
#[cached(shared, ttl = 60)]
fn shared_view(_ctx: Context) -> String {
    "the same for all".into()
}

/// Writes a resource (here: only says so).
#[tool]
fn touch(ctx: Context, uri: String) -> String {
    ctx.resource_updated(&uri);
    format!("touched {uri}")
}

async fn read(client: &mut Client, id: i64, uri: &str, meta: Option<&Value>) -> Value {
    let mut params = json!({ "uri": uri });
    if let Some(meta) = meta {
        params["_meta"] = meta.clone();
    }
    client.request(id, "resources/read", params).await
}

#[tokio::test]
async fn listed_and_read_in_a_2025_session() {
    let mut client = Client::start();
    let init = client.initialize("2025-11-25").await;
    assert_eq!(
        init["result"]["capabilities"]["resources"],
        json!({"subscribe": true, "listChanged": true})
    );
    let list = client.request(2, "resources/list", json!({})).await;
    let resources = list["result"]["resources"].as_array().unwrap();
    let uris: Vec<&str> = resources
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "assets://logo.png",
            "broken://panics",
            "config://app",
            "me://shared",
            "me://view",
            "reports://board",
            "reports://daily"
        ]
    );
    let settings = &resources[2];
    assert_eq!(
        *settings,
        json!({"uri": "config://app", "name": "settings", "title": "Settings",
               "description": "The application's settings.", "mimeType": "application/toml"})
    );
    let templates = client
        .request(3, "resources/templates/list", json!({}))
        .await;
    assert_eq!(
        templates["result"]["resourceTemplates"],
        json!([
            {"uriTemplate": "data:///{+path}", "name": "data_file",
             "description": "A file under the data directory (`{+path}` may hold `/`)."},
            {"uriTemplate": "users://{id}/profile", "name": "user_profile",
             "description": "One user, by numeric id."}
        ])
    );

    let r = read(&mut client, 4, "config://app", None).await;
    assert_eq!(
        r["result"]["contents"],
        json!([{"uri": "config://app", "mimeType": "application/toml", "text": "debug = false"}])
    );
    let r = read(&mut client, 5, "assets://logo.png", None).await;
    assert_eq!(r["result"]["contents"][0]["blob"], "iVBORw==");
    let r = read(&mut client, 6, "users://42/profile", None).await;
    let text = r["result"]["contents"][0]["text"].as_str().unwrap();
    let profile: Value = serde_json::from_str(text).unwrap();
    assert_eq!(profile["id"], 42);
    assert_eq!(r["result"]["contents"][0]["mimeType"], "application/json");
    let r = read(&mut client, 7, "data:///reports/2026/q3.csv", None).await;
    assert_eq!(
        r["result"]["contents"],
        json!([
            {"uri": "data:///reports/2026/q3.csv", "mimeType": "text/plain",
             "text": "contents of reports/2026/q3.csv"},
            {"uri": "data:///reports/2026/q3.csv.meta", "text": "metadata"}
        ])
    );
}

#[tokio::test]
async fn errors_are_json_rpc_errors_and_the_server_keeps_serving() {
    let mut client = Client::start();
    client.initialize("2025-11-25").await;
    // Unknown: -32002 in 2025 sessions, the URI in the data.
    let r = read(&mut client, 1, "nothing://here", None).await;
    assert_eq!(r["error"]["code"], -32002, "{r}");
    assert_eq!(r["error"]["data"]["uri"], "nothing://here");
    // A variable that does not parse into its parameter's type: invalid params.
    let r = read(&mut client, 2, "users://ada/profile", None).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("{id}"),
        "{r}"
    );
    // The resource's own error, and a panic: internal errors naming the cause.
    let r = read(&mut client, 3, "data:///../etc/passwd", None).await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(r.to_string().contains("may not leave"), "{r}");
    let r = read(&mut client, 4, "broken://panics", None).await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(r.to_string().contains("always panics"), "{r}");
    let r = client.request(5, "resources/read", json!({"uri": 5})).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = client
        .request(6, "resources/list", json!({"cursor": "page-9"}))
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = read(&mut client, 7, "config://app", None).await;
    assert_eq!(r["result"]["contents"][0]["text"], "debug = false");
}

#[tokio::test]
async fn stateless_reads_carry_caching_hints_and_the_2026_not_found() {
    let mut client = Client::start();
    let meta = meta_2026();
    let list = client
        .request(1, "resources/list", json!({"_meta": meta}))
        .await;
    assert_eq!(list["result"]["resultType"], "complete");
    assert!(list["result"]["ttlMs"].is_u64() && list["result"]["cacheScope"] == "public");
    // Without a hint: not to be kept.
    let r = read(&mut client, 2, "config://app", Some(&meta)).await;
    assert_eq!(r["result"]["ttlMs"], 0, "{r}");
    assert_eq!(r["result"]["cacheScope"], "private");
    // With its author's hint.
    let r = read(&mut client, 4, "reports://daily", Some(&meta)).await;
    assert_eq!(r["result"]["ttlMs"], 60_000, "{r}");
    assert_eq!(r["result"]["cacheScope"], "public", "{r}");
    // Scoped contents are private whatever the hint (over stdio there are no tokens: readable).
    let r = read(&mut client, 5, "reports://board", Some(&meta)).await;
    assert_eq!(r["result"]["contents"][0]["text"], "the board", "{r}");
    assert_eq!(r["result"]["cacheScope"], "private", "{r}");
    // Kept per caller by its cache: private whatever the hint, on a miss and on a hit.
    for id in [6, 7] {
        let r = read(&mut client, id, "me://view", Some(&meta)).await;
        assert_eq!(r["result"]["cacheScope"], "private", "{r}");
    }
    let r = read(&mut client, 8, "me://shared", Some(&meta)).await;
    assert_eq!(r["result"]["cacheScope"], "public", "{r}");
    let r = read(&mut client, 3, "nothing://here", Some(&meta)).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert_eq!(r["error"]["data"]["uri"], "nothing://here");
}

#[tokio::test]
async fn the_resilience_attributes_work_on_resources() {
    let mut client = Client::start();
    client.initialize("2025-11-25").await;
    let first = read(&mut client, 1, "reports://daily", None).await;
    let second = read(&mut client, 2, "reports://daily", None).await;
    assert_eq!(first["result"]["contents"][0]["text"], "report #1");
    // Served from the cache: built once.
    assert_eq!(second["result"]["contents"][0]["text"], "report #1");
    assert_eq!(REPORT_BUILDS.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn read_over_streamable_http() {
    let server = TestServer::start(HttpOptions::default()).await;
    let http = reqwest::Client::new();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read",
                      "params": {"_meta": stateless_meta(), "uri": "users://7/profile"}});
    let r = json_of(post(&http, &server.url(), stateless_headers(), body).await).await;
    let text = r["result"]["contents"][0]["text"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap()["asked_by"],
        "peer:127.0.0.1"
    );
    // Mcp-Name must mirror the URI.
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "resources/read",
                      "params": {"_meta": stateless_meta(), "uri": "config://app"}});
    let mut headers = stateless_headers();
    headers.insert("mcp-method", "resources/read".parse().unwrap());
    headers.insert("mcp-name", "config://other".parse().unwrap());
    let r = post_exact(&http, &server.url(), headers, body).await;
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[test]
fn a_uri_defined_twice_stops_start_up() {
    let all: Vec<&'static ResourceDef> = sturdy::__private::inventory::iter::<ResourceDef>
        .into_iter()
        .collect();
    let twice = all.iter().copied().chain(all.iter().copied());
    let err = match Resources::from_defs(twice) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("two resource"), "{err}");
}

/// The notifications among `messages`.
fn updates(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| m["method"] == "notifications/resources/updated")
        .collect()
}

#[tokio::test]
async fn sessions_subscribe_and_hear_of_updates() {
    let mut client = Client::start();
    let init = client.initialize("2025-11-25").await;
    assert_eq!(
        init["result"]["capabilities"]["resources"]["subscribe"],
        true
    );
    let r = client
        .request(2, "resources/subscribe", json!({"uri": "config://app"}))
        .await;
    assert_eq!(r["result"], json!({}), "{r}");
    let r = client
        .request(3, "resources/subscribe", json!({"uri": "nothing://here"}))
        .await;
    assert_eq!(r["error"]["code"], -32002, "{r}");

    let touch = |uri: &str| json!({"name": "touch", "arguments": {"uri": uri}});
    let (mut seen, _) = client
        .request_after(4, "tools/call", touch("config://app"))
        .await;
    // Not subscribed: nothing.
    let (more, _) = client
        .request_after(5, "tools/call", touch("assets://logo.png"))
        .await;
    seen.extend(more);
    let (more, _) = client.request_after(6, "tools/list", json!({})).await;
    seen.extend(more);
    let heard = updates(&seen);
    assert_eq!(heard.len(), 1, "{seen:?}");
    assert_eq!(heard[0]["params"], json!({"uri": "config://app"}));

    let r = client
        .request(7, "resources/unsubscribe", json!({"uri": "config://app"}))
        .await;
    assert_eq!(r["result"], json!({}));
    let (seen, _) = client
        .request_after(8, "tools/call", touch("config://app"))
        .await;
    let (more, _) = client.request_after(9, "tools/list", json!({})).await;
    assert!(
        updates(&seen).is_empty() && updates(&more).is_empty(),
        "{seen:?} {more:?}"
    );
}

#[tokio::test]
async fn listen_streams_carry_the_updates_asked_for() {
    let mut client = Client::start();
    let meta = meta_2026();
    client
        .send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
                     "params": {"_meta": meta, "notifications": {
                         "resourceSubscriptions": ["config://app", "nothing://here"]}}}),
        )
        .await;
    let ack = client.next().await.unwrap();
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    // Only resources the server has are agreed.
    assert_eq!(
        ack["params"]["notifications"],
        json!({"resourceSubscriptions": ["config://app"]})
    );
    let mut call_meta = meta.clone();
    call_meta["io.modelcontextprotocol/clientCapabilities"] = json!({});
    let (mut seen, _) = client
        .request_after(
            2,
            "tools/call",
            json!({"name": "touch", "arguments": {"uri": "config://app"}, "_meta": call_meta}),
        )
        .await;
    if seen.is_empty() {
        seen.push(client.next().await.unwrap());
    }
    let heard = updates(&seen);
    assert_eq!(heard.len(), 1, "{seen:?}");
    assert_eq!(heard[0]["params"]["uri"], "config://app");
    assert_eq!(
        heard[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        1
    );
    // The 2025 methods do not exist in stateless requests.
    let r = client
        .request(
            3,
            "resources/subscribe",
            json!({"uri": "config://app", "_meta": meta}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32601, "{r}");
}
