//! Caps that keep one client from taking the server: every running call counts against the
//! concurrency cap until it ends, streamed or not, whether or not its client still reads.

mod common;

use common::http::{mcp_headers, open_session, with_session, TestServer};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use sturdy::prelude::*;
use sturdy::transport::http::HttpOptions;

/// Reports progress once, then works for `ms` milliseconds.
#[tool]
async fn crawl(ctx: Context, ms: u64) -> String {
    ctx.progress(1.0, None, Some("started")).await;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "done".into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_calls_hold_their_place_under_the_cap_until_they_end() {
    let server = TestServer::start(HttpOptions {
        max_concurrent_requests: 2,
        ..Default::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    let started = Instant::now();
    // Two streamed calls: their clients read the first event and hang up; the calls go on.
    for id in 0..2 {
        let mut r = client
            .post(&url)
            .headers(with_session(&sid))
            .body(
                json!({"jsonrpc": "2.0", "id": 10 + id, "method": "tools/call", "params": {
                    "name": "crawl", "arguments": {"ms": 1500},
                    "_meta": {"progressToken": id}}})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.chunk().await.unwrap().is_some(), "the stream started");
        drop(r);
    }
    let ping = || {
        client
            .post(&url)
            .headers(with_session(&sid))
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
            .send()
    };
    // Both places are taken while the calls run.
    let r = ping().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "checked while they ran"
    );
    // Once they end, the places are free again.
    tokio::time::sleep(
        Duration::from_millis(1500).saturating_sub(started.elapsed()) + Duration::from_millis(500),
    )
    .await;
    let r = ping().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    server.shutdown().await;
}
