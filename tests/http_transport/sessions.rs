//! The 2025 session flow and the stateless 2026-07-28 flow.

use super::*;

#[tokio::test]
async fn session_flow_list_call_delete() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let sid = open_session(&client, &url, mcp_headers()).await;
    assert_eq!(sid.len(), 32, "128-bit hex id");
    assert!(sid.chars().all(|c| c.is_ascii_hexdigit()));
    let other = open_session(&client, &url, mcp_headers()).await;
    assert_ne!(sid, other, "ids are random");

    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let tools = json_of(r).await;
    assert!(tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "add"));

    let r = post(&client, &url, with_session(&sid),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}})).await;
    assert_eq!(
        json_of(r).await["result"]["structuredContent"]["result"],
        42
    );

    // The peer address, not the self-reported name, is the identity; the id is never shown.
    let r = post(&client, &url, with_session(&sid),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"whoami","arguments":{}}})).await;
    let who = json_of(r).await["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(who, "peer:127.0.0.1");
    assert!(!who.contains(&sid));

    let r = in_session(&client, reqwest::Method::DELETE, &url, &sid).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":5,"method":"tools/list"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = in_session(&client, reqwest::Method::DELETE, &url, &sid).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn stateless_2026_requests_need_no_session() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let meta = stateless_meta();
    let h = stateless_headers();
    let r = post(
        &client,
        &url,
        h.clone(),
        json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":meta}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("mcp-session-id").is_none());
    assert_eq!(json_of(r).await["result"]["resultType"], "complete");
    let mut hm = h.clone();
    hm.insert("mcp-method", HeaderValue::from_static("tools/call"));
    let r = post(&client, &url, hm.clone(),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_meta":meta,"name":"add","arguments":{"a":1,"b":2}}})).await;
    let v = json_of(r).await;
    assert_eq!(v["result"]["structuredContent"]["result"], 3);
    assert_eq!(v["result"]["resultType"], "complete");
    // A mirrored header that disagrees with the body.
    let r = post(
        &client,
        &url,
        hm,
        json!({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":meta}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["error"]["code"], -32020);
    server.shutdown().await;
}

/// A stateless request cannot be understood without `_meta` naming its revision and the client's
/// capabilities: -32602 with HTTP 400, the id echoed; `clientInfo` may be left out.
#[tokio::test]
async fn a_stateless_request_without_its_meta_is_a_400() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let full = stateless_meta();
    let without = |key: &str| {
        let mut meta = full.clone();
        meta.as_object_mut().unwrap().remove(key);
        meta
    };
    let mut discover = stateless_headers();
    discover.insert("mcp-method", HeaderValue::from_static("server/discover"));
    for (id, params) in [
        (101, json!({})),
        (
            102,
            json!({"_meta": without("io.modelcontextprotocol/protocolVersion")}),
        ),
        (
            103,
            json!({"_meta": without("io.modelcontextprotocol/clientCapabilities")}),
        ),
        (104, json!({"_meta": "not an object"})),
    ] {
        let r = post(
            &client,
            &url,
            discover.clone(),
            json!({"jsonrpc":"2.0","id":id,"method":"server/discover","params":params}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{params}");
        let v = json_of(r).await;
        assert_eq!(v["error"]["code"], -32602, "{v}");
        assert_eq!(v["id"], id, "{v}");
    }
    let r = post(
        &client,
        &url,
        discover.clone(),
        json!({"jsonrpc":"2.0","id":105,"method":"server/discover",
               "params":{"_meta": without("io.modelcontextprotocol/clientInfo")}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(json_of(r).await["result"]["supportedVersions"].is_array());
    server.shutdown().await;
}

/// The handshake methods do not exist in 2026-07-28, nor do unknown ones: HTTP 404 with -32601,
/// the id echoed. The same methods still work in a 2025 session.
#[tokio::test]
async fn removed_and_unknown_methods_are_a_404_when_stateless() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    for (id, method) in [
        (1, "initialize"),
        (2, "ping"),
        (3, "logging/setLevel"),
        (4, "resources/subscribe"),
        (5, "resources/unsubscribe"),
        (6, "no/such/method"),
    ] {
        let mut h = stateless_headers();
        h.insert("mcp-method", HeaderValue::from_str(method).unwrap());
        let r = post(
            &client,
            &url,
            h,
            json!({"jsonrpc":"2.0","id":id,"method":method,"params":{"_meta":stateless_meta()}}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method}");
        let v = json_of(r).await;
        assert_eq!(v["error"]["code"], -32601, "{method}: {v}");
        assert_eq!(v["id"], id, "{method}: {v}");
    }
    let sid = open_session(&client, &url, mcp_headers()).await;
    let r = post(
        &client,
        &url,
        with_session(&sid),
        json!({"jsonrpc":"2.0","id":7,"method":"ping"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await["result"], json!({}));
    server.shutdown().await;
}

/// 2026-07-28 mirrors the method and the tool's name in headers (SEP-2243): missing or different
/// from the body, the request is refused with -32020 and HTTP 400; a name sent base64-wrapped (as
/// SDKs send names that are not plain ASCII) matches.
#[tokio::test]
async fn stateless_requests_need_their_mirrored_headers() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let call = |id: i64| {
        json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
               "params":{"_meta":stateless_meta(),"name":"add","arguments":{"a":1,"b":2}}})
    };
    let with = |pairs: &[(&'static str, &'static str)]| {
        let mut h = stateless_headers();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    };
    for (id, headers) in [
        (101, with(&[])),
        (102, with(&[("mcp-name", "add")])),
        (103, with(&[("mcp-method", "tools/call")])),
        (
            104,
            with(&[("mcp-method", "tools/call"), ("mcp-name", "other_tool")]),
        ),
        (
            105,
            with(&[("mcp-method", "tools/call"), ("mcp-name", "=?base64?!!?=")]),
        ),
    ] {
        let r = post_exact(&client, &url, headers, call(id)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "request {id}");
        let v = json_of(r).await;
        assert_eq!(v["error"]["code"], -32020, "{v}");
        assert_eq!(v["id"], id, "{v}");
    }
    for (id, name) in [(106, "add"), (107, "=?base64?YWRk?=")] {
        let mut headers = with(&[("mcp-method", "tools/call")]);
        headers.insert("mcp-name", HeaderValue::from_static(name));
        let r = post_exact(&client, &url, headers, call(id)).await;
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert_eq!(json_of(r).await["result"]["structuredContent"]["result"], 3);
    }
    server.shutdown().await;
}

/// A tool's parameters declared `#[arg(header = …)]` are listed with `x-mcp-header`, and a
/// stateless call must mirror them in `Mcp-Param-*` headers that agree with the arguments (plain or
/// base64-wrapped, numbers compared as numbers); otherwise -32020 with HTTP 400, naming the header.
#[tokio::test]
async fn mirrored_parameters_must_agree_with_their_headers() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let listed = post(
        &client,
        &url,
        stateless_headers(),
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":stateless_meta()}}),
    )
    .await;
    let tools = json_of(listed).await;
    let routed = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "routed")
        .unwrap()
        .clone();
    let props = &routed["inputSchema"]["properties"];
    assert_eq!(props["region"]["x-mcp-header"], "Region", "{routed}");
    assert_eq!(props["shard"]["x-mcp-header"], "Shard", "{routed}");
    assert!(props["payload"].get("x-mcp-header").is_none(), "{routed}");

    let call = |id: i64, arguments: Value| {
        json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
               "params":{"_meta":stateless_meta(),"name":"routed","arguments":arguments}})
    };
    let with = |pairs: &[(&'static str, &'static str)]| {
        let mut h = stateless_headers();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    };
    let args = json!({"region": "eu-west1", "shard": 7, "payload": "x"});
    for (id, headers, arguments, header) in [
        // Missing, different, not base64, sent for an absent argument.
        (
            201,
            with(&[("mcp-param-shard", "7")]),
            args.clone(),
            "mcp-param-region",
        ),
        (
            202,
            with(&[("mcp-param-region", "us-east1"), ("mcp-param-shard", "7")]),
            args.clone(),
            "mcp-param-region",
        ),
        (
            203,
            with(&[
                ("mcp-param-region", "=?base64?ZXUtd2VzdDE?="),
                ("mcp-param-shard", "7"),
            ]),
            args.clone(),
            "mcp-param-region",
        ),
        (
            204,
            with(&[("mcp-param-region", "eu-west1"), ("mcp-param-shard", "7")]),
            json!({"region": "eu-west1", "payload": "x"}),
            "mcp-param-shard",
        ),
    ] {
        let r = post(&client, &url, headers, call(id, arguments)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "request {id}");
        let v = json_of(r).await;
        assert_eq!(v["error"]["code"], -32020, "{v}");
        assert_eq!(v["id"], id, "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(header), "request {id}: {message}");
    }
    for (id, headers, arguments, text) in [
        (
            211,
            with(&[("mcp-param-region", "eu-west1"), ("mcp-param-shard", "7")]),
            args.clone(),
            "eu-west1/7: x",
        ),
        // Header names ignore case; values may be base64-wrapped; 7.0 is 7.
        (
            212,
            with(&[
                ("MCP-PARAM-REGION", "=?base64?ZXUtd2VzdDE=?="),
                ("mcp-param-shard", "7.0"),
            ]),
            args.clone(),
            "eu-west1/7: x",
        ),
        // An optional argument left out (or null) has no header.
        (
            213,
            with(&[("mcp-param-region", "eu-west1")]),
            json!({"region": "eu-west1", "shard": null, "payload": "y"}),
            "eu-west1/0: y",
        ),
    ] {
        let r = post(&client, &url, headers, call(id, arguments)).await;
        assert_eq!(r.status(), StatusCode::OK, "request {id}");
        let v = json_of(r).await;
        assert_eq!(v["result"]["content"][0]["text"], text, "{v}");
    }
    server.shutdown().await;
}
