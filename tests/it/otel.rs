//! OpenTelemetry as an operator sees it: the example server exporting to real OTLP receivers
//! (Arize Phoenix for traces, OpenTelemetry's `otelsink` for metrics), and what they received
//! read back from them.

use crate::support;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::otel_sink::{attribute, OtelSink};
use support::phoenix::Phoenix;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

fn span<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no span {name:?} among {spans:#?}"))
}

/// One span per request, named and attributed by the MCP conventions; the caller's
/// `traceparent` in `_meta` is the parent of its call's span; a tool error and a protocol error
/// are errors with their `error.type`; the spans still queued are exported as the server ends.
#[test]
fn requests_are_spans_in_a_real_receiver() {
    let phoenix = Phoenix::start();
    let redis = support::redis::RedisServer::start();
    // Two instances that each fail their first request: round robin picks a, b, then a again.
    let (first, second) = (FlakyUpstream::start(), FlakyUpstream::start());
    let instances = format!("a={},b={}", first.url(), second.url());
    let mut child = Command::new(support::build_example("tool_server"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", phoenix.endpoint())
        // Limits and breakers shared on Redis: each round trip is an event.
        .env("STURDY_REDIS_URL", redis.url())
        .env("STURDY_UPSTREAMS", &instances)
        .env("OTEL_SERVICE_NAME", "sturdy-otel-test")
        // Phoenix takes traces only.
        .env("OTEL_METRICS_EXPORTER", "none")
        // Longer than the test: only the flush at shutdown sends them.
        .env("OTEL_BSP_SCHEDULE_DELAY", "600000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    for r in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{"traceparent":traceparent}}}),
        json!({"jsonrpc":"2.0","id":"four","method":"tools/call","params":{"name":"divide","arguments":{"a":1,"b":0}}}),
        json!({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}),
        // A malformed parent is ignored: a root span, and an answer as usual.
        json!({"jsonrpc":"2.0","id":6,"method":"ping","params":{"_meta":{"traceparent":"00-zz-00-01"}}}),
        // Port 9 (discard) refuses connections: retried, until the breaker opens under it.
        json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"resilient_api_call","arguments":{"url":"http://127.0.0.1:9/x"}}}),
        json!({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"fibonacci","arguments":{"n":10}}}),
        json!({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"fibonacci","arguments":{"n":10}}}),
    ] {
        writeln!(stdin, "{r}").unwrap();
    }
    // An upstream that fails once: two attempts, each a client span carrying the trace on.
    let upstream = FlakyUpstream::start();
    let url = format!("{}/data?token=secret", upstream.url());
    writeln!(stdin, "{}", json!({"jsonrpc":"2.0","id":"fetch","method":"tools/call","params":{"name":"retry_api_call","arguments":{"url":url}}})).unwrap();
    writeln!(stdin, "{}", json!({"jsonrpc":"2.0","id":"balanced","method":"tools/call","params":{"name":"load_balanced_request","arguments":{"endpoint":"/items"}}})).unwrap();
    // The eleventh call in a minute is refused by the limit.
    for id in 10..21 {
        let call = json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":"rate_limited_operation","arguments":{"data":"x"}}});
        writeln!(stdin, "{call}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let answers: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("stdout holds JSON-RPC only"))
        .collect();
    assert_eq!(answers.len(), 22, "{stdout}");

    let spans = phoenix.spans_when(Duration::from_secs(30), |s| s.len() >= 28);
    let add = span(&spans, "tools/call add");
    assert_eq!(add["context"]["trace_id"], TRACE_ID, "{add:#}");
    assert_eq!(add["parent_id"], PARENT_ID, "{add:#}");
    // (Phoenix keeps its own span kinds, not OpenTelemetry's: `SERVER` is not read back here.)
    let attributes = |s: &Value| -> Value { s["attributes"].clone() };
    let a = attributes(add);
    assert_eq!(a["mcp.method.name"], "tools/call", "{add:#}");
    assert_eq!(a["gen_ai.tool.name"], "add", "{add:#}");
    assert_eq!(a["gen_ai.operation.name"], "execute_tool", "{add:#}");
    assert_eq!(a["jsonrpc.request.id"], "3", "{add:#}");
    assert_eq!(a["mcp.protocol.version"], "2025-11-25", "{add:#}");
    assert_eq!(a["network.transport"], "pipe", "{add:#}");
    assert!(a.get("error.type").is_none(), "{add:#}");
    assert_ne!(add["status_code"], "ERROR", "{add:#}");

    let divide = span(&spans, "tools/call divide");
    assert_eq!(attributes(divide)["error.type"], "tool_error", "{divide:#}");
    assert_eq!(
        attributes(divide)["jsonrpc.request.id"],
        "four",
        "{divide:#}"
    );
    assert_eq!(divide["status_code"], "ERROR", "{divide:#}");
    assert!(divide["parent_id"].is_null(), "a root: {divide:#}");

    let unknown = span(&spans, "tools/call no_such_tool");
    assert_eq!(attributes(unknown)["error.type"], "-32602", "{unknown:#}");
    assert_eq!(unknown["status_code"], "ERROR", "{unknown:#}");

    for name in ["initialize", "tools/list"] {
        let s = span(&spans, name);
        assert_eq!(attributes(s)["mcp.method.name"], name, "{s:#}");
    }
    // A notification is a span too, without an id.
    let initialized = span(&spans, "notifications/initialized");
    assert_eq!(
        attributes(initialized)["mcp.method.name"],
        "notifications/initialized"
    );
    assert!(attributes(initialized).get("jsonrpc.request.id").is_none());
    let ping = span(&spans, "ping");
    assert!(ping["parent_id"].is_null(), "{ping:#}");
    assert_ne!(ping["context"]["trace_id"], TRACE_ID, "{ping:#}");

    // What the policies did, as the call's events.
    let fetch = span(&spans, "tools/call resilient_api_call");
    let names = event_names(fetch);
    let retries: Vec<&Value> = events(fetch, "sturdy.retry");
    assert!(retries.len() >= 2, "retried: {names:?}");
    assert_eq!(retries[0]["attributes"]["retry.attempt"], 1, "{fetch:#}");
    assert_eq!(retries[1]["attributes"]["retry.attempt"], 2, "{fetch:#}");
    assert!(retries[0]["attributes"]["retry.delay_ms"].as_f64().unwrap() > 0.0);
    let opened = events(fetch, "sturdy.circuit_breaker.state");
    assert_eq!(opened.len(), 1, "the breaker opened once: {names:?}");
    assert_eq!(opened[0]["attributes"]["state"], "open", "{fetch:#}");
    assert_eq!(
        events(fetch, "sturdy.circuit_breaker.rejected").len(),
        1,
        "{names:?}"
    );
    assert_eq!(attributes(fetch)["error.type"], "tool_error", "{fetch:#}");

    let fibonacci: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"] == "tools/call fibonacci")
        .collect();
    let mut hits: Vec<Value> = fibonacci
        .iter()
        .map(|s| events(s, "sturdy.cache")[0]["attributes"]["cache.hit"].clone())
        .collect();
    hits.sort_by_key(|h| h.as_bool());
    assert_eq!(hits, [json!(false), json!(true)], "a miss, then a hit");

    // The upstream calls: client spans under the tool call's, the trace sent on with each.
    let call = span(&spans, "tools/call retry_api_call");
    let gets: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"] == "GET" && s["parent_id"] == call["context"]["span_id"])
        .collect();
    assert_eq!(gets.len(), 2, "two attempts: {spans:#?}");
    let status = |s: &Value| s["attributes"]["http.response.status_code"].clone();
    let (failed, succeeded) = if status(gets[0]) == 503 {
        (gets[0], gets[1])
    } else {
        (gets[1], gets[0])
    };
    assert_eq!(status(failed), 503, "{failed:#}");
    assert_eq!(failed["attributes"]["error.type"], "503", "{failed:#}");
    assert_eq!(failed["status_code"], "ERROR", "{failed:#}");
    assert_eq!(status(succeeded), 200, "{succeeded:#}");
    assert_eq!(succeeded["attributes"]["http.request.method"], "GET");
    let full = succeeded["attributes"]["url.full"].as_str().unwrap();
    assert_eq!(
        full,
        format!("{}/data", upstream.url()),
        "no query recorded"
    );
    let trace = call["context"]["trace_id"].as_str().unwrap();
    let mut sent = upstream.traceparents();
    sent.sort();
    let mut expected: Vec<String> = gets
        .iter()
        .map(|g| {
            format!(
                "00-{trace}-{}-01",
                g["context"]["span_id"].as_str().unwrap()
            )
        })
        .collect();
    expected.sort();
    assert_eq!(
        sent, expected,
        "each attempt carried its own span as the parent"
    );

    // The balancer's picks, in order, each followed by its request.
    let balanced = span(&spans, "tools/call load_balanced_request");
    let picks: Vec<Value> = events(balanced, "sturdy.balancer.pick")
        .iter()
        .map(|e| e["attributes"]["instance"].clone())
        .collect();
    assert_eq!(picks, [json!("a"), json!("b"), json!("a")], "{balanced:#}");
    let requests = spans
        .iter()
        .filter(|s| s["name"] == "GET" && s["parent_id"] == balanced["context"]["span_id"])
        .count();
    assert_eq!(requests, 3, "{spans:#?}");
    assert_eq!(
        (first.traceparents().len(), second.traceparents().len()),
        (2, 1)
    );

    let limited: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"] == "tools/call rate_limited_operation")
        .filter(|s| !events(s, "sturdy.rate_limited").is_empty())
        .collect();
    assert_eq!(limited.len(), 1, "one call of eleven refused");
    let refused = &events(limited[0], "sturdy.rate_limited")[0];
    assert!(refused["attributes"]["retry_after_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(
        refused["attributes"]["rate_limit.key"], "argument",
        "{refused:#}"
    );
    assert_eq!(
        refused["attributes"]["rate_limit.shared"], true,
        "{refused:#}"
    );
    // Decided by Redis: the round trip is an event of the call.
    let trips = events(limited[0], "sturdy.shared_store");
    assert_eq!(trips.len(), 1, "{:#}", limited[0]);
    assert_eq!(trips[0]["attributes"]["sturdy.policy"], "rate_limit");
    assert_eq!(trips[0]["attributes"]["outcome"], "ok");
    assert!(trips[0]["attributes"]["duration_ms"].as_f64().unwrap() > 0.0);
}

/// Over HTTP: the caller's `traceparent` header is the parent when `_meta` names none, the
/// client's address and the transport are attributes, and a stopping server exports what it
/// holds.
#[test]
fn http_requests_continue_the_header_trace() {
    let phoenix = Phoenix::start();
    let endpoint = phoenix.endpoint();
    let server = support::HttpServer::start_with_env(
        &support::build_example("tool_server"),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
        ],
    );
    let url = server.url();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let status = support::call_over_http(
        &url,
        "add",
        json!({"a": 2, "b": 3}),
        &[("traceparent", &traceparent)],
    );
    assert!(status.is_success(), "{status}");
    // A 2025 session's spans name it by a digest of its id, never the id.
    let session_id = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use crate::common::http;
        let client = reqwest::Client::new();
        let sid = http::open_session(&client, &url, http::mcp_headers()).await;
        let call = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
            "params":{"name":"add","arguments":{"a":5,"b":8}}});
        let answer = http::post(&client, &url, http::with_session(&sid), call).await;
        assert!(answer.status().is_success());
        sid
    });
    let stopped = server.stop();
    support::assert_clean_exit(&stopped, "tool_server --http");
    let spans = phoenix.spans_when(Duration::from_secs(30), |s| s.len() >= 4);
    let digest = {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(session_id.as_bytes());
        d[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let in_session: Vec<&Value> = spans
        .iter()
        .filter(|s| s["attributes"]["mcp.session.id"] == digest.as_str())
        .collect();
    assert_eq!(
        in_session.len(),
        3,
        "initialize, initialized and the call: {spans:#?}"
    );
    assert!(
        !format!("{spans:?}").contains(&session_id),
        "the id itself is never recorded"
    );
    let add = spans
        .iter()
        .find(|s| s["name"] == "tools/call add" && s["context"]["trace_id"] == TRACE_ID)
        .unwrap_or_else(|| panic!("{spans:#?}"));
    assert_eq!(add["parent_id"], PARENT_ID, "{add:#}");
    let a = &add["attributes"];
    assert!(a.get("mcp.session.id").is_none(), "stateless: {add:#}");
    assert_eq!(a["network.transport"], "tcp", "{add:#}");
    assert_eq!(a["client.address"], "127.0.0.1", "{add:#}");
    assert_eq!(a["mcp.protocol.version"], "2026-07-28", "{add:#}");
}

/// Metrics without traces: each request's duration in `mcp.server.operation.duration`, by
/// method, tool and `error.type` (an unknown tool's name is not an attribute), and the policies'
/// counters and breaker states, exported as the server ends.
#[test]
fn durations_and_policy_counters_reach_a_real_receiver() {
    let sink = OtelSink::start();
    let mut child = Command::new(support::build_example("tool_server"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", sink.endpoint())
        .env("OTEL_TRACES_EXPORTER", "none")
        // Longer than the test: only the export at shutdown sends them.
        .env("OTEL_METRIC_EXPORT_INTERVAL", "600000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for r in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":3,"b":4}}}),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"divide","arguments":{"a":1,"b":0}}}),
        json!({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}),
        json!({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"fibonacci","arguments":{"n":10}}}),
        json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fibonacci","arguments":{"n":10}}}),
        // Port 9 (discard) refuses connections: retried, until the breaker opens under it.
        json!({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"resilient_api_call","arguments":{"url":"http://127.0.0.1:9/x"}}}),
    ] {
        writeln!(stdin, "{r}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 8);

    const DURATION: &str = "mcp.server.operation.duration";
    let points = sink.points_when(Duration::from_secs(30), |p| {
        p.iter().any(|p| p["name"] == DURATION)
    });
    let durations: Vec<&Value> = points
        .iter()
        .filter(|p| p["name"] == DURATION)
        .map(|p| &p["point"])
        .collect();
    let of_tool = |tool: &str| -> Vec<&Value> {
        durations
            .iter()
            .copied()
            .filter(|p| attribute(p, "gen_ai.tool.name").as_deref() == Some(tool))
            .collect()
    };
    let add = of_tool("add");
    assert_eq!(add.len(), 1, "{durations:#?}");
    let add = add[0];
    assert_eq!(add["count"], "2", "two calls: {add:#}");
    assert_eq!(
        attribute(add, "mcp.method.name").as_deref(),
        Some("tools/call")
    );
    assert_eq!(attribute(add, "network.transport").as_deref(), Some("pipe"));
    assert_eq!(
        attribute(add, "mcp.protocol.version").as_deref(),
        Some("2025-11-25")
    );
    assert_eq!(attribute(add, "error.type"), None, "{add:#}");
    assert!(add["sum"].as_f64().unwrap() > 0.0, "{add:#}");
    // The conventions' buckets, in seconds.
    assert_eq!(add["explicitBounds"][0], 0.01, "{add:#}");

    let divide = of_tool("divide");
    assert_eq!(
        attribute(divide[0], "error.type").as_deref(),
        Some("tool_error"),
        "{divide:#?}"
    );
    assert!(of_tool("no_such_tool").is_empty(), "{durations:#?}");
    let unknown: Vec<&&Value> = durations
        .iter()
        .filter(|p| attribute(p, "error.type").as_deref() == Some("-32602"))
        .collect();
    assert_eq!(unknown.len(), 1, "{durations:#?}");
    assert_eq!(attribute(unknown[0], "gen_ai.tool.name"), None);
    assert!(
        durations
            .iter()
            .any(|p| attribute(p, "mcp.method.name").as_deref() == Some("initialize")),
        "{durations:#?}"
    );

    let counter = |name: &str, function: &str| -> Option<u64> {
        points
            .iter()
            .filter(|p| p["name"] == name)
            .find(|p| attribute(&p["point"], "function").is_some_and(|f| f.ends_with(function)))
            .map(|p| {
                let value = &p["point"]["asInt"];
                value
                    .as_str()
                    .map(|s| s.parse().unwrap())
                    .or(value.as_u64())
                    .unwrap_or(0)
            })
    };
    assert_eq!(
        counter("sturdy.cache.hits", "fibonacci"),
        Some(1),
        "{points:#?}"
    );
    assert_eq!(counter("sturdy.cache.misses", "fibonacci"), Some(1));
    assert!(counter("sturdy.retries", "resilient_api_call").unwrap() >= 2);
    assert_eq!(
        counter("sturdy.circuit_breaker.state", "resilient_api_call"),
        Some(2),
        "open: {points:#?}"
    );
}

#[sturdy::bulkhead(max_concurrent = 1, max_wait = 5)]
async fn one_at_a_time(ms: u64) -> Result<u64, sturdy::ToolError> {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(ms)
}

/// A call that waits for a bulkhead's slot says so on its span: how long, and that it got in;
/// a call that found a slot free says nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulkhead_wait_is_an_event_of_the_call() {
    use opentelemetry::trace::{
        FutureExt as _, TraceContextExt as _, Tracer as _, TracerProvider as _,
    };
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let _telemetry = sturdy::telemetry::Telemetry::with_provider(provider.clone());
    let tracer = provider.tracer("test");
    let in_span = |name: &'static str, ms: u64| {
        let cx = opentelemetry::Context::current_with_span(tracer.start(name));
        let call = one_at_a_time(ms).with_context(cx.clone());
        async move {
            let result = call.await;
            cx.span().end();
            result
        }
    };
    let first = tokio::spawn(in_span("first", 400));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = tokio::spawn(in_span("second", 1));
    assert_eq!(first.await.unwrap(), Ok(400));
    assert_eq!(second.await.unwrap(), Ok(1));

    let spans = exporter.get_finished_spans().unwrap();
    let waits = |name: &str| -> Vec<opentelemetry::trace::Event> {
        let span = spans.iter().find(|s| s.name == name).unwrap();
        span.events
            .iter()
            .filter(|e| e.name == "sturdy.bulkhead")
            .cloned()
            .collect()
    };
    assert!(waits("first").is_empty());
    let waited = waits("second");
    assert_eq!(waited.len(), 1, "{spans:#?}");
    let value = |key: &str| {
        waited[0]
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.clone())
            .unwrap_or_else(|| panic!("no {key}: {waited:#?}"))
    };
    assert_eq!(value("bulkhead.admitted"), true.into());
    let opentelemetry::Value::F64(ms) = value("bulkhead.waited_ms") else {
        panic!("{waited:#?}");
    };
    assert!(ms > 100.0, "waited for the first call to end: {ms} ms");
}

/// An HTTP upstream answering JSON that fails its first request (503), and keeps the
/// `traceparent` header of each request it gets.
struct FlakyUpstream {
    port: u16,
    traceparents: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FlakyUpstream {
    fn start() -> FlakyUpstream {
        use std::io::{BufRead, BufReader};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let traceparents = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = traceparents.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("traceparent") {
                            seen.lock().unwrap().push(value.trim().to_owned());
                        }
                    }
                    line.clear();
                }
                let (status, body) = if n == 0 {
                    ("503 Service Unavailable", r#"{"error":"later"}"#)
                } else {
                    ("200 OK", r#"{"ok":true}"#)
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FlakyUpstream { port, traceparents }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn traceparents(&self) -> Vec<String> {
        self.traceparents.lock().unwrap().clone()
    }
}

/// A span's events named `name`, in order.
fn events<'a>(span: &'a Value, name: &str) -> Vec<&'a Value> {
    span["events"]
        .as_array()
        .map(|e| e.iter().filter(|e| e["name"] == name).collect())
        .unwrap_or_default()
}

fn event_names(span: &Value) -> Vec<String> {
    span["events"]
        .as_array()
        .map(|e| e.iter().map(|e| e["name"].to_string()).collect())
        .unwrap_or_default()
}

/// `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`: spans and metrics reach a real gRPC receiver (oteltest's
/// gRPC sink), the caller's `traceparent` still the parent of its call's span.
#[test]
fn spans_and_metrics_go_over_grpc() {
    let sink = OtelSink::start_grpc();
    let mut child = Command::new(support::build_example("tool_server"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", sink.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        // Longer than the test: only the flush at shutdown sends them.
        .env("OTEL_BSP_SCHEDULE_DELAY", "600000")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "600000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    for r in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{"traceparent":traceparent}}}),
    ] {
        writeln!(stdin, "{r}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);

    let points = sink.points_when(Duration::from_secs(30), |p| {
        p.iter()
            .any(|p| p["name"] == "mcp.server.operation.duration")
    });
    let add = points
        .iter()
        .find(|p| {
            p["name"] == "mcp.server.operation.duration"
                && attribute(&p["point"], "gen_ai.tool.name").as_deref() == Some("add")
        })
        .unwrap_or_else(|| panic!("no duration of add among {points:#?}"));
    assert_eq!(add["point"]["count"], "1", "{add:#}");
    let started = std::time::Instant::now();
    let spans = loop {
        let spans = sink.spans();
        if spans.iter().any(|s| s["name"] == "tools/call add") || started.elapsed().as_secs() > 30 {
            break spans;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let call = span(&spans, "tools/call add");
    // The OTLP JSON mapping of bytes is base64; the ids as hex are in the traceparent sent.
    let hex = |b64: &Value| {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    assert_eq!(hex(&call["traceId"]), TRACE_ID, "{call:#}");
    assert_eq!(hex(&call["parentSpanId"]), PARENT_ID, "{call:#}");
    assert!(
        spans.iter().any(|s| s["name"] == "initialize"),
        "{spans:#?}"
    );
}

/// A collector that accepts connections and never answers: calls are answered as usual, at
/// most `OTEL_BSP_MAX_QUEUE_SIZE` spans wait for it, and the rest are dropped and counted in
/// `/metrics`, as are those whose export failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswering_collector_costs_dropped_spans_never_calls() {
    use crate::common::http::{json_of, post, stateless_headers, stateless_meta};
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", hole.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in hole.incoming().map_while(Result::ok) {
            held.push(stream); // open, and silent
        }
    });
    let server = support::HttpServer::start_with_env(
        &support::build_example("tool_server"),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "8"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "8"),
            ("OTEL_BSP_SCHEDULE_DELAY", "50"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
        ],
    );
    let http = reqwest::Client::new();
    for n in 0..40 {
        let started = std::time::Instant::now();
        let body = json!({"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {
            "name": "add", "arguments": {"a": n, "b": 1}, "_meta": stateless_meta()}});
        let answer = json_of(post(&http, &server.url(), stateless_headers(), body).await).await;
        assert_eq!(
            answer["result"]["structuredContent"]["result"],
            n + 1,
            "{answer}"
        );
        // Far below the export timeout: no call waits on the collector.
        assert!(started.elapsed() < Duration::from_secs(1), "call {n}");
    }
    let metrics = server.url().replace("/mcp", "/metrics");
    let counter = |text: &str, name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    };
    let text = http
        .get(&metrics)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dropped = counter(&text, "sturdy_otel_spans_dropped_total");
    assert!(dropped >= 20.0, "at most 8 wait, the rest dropped:\n{text}");
    assert_eq!(counter(&text, "sturdy_otel_spans_exported_total"), 0.0);
    // After the export timeout, the spans sent are counted as failed.
    let started = std::time::Instant::now();
    loop {
        let text = http
            .get(&metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if counter(&text, "sturdy_otel_spans_failed_total") > 0.0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A caller that did not sample its trace: the server records no span for its call (nor for the
/// calls the tool makes), and the trace goes on to the upstream, still unsampled, under the
/// caller's trace id; a sampled caller's call, next to it, is recorded.
#[test]
fn an_unsampled_caller_gets_no_span_and_its_trace_goes_on() {
    let sink = OtelSink::start();
    let upstream = FlakyUpstream::start();
    let mut child = Command::new(support::build_example("tool_server"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", sink.endpoint())
        .env("OTEL_METRICS_EXPORTER", "none")
        .env("OTEL_BSP_SCHEDULE_DELAY", "600000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let unsampled = format!("00-{TRACE_ID}-{PARENT_ID}-00");
    let sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let url = format!("{}/data", upstream.url());
    for r in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"retry_api_call","arguments":{"url":url},"_meta":{"traceparent":unsampled}}}),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{"traceparent":sampled}}}),
    ] {
        writeln!(stdin, "{r}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);

    // Two attempts (the first answered 503), each carrying the caller's trace, unsampled.
    let sent = upstream.traceparents();
    assert_eq!(sent.len(), 2, "{sent:?}");
    for traceparent in &sent {
        assert!(
            traceparent.starts_with(&format!("00-{TRACE_ID}-")) && traceparent.ends_with("-00"),
            "{traceparent}"
        );
    }
    let started = std::time::Instant::now();
    let spans = loop {
        let spans = sink.spans();
        if spans.iter().any(|s| s["name"] == "tools/call add") || started.elapsed().as_secs() > 30 {
            break spans;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    span(&spans, "tools/call add");
    let names: Vec<&Value> = spans.iter().map(|s| &s["name"]).collect();
    assert!(
        !names.iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("retry_api_call") || n.starts_with("GET"))),
        "nothing of the unsampled call is recorded: {names:?}"
    );
}
