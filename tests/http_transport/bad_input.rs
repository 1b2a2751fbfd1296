//! Bad and odd input: the right status or JSON-RPC answer, and the server keeps serving.

use super::*;

#[tokio::test]
async fn bad_input_gets_the_right_status_and_the_server_keeps_serving() {
    let options = HttpOptions {
        max_body_bytes: 4096,
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;

    // Malformed JSON.
    let r = client
        .post(&url)
        .headers(with_session(&sid))
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32700);
    // Wrong content type.
    let mut h = with_session(&sid);
    h.insert("content-type", HeaderValue::from_static("text/plain"));
    let r = client
        .post(&url)
        .headers(h)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Accept without text/event-stream.
    let mut h = with_session(&sid);
    h.insert("accept", HeaderValue::from_static("application/json"));
    let r = post(
        &client,
        &url,
        h,
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    // Huge body.
    let huge = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"pad":"x".repeat(10_000)}}});
    let r = post(&client, &url, with_session(&sid), huge).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Unknown session, missing session.
    let r = post(
        &client,
        &url,
        with_session("0123456789abcdef0123456789abcdef"),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(
        &client,
        &url,
        mcp_headers(),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Unsupported protocol version header.
    let mut h = with_session(&sid);
    h.insert(
        "mcp-protocol-version",
        HeaderValue::from_static("1999-01-01"),
    );
    let r = post(
        &client,
        &url,
        h,
        json!({"jsonrpc":"2.0","id":301,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // The spec's UnsupportedProtocolVersionError: what is supported, what was asked, the id.
    let v = json_of(r).await;
    assert_eq!(v["id"], 301, "{v}");
    assert_eq!(v["error"]["code"], -32022, "{v}");
    assert_eq!(v["error"]["data"]["requested"], "1999-01-01", "{v}");
    assert_eq!(
        v["error"]["data"]["supported"],
        json!(["2026-07-28", "2025-11-25", "2025-06-18"]),
        "{v}"
    );
    // GET without a session has no stream to open.
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers()["allow"].to_str().unwrap().contains("POST"));
    // Unknown tool: a JSON-RPC error; bad arguments: a tool error.
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nope"}}),
    )
    .await;
    assert_eq!(json_of(r).await["error"]["code"], -32602);
    let r = post(&client, &url, with_session(&sid), json!({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"add","arguments":{"a":"x","b":1}}})).await;
    assert_eq!(json_of(r).await["result"]["isError"], true);
    // Still serving.
    let r = post(&client, &url, with_session(&sid), json!({"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":1}}})).await;
    assert_eq!(json_of(r).await["result"]["structuredContent"]["result"], 2);
    server.shutdown().await;
}

#[tokio::test]
async fn odd_but_valid_bodies_get_json_rpc_answers() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    // A null id is a request with a bad id: answered with an error, not taken as a notification.
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":null,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32600);
    // Not an object (a batch, which MCP does not have): a JSON-RPC error, not silence.
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!([{"jsonrpc":"2.0","id":1,"method":"tools/list"}]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32600);
    // An escaped method name is the same name: its mirrored header agrees.
    let mut h = stateless_headers();
    h.insert("mcp-method", HeaderValue::from_static("tools/list"));
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools\/list","params":{{"_meta":{}}}}}"#,
        stateless_meta()
    );
    let r = client
        .post(&url)
        .headers(h)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(json_of(r).await["result"]["tools"].is_array());
    server.shutdown().await;
}
