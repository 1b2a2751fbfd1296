//! OpenTelemetry as an operator sees it: the example server over stdio, exporting to a real
//! OTLP receiver (Arize Phoenix), and the spans read back from it.

use crate::support;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
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
    let mut child = Command::new(support::build_example("tool_server"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", phoenix.endpoint())
        .env("OTEL_SERVICE_NAME", "sturdy-otel-test")
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
    ] {
        writeln!(stdin, "{r}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let answers: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("stdout holds JSON-RPC only"))
        .collect();
    assert_eq!(answers.len(), 6, "{stdout}");

    let spans = phoenix.spans_when(Duration::from_secs(30), |s| s.len() >= 6);
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
    let ping = span(&spans, "ping");
    assert!(ping["parent_id"].is_null(), "{ping:#}");
    assert_ne!(ping["context"]["trace_id"], TRACE_ID, "{ping:#}");
}
