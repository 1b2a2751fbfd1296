//! Stateless (2026-07-28) rounds: the tool runs once and batches its questions; parked calls are bounded.

use super::*;

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
    // Only the elicitation is answered: the sampling question is asked again, under its key
    // (SEP-2322: re-request what is missing), with a new state.
    let (key, other) = {
        let mut keys = requests
            .iter()
            .map(|(k, r)| (k.clone(), r["method"].clone()));
        let (a, b) = (keys.next().unwrap(), keys.next().unwrap());
        if a.1 == "elicitation/create" {
            (a.0, b.0)
        } else {
            (b.0, a.0)
        }
    };
    let mut retry = params.clone();
    retry["requestState"] = round["requestState"].clone();
    retry["inputResponses"] =
        json!({ key.as_str(): {"action": "accept", "content": {"name": "Kay"}}, "unasked": {} });
    let again = client.request(61, "tools/call", retry.clone()).await;
    let again = &again["result"];
    assert_eq!(again["resultType"], "input_required", "{again}");
    let asked: Vec<&String> = again["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(asked, [&other], "{again}");
    assert_ne!(again["requestState"], round["requestState"]);
    retry["requestState"] = again["requestState"].clone();
    retry["inputResponses"] = json!({ other.as_str(): {
        "role": "assistant", "content": {"type": "text", "text": "blue"}, "model": "m"
    }});
    let done = client.request(62, "tools/call", retry).await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(
        done["result"]["content"][0]["text"],
        "Some(String(\"Kay\")) / blue"
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

/// A question named by the tool (`with_request_key`) travels under that key; a client that has
/// the answer already sends it with its first call (`inputResponses` without `requestState`) and
/// gets the result in one round; an answer that is not an object is refused (-32602).
#[tokio::test]
async fn named_questions_and_answers_sent_up_front() {
    let mut client = Client::start();
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    let params = json!({"name": "named_question", "arguments": {}, "_meta": meta});
    let round = client.request(70, "tools/call", params.clone()).await;
    let keys: Vec<&String> = round["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["city"], "{round}");

    let mut up_front = params.clone();
    up_front["inputResponses"] = json!({
        "city": {"action": "accept", "content": {"city": "Lyon"}},
        "not_asked": {"action": "decline"}
    });
    let done = client.request(71, "tools/call", up_front.clone()).await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "hello Lyon");

    // Answers to other keys only: the question is asked (a round, as without answers).
    up_front["inputResponses"] = json!({"town": {"action": "accept", "content": {}}});
    let asked = client.request(72, "tools/call", up_front.clone()).await;
    assert_eq!(asked["result"]["resultType"], "input_required", "{asked}");

    up_front["inputResponses"] = json!({"city": 42});
    let refused = client.request(73, "tools/call", up_front).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("inputResponses[\"city\"] must be an object"),
        "{refused}"
    );
}

/// Replicas configured with one state key (`Server::with_state_key`, `STURDY_STATE_KEY`)
/// recognise each other's `requestState`s: another replica's is refused saying where the call
/// waits, a state sealed under another key as failing its integrity check, and the replica that
/// issued it resumes the call.
#[tokio::test]
async fn replicas_sharing_a_state_key_recognise_each_others_states() {
    let server = |key: &str| {
        sturdy::mcp::Server::new(
            Registry::from_inventory().unwrap(),
            sturdy::ServerInfo::new("replica", "1"),
        )
        .with_state_key(key)
    };
    let (issuer, replica, stranger) = (server("shared"), server("shared"), server("other"));
    let session = sturdy::mcp::Session::new(None);
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    let mut params = json!({"name": "named_question", "arguments": {}, "_meta": meta});
    async fn send(
        server: &sturdy::mcp::Server,
        session: &sturdy::mcp::Session,
        params: &Value,
    ) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
        let bytes = server
            .handle(session, body.to_string().as_bytes())
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }
    let round = send(&issuer, &session, &params).await;
    params["requestState"] = round["result"]["requestState"].clone();
    params["inputResponses"] = json!({"city": {"action": "accept", "content": {"city": "Oslo"}}});
    for (server, says) in [
        (&replica, "issued by another server process"),
        (&stranger, "failed its integrity check"),
    ] {
        let r = send(server, &session, &params).await;
        assert_eq!(r["error"]["code"], -32602, "{r}");
        assert!(
            r["error"]["message"].as_str().unwrap().contains(says),
            "{r}"
        );
    }
    let done = send(&issuer, &session, &params).await;
    assert_eq!(done["result"]["content"][0]["text"], "hello Oslo", "{done}");
}

/// A tool that takes no `Context` cannot ask: a stateless call of it is answered at once (it
/// runs without the rounds' machinery), and what a later round sends is checked as for any
/// tool: a `requestState` names no call of it (even a genuine state of another tool's), and
/// `inputResponses` must be an object of objects.
#[tokio::test]
async fn a_tool_without_context_answers_at_once_and_keeps_the_rounds_rules() {
    let mut client = Client::start();
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/clientCapabilities"] = askable();
    let params = json!({"name": "shout", "arguments": {"text": "hey"}, "_meta": meta});
    let done = client.request(80, "tools/call", params.clone()).await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "HEY", "{done}");

    // A genuine state, issued for another tool's parked call.
    let asking = json!({"name": "ask_name", "arguments": {"question": "?"}, "_meta": meta});
    let round = client.request(81, "tools/call", asking).await;
    let state = round["result"]["requestState"].clone();
    assert!(state.is_string(), "{round}");
    let mut later = params.clone();
    later["requestState"] = state;
    let refused = client.request(82, "tools/call", later).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("names no waiting call"),
        "{refused}"
    );

    let mut up_front = params.clone();
    up_front["inputResponses"] = json!({"unasked": {"action": "decline"}});
    let done = client.request(83, "tools/call", up_front.clone()).await;
    assert_eq!(done["result"]["content"][0]["text"], "HEY", "{done}");
    up_front["inputResponses"] = json!(["not", "an", "object"]);
    let refused = client.request(84, "tools/call", up_front).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
}
