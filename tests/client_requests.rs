//! Tools that ask the client while they run (`Context::elicit`, `Context::sample`), defined
//! through the macros and served over stdio (a pipe) and Streamable HTTP (a real socket), with
//! the test playing the client: it answers the server's requests, refuses them, answers late or
//! never, and goes away.

mod common;

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

#[tokio::test]
async fn stdio_elicitation_round_trip_accept_and_decline() {
    let mut client = askable_client().await;
    client
        .send(call(10, "ask_name", json!({"question": "Who are you?"})))
        .await;
    let request = server_request(&mut client, "elicitation/create").await;
    assert_eq!(request["params"]["message"], "Who are you?");
    assert_eq!(
        request["params"]["requestedSchema"]["properties"]["name"]["type"],
        "string"
    );
    client
        .send(json!({"jsonrpc": "2.0", "id": request["id"],
                     "result": {"action": "accept", "content": {"name": "Ada"}}}))
        .await;
    assert_eq!(text(&client.response(10).await), "hello Ada");

    client
        .send(call(11, "ask_name", json!({"question": "Again?"})))
        .await;
    let request = server_request(&mut client, "elicitation/create").await;
    client
        .send(json!({"jsonrpc": "2.0", "id": request["id"], "result": {"action": "decline"}}))
        .await;
    assert_eq!(text(&client.response(11).await), "no name: Decline");
}

#[tokio::test]
async fn stdio_sampling_and_a_client_that_refuses() {
    let mut client = askable_client().await;
    client
        .send(call(20, "summarise", json!({"text": "a long story"})))
        .await;
    let request = server_request(&mut client, "sampling/createMessage").await;
    let params = &request["params"];
    assert_eq!(params["maxTokens"], 50);
    assert_eq!(params["messages"][0]["role"], "user");
    assert_eq!(
        params["messages"][0]["content"]["text"],
        "Summarise: a long story"
    );
    client
        .send(json!({"jsonrpc": "2.0", "id": request["id"], "result": {
            "role": "assistant", "content": {"type": "text", "text": "short"},
            "model": "m1", "stopReason": "endTurn"}}))
        .await;
    assert_eq!(text(&client.response(20).await), "short [m1]");

    // The client answers with an error: the tool gets a `client` error naming it.
    client
        .send(call(21, "summarise", json!({"text": "x"})))
        .await;
    let request = server_request(&mut client, "sampling/createMessage").await;
    client
        .send(json!({"jsonrpc": "2.0", "id": request["id"],
                     "error": {"code": -1, "message": "User rejected sampling"}}))
        .await;
    let r = client.response(21).await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert_eq!(r["result"]["_meta"]["dev.sturdy/error"]["error"], "client");
    assert!(text(&r).contains("User rejected sampling"), "{r}");
}

#[tokio::test]
async fn a_client_without_the_capability_is_not_asked() {
    let mut client = Client::start();
    client
        .initialize_with("2025-11-25", "plain", json!({"sampling": {}}))
        .await;
    client
        .send(call(30, "ask_name", json!({"question": "?"})))
        .await;
    // The next message is the answer: no request was sent.
    let r = client.next().await.unwrap();
    assert_eq!(r["id"], 30, "{r}");
    assert_eq!(r["result"]["isError"], true);
    assert_eq!(r["result"]["_meta"]["dev.sturdy/error"]["error"], "client");
    assert!(
        text(&r).contains("did not declare the `elicitation` capability"),
        "{r}"
    );
    // Nor is a stateless request's client that declares nothing.
    let r = client
        .request(
            31,
            "tools/call",
            json!({"name": "ask_name", "arguments": {"question": "?"}, "_meta": meta_2026()}),
        )
        .await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert!(text(&r).contains("did not declare"), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_questions_each_get_their_own_answer() {
    const CALLS: i64 = 40;
    let mut client = askable_client().await;
    for i in 0..CALLS {
        client
            .send(call(
                100 + i,
                "ask_name",
                json!({"question": format!("q{i}")}),
            ))
            .await;
    }
    let mut requests = Vec::new();
    for _ in 0..CALLS {
        requests.push(server_request(&mut client, "elicitation/create").await);
    }
    // Answered in reverse order, each with the name its question asked for.
    for request in requests.iter().rev() {
        let name = request["params"]["message"].as_str().unwrap();
        client
            .send(json!({"jsonrpc": "2.0", "id": request["id"],
                         "result": {"action": "accept", "content": {"name": name}}}))
            .await;
    }
    for i in 0..CALLS {
        assert_eq!(text(&client.response(100 + i).await), format!("hello q{i}"));
    }
}

#[tokio::test]
async fn a_tool_that_stops_waiting_withdraws_its_request() {
    let mut client = askable_client().await;
    client.send(call(40, "ask_briefly", json!({}))).await;
    let request = server_request(&mut client, "elicitation/create").await;
    // No answer: the tool's timeout ends the wait, and the client is told.
    let cancel = client.next().await.unwrap();
    assert_eq!(cancel["method"], "notifications/cancelled", "{cancel}");
    assert_eq!(cancel["params"]["requestId"], request["id"]);
    let r = client.response(40).await;
    assert_eq!(
        r["result"]["_meta"]["dev.sturdy/error"]["error"], "timeout",
        "{r}"
    );
    // A late answer is dropped, and the server keeps serving.
    client
        .send(json!({"jsonrpc": "2.0", "id": request["id"], "result": {"action": "cancel"}}))
        .await;
    assert_eq!(
        client.request(41, "ping", json!({})).await["result"],
        json!({})
    );

    // The client cancelling the call withdraws the question too.
    client
        .send(call(42, "ask_name", json!({"question": "?"})))
        .await;
    let request = server_request(&mut client, "elicitation/create").await;
    client
        .send(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 42}}),
        )
        .await;
    let cancel = client.next().await.unwrap();
    assert_eq!(cancel["method"], "notifications/cancelled", "{cancel}");
    assert_eq!(cancel["params"]["requestId"], request["id"]);
}

#[tokio::test]
async fn end_of_input_ends_the_wait_and_the_server() {
    let mut client = askable_client().await;
    client
        .send(call(50, "ask_name", json!({"question": "?"})))
        .await;
    server_request(&mut client, "elicitation/create").await;
    client.close().await;
    // The tool gets an error instead of waiting forever, so the server finishes.
    let r = client.response(50).await;
    assert_eq!(
        r["result"]["_meta"]["dev.sturdy/error"]["error"], "client",
        "{r}"
    );
    assert!(text(&r).contains("ended before it answered"), "{r}");
    tokio::time::timeout(Duration::from_secs(10), &mut client.server)
        .await
        .expect("the server stops at end of input")
        .unwrap()
        .unwrap();
}

/// Reads the SSE response until it holds `count` messages.
async fn read_messages(r: &mut reqwest::Response, body: &mut String, count: usize) -> Vec<Value> {
    // One more event than messages: the stream opens with an id-only event.
    read_events(r, body, count + 1).await;
    sse_messages(body)
}

#[tokio::test]
async fn http_session_questions_travel_on_the_call_stream() {
    let server = TestServer::start(HttpOptions::default()).await;
    let http = reqwest::Client::new();
    let url = server.url();
    let sid = open_session_with(&http, &url, mcp_headers(), askable()).await;

    let mut r = post(
        &http,
        &url,
        with_session(&sid),
        call(7, "ask_name", json!({"question": "Name?"})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut body = String::new();
    let request = read_messages(&mut r, &mut body, 1).await.remove(0);
    assert_eq!(request["method"], "elicitation/create", "{request}");
    assert_eq!(request["params"]["message"], "Name?");

    // The answer is a POST of its own in the session.
    let answered = post(
        &http,
        &url,
        with_session(&sid),
        json!({"jsonrpc": "2.0", "id": request["id"],
               "result": {"action": "accept", "content": {"name": "Grace"}}}),
    )
    .await;
    assert_eq!(answered.status(), StatusCode::ACCEPTED);
    let messages = read_messages(&mut r, &mut body, 2).await;
    assert_eq!(messages[1]["id"], 7);
    assert_eq!(messages[1]["result"]["content"][0]["text"], "hello Grace");

    // A call that asks nothing is a plain JSON answer in the same session.
    let r = post(
        &http,
        &url,
        with_session(&sid),
        call(8, "shout", json!({"text": "hi"})),
    )
    .await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(json_of(r).await["result"]["content"][0]["text"], "HI");

    // Ending the session ends the wait of a tool still asking.
    let mut r = post(
        &http,
        &url,
        with_session(&sid),
        call(9, "ask_name", json!({"question": "Still there?"})),
    )
    .await;
    let mut body = String::new();
    read_messages(&mut r, &mut body, 1).await;
    let deleted = in_session(&http, reqwest::Method::DELETE, &url, &sid).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let messages = read_messages(&mut r, &mut body, 2).await;
    assert_eq!(messages[1]["result"]["isError"], true, "{}", messages[1]);
    assert_eq!(
        messages[1]["result"]["_meta"]["dev.sturdy/error"]["error"],
        "client"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn http_stateless_calls_ask_in_rounds() {
    let server = TestServer::start(HttpOptions::default()).await;
    let http = reqwest::Client::new();
    let mut meta = stateless_meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    let first = json!({"name": "ask_name", "arguments": {"question": "Name?"}, "_meta": meta});
    let post_call = |id: i64, params: Value| {
        let (http, url) = (http.clone(), server.url());
        async move {
            let body =
                json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
            let r = post(&http, &url, stateless_headers(), body).await;
            assert_eq!(r.status(), StatusCode::OK);
            json_of(r).await["result"].clone()
        }
    };
    let round = post_call(1, first.clone()).await;
    assert_eq!(round["resultType"], "input_required", "{round}");
    let (key, question) = round["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(question["method"], "elicitation/create");
    assert_eq!(question["params"]["message"], "Name?");
    let mut retry = first.clone();
    retry["requestState"] = round["requestState"].clone();
    retry["inputResponses"] =
        json!({ key.as_str(): {"action": "accept", "content": {"name": "Lin"}} });
    let done = post_call(2, retry.clone()).await;
    assert_eq!(done["resultType"], "complete", "{done}");
    assert_eq!(done["content"][0]["text"], "hello Lin");

    // The state is spent: the same retry again is refused, as is one that was never issued.
    for state in [round["requestState"].clone(), json!("0123")] {
        retry["requestState"] = state;
        let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": retry});
        let r = json_of(post(&http, &server.url(), stateless_headers(), body).await).await;
        assert_eq!(r["error"]["code"], -32602, "{r}");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("unknown or expired"),
            "{r}"
        );
    }
    server.shutdown().await;
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

#[tokio::test]
async fn stdio_stateless_rounds_run_the_tool_once_and_batch_its_questions() {
    let mut client = Client::start();
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    let params = json!({"name": "twice_asked", "arguments": {}, "_meta": meta});
    let round = client.request(60, "tools/call", params.clone()).await;
    let round = &round["result"];
    assert_eq!(round["resultType"], "input_required", "{round}");
    let requests = round["inputRequests"].as_object().unwrap();
    let methods: Vec<&str> = requests
        .values()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods.len(), 2, "both questions in one round: {round}");
    assert!(methods.contains(&"elicitation/create") && methods.contains(&"sampling/createMessage"));
    // Only the elicitation is answered: the sampling question gets an error.
    let key = requests
        .iter()
        .find(|(_, r)| r["method"] == "elicitation/create")
        .unwrap()
        .0;
    let mut retry = params.clone();
    retry["requestState"] = round["requestState"].clone();
    retry["inputResponses"] =
        json!({ key.as_str(): {"action": "accept", "content": {"name": "Kay"}} });
    let done = client.request(61, "tools/call", retry).await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(
        done["result"]["content"][0]["text"],
        "Some(String(\"Kay\")) / error client"
    );
    // The body ran once, across both rounds.
    assert_eq!(
        TWICE_ASKED_RUNS.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

#[tokio::test]
async fn parked_stateless_calls_are_bounded() {
    // One client (stdio): its quota is the bound.
    let parked = sturdy::mcp::MAX_PARKED_PER_CLIENT as i64;
    let mut client = Client::start();
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    let ask = json!({"name": "ask_name", "arguments": {"question": "?"}, "_meta": meta});
    for id in 0..parked {
        client
            .send(json!({"jsonrpc": "2.0", "id": 1000 + id, "method": "tools/call", "params": ask}))
            .await;
    }
    for id in 0..parked {
        let r = client.response(1000 + id).await;
        assert_eq!(r["result"]["resultType"], "input_required", "{r}");
    }
    // One more has no room to wait: its question fails at once, and the tool answers.
    let r = client.request(5000, "tools/call", ask).await;
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
    assert_eq!(r["result"]["_meta"]["dev.sturdy/error"]["error"], "client");
    assert!(text(&r).contains("too many calls"), "{r}");
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

#[tokio::test]
async fn http_stateless_rounds_stream_each_rounds_progress() {
    let server = TestServer::start(HttpOptions::default()).await;
    let http = reqwest::Client::new();
    let mut meta = stateless_meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    meta["progressToken"] = json!("tok");
    let mut params = json!({"name": "progress_around_a_question", "arguments": {}, "_meta": meta});
    let mut rounds = Vec::new();
    for id in 1..=2 {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
        let r = post(&http, &server.url(), stateless_headers(), body).await;
        let messages = sse_messages(&r.text().await.unwrap());
        let result = messages.last().unwrap()["result"].clone();
        if result["resultType"] == "input_required" {
            let key = result["inputRequests"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap();
            params["requestState"] = result["requestState"].clone();
            params["inputResponses"] = json!({ key.as_str(): {"action": "accept", "content": {}} });
        }
        rounds.push(messages);
    }
    // Each round's stream carries the progress made during that round, then its result.
    let progress = |messages: &[Value]| -> Vec<f64> {
        messages
            .iter()
            .filter(|m| m["method"] == "notifications/progress")
            .map(|m| m["params"]["progress"].as_f64().unwrap())
            .collect()
    };
    assert_eq!(progress(&rounds[0]), [1.0], "{:?}", rounds[0]);
    assert_eq!(progress(&rounds[1]), [2.0], "{:?}", rounds[1]);
    let last = rounds[1].last().unwrap();
    assert_eq!(last["result"]["resultType"], "complete", "{last}");
    assert_eq!(last["result"]["content"][0]["text"], "Accept");
    server.shutdown().await;
}
