//! Questions over Streamable HTTP: on the call's stream in a session, in rounds when stateless, with each round's progress.

use super::*;

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

    // The state is spent: the same retry again is refused, as is one that was never issued
    // (its seal does not verify) and one edited by the client.
    let spent = round["requestState"].as_str().unwrap().to_owned();
    for (state, says) in [
        (spent.clone(), "names no waiting call"),
        ("0123".to_owned(), "failed its integrity check"),
        (format!("{spent}-TAMPERED"), "failed its integrity check"),
        (spent.replacen('e', "f", 1), "failed its integrity check"),
    ] {
        retry["requestState"] = json!(state);
        let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": retry});
        let r = json_of(post(&http, &server.url(), stateless_headers(), body).await).await;
        assert_eq!(r["error"]["code"], -32602, "{r}");
        assert!(
            r["error"]["message"].as_str().unwrap().contains(says),
            "{state}: {r}"
        );
    }
    server.shutdown().await;
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

/// 2026-07-28: a stateless call whose tool needs a capability the request did not declare gets
/// -32021 naming it (a `ClientCapabilities` object) with HTTP 400, the id echoed; declared, the
/// same call asks in rounds as usual.
#[tokio::test]
async fn http_stateless_missing_capability_is_a_32021_and_a_400() {
    let server = TestServer::start(HttpOptions::default()).await;
    let http = reqwest::Client::new();
    let url = server.url();
    let mut h = stateless_headers();
    h.insert(
        "mcp-method",
        reqwest::header::HeaderValue::from_static("tools/call"),
    );
    h.insert(
        "mcp-name",
        reqwest::header::HeaderValue::from_static("summarise"),
    );
    let body = |meta: Value| {
        json!({"jsonrpc": "2.0", "id": 401, "method": "tools/call",
               "params": {"name": "summarise", "arguments": {"text": "t"}, "_meta": meta}})
    };
    let r = post(&http, &url, h.clone(), body(stateless_meta())).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["id"], 401, "{v}");
    assert_eq!(v["error"]["code"], -32021, "{v}");
    assert_eq!(
        v["error"]["data"]["requiredCapabilities"],
        json!({"sampling": {}}),
        "{v}"
    );
    let mut meta = stateless_meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    let r = post(&http, &url, h, body(meta)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["result"]["resultType"], "input_required", "{v}");
    server.shutdown().await;
}
