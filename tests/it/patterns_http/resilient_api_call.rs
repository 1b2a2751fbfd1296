//! `resilient_api_call`: through transient 503s, opening its circuit, not retrying client errors.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resilient_api_call_gets_json_through_transient_503s() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/ok")}))
        .await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(
        r["structuredContent"],
        json!({"data": {"status": "ok"}, "status": "success"})
    );
    assert_eq!(http.hits("/ok"), 1);

    // Two 503s, then 200: three requests, one successful call (and the breaker is reset).
    let r = tools
        .call(
            "resilient_api_call",
            json!({"url": http.url("/flaky?fail=2")}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(
        r["structuredContent"]["data"],
        json!({"status": "ok", "attempt": 3})
    );
    assert_eq!(http.hits("/flaky?fail=2"), 3);

    // Slow but within the timeout: one request, no duplicate.
    let r = tools
        .call(
            "resilient_api_call",
            json!({"url": http.url("/slow?ms=300")}),
        )
        .await;
    assert_eq!(r["structuredContent"]["data"]["slow"], true, "{r}");
    assert_eq!(http.hits("/slow?ms=300"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resilient_api_call_opens_the_circuit_and_stops_calling_the_server() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    // Retries pass the breaker: attempts 1-3 fail with 503 and open it (threshold 3), so the
    // fourth attempt is rejected without a request and the call reports the open circuit.
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/down")}))
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(
        r["_meta"]["dev.sturdy/error"]["error"], "circuit_open",
        "{r}"
    );
    assert_eq!(http.hits("/down"), 3);

    // While open: every call fails at once with retry_after, whatever the URL, and the HTTP server
    // sees nothing more.
    for target in ["/down", "/ok", "/down"] {
        let r = tools
            .call("resilient_api_call", json!({"url": http.url(target)}))
            .await;
        assert!(is_error(&r), "{r}");
        assert_eq!(
            r["_meta"]["dev.sturdy/error"]["error"], "circuit_open",
            "{r}"
        );
        let after = r["_meta"]["dev.sturdy/error"]["retry_after"]
            .as_f64()
            .unwrap();
        assert!(after > 25.0 && after <= 30.0, "retry_after {after}");
        assert!(text(&r).contains("circuit open"), "{r}");
    }
    assert_eq!(http.hits("/down"), 3);
    assert_eq!(http.total_hits(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resilient_api_call_does_not_retry_client_errors() {
    let http = FlakyServer::start().await;
    let mut tools = ToolServer::start().await;
    let url = http.url("/notfound");
    let r = tools
        .call("resilient_api_call", json!({"url": url.clone()}))
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "upstream");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["status"], 404);
    let message = r["_meta"]["dev.sturdy/error"]["message"].as_str().unwrap();
    assert!(message.contains("HTTP 404 Not Found"), "{message}");
    assert!(message.contains(&url), "{message}");
    assert_eq!(http.hits("/notfound"), 1, "a 404 is not retried");

    // A body that is not JSON will not become JSON: one request, a clear message.
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/notjson")}))
        .await;
    assert!(is_error(&r), "{r}");
    assert!(text(&r).contains("not JSON"), "{r}");
    assert_eq!(http.hits("/notjson"), 1);

    // A URL that is not http(s) is a bad argument, not a request.
    let r = tools
        .call("resilient_api_call", json!({"url": "ftp://127.0.0.1/x"}))
        .await;
    assert_eq!(
        r["_meta"]["dev.sturdy/error"]["error"], "invalid_arguments",
        "{r}"
    );
    assert_eq!(http.total_hits(), 2);

    // Answers are not outages: more 404s than the breaker's threshold leave the circuit closed.
    for _ in 0..4 {
        let r = tools
            .call("resilient_api_call", json!({"url": url.clone()}))
            .await;
        assert_eq!(r["_meta"]["dev.sturdy/error"]["status"], 404, "{r}");
    }
    let r = tools
        .call("resilient_api_call", json!({"url": http.url("/ok")}))
        .await;
    assert!(!is_error(&r), "the circuit is still closed: {r}");
}

/// As a task (a client that declared the extension), the same policies: retried through 503s,
/// the breaker opened by three failed attempts, and then failing fast; a tool error completes
/// its task with `isError`, the error kind kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resilient_api_call_as_a_task_keeps_its_policies() {
    let http = FlakyServer::start().await;
    let (_child, mut rpc) = crate::example_stdio::spawn("tool_server");
    rpc.initialize_with(
        "2025-11-25",
        "tasks-client",
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}),
    )
    .await;
    let mut first = 1;
    let mut as_task = async |url: String| {
        first += 100;
        let params = json!({"name": "resilient_api_call", "arguments": {"url": url}});
        let created = rpc.request(first, "tools/call", params).await;
        let id = created["result"]["taskId"]
            .as_str()
            .unwrap_or_else(|| panic!("a task: {created}"))
            .to_owned();
        crate::example_stdio::settled(&mut rpc, &id, first + 1).await
    };
    let task = as_task(http.url("/flaky?fail=2")).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(
        task["result"]["structuredContent"]["data"],
        json!({"status": "ok", "attempt": 3}),
        "{task}"
    );
    assert_eq!(http.hits("/flaky?fail=2"), 3);

    let task = as_task(http.url("/down")).await;
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["result"]["isError"], true, "{task}");
    assert_eq!(
        task["result"]["_meta"]["dev.sturdy/error"]["error"], "circuit_open",
        "{task}"
    );
    assert_eq!(http.hits("/down"), 3);
    let task = as_task(http.url("/ok")).await;
    assert_eq!(
        task["result"]["_meta"]["dev.sturdy/error"]["error"], "circuit_open",
        "{task}"
    );
    assert_eq!(http.hits("/ok"), 0, "the open breaker sent nothing");
}
