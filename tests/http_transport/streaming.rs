//! SSE: progress before the result, resumption with Last-Event-ID, long responses cut and polled, bounded streams per session.

use super::*;

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

    // Resuming from an id that names nothing kept is refused; a plain GET opens the session's
    // own stream (tests/list_changes.rs), which replays nothing of the call's.
    let r = resume(&client, &url, &sid, "999-1").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = in_session(&client, reqwest::Method::GET, &url, &sid).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
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
