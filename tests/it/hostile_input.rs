//! Input an attacker sends, over the real transports: every line or body gets an answer (a
//! JSON-RPC error where it is malformed, with the id echoed exactly as sent), the server keeps
//! serving, and nothing panics. Each case here once killed a stdio server or panicked an HTTP
//! handler.

use crate::{common, support};
use common::http::{mcp_headers, open_session, with_session, TestServer};
use common::{parse_with_raw_id, raw_id};
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;
use sturdy::transport::http::HttpOptions;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// Hostile request lines, and the raw `id` text their error response must carry (`None`: no id).
const HOSTILE: &[(&str, Option<&str>)] = &[
    // Valid JSON, but a number no f64 holds.
    (
        r#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#,
        Some("1e400"),
    ),
    // Lone surrogates: valid JSON escapes that no Rust string holds.
    (
        r#"{"jsonrpc":"2.0","id":"\ud800","method":"ping"}"#,
        Some(r#""\ud800""#),
    ),
    (r#"{"jsonrpc":"2.0","id":5,"method":"\udc00"}"#, Some("5")),
    // Integers beyond 64 bits: a `Value` would turn them into floats.
    (
        r#"{"jsonrpc":"2.0","id":340282366920938463463374607431768211456,"method":"ping"}"#,
        Some("340282366920938463463374607431768211456"),
    ),
    (
        r#"{"jsonrpc":"2.0","id":-9223372036854775809,"method":"ping"}"#,
        Some("-9223372036854775809"),
    ),
    // Not integers.
    (r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, Some("1.5")),
    (r#"{"jsonrpc":"2.0","id":1E2,"method":"ping"}"#, Some("1E2")),
    // Not an id at all.
    (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, None),
    (r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, None),
    // Lone surrogates deeper in: the request is refused, not the server.
    (
        r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"\ud800","arguments":{}}}"#,
        Some("6"),
    ),
    (
        r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":"\udfff","b":1}}}"#,
        Some("7"),
    ),
    (
        r#"{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"cursor":"\ud800"}}"#,
        Some("8"),
    ),
];

/// Whether `answer` refuses its request: a JSON-RPC error, or, for a tool's argument that no Rust
/// type holds (a lone surrogate in a string), the tool's invalid-arguments result, as for any
/// other argument of the wrong type.
fn refused(answer: &serde_json::Value) -> bool {
    answer["error"]["code"].is_i64()
        || (answer["result"]["isError"] == true
            && answer["result"]["_meta"]["dev.sturdy/error"]["error"] == "invalid_arguments")
}

#[tokio::test]
async fn a_stdio_server_answers_every_hostile_line_and_keeps_serving() {
    let mut child = Command::new(support::build_example("tool_server"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("an answer within 30 s")
            .unwrap()
            .expect("the server is still there")
    };
    stdin
        .write_all(
            concat!(
                r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
                "\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    assert!(next().await.contains(r#""result""#));
    for (line, id) in HOSTILE {
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        let answer = next().await;
        let parsed = parse_with_raw_id(&answer);
        assert!(refused(&parsed), "{line} → {answer}");
        assert_eq!(raw_id(&answer), *id, "{line} → {answer}");
    }
    // Still serving.
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"ping\"}\n")
        .await
        .unwrap();
    assert_eq!(next().await, r#"{"jsonrpc":"2.0","id":99,"result":{}}"#);
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn an_http_server_answers_every_hostile_body_and_keeps_serving() {
    let server = TestServer::start(HttpOptions::default()).await;
    let client = reqwest::Client::new();
    let sid = open_session(&client, &server.url(), mcp_headers()).await;
    for (body, id) in HOSTILE {
        let r = client
            .post(server.url())
            .headers(with_session(&sid))
            .body(*body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{body}: no response: {e}"));
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status == 400 || status == 200, "{body} → {status}: {text}");
        assert!(refused(&parse_with_raw_id(&text)), "{body} → {text}");
        assert_eq!(raw_id(&text), *id, "{body} → {text}");
    }
    // A Last-Event-ID whose number is the largest u64: nothing to resume, and no overflow.
    let r = client
        .get(server.url())
        .headers(with_session(&sid))
        .header("accept", "text/event-stream")
        .header("last-event-id", "1-18446744073709551615")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Still serving.
    let r = client
        .post(server.url())
        .headers(with_session(&sid))
        .body(json!({"jsonrpc": "2.0", "id": 99, "method": "ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"jsonrpc":"2.0","id":99,"result":{}}"#
    );
    server.shutdown().await;
}
