//! Who may talk to an HTTP server, checked over real TCP: a foreign `Host` gets 421 on every
//! endpoint (DNS rebinding: a page whose name now points at 127.0.0.1 reads nothing, `/health`
//! included); `/health` is liveness only and needs no token; `/ready` and `/metrics` need the
//! token like `/mcp`; the bearer scheme is case-insensitive; several tokens name several
//! principals, configured in code or from the environment.

use crate::{common, support};
use common::http::{tokens_for, TestServer};
use std::time::Duration;
use sturdy::transport::http::HttpOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one raw HTTP/1.1 request (`Connection: close`) and returns the status and the body.
async fn raw(addr: std::net::SocketAddr, request_head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("{request_head}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_endpoint_of_a_loopback_server() {
    let server = TestServer::start(HttpOptions::default()).await;
    for path in ["/health", "/ready", "/metrics", "/mcp"] {
        let (status, _) = raw(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: evil.example\r\n"),
        )
        .await;
        assert_eq!(status, 421, "{path}");
        let (status, _) = raw(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost.evil.example:80\r\n"),
        )
        .await;
        assert_eq!(status, 421, "{path}");
    }
    let (status, body) = raw(
        server.addr,
        "GET /health HTTP/1.1\r\nHost: localhost:8000\r\n",
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"status":"ok"}"#),
        "liveness only"
    );
    let (status, _) = raw(
        server.addr,
        &format!(
            "GET /health HTTP/1.1\r\nHost: {}\r\nOrigin: http://evil.example\r\n",
            server.addr
        ),
    )
    .await;
    assert_eq!(status, 403, "a foreign Origin, /health included");
    server.shutdown().await;

    // Named hosts: those are answered, loopback names no longer.
    let server = TestServer::start(HttpOptions {
        allowed_hosts: vec!["mcp.example.com".into()],
        ..Default::default()
    })
    .await;
    let (status, _) = raw(
        server.addr,
        "GET /health HTTP/1.1\r\nHost: mcp.example.com:443\r\n",
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = raw(server.addr, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
    assert_eq!(status, 421);
    server.shutdown().await;
}

#[tokio::test]
async fn ready_and_metrics_need_the_token_health_does_not() {
    let server = TestServer::start(HttpOptions {
        bearer_tokens: tokens_for(&["alice", "bob"]),
        ..Default::default()
    })
    .await;
    let host = format!("Host: {}\r\n", server.addr);
    for path in ["/ready", "/metrics", "/mcp"] {
        let (status, _) = raw(server.addr, &format!("GET {path} HTTP/1.1\r\n{host}")).await;
        assert_eq!(status, 401, "{path} without a token");
        let (status, _) = raw(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\n{host}Authorization: Bearer t-mallory\r\n"),
        )
        .await;
        assert_eq!(status, 401, "{path} with a wrong token");
    }
    let (status, _) = raw(server.addr, &format!("GET /health HTTP/1.1\r\n{host}")).await;
    assert_eq!(status, 200);
    // Either principal's token; the scheme in any case.
    for auth in [
        "Bearer t-alice",
        "bearer t-bob",
        "BEARER t-alice",
        "BeArEr   t-bob",
    ] {
        let (status, body) = raw(
            server.addr,
            &format!("GET /metrics HTTP/1.1\r\n{host}Authorization: {auth}\r\n"),
        )
        .await;
        assert_eq!(status, 200, "{auth}: {body}");
    }
    // A token that is a prefix of a real one, or one with a byte more, is refused.
    for auth in [
        "Bearer t-alic",
        "Bearer t-alicee",
        "Basic t-alice",
        "Bearer",
    ] {
        let (status, _) = raw(
            server.addr,
            &format!("GET /metrics HTTP/1.1\r\n{host}Authorization: {auth}\r\n"),
        )
        .await;
        assert_eq!(status, 401, "{auth}");
    }
    server.shutdown().await;
}

#[test]
fn tokens_come_from_the_environment_or_a_file() {
    let dir = support::target_dir().join("http-access-test");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tokens.txt");
    std::fs::write(&file, "# principal:token\ncarol:t-carol:with-colon\n\n").unwrap();
    let server = support::HttpServer::start_with_env(
        &support::build_example("tool_server"),
        &[
            ("STURDY_BEARER_TOKENS", "alice:t-alice,bob:t-bob"),
            ("STURDY_BEARER_TOKENS_FILE", file.to_str().unwrap()),
        ],
    );
    let metrics = server.url().replace("/mcp", "/metrics");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = |token: Option<&str>| {
        rt.block_on(async {
            let mut request = reqwest::Client::new().get(&metrics);
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            request.send().await.unwrap().status().as_u16()
        })
    };
    assert_eq!(status(Some("t-alice")), 200);
    assert_eq!(status(Some("t-bob")), 200);
    assert_eq!(status(Some("t-carol:with-colon")), 200);
    assert_eq!(status(Some("t-carol")), 401);
    assert_eq!(status(None), 401);
    support::assert_clean_exit(&server.stop(), "tool_server --http");
}
