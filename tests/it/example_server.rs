//! The example server as a user runs it: a real process, real stdin/stdout pipes.

use crate::support;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn example(name: &str) -> PathBuf {
    support::build_example(name)
}

#[test]
fn list_tools_prints_every_tool_and_exits() {
    let tools = support::list_tools("tool_server");
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for expected in [
        "add",
        "greet",
        "point_stats",
        "divide",
        "count_slowly",
        "panic_demo",
        "health_check",
        "simple_health",
        "resilient_api_call",
        "retry_api_call",
        "fibonacci",
        "prime_check",
        "rate_limited_operation",
        "load_balanced_request",
        "async_batch_requests",
        "async_parallel_processing",
        "ask_contact_details",
        "summarize_with_client_model",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for t in &tools {
        assert_eq!(t["inputSchema"]["type"], "object");
        assert!(t["policies"].is_array());
        assert!(t.get("description").is_some());
    }
    let greet = tools.iter().find(|t| t["name"] == "greet").unwrap();
    assert_eq!(greet["title"], "Greeter");
    assert_eq!(
        greet["inputSchema"]["properties"]["greeting"]["default"],
        "Hello"
    );
    assert!(greet.get("outputSchema").is_none());
}

#[test]
fn list_prints_tools_resources_templates_and_prompts_with_their_policies() {
    let out = Command::new(example("tool_server"))
        .arg("--list")
        .output()
        .unwrap();
    assert!(out.status.success(), "--list failed: {out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("--list prints JSON");
    assert_eq!(doc["server"]["name"], "sturdy-tool-server");
    // The same tools as --list-tools, with their policies and the state they take.
    let tools = doc["tools"].as_array().unwrap();
    assert_eq!(tools.len(), support::list_tools("tool_server").len());
    let api = tools
        .iter()
        .find(|t| t["name"] == "resilient_api_call")
        .unwrap();
    let policies: Vec<&str> = api["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["policy"].as_str().unwrap())
        .collect();
    // Pipeline order, outer to inner (not the order written).
    assert_eq!(policies, ["retry", "circuit_breaker", "timeout"], "{api}");
    assert!(
        api["state"][0].as_str().unwrap().ends_with("HttpClient"),
        "{api}"
    );
    // Resources, templates and prompts as their list methods show them, plus policies.
    let resources = doc["resources"].as_array().unwrap();
    let report = resources
        .iter()
        .find(|r| r["uri"] == "reports://daily")
        .unwrap_or_else(|| panic!("no reports://daily: {doc}"));
    let notes = resources.iter().find(|r| r["uri"] == "notes://latest");
    assert!(
        notes.unwrap()["state"][0]
            .as_str()
            .unwrap()
            .ends_with("Notes"),
        "{doc}"
    );
    assert_eq!(report["policies"][0]["policy"], "cached", "{report}");
    assert_eq!(report["policies"][0]["ttl"], 60.0, "{report}");
    let template = &doc["resourceTemplates"][0];
    assert_eq!(
        template["uriTemplate"], "status://regions/{region}",
        "{doc}"
    );
    assert_eq!(template["completions"], json!(["region"]), "{template}");
    assert_eq!(template["policies"], json!([]), "{template}");
    let prompt = &doc["prompts"][0];
    assert_eq!(prompt["name"], "explain_region", "{doc}");
    assert_eq!(prompt["arguments"][0]["name"], "region", "{prompt}");
    assert_eq!(prompt["completions"], json!(["region"]), "{prompt}");
}

#[test]
fn unknown_arguments_are_a_usage_error() {
    let out = Command::new(example("tool_server"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let usage = String::from_utf8_lossy(&out.stderr);
    assert!(
        usage.contains("--list-tools") && usage.contains("--list "),
        "{usage}"
    );
}

#[test]
fn serves_stdio_and_drains_at_end_of_input() {
    let mut child = Command::new(example("tool_server"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let requests = [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        // Slow, with progress: its notifications and response must arrive after stdin closes.
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"count_slowly","arguments":{"n":3},"_meta":{"progressToken":7}}}),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"panic_demo","arguments":{}}}),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"divide","arguments":{"a":1,"b":4}}}),
    ];
    for r in &requests {
        writeln!(stdin, "{r}").unwrap();
    }
    writeln!(stdin, "this is not json").unwrap();
    drop(stdin);
    let lines: Vec<Value> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert!(child.wait().unwrap().success());
    let by_id = |id: i64| {
        lines
            .iter()
            .find(|m| m["id"] == json!(id))
            .unwrap_or_else(|| panic!("no response {id} in {lines:?}"))
    };
    assert_eq!(by_id(1)["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(by_id(2)["result"]["content"][0]["text"], "counted to 3");
    assert_eq!(by_id(3)["result"]["isError"], true);
    assert_eq!(by_id(4)["result"]["structuredContent"]["result"], 0.25);
    let progress = lines
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .count();
    assert_eq!(progress, 3);
    assert!(lines.iter().any(|m| m["error"]["code"] == -32700));
    assert_eq!(lines.len(), 4 + 3 + 1);
}

#[test]
fn logs_go_to_stderr_and_stdout_carries_only_the_protocol() {
    let mut cmd = Command::new(example("tool_server"));
    cmd.env("STURDY_LOG", "warn,sturdy::call=debug,sturdy::retry=debug")
        .env("NO_PROXY", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Port 9 (discard) refuses connections: each attempt fails at once.
    let refused = "http://127.0.0.1:9/x";
    for r in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"panic_demo","arguments":{}}}),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"resilient_api_call","arguments":{"url":refused}}}),
    ] {
        writeln!(stdin, "{r}").unwrap();
    }
    drop(stdin);
    let stderr = support::Drain::start(child.stderr.take().unwrap());
    let lines: Vec<Value> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).expect("stdout holds JSON-RPC only"))
        .collect();
    assert!(child.wait().unwrap().success());
    assert_eq!(lines.len(), 4, "{lines:?}");
    let log = stderr.finish();
    for expected in [
        "tool call ok tool=\"add\"",
        "tool panicked: this tool always panics",
        "retrying: GET http://127.0.0.1:9/x could not connect",
        "circuit opened after 3 consecutive failures",
        "breaker=\"tool_server::tools::api::resilient_api_call\"",
    ] {
        assert!(
            log.contains(expected),
            "{expected:?} not in the log:\n{log}"
        );
    }

    // A filter that does not parse is a usage error, said on stderr.
    let out = support::run(
        {
            let mut c = Command::new(example("tool_server"));
            c.env("STURDY_LOG", "sturdy=loud");
            c
        },
        std::time::Duration::from_secs(30),
    );
    assert_eq!(out.status.and_then(|s| s.code()), Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("STURDY_LOG=\"sturdy=loud\""),
        "{}",
        out.stderr
    );
}
