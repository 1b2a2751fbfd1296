//! `#[prompt]`: prompts written as plain functions, listed and expanded over stdio and
//! Streamable HTTP; arguments are strings parsed into the parameters' types, required unless
//! `Option`; bad arguments are -32602, a failing or panicking prompt -32603, and the server keeps
//! serving.

#[path = "common/mod.rs"]
mod common;

use common::http::*;
use common::{meta_2026, Client};
use serde_json::json;
use sturdy::prelude::*;
use sturdy::transport::http::HttpOptions;

/// Review a piece of code.
#[prompt(title = "Code review")]
fn review(
    #[arg(description = "The code to review")] code: String,
    #[arg(description = "How many findings at most")] max_findings: Option<u32>,
) -> String {
    format!(
        "Review this code, at most {} findings:\n{code}",
        max_findings.unwrap_or(3)
    )
}

/// Describe a chart, with the assistant's answer primed.
#[prompt(name = "describe_chart")]
async fn chart(ctx: Context) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image([1, 2, 3], "image/png")),
        PromptMessage::user(format!("Describe the chart above for {}.", ctx.client_id())),
        PromptMessage::assistant("The chart shows"),
    ]
}

/// Asks the user which language first.
#[prompt]
async fn translate(ctx: Context, text: String) -> Result<String, ToolError> {
    let form = json!({"type": "object", "properties": {"lang": {"type": "string"}}});
    let answer = ctx
        .with_request_key("lang")
        .elicit("Into which language?", form)
        .await?;
    let lang = answer
        .accepted()
        .and_then(|c| c["lang"].as_str())
        .unwrap_or("?");
    Ok(format!("Translate into {lang}: {text}"))
}

/// Fails on purpose.
#[prompt]
fn unavailable() -> Result<String, ToolError> {
    Err(ToolError::new("the template store is down"))
}

/// Panics.
#[prompt]
fn panicking() -> String {
    panic!("this prompt always panics")
}

#[tokio::test]
async fn listed_and_expanded_in_a_2025_session() {
    let mut client = Client::start();
    let init = client.initialize("2025-11-25").await;
    assert_eq!(
        init["result"]["capabilities"]["prompts"],
        json!({"listChanged": true})
    );
    let list = client.request(2, "prompts/list", json!({})).await;
    let prompts = list["result"]["prompts"].as_array().unwrap();
    let names: Vec<&str> = prompts
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "describe_chart",
            "panicking",
            "review",
            "translate",
            "unavailable"
        ]
    );
    assert_eq!(
        prompts[2],
        json!({
            "name": "review", "title": "Code review", "description": "Review a piece of code.",
            "arguments": [
                {"name": "code", "description": "The code to review", "required": true},
                {"name": "max_findings", "description": "How many findings at most", "required": false}
            ]
        })
    );
    assert!(prompts[0].get("arguments").is_none(), "{}", prompts[0]);

    let r = client
        .request(
            3,
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "fn f() {}"}}),
        )
        .await;
    assert_eq!(r["result"]["description"], "Review a piece of code.");
    assert_eq!(
        r["result"]["messages"],
        json!([{"role": "user", "content": {"type": "text",
                "text": "Review this code, at most 3 findings:\nfn f() {}"}}])
    );
    let r = client
        .request(
            4,
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "x", "max_findings": "7"}}),
        )
        .await;
    assert!(r["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap()
        .contains("at most 7"));
    let r = client
        .request(5, "prompts/get", json!({"name": "describe_chart"}))
        .await;
    let messages = r["result"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0]["content"]["type"], "image");
    assert_eq!(messages[0]["content"]["data"], "AQID");
    assert_eq!(messages[2]["role"], "assistant");
}

#[tokio::test]
async fn bad_arguments_and_failures_are_json_rpc_errors() {
    let mut client = Client::start();
    client.initialize("2025-11-25").await;
    for (id, params, code, says) in [
        (1, json!({"name": "nope"}), -32602, "Unknown prompt"),
        (
            2,
            json!({"name": "review"}),
            -32602,
            "missing required argument `code`",
        ),
        (
            3,
            json!({"name": "review", "arguments": {"code": "x", "max_findings": "many"}}),
            -32602,
            "max_findings",
        ),
        (
            4,
            json!({"name": "review", "arguments": {"code": 5}}),
            -32602,
            "must be a string",
        ),
        (
            5,
            json!({"name": "review", "arguments": {"code": "x", "extra": "y"}}),
            -32602,
            "unknown argument `extra`",
        ),
        (
            6,
            json!({"name": "review", "arguments": "code"}),
            -32602,
            "must be an object",
        ),
        (
            7,
            json!({"name": "unavailable"}),
            -32603,
            "the template store is down",
        ),
        (8, json!({"name": "panicking"}), -32603, "always panics"),
    ] {
        let r = client.request(id, "prompts/get", params).await;
        assert_eq!(r["error"]["code"], code, "{r}");
        assert!(
            r["error"]["message"].as_str().unwrap().contains(says),
            "{r}"
        );
    }
    let r = client
        .request(
            9,
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "ok"}}),
        )
        .await;
    assert!(r["result"]["messages"].is_array(), "{r}");
}

#[tokio::test]
async fn stateless_lists_carry_caching_hints() {
    let mut client = Client::start();
    let r = client
        .request(1, "prompts/list", json!({"_meta": meta_2026()}))
        .await;
    assert_eq!(r["result"]["resultType"], "complete");
    assert_eq!(r["result"]["cacheScope"], "public");
    assert!(r["result"]["ttlMs"].is_u64());
}

#[tokio::test]
async fn expanded_over_streamable_http() {
    let server = TestServer::start(HttpOptions::default()).await;
    let http = reqwest::Client::new();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get",
                      "params": {"_meta": stateless_meta(), "name": "describe_chart"}});
    let r = json_of(post(&http, &server.url(), stateless_headers(), body).await).await;
    assert_eq!(
        r["result"]["messages"][1]["content"]["text"],
        "Describe the chart above for peer:127.0.0.1."
    );
    server.shutdown().await;
}

/// In a stateless request a prompt that asks ends the round, as a tool does; its `requestState`
/// resumes that prompt only.
#[tokio::test]
async fn a_prompt_that_asks_goes_in_rounds() {
    let mut client = Client::start();
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation": {}});
    let params = json!({"name": "translate", "arguments": {"text": "bonjour"}, "_meta": meta});
    let round = client.request(1, "prompts/get", params.clone()).await;
    let round = &round["result"];
    assert_eq!(round["resultType"], "input_required", "{round}");
    assert_eq!(
        round["inputRequests"]["lang"]["method"],
        "elicitation/create"
    );

    // The state of a prompt does not resume a tool, nor another prompt.
    let mut wrong = json!({"name": "review", "arguments": {"code": "x"}, "_meta": meta});
    wrong["requestState"] = round["requestState"].clone();
    let r = client.request(2, "prompts/get", wrong).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");

    let mut retry = params.clone();
    retry["requestState"] = round["requestState"].clone();
    retry["inputResponses"] = json!({"lang": {"action": "accept", "content": {"lang": "English"}}});
    let done = client.request(3, "prompts/get", retry).await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(
        done["result"]["messages"][0]["content"]["text"],
        "Translate into English: bonjour"
    );
}
