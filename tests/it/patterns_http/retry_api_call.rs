//! `retry_api_call`: the last error after every attempt, connection failures retried.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_api_call_returns_the_last_error_after_one_plus_max_attempts() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    let url = http.url("/down");
    let r = tools
        .call("retry_api_call", json!({"url": url.clone()}))
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "upstream");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["status"], 503);
    let message = r["_meta"]["dev.sturdy/error"]["message"].as_str().unwrap();
    assert!(message.contains("HTTP 503"), "{message}");
    assert!(message.contains(&url), "{message}");
    assert_eq!(http.hits("/down"), 1 + 3);

    // No breaker here: the next call tries again (and recovers once the server does).
    let r = tools
        .call("retry_api_call", json!({"url": http.url("/flaky?fail=3")}))
        .await;
    assert_eq!(r["structuredContent"]["data"]["attempt"], 4, "{r}");
    assert_eq!(r["structuredContent"]["status"], "success", "{r}");
    assert_eq!(http.hits("/flaky?fail=3"), 4);

    let r = tools
        .call("retry_api_call", json!({"url": http.url("/notfound")}))
        .await;
    assert!(text(&r).contains("404"), "{r}");
    assert_eq!(http.hits("/notfound"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_api_call_retries_connection_failures() {
    // A port that was just free: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut tools = ToolServer::start().await;
    let url = format!("http://127.0.0.1:{port}/ok");
    let start = std::time::Instant::now();
    let r = tools.call("retry_api_call", json!({"url": url})).await;
    assert!(is_error(&r), "{r}");
    let message = text(&r);
    assert!(message.contains("could not connect"), "{message}");
    assert!(message.contains(&url), "{message}");
    // Three backoff waits of at least 0.5, 1 and 2 s (base 1 s, halved at most by jitter).
    assert!(start.elapsed() >= Duration::from_millis(3500), "retried");
}
