//! Fuzz targets (bolero) over what a client controls: the JSON-RPC envelope and dispatch, and the
//! HTTP request path (method, headers, body). Under `cargo test` each runs a bounded number of
//! random inputs (`BOLERO_RANDOM_ITERATIONS`, default 5000 here); with a fuzzing engine
//! (`cargo bolero test fuzz_dispatch --engine libfuzzer`, nightly) they run for as long as asked.
//!
//! The inputs are built from fragments that broke servers before (numbers no f64 holds, lone
//! surrogates, ids of every type, huge integers) mixed with arbitrary bytes, so that random
//! inputs reach past the JSON parser. What must hold: nothing panics, every request with a
//! usable id is answered, and the answer echoes the id exactly as sent.

mod common;

use axum::body::Body;
use bolero::check;
use common::{parse_with_raw_id, raw_id};
use std::sync::{Arc, OnceLock};
use sturdy::mcp::{Server, ServerInfo, Session};
use sturdy::prelude::*;
use sturdy::transport::http::{self, HttpOptions};
use tower::ServiceExt;

/// Echo the text.
#[tool]
fn echo(text: String) -> String {
    text
}

const IDS: &[&str] = &[
    "1",
    "-4",
    "0",
    r#""a""#,
    r#""\u0041""#,
    "1e400",
    "1.5",
    "-0",
    "18446744073709551616",
    "-9223372036854775809",
    r#""\ud800""#,
    "null",
    "true",
    "[]",
    "{}",
];
const METHODS: &[&str] = &[
    r#""ping""#,
    r#""initialize""#,
    r#""tools/list""#,
    r#""tools/call""#,
    r#""server/discover""#,
    r#""logging/setLevel""#,
    r#""notifications/cancelled""#,
    r#""notifications/initialized""#,
    r#""\ud800""#,
    r#""t\u006fols/list""#,
    "7",
    "null",
];
const PARAMS: &[&str] = &[
    "{}",
    "null",
    "[]",
    "5",
    r#"{"name":"echo","arguments":{"text":"hi"}}"#,
    r#"{"name":"echo","arguments":{"text":"\udc00"}}"#,
    r#"{"name":"echo","arguments":[1]}"#,
    // Arguments are read raw, straight into the parameters: repeated and escaped names,
    // unknown ones, a repeated `arguments`.
    r#"{"name":"echo","arguments":{"text":"a","t\u0065xt":"b","text":1}}"#,
    r#"{"name":"echo","arguments":{"zz":[[[[1]]]],"text":"a"}}"#,
    r#"{"name":"echo","arguments":null,"argum\u0065nts":{"text":5e400}}"#,
    r#"{"name":"echo"}"#,
    // The name: escaped, not a string, given twice (the last counts), with a quote inside.
    r#"{"name":"\u0065cho","arguments":{"text":"hi"}}"#,
    r#"{"name":7,"arguments":{"text":"hi"}}"#,
    r#"{"name":7,"name":"echo","arguments":{"text":"hi"}}"#,
    r#"{"name":"echo","name":[1e400],"arguments":{"text":"hi"}}"#,
    r#"{"name":"ec\"ho","arguments":{}}"#,
    r#"{"cursor":5}"#,
    r#"{"cursor":"\ud800"}"#,
    r#"{"requestId":1e400}"#,
    r#"{"level":"debug"}"#,
    r#"{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"f","version":"1"}}"#,
    r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}"#,
    r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":1e400}}"#,
    r#"{"name":"echo","arguments":{"text":"x"},"requestState":"\ud800","inputResponses":{}}"#,
];

/// A message built from the fragments, or arbitrary bytes: `(shape, id, method, params, bytes)`.
type Input = (u8, u8, u8, u8, Vec<u8>);

fn message((shape, id, method, params, bytes): &Input) -> (Vec<u8>, Option<&'static str>) {
    let id = IDS[*id as usize % IDS.len()];
    let method = METHODS[*method as usize % METHODS.len()];
    let params = PARAMS[*params as usize % PARAMS.len()];
    let garbage = String::from_utf8_lossy(bytes);
    let text = match shape % 6 {
        0 => return (bytes.clone(), None),
        1 => format!(r#"{{"jsonrpc":"2.0","id":{id},"method":{method},"params":{params}}}"#),
        2 => format!(r#"{{"jsonrpc":"2.0","method":{method},"params":{params}}}"#),
        // A response to a request of the server's.
        3 => format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{params}}}"#),
        // Arbitrary text where a string goes.
        4 => format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":{method},"params":{{"name":"echo","arguments":{{"text":{}}}}}}}"#,
            serde_json::to_string(&garbage).unwrap()
        ),
        // Arbitrary bytes spliced into a message.
        _ => {
            let mut m =
                format!(r#"{{"jsonrpc":"2.0","id":{id},"method":{method},"params":"#).into_bytes();
            m.extend_from_slice(bytes);
            m.push(b'}');
            return (m, None);
        }
    };
    let requested = matches!(shape % 6, 1 | 4) && method != "null";
    (text.into_bytes(), requested.then_some(id))
}

/// Whether the id can be echoed (a string or a number, however unusable).
fn echoable(id: &str) -> bool {
    id.starts_with(['"', '-']) || id.starts_with(|c: char| c.is_ascii_digit())
}

fn server() -> Arc<Server> {
    static SERVER: OnceLock<Arc<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            Arc::new(Server::new(
                Registry::from_inventory().unwrap(),
                ServerInfo::new("fuzz", "1"),
            ))
        })
        .clone()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn iterations() -> usize {
    std::env::var("BOLERO_RANDOM_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5000)
}

#[test]
fn fuzz_dispatch() {
    let rt = runtime();
    let server = server();
    check!()
        .with_type::<Input>()
        .with_iterations(iterations())
        .for_each(|input| {
            let (bytes, id) = message(input);
            let session = Session::default();
            let answer = rt.block_on(server.handle(&session, &bytes));
            if let Some(answer) = &answer {
                let text = std::str::from_utf8(answer).expect("answers are UTF-8");
                assert_eq!(parse_with_raw_id(text)["jsonrpc"], "2.0", "{text}");
            }
            // A request (notifications/* aside) is answered, with its id as sent.
            if let Some(id) = id.filter(|id| echoable(id)) {
                let notification = String::from_utf8_lossy(&bytes).contains("notifications/");
                if !notification {
                    let answer = answer.unwrap_or_else(|| {
                        panic!("no answer to {}", String::from_utf8_lossy(&bytes))
                    });
                    let text = String::from_utf8(answer).unwrap();
                    let expected = match id {
                        // Escapes need not be kept as written, only the string.
                        r#""\u0041""# => r#""A""#,
                        id => id,
                    };
                    assert_eq!(raw_id(&text), Some(expected), "{text}");
                }
            }
        });
}

/// A clone of the router (a function, so that the closure captures the whole wrapper).
fn fresh(router: &std::panic::AssertUnwindSafe<axum::Router>) -> axum::Router {
    router.0.clone()
}

#[test]
fn fuzz_http_requests() {
    const PATHS: &[&str] = &["/mcp", "/health", "/ready", "/metrics", "/", "/mcp/../x"];
    const METHODS: &[&str] = &["POST", "GET", "DELETE", "PUT", "OPTIONS"];
    const HEADERS: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-protocol-version", "1999-01-01"),
        ("mcp-session-id", "nope"),
        ("last-event-id", "1-18446744073709551615"),
        ("last-event-id", "-"),
        ("origin", "http://evil.example"),
        ("mcp-method", "tools/call"),
        ("authorization", "Bearer x"),
    ];
    let rt = runtime();
    // Each input gets a clone: the router is not `RefUnwindSafe`, and a panic is a failure anyway.
    let router = std::panic::AssertUnwindSafe(http::router(server(), HttpOptions::default()));
    check!()
        .with_type::<(u8, u8, u16, Input)>()
        .with_iterations(iterations())
        .for_each(|(path, method, headers, input)| {
            let (body, _) = message(input);
            let mut request = axum::http::Request::builder()
                .method(METHODS[*method as usize % METHODS.len()])
                .uri(PATHS[*path as usize % PATHS.len()]);
            for (i, (name, value)) in HEADERS.iter().enumerate() {
                if headers & (1 << i) != 0 {
                    request = request.header(*name, *value);
                }
            }
            let request = request.body(Body::from(body)).unwrap();
            let response = rt.block_on(fresh(&router).oneshot(request)).unwrap();
            let status = response.status();
            assert!(!status.is_server_error() || status == 503, "{status}");
            // A JSON answer is a JSON-RPC message (or a health report).
            let is_json = response
                .headers()
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            let bytes = rt
                .block_on(axum::body::to_bytes(response.into_body(), 1 << 24))
                .unwrap();
            if is_json {
                parse_with_raw_id(std::str::from_utf8(&bytes).expect("answers are UTF-8"));
            }
        });
}
