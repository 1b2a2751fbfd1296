//! With several principals (bearer tokens), what one creates is theirs alone, over real HTTP: a
//! session, its SSE streams and a parked `input_required` call answer another principal exactly
//! as an unknown id would (404 / -32602), and a refused attempt leaves them intact.

mod common;

use common::http::{
    as_user, json_of, mcp_headers, open_session, post, stateless_headers, stateless_meta,
    TestServer,
};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sturdy::prelude::*;
use sturdy::transport::http::{BearerToken, HttpOptions};

/// Asks the user for a name.
#[tool]
async fn ask_name(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let answer = ctx.elicit("Name?", schema).await?;
    Ok(format!(
        "hello {}",
        answer
            .accepted()
            .and_then(|c| c["name"].as_str())
            .unwrap_or("?")
    ))
}

/// Echo.
#[tool]
fn echo(text: String) -> String {
    text
}

async fn server() -> TestServer {
    let token = |principal: &str| BearerToken {
        principal: principal.into(),
        token: format!("t-{principal}"),
    };
    TestServer::start(HttpOptions {
        bearer_tokens: vec![token("alice"), token("bob")],
        ..Default::default()
    })
    .await
}

fn in_session(sid: &str, who: &str) -> HeaderMap {
    let mut h = as_user(mcp_headers(), who);
    h.insert("mcp-session-id", HeaderValue::from_str(sid).unwrap());
    h.insert(
        "mcp-protocol-version",
        HeaderValue::from_static("2025-11-25"),
    );
    h
}

#[tokio::test]
async fn a_session_answers_only_its_principal() {
    let server = server().await;
    let http = Client::new();
    let url = server.url();
    let sid = open_session(&http, &url, as_user(mcp_headers(), "alice")).await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});

    // Bob holds Alice's session id: every use of it is a 404, as for an unknown session.
    let r = post(&http, &url, in_session(&sid, "bob"), ping.clone()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let unknown = post(&http, &url, in_session("00ff", "bob"), ping.clone()).await;
    assert_eq!(r.text().await.unwrap(), unknown.text().await.unwrap());
    let r = http
        .get(&url)
        .headers(in_session(&sid, "bob"))
        .header("accept", "text/event-stream")
        .header("last-event-id", "1-0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = http
        .delete(&url)
        .headers(in_session(&sid, "bob"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Alice's session is untouched.
    let r = post(&http, &url, in_session(&sid, "alice"), ping).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .delete(&url)
        .headers(in_session(&sid, "alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    server.shutdown().await;
}

#[tokio::test]
async fn a_parked_call_answers_only_its_principal_and_survives_refused_resumes() {
    let server = server().await;
    let http = Client::new();
    let url = server.url();
    let mut meta = stateless_meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation": {}});
    let call = |who: &'static str, id: i64, params: Value| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let body =
                json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
            let r = post(&http, &url, as_user(stateless_headers(), who), body).await;
            assert_eq!(r.status(), StatusCode::OK);
            json_of(r).await
        }
    };
    let first = json!({"name": "ask_name", "arguments": {}, "_meta": meta});
    let round = call("alice", 1, first.clone()).await;
    let round = &round["result"];
    assert_eq!(round["resultType"], "input_required", "{round}");
    let key = round["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let mut resume = first.clone();
    resume["requestState"] = round["requestState"].clone();
    resume["inputResponses"] =
        json!({ key.clone(): {"action": "accept", "content": {"name": "Mallory"}} });

    // A state the server never issued fails its seal.
    let forged = {
        let mut r = resume.clone();
        r["requestState"] = json!("0123");
        call("alice", 2, r).await
    };
    assert_eq!(forged["error"]["code"], -32602, "{forged}");
    assert!(forged["error"]["message"]
        .as_str()
        .unwrap()
        .contains("integrity check"));
    // Bob has the requestState: refused as a spent one would be, naming nothing.
    let stolen = call("bob", 3, resume.clone()).await;
    assert_eq!(stolen["error"]["code"], -32602, "{stolen}");
    let unknown = json!({"error": {"message": "requestState names no waiting call: it was answered \
        already, expired, or belongs to another client; call the tool again without it"}});
    assert_eq!(stolen["error"]["message"], unknown["error"]["message"]);
    // Alice resuming it as another tool: refused alike, and it stays parked.
    let mut wrong_tool = resume.clone();
    wrong_tool["name"] = json!("echo");
    wrong_tool["arguments"] = json!({"text": "x"});
    let r = call("alice", 4, wrong_tool).await;
    assert_eq!(r["error"]["message"], unknown["error"]["message"], "{r}");
    assert!(!r.to_string().contains("ask_name"), "{r}");

    // Alice's call is still there, and gets her answer.
    resume["inputResponses"] = json!({ key: {"action": "accept", "content": {"name": "Alice"}} });
    let done = call("alice", 5, resume).await;
    assert_eq!(
        done["result"]["content"][0]["text"], "hello Alice",
        "{done}"
    );
    server.shutdown().await;
}
