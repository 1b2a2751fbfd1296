//! Tools that ask the client while they run (`Context::elicit`, `Context::sample`), defined
//! through the macros and served over stdio (a pipe) and Streamable HTTP (a real socket), with
//! the test playing the client: it answers the server's requests, refuses them, answers late or
//! never, and goes away.

#[path = "../common/mod.rs"]
mod common;

mod over_http;
mod stateless_rounds;
mod stdio;

use common::http::{
    in_session, json_of, mcp_headers, open_session_with, post, read_events, sse_messages,
    stateless_headers, stateless_meta, with_session, TestServer,
};
use common::{meta_2026, Client};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use sturdy::prelude::*;
use sturdy::transport::http::HttpOptions;

/// Asks the user for a name.
#[tool]
async fn ask_name(ctx: Context, question: String) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": { "name": { "type": "string" } },
        "required": ["name"],
    });
    let answer = ctx.elicit(question, schema).await?;
    Ok(match answer.accepted() {
        Some(content) => format!("hello {}", content["name"].as_str().unwrap_or("?")),
        None => format!("no name: {:?}", answer.action),
    })
}

/// Asks for a city under the key `city`, then greets it.
#[tool]
async fn named_question(ctx: Context) -> Result<String, ToolError> {
    let form = json!({"type": "object", "properties": {"city": {"type": "string"}}});
    let answer = ctx
        .with_request_key("city")
        .elicit("Which city?", form)
        .await?;
    let city = answer
        .accepted()
        .and_then(|c| c["city"].as_str())
        .unwrap_or("?");
    Ok(format!("hello {city}"))
}

/// Summarises a text with the client's model.
#[tool]
async fn summarise(ctx: Context, text: String) -> Result<String, ToolError> {
    let reply = ctx.sample(format!("Summarise: {text}"), 50).await?;
    Ok(format!("{} [{}]", reply.text, reply.model))
}

/// Waits for the user at most 200 ms.
#[tool]
#[timeout("200ms")]
async fn ask_briefly(ctx: Context) -> Result<String, ToolError> {
    ctx.elicit("quick?", json!({"type": "object", "properties": {}}))
        .await?;
    Ok("answered".into())
}

/// Asks nothing.
#[tool]
fn shout(text: String) -> String {
    text.to_uppercase()
}

const ASKABLE: &str = r#"{"elicitation": {}, "sampling": {}}"#;

fn askable() -> Value {
    serde_json::from_str(ASKABLE).unwrap()
}

async fn askable_client() -> Client {
    let mut client = Client::start();
    client
        .initialize_with("2025-11-25", "asker", askable())
        .await;
    client
}

fn call(id: i64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

fn text(response: &Value) -> &str {
    response["result"]["content"][0]["text"].as_str().unwrap()
}

/// The next message, which must be a request of the server's for `method`.
async fn server_request(client: &mut Client, method: &str) -> Value {
    let msg = client.next().await.expect("a request from the server");
    assert_eq!(msg["method"], method, "{msg}");
    assert!(msg["id"].is_i64(), "{msg}");
    msg
}

/// Reads the SSE response until it holds `count` messages.
async fn read_messages(r: &mut reqwest::Response, body: &mut String, count: usize) -> Vec<Value> {
    // One more event than messages: the stream opens with an id-only event.
    read_events(r, body, count + 1).await;
    sse_messages(body)
}

/// Calls of `twice_asked` that reached its body.
static TWICE_ASKED_RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Asks two questions at once, after a side effect.
#[tool]
async fn twice_asked(ctx: Context) -> Result<String, ToolError> {
    TWICE_ASKED_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let form = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let (a, b) = tokio::join!(
        ctx.elicit("first?", form.clone()),
        ctx.sample("second?", 10)
    );
    let first = match a {
        Ok(e) => format!("{:?}", e.accepted().map(|c| c["name"].clone())),
        Err(e) => format!("error {}", e.kind()),
    };
    let second = match b {
        Ok(s) => s.text,
        Err(e) => format!("error {}", e.kind()),
    };
    Ok(format!("{first} / {second}"))
}

/// Reports progress around a question.
#[tool]
async fn progress_around_a_question(ctx: Context) -> Result<String, ToolError> {
    ctx.progress(1.0, Some(2.0), None).await;
    let answer = ctx
        .elicit("go on?", json!({"type": "object", "properties": {}}))
        .await?;
    ctx.progress(2.0, Some(2.0), None).await;
    Ok(format!("{:?}", answer.action))
}
