//! Questions to the client over stdio: elicitation and sampling round trips, capabilities, concurrency, withdrawal, end of input.

use super::*;

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
    // Nor is a stateless request's client that declares nothing: 2026-07-28 answers the call
    // with -32021, naming the capability.
    let r = client
        .request(
            31,
            "tools/call",
            json!({"name": "ask_name", "arguments": {"question": "?"}, "_meta": meta_2026()}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32021, "{r}");
    assert_eq!(
        r["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {}}),
        "{r}"
    );
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
