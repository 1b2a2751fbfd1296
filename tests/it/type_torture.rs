//! Every type a user can put in a tool's signature, against every client: the type-torture server
//! (`examples/type_torture.rs`, a tool per type) must be listed and called without an exception by
//! the official TypeScript SDK client and both official Python SDK generations, over stdio and
//! Streamable HTTP, and what it emits must match the official schema of each MCP revision.
//!
//! The calls and their expected results are `tests/type_torture/cases.json`, shared by this file
//! and the client scripts (`tests/ts/sdk_client.mjs`, `tests/python/sdk_client.py --cases`).

use crate::{example_client, support};
use example_client::ToolServer;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use support::spec::Spec;
use support::{run, HttpServer};

/// Longest one client script may take.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

fn cases_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/type_torture/cases.json")
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(cases_path()).expect("read the cases");
    let doc: Value = serde_json::from_str(&text).expect("the cases are JSON");
    doc["cases"].as_array().expect("a cases array").clone()
}

fn server() -> &'static Path {
    static SERVER: OnceLock<PathBuf> = OnceLock::new();
    SERVER.get_or_init(|| support::build_example("type_torture"))
}

/// Whether a schema holds a boolean subschema anywhere a schema goes (`{}` is written instead).
fn has_boolean_subschema(schema: &Value) -> bool {
    match schema {
        Value::Object(m) => m.iter().any(|(k, v)| match k.as_str() {
            "default" | "const" | "enum" | "examples" => false,
            "properties" | "$defs" | "patternProperties" => v.as_object().is_some_and(|m| {
                m.values()
                    .any(|s| s.is_boolean() || has_boolean_subschema(s))
            }),
            "items" | "not" | "if" | "then" | "else" | "contains" => {
                v.is_boolean() || has_boolean_subschema(v)
            }
            "additionalProperties" => v == &json!(true) || has_boolean_subschema(v),
            _ => has_boolean_subschema(v),
        }),
        Value::Array(items) => items
            .iter()
            .any(|s| s.is_boolean() || has_boolean_subschema(s)),
        _ => false,
    }
}

/// Over stdio at each revision: `tools/list` and every call's result (successes and errors) match
/// the revision's official schema; each success's `structuredContent` is the expected value and
/// validates against the tool's own `outputSchema`; no error result carries `structuredContent`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_revision_accepts_the_listing_and_every_result() {
    let cases = cases();
    for revision in ["2025-06-18", "2025-11-25", "2026-07-28"] {
        let mut spec = Spec::load(revision);
        let mut tools = ToolServer::start_example("type_torture", revision).await;
        let list = tools.request("tools/list", json!({})).await;
        spec.check_message(&list, Some("ListToolsResult"));
        let listed = list["result"]["tools"].as_array().expect("tools").clone();
        let names: BTreeSet<&str> = listed.iter().filter_map(|t| t["name"].as_str()).collect();
        let covered: BTreeSet<&str> = cases.iter().filter_map(|c| c["tool"].as_str()).collect();
        assert_eq!(names, covered, "every tool has a case, every case a tool");
        for tool in &listed {
            for key in ["inputSchema", "outputSchema"] {
                if let Some(schema) = tool.get(key) {
                    assert!(!has_boolean_subschema(schema), "{key} of {tool}");
                    jsonschema::draft202012::new(schema)
                        .unwrap_or_else(|e| panic!("{key} of {}: {e}", tool["name"]));
                }
            }
        }
        for case in &cases {
            let name = case["tool"].as_str().unwrap();
            let tool = listed.iter().find(|t| t["name"] == name).unwrap();
            let call = json!({"name": name, "arguments": case["arguments"]});
            let input = jsonschema::draft202012::new(&tool["inputSchema"]).unwrap();
            assert!(
                input.is_valid(&case["arguments"]),
                "{call} vs its inputSchema"
            );

            let msg = tools.request("tools/call", call.clone()).await;
            spec.check_message(&msg, Some("CallToolResult"));
            let result = &msg["result"];
            assert!(result.get("isError").is_none(), "{revision} {call}: {msg}");
            match case.get("structured") {
                Some(expected) => {
                    assert_eq!(&result["structuredContent"], expected, "{revision} {call}");
                    let output = jsonschema::draft202012::new(&tool["outputSchema"]).unwrap();
                    let errors: Vec<String> = output
                        .iter_errors(expected)
                        .map(|e| e.to_string())
                        .collect();
                    assert!(errors.is_empty(), "{call}: {errors:?}");
                }
                None => assert!(result.get("structuredContent").is_none(), "{call}: {msg}"),
            }
            if let Some(text) = case.get("text") {
                assert_eq!(&result["content"][0]["text"], text, "{call}");
            }

            let mut failing = call.clone();
            failing["arguments"]["fail"] = json!(true);
            let msg = tools.request("tools/call", failing.clone()).await;
            spec.check_message(&msg, Some("CallToolResult"));
            let result = &msg["result"];
            assert_eq!(result["isError"], true, "{failing}: {msg}");
            assert!(
                result.get("structuredContent").is_none(),
                "{failing}: {msg}"
            );
            assert_eq!(result["_meta"]["dev.sturdy/error"]["error"], "failed");
            let text = result["content"][0]["text"].as_str().unwrap();
            assert!(text.contains("failed on request"), "{failing}: {msg}");
        }
    }
}

/// Runs a client script against the server, over stdio or HTTP (then stopped with SIGTERM).
fn drive(client: impl Fn(&[&std::ffi::OsStr]) -> Command, http: bool, what: &str) {
    let cases = cases_path();
    let (out, server_log) = if http {
        let server = HttpServer::start(server());
        let url = server.url();
        let out = run(
            client(&[
                "--http".as_ref(),
                url.as_ref(),
                "--cases".as_ref(),
                cases.as_ref(),
            ]),
            SCRIPT_TIMEOUT,
        );
        let stopped = server.stop();
        support::assert_clean_exit(&stopped, "type_torture --http");
        (out, stopped.stderr)
    } else {
        let out = run(
            client(&[server().as_os_str(), "--cases".as_ref(), cases.as_ref()]),
            SCRIPT_TIMEOUT,
        );
        (out, String::new())
    };
    assert!(
        out.succeeded(),
        "{what} failed against the type-torture server: {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n\
         --- server stderr ---\n{server_log}",
        out.outcome(),
        out.stdout,
        out.stderr
    );
    println!("{}", out.stdout);
}

/// The TypeScript client takes the server as `--stdio <binary>`.
fn ts(args: &[&std::ffi::OsStr]) -> Command {
    let mut args = args.to_vec();
    if args[0] != "--http" {
        args.insert(0, "--stdio".as_ref());
    }
    support::node::script("sdk_client.mjs", &args)
}

fn python(venv: &str, requirement: &str) -> impl Fn(&[&std::ffi::OsStr]) -> Command {
    let python = support::python::sdk_venv(venv, requirement);
    move |args| support::python::script(&python, "sdk_client.py", args)
}

#[test]
fn typescript_sdk_over_stdio() {
    drive(ts, false, support::node::TS_SDK);
}

#[test]
fn typescript_sdk_over_http() {
    drive(ts, true, support::node::TS_SDK);
}

#[test]
fn python_sdk_1_30_over_stdio() {
    drive(python("mcp-1.30", "mcp==1.30.*"), false, "mcp 1.30");
}

#[test]
fn python_sdk_1_30_over_http() {
    drive(python("mcp-1.30", "mcp==1.30.*"), true, "mcp 1.30");
}

#[test]
fn python_sdk_2_3_over_stdio() {
    drive(python("mcp-2.3", "mcp==2.3.*"), false, "mcp 2.3");
}

#[test]
fn python_sdk_2_3_over_http() {
    drive(python("mcp-2.3", "mcp==2.3.*"), true, "mcp 2.3");
}
