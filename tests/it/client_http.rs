//! `sturdy::client` over Streamable HTTP: the example server in both protocol eras (a tool's
//! question answered by a handler) and the official `@modelcontextprotocol/server-everything`
//! (its log messages on the session's GET stream).

use crate::support;
use serde_json::json;
use std::time::Duration;
use sturdy::client::{Client, ClientError};

/// The example server in both eras: negotiated (it answers `server/discover`: 2026-07-28, each
/// request standing alone, the tool's question taken as an `input_required` round) and pinned
/// to a 2025-11-25 session (the question on the call's SSE stream).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_server_over_http_asks_and_is_answered() {
    let server = support::HttpServer::start(&support::build_example("tool_server"));
    for pinned in [None, Some("2025-11-25")] {
        let mut builder = Client::builder().on_elicitation(|_| async {
            json!({"action": "accept", "content": {"name": "Ada", "email": "ada@example.com"}})
        });
        if let Some(revision) = pinned {
            builder = builder.protocol_version(revision);
        }
        let client = builder.http(&server.url()).await.unwrap();
        let expected = pinned.unwrap_or("2026-07-28");
        assert_eq!(client.server_info()["protocolVersion"], expected);
        let tools = client.list_tools().await.unwrap();
        assert!(tools.iter().any(|t| t["name"] == "add"));
        client
            .ping()
            .await
            .unwrap_or_else(|e| panic!("{expected}: ping: {e}"));
        let sum = client
            .call_tool("add", json!({"a": 40, "b": 2}))
            .await
            .unwrap();
        assert_eq!(sum.structured(), Some(&json!({"result": 42})), "{expected}");
        let details = client
            .call_tool("ask_contact_details", json!({"reason": "for the report"}))
            .await
            .unwrap();
        assert_eq!(
            details.structured(),
            Some(&json!({"name": "Ada", "email": "ada@example.com"})),
            "{expected}: {details:?}"
        );
        let unknown = client.call_tool("subtract", json!({})).await.unwrap_err();
        assert!(
            matches!(unknown, ClientError::Rpc { code: -32602, .. }),
            "{expected}: {unknown}"
        );
        // Ten calls at once, each answered on its own request.
        let calls = (0..10).map(|n| client.call_tool("add", json!({"a": n, "b": 1})));
        for (n, answer) in futures_util::future::join_all(calls)
            .await
            .into_iter()
            .enumerate()
        {
            assert_eq!(
                answer.unwrap().structured(),
                Some(&json!({"result": n + 1}))
            );
        }
    }
    support::assert_clean_exit(&server.stop(), "tool_server --http");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_everything_server_over_http() {
    let (_everything, port) = support::everything::over_http("streamableHttp", &[]).await;
    let client = Client::builder()
        .http(&format!("http://127.0.0.1:{port}/mcp"))
        .await
        .unwrap();
    let echoed = client
        .call_tool("echo", json!({"message": "over http"}))
        .await
        .unwrap();
    assert_eq!(echoed.text(), "Echo: over http");
    let sum = client
        .call_tool("get-sum", json!({"a": 1, "b": 2}))
        .await
        .unwrap();
    assert!(sum.text().contains('3'), "{sum:?}");
    let prompts = client.list_prompts().await.unwrap();
    assert!(
        prompts.iter().any(|p| p["name"] == "simple-prompt"),
        "{prompts:?}"
    );
    // Log messages come unasked, on the session's GET stream.
    let mut notes = client.notifications();
    client
        .call_tool("toggle-simulated-logging", json!({}))
        .await
        .unwrap();
    let logged = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let note = notes.recv().await.unwrap();
            if note["method"] == "notifications/message" {
                return note;
            }
        }
    })
    .await
    .expect("a log message within 20 s");
    assert!(logged["params"]["level"].is_string(), "{logged}");
}

/// The HTTP+SSE transport of 2024-11-05, as server-everything's `sse` mode serves it (a GET
/// stream naming where to POST): found when the URL refuses Streamable HTTP's POSTs, and when
/// pinned; tools called, a prompt got, the answers read from the stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_everything_server_over_the_2024_http_and_sse_transport() {
    let (_everything, port) = support::everything::over_http("sse", &[]).await;
    let url = format!("http://127.0.0.1:{port}/sse");
    for pinned in [None, Some("2024-11-05")] {
        let mut builder = Client::builder();
        if let Some(revision) = pinned {
            builder = builder.protocol_version(revision);
        }
        let client = builder
            .http(&url)
            .await
            .unwrap_or_else(|e| panic!("{pinned:?}: {e}"));
        let echoed = client
            .call_tool("echo", json!({"message": "over sse"}))
            .await
            .unwrap();
        assert_eq!(echoed.text(), "Echo: over sse", "{pinned:?}");
        let sum = client
            .call_tool("get-sum", json!({"a": 20, "b": 22}))
            .await
            .unwrap();
        assert!(sum.text().contains("42"), "{pinned:?}: {sum:?}");
        let prompt = client.get_prompt("simple-prompt", json!({})).await.unwrap();
        assert!(prompt["messages"].is_array(), "{pinned:?}: {prompt}");
        client.ping().await.unwrap();
    }
    // A URL that serves neither transport is a clear error, not a hang.
    let err = Client::builder()
        .timeout(Duration::from_secs(5))
        .http(&format!("http://127.0.0.1:{port}/nothing-here"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 404"), "{err}");
}

/// Two replicas of the example server behind `McpUpstreams`: calls alternate; once one replica
/// is gone, every call is answered by the other (a read-only tool's call that got no answer is
/// repeated there), the failures count against the gone replica's breaker, and its breaker
/// opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_of_a_server_are_balanced_and_a_gone_one_is_avoided() {
    use sturdy::balancer::Strategy;
    use sturdy::client::McpUpstreams;
    let binary = support::build_example("tool_server");
    let (a, b) = (
        support::HttpServer::start(&binary),
        support::HttpServer::start(&binary),
    );
    let upstreams = McpUpstreams::new(
        Strategy::RoundRobin,
        [("a", a.url()), ("b", b.url())],
        Client::builder().timeout(Duration::from_secs(5)),
    );
    for n in 0..4 {
        let sum = upstreams
            .call_tool("add", json!({"a": n, "b": 1}))
            .await
            .unwrap();
        assert_eq!(sum.structured(), Some(&json!({"result": n + 1})));
    }
    let stats = upstreams.balancer().stats();
    assert_eq!(
        (stats[0].successes, stats[1].successes),
        (2, 2),
        "{stats:?}"
    );

    support::assert_clean_exit(&a.stop(), "replica a");
    for n in 0..10 {
        let sum = upstreams
            .call_tool("add", json!({"a": n, "b": 2}))
            .await
            .unwrap_or_else(|e| panic!("call {n}: {e}"));
        assert_eq!(sum.structured(), Some(&json!({"result": n + 2})));
    }
    let stats = upstreams.balancer().stats();
    assert!(stats[0].failures >= 1, "{stats:?}");
    assert_eq!(stats[1].successes, 12, "{stats:?}");
    assert_ne!(
        stats[0].state,
        sturdy::resilience::CircuitState::Closed,
        "{stats:?}"
    );
    // Health checks keep the gone replica's breaker informed without calls failing.
    upstreams.check_health().await;
    assert_eq!(upstreams.balancer().stats()[1].failures, 0);
    drop(b);
}

/// HTTP+SSE servers that misbehave: an endpoint on another origin is not POSTed to; a stream
/// that never names its endpoint, or sends an event over the size limit, is a clear error
/// within the client's timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_http_and_sse_servers_get_clear_errors() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cases: [(&str, &[u8]); 3] = [
        (
            "another origin",
            b"event: endpoint\ndata: http://evil.example.com/message\n\n",
        ),
        ("no endpoint event", b": nothing to say\n\n"),
        ("an event over", &[b'x'; 4096]),
    ];
    for (expected, stream) in cases {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sse", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = vec![0u8; 8192];
                let n = socket.read(&mut request).await.unwrap_or(0);
                if request[..n].starts_with(b"GET") {
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n";
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(stream).await;
                    // Held open: the client must give up by itself.
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        drop(socket);
                    });
                } else {
                    let _ = socket
                        .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                        .await;
                }
            }
        });
        let started = std::time::Instant::now();
        let err = Client::builder()
            .protocol_version("2024-11-05")
            .timeout(Duration::from_secs(1))
            .max_message_bytes(1024)
            .http(&url)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{expected}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{expected}");
        server.abort();
    }
}

/// A 2025-11-25 server whose session GET stream ends after each event: the client opens it
/// again from the last event id it saw (`Last-Event-ID`), so no notification is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sessions_get_stream_that_ends_is_resumed_from_its_last_event() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let resumed_from = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = resumed_from.clone();
    let server = tokio::spawn(async move {
        let mut gets = 0;
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // The head, then as much body as its Content-Length says.
            let (head, body_len) = loop {
                let n = socket.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break (String::new(), 0);
                }
                request.extend_from_slice(&buf[..n]);
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    while request.len() < end + 4 + len {
                        let n = socket.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        request.extend_from_slice(&buf[..n]);
                    }
                    break (head, len);
                }
            };
            let body = String::from_utf8_lossy(&request[request.len() - body_len..]).into_owned();
            let reply = if head.starts_with("get") {
                gets += 1;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                if gets == 1 {
                    // The stream is open; the test listens before its first note.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                let last = head
                    .lines()
                    .find_map(|l| l.strip_prefix("last-event-id:"))
                    .map(|v| v.trim().to_owned());
                seen.lock().unwrap().push(last.unwrap_or_default());
                let note = format!(
                    r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"level":"info","data":"note {gets}"}}}}"#
                );
                format!("retry: 50\nid: {gets}\ndata: {note}\n\n")
            } else if body.contains("\"initialize\"") {
                let answer = r#"{"jsonrpc":"2.0","id":ID,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"ends-streams","version":"0"}}}"#;
                let id: serde_json::Value = serde_json::from_str(&body).unwrap();
                let answer = answer.replace("ID", &id["id"].to_string());
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nmcp-session-id: s1\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                )
            } else if head.starts_with("post") && body.contains("\"id\"") {
                // discover and anything else asked: not known here.
                let id: serde_json::Value = serde_json::from_str(&body).unwrap();
                let answer = format!(
                    r#"{{"jsonrpc":"2.0","id":{},"error":{{"code":-32601,"message":"unknown"}}}}"#,
                    id["id"]
                );
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{answer}",
                    answer.len()
                )
            } else {
                "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
            };
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    let client = Client::builder()
        .protocol_version("2025-11-25")
        .http(&url)
        .await
        .unwrap();
    let mut notes = client.notifications();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while got.len() < 3 {
            let note = notes.recv().await.unwrap();
            got.push(note["params"]["data"].as_str().unwrap().to_owned());
        }
    })
    .await
    .unwrap_or_else(|_| panic!("three notes over resumed streams within 10 s: {got:?}"));
    assert_eq!(got, ["note 1", "note 2", "note 3"]);
    let resumed = resumed_from.lock().unwrap().clone();
    assert_eq!(&resumed[..3], ["", "1", "2"], "{resumed:?}");
    drop(client);
    server.abort();
}

/// A resource subscription in either era: `resources/subscribe` in a 2025 session (the update
/// on the session's GET stream), a `subscriptions/listen` stream in 2026-07-28; the example
/// server's `notes://latest` changes when `add_note` runs, and the update arrives. A URI the
/// server has no resource for is refused in 2026-07-28 (the acknowledgement leaves it out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_update_arrives_in_either_era() {
    let server = support::HttpServer::start(&support::build_example("tool_server"));
    for pinned in [Some("2025-11-25"), None] {
        let mut builder = Client::builder();
        if let Some(revision) = pinned {
            builder = builder.protocol_version(revision);
        }
        let client = builder.http(&server.url()).await.unwrap();
        let mut notes = client.notifications();
        client.subscribe_resource("notes://latest").await.unwrap();
        // The 2025 update comes on the GET stream, opened as the session starts.
        tokio::time::sleep(Duration::from_millis(300)).await;
        client
            .call_tool("add_note", json!({"text": format!("in {pinned:?}")}))
            .await
            .unwrap();
        let updated = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let note = notes.recv().await.unwrap();
                if note["method"] == "notifications/resources/updated" {
                    return note;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{pinned:?}: no update within 10 s"));
        assert_eq!(updated["params"]["uri"], "notes://latest", "{pinned:?}");
        if pinned.is_none() {
            let refused = client
                .subscribe_resource("notes://nowhere")
                .await
                .unwrap_err();
            assert!(refused.to_string().contains("notes://nowhere"), "{refused}");
            client.unsubscribe_resource("notes://latest").await.unwrap();
        }
    }
}
