//! Who may call: origins, bearer tokens, the HTTP identity as the rate-limit key, safe defaults.

use super::*;

#[tokio::test]
async fn foreign_origins_are_rejected_loopback_ones_pass() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = Client::new();
    let url = server.url();
    let mut h = mcp_headers();
    h.insert("origin", HeaderValue::from_static("http://evil.example"));
    let r = post(&client, &url, h, json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut h = mcp_headers();
    h.insert("origin", HeaderValue::from_static("http://localhost:6274"));
    open_session(&client, &url, h).await;
    server.shutdown().await;
}

#[tokio::test]
async fn bearer_token_is_required_when_configured_and_names_the_client() {
    let options = HttpOptions {
        bearer_tokens: vec![BearerToken {
            token: "s3cret".into(),
            principal: "ci-bot".into(),
        }],
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}});
    let r = post(&client, &url, mcp_headers(), init.clone()).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let mut bad = mcp_headers();
    bad.insert("authorization", HeaderValue::from_static("Bearer wrong"));
    assert_eq!(
        post(&client, &url, bad, init.clone()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut good = mcp_headers();
    good.insert("authorization", HeaderValue::from_static("Bearer s3cret"));
    let sid = open_session(&client, &url, good.clone()).await;
    let mut h = with_session(&sid);
    h.insert("authorization", HeaderValue::from_static("Bearer s3cret"));
    let r = post(&client, &url, h, json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}})).await;
    assert_eq!(json_of(r).await["result"]["content"][0]["text"], "ci-bot");
    server.shutdown().await;
}

#[tokio::test]
async fn rate_limit_client_key_is_the_http_identity() {
    let options = HttpOptions {
        bearer_tokens: vec![
            BearerToken {
                token: "token-a".into(),
                principal: "alice".into(),
            },
            BearerToken {
                token: "token-b".into(),
                principal: "bob".into(),
            },
        ],
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let call = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"once_a_minute","arguments":{}}});
    let mut outcomes = Vec::new();
    // Two sessions of alice share one budget (the principal, not the session, is the key);
    // bob has his own, whatever name each client reports.
    for token in ["token-a", "token-a", "token-b"] {
        let mut h = mcp_headers();
        h.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        let sid = open_session(&client, &url, h.clone()).await;
        let mut hs = with_session(&sid);
        hs.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        let v = json_of(post(&client, &url, hs, call.clone()).await).await;
        outcomes.push(v["result"]["isError"].as_bool().unwrap_or(false));
    }
    assert_eq!(outcomes, [false, true, false]);
    server.shutdown().await;
}

#[test]
fn safe_defaults() {
    let d = HttpOptions::default();
    assert_eq!(d.bind, "127.0.0.1:8000".parse::<SocketAddr>().unwrap());
    assert!(d.bind.ip().is_loopback());
    assert!(d.allowed_origins.is_empty());
    assert!(d.max_body_bytes <= 4 * 1024 * 1024);
    assert!(d.max_concurrent_requests > 0 && d.max_sessions > 0);
}
