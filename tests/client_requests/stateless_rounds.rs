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
