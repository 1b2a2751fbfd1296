//! Slow and stalled clients over real TCP: a connection that trickles its headers, stalls its
//! upload or sits idle is closed after its timeout; a client without the bearer token is refused
//! before any body byte is read; SIGTERM ends the process within its grace period even while a
//! request is half-sent.

use crate::{common, support};
use common::http::TestServer;
use std::time::{Duration, Instant};
use sturdy::transport::http::{BearerToken, HttpOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn quick() -> HttpOptions {
    HttpOptions {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        ..Default::default()
    }
}

/// Reads until the server closes the connection (or `limit` passes: then panics); returns what
/// was read and how long it took.
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut got))
        .await
        .unwrap_or_else(|_| panic!("the server kept the connection open for {limit:?}"))
        .ok();
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn trickled_headers_are_cut_after_the_header_timeout() {
    let server = TestServer::start(quick()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    // One byte now and then, never the end of the headers.
    let trickle = async {
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if stream.write_all(b"a").await.is_err() {
                break;
            }
        }
    };
    // Others are served meanwhile.
    let probe = async {
        let mut probe = TcpStream::connect(server.addr).await.unwrap();
        probe
            .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = probe.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let ((), text) = tokio::join!(trickle, probe);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    // The slow connection is closed: reading it ends.
    let (_, took) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(5));
    server.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = TestServer::start(quick()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    // Kept alive, then idle: closed once the header timeout passes.
    let (rest, took) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(!rest.starts_with("HTTP"), "{rest}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_stalled_upload_gets_408() {
    let server = TestServer::start(quick()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\"",
        )
        .await
        .unwrap();
    let (text, _) = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_without_the_token_is_refused_before_its_body_is_read() {
    let server = TestServer::start(HttpOptions {
        bearer_tokens: vec![BearerToken {
            token: "s3cret".into(),
            principal: "alice".into(),
        }],
        ..Default::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // Announces 4 MiB and sends none of it: the 401 comes from the headers alone.
    stream
        .write_all(
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Accept: application/json, text/event-stream\r\nContent-Length: 4194304\r\n\r\n",
        )
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("answered without the body")
        .unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    server.shutdown().await;
}

#[test]
fn sigterm_ends_the_server_within_its_grace_while_a_request_is_half_sent() {
    let binary = support::build_example("tool_server");
    let server = support::HttpServer::start_with_env(
        &binary,
        &[
            ("STURDY_SHUTDOWN_GRACE", "1"),
            ("STURDY_BODY_TIMEOUT", "600"),
        ],
    );
    let addr = server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::Write;
    stream
        .write_all(
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let stopped = server.stop();
    assert!(
        !stopped.timed_out && started.elapsed() < Duration::from_secs(10),
        "SIGTERM did not end the server within its 1 s grace: {}",
        stopped.outcome()
    );
    support::assert_clean_exit(&stopped, "tool_server --http");
    drop(stream);
}
