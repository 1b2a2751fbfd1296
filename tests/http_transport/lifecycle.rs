//! A call's life on the server: the default timeout and concurrency cap, graceful shutdown, cancellation when the client goes away.

use super::*;

#[tokio::test]
async fn default_call_timeout_and_concurrency_cap() {
    let options = HttpOptions {
        max_concurrent_requests: 2,
        ..Default::default()
    };
    let server = TestServer::start_with(options, Some(Duration::from_millis(300))).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let r = post(&client, &url, with_session(&sid), json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nap","arguments":{"ms":5000}}})).await;
    let v = json_of(r).await;
    assert_eq!(v["result"]["isError"], true);
    assert_eq!(v["result"]["_meta"]["dev.sturdy/error"]["error"], "timeout");

    // Two naps hold both slots; a third request is shed with 503.
    let calls: Vec<_> = (0..2)
        .map(|i| {
            let (client, url, h) = (client.clone(), url.clone(), with_session(&sid));
            tokio::spawn(async move {
                post(&client, &url, h, json!({"jsonrpc":"2.0","id":10+i,"method":"tools/call","params":{"name":"nap","arguments":{"ms":250}}})).await.status()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":20,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().get("retry-after").is_some());
    for c in calls {
        assert_eq!(c.await.unwrap(), StatusCode::OK);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_calls_and_refuses_new_ones() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let in_flight = {
        let (client, url, h) = (client.clone(), url.clone(), with_session(&sid));
        tokio::spawn(async move {
            let r = post(&client, &url, h, json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nap","arguments":{"ms":500}}})).await;
            json_of(r).await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let addr = server.addr;
    server.shutdown_nowait();
    let v = in_flight.await.unwrap();
    assert_eq!(v["result"]["content"][0]["text"], "slept 500");
    // The listener is closed: new connections are refused.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// What became of each `watched` call: running, finished or dropped (cancelled).
static WATCHED: std::sync::Mutex<Vec<(String, &'static str)>> = std::sync::Mutex::new(Vec::new());

fn watched_state(key: &str) -> Option<&'static str> {
    WATCHED
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, s)| *s)
}

/// Runs for 10 s unless dropped, reporting progress every 20 ms.
#[tool]
async fn watched(ctx: Context, key: String) -> String {
    struct Guard(String, bool);
    impl Drop for Guard {
        fn drop(&mut self) {
            let state = if self.1 { "finished" } else { "dropped" };
            WATCHED.lock().unwrap().push((self.0.clone(), state));
        }
    }
    WATCHED.lock().unwrap().push((key.clone(), "running"));
    let mut guard = Guard(key, false);
    for i in 0..500 {
        ctx.progress(f64::from(i), None, None).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    guard.1 = true;
    "finished".into()
}

async fn wait_for_state(key: &str, expected: &str) {
    for _ in 0..200 {
        if watched_state(key) == Some(expected) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{key}: {:?}, expected {expected}", watched_state(key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stateless_client_disconnecting_cancels_its_call() {
    let server = TestServer::start(HttpOptions::default()).await;
    let url = server.url();
    let meta = stateless_meta();
    let mut h = stateless_headers();
    h.insert("mcp-method", HeaderValue::from_static("tools/call"));
    h.insert("mcp-name", HeaderValue::from_static("watched"));
    // A JSON response (no progress token): the client gives up while the tool runs.
    let client = Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call",
        "params":{"_meta":meta,"name":"watched","arguments":{"key":"json"}}});
    let sent = client
        .post(&url)
        .headers(h.clone())
        .body(body.to_string())
        .send()
        .await;
    assert!(sent.unwrap_err().is_timeout());
    wait_for_state("json", "dropped").await;

    // An SSE response (progress): the client reads a first event, then closes the stream.
    let mut meta_progress = meta.clone();
    meta_progress["progressToken"] = json!("p");
    let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"_meta":meta_progress,"name":"watched","arguments":{"key":"sse"}}});
    let mut r = Client::new()
        .post(&url)
        .headers(h)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.chunk().await.unwrap().is_some(), "a first progress event");
    assert_eq!(watched_state("sse"), Some("running"));
    drop(r);
    wait_for_state("sse", "dropped").await;
    server.shutdown().await;
}
