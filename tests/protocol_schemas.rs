//! Every message the server emits, validated against the official MCP schema of the revision it
//! speaks (tests/mcp-schema, vendored unchanged), and the official 2026-07-28 example messages run
//! through the server's own parser.

mod common;
mod support;

use common::{meta_2026, Client};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use sturdy::mcp::{Server, ServerInfo, Session};
use sturdy::prelude::*;
use support::spec::{schema_dir, Spec};

/// Echo the text back.
#[tool(read_only)]
fn echo(text: String) -> String {
    text
}

#[derive(Serialize, JsonSchema)]
struct Summary {
    count: usize,
    mean: Option<f64>,
    tags: Vec<Tag>,
}

#[derive(Serialize, JsonSchema)]
enum Tag {
    Empty,
    Small,
    Large,
}

/// Summarise numbers.
#[tool(title = "Summary", read_only, idempotent)]
async fn summarize(values: Vec<f64>, #[arg(default = 10)] large: u32) -> Summary {
    let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    let tag = match values.len() {
        0 => Tag::Empty,
        n if n < large as usize => Tag::Small,
        _ => Tag::Large,
    };
    Summary {
        count: values.len(),
        mean,
        tags: vec![tag],
    }
}

/// Maybe a number.
#[tool]
fn maybe(n: Option<i64>) -> Option<i64> {
    n
}

/// Does nothing.
#[tool(destructive, open_world)]
fn nothing() {}

/// Always fails.
#[tool]
fn fail() -> Result<String, ToolError> {
    Err(ToolError::new("it failed"))
}

/// Always panics.
#[tool]
fn crash() -> String {
    panic!("crashed")
}

/// Reports progress.
#[tool]
async fn steps(ctx: Context, n: u32) -> String {
    for i in 0..n {
        ctx.progress(f64::from(i + 1), Some(f64::from(n)), Some("step"))
            .await;
    }
    "done".into()
}

/// Every kind of content block.
#[tool]
fn media() -> Vec<Content> {
    vec![
        Content::text("a picture, a sound and two files:"),
        Content::image([0x89, b'P', b'N', b'G'], "image/png"),
        Content::audio(b"RIFF", "audio/wav"),
        Content::resource_text("test://text", "text/plain", "hello"),
        Content::resource_blob("test://blob", "application/octet-stream", [0, 1, 2]),
    ]
}

/// The weather (the tool the official examples call).
#[tool]
fn get_weather(location: String) -> String {
    format!("Sunny in {location}")
}

fn result_def(method: &str) -> Option<&'static str> {
    match method {
        "initialize" => Some("InitializeResult"),
        "ping" => Some("EmptyResult"),
        "tools/list" => Some("ListToolsResult"),
        "tools/call" => Some("CallToolResult"),
        "server/discover" => Some("DiscoverResult"),
        "resources/list" => Some("ListResourcesResult"),
        "resources/templates/list" => Some("ListResourceTemplatesResult"),
        "resources/read" => Some("ReadResourceResult"),
        "prompts/list" => Some("ListPromptsResult"),
        "prompts/get" => Some("GetPromptResult"),
        "completion/complete" => Some("CompleteResult"),
        _ => None,
    }
}

/// Calls that exercise every kind of result the server produces.
fn calls() -> Vec<(&'static str, Value)> {
    vec![
        ("echo", json!({"text": "hi"})),
        ("summarize", json!({"values": [1.0, 2.5]})),
        ("summarize", json!({"values": []})),
        ("maybe", json!({"n": 3})),
        ("maybe", json!({})),
        ("nothing", json!({})),
        ("media", json!({})),
        ("fail", json!({})),
        ("crash", json!({})),
        ("echo", json!({"text": 5})),
        ("echo", json!({"txt": "typo"})),
    ]
}

/// Drives a whole session at `revision` and validates everything the server sends.
async fn validate_session(revision: &'static str) {
    let mut spec = Spec::load(revision);
    let stateless = revision >= "2026-07-28";
    let mut c = Client::start();
    let mut id = 0;
    let mut request = |method: &'static str, mut params: Value| {
        id += 1;
        if stateless {
            let mut meta = meta_2026();
            if let Some(extra) = params.get("_meta").cloned() {
                for (k, v) in extra.as_object().unwrap() {
                    meta[k] = v.clone();
                }
            }
            params["_meta"] = meta;
        }
        (id, method, params)
    };
    let mut script = Vec::new();
    if stateless {
        script.push(request("server/discover", json!({})));
    } else {
        script.push(request(
            "initialize",
            json!({"protocolVersion": revision, "capabilities": {},
                   "clientInfo": {"name": "validator", "version": "1"}}),
        ));
        script.push(request("ping", json!({})));
    }
    script.push(request("tools/list", json!({})));
    for (name, args) in calls() {
        script.push(request(
            "tools/call",
            json!({"name": name, "arguments": args}),
        ));
    }
    script.push(request(
        "tools/call",
        json!({"name": "steps", "arguments": {"n": 3}, "_meta": {"progressToken": "tok"}}),
    ));
    script.push(request("tools/call", json!({"name": "no_such_tool"})));
    script.push(request("no/such/method", json!({})));
    script.push(request("tools/list", json!({"cursor": "bogus"})));

    let mut output_schemas: HashMap<String, Value> = HashMap::new();
    let mut progress_seen = 0;
    for (id, method, params) in script {
        c.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        if method == "initialize" {
            c.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                .await;
        }
        // Everything up to this request's response: notifications first.
        loop {
            let msg = c.next().await.expect("a response");
            if msg.get("id").is_none() && msg.get("method").is_some() {
                spec.check_message(&msg, None);
                spec.check("ProgressNotification", &msg);
                progress_seen += 1;
                continue;
            }
            assert_eq!(msg["id"], json!(id), "responses come in order here: {msg}");
            spec.check_message(&msg, result_def(method));
            if method == "tools/list" {
                if let Some(tools) = msg["result"]["tools"].as_array() {
                    for t in tools {
                        check_tool_schemas(t);
                        if let Some(o) = t.get("outputSchema") {
                            output_schemas.insert(t["name"].as_str().unwrap().into(), o.clone());
                        }
                    }
                }
            }
            if method == "tools/call" {
                check_structured_content(&params, &msg, &output_schemas);
            }
            break;
        }
    }
    assert_eq!(progress_seen, 3, "every progress notification arrived");
    // Unparseable input and an invalid request, also validated.
    c.send_raw("{oops").await;
    let msg = c.next().await.unwrap();
    assert_eq!(msg["error"]["code"], -32700);
    spec.check_message(&msg, None);
    c.send_raw(r#"{"jsonrpc":"2.0","id":99,"method":7}"#).await;
    let msg = c.next().await.unwrap();
    assert_eq!(msg["error"]["code"], -32600);
    spec.check_message(&msg, None);
}

/// Tool input/output schemas are themselves valid JSON Schemas (2020-12) with an object root.
fn check_tool_schemas(tool: &Value) {
    for key in ["inputSchema", "outputSchema"] {
        let Some(s) = tool.get(key) else { continue };
        assert_eq!(s["type"], "object", "{key} of {}", tool["name"]);
        assert!(s.get("$schema").is_none());
        jsonschema::draft202012::new(s)
            .unwrap_or_else(|e| panic!("{key} of {} is not a valid schema: {e}", tool["name"]));
        assert!(
            !s.to_string().contains("\"type\":["),
            "no type arrays in {key} of {}: {s}",
            tool["name"]
        );
    }
}

/// A successful structured result conforms to the tool's own output schema.
fn check_structured_content(params: &Value, msg: &Value, schemas: &HashMap<String, Value>) {
    let result = &msg["result"];
    if result.get("isError") == Some(&json!(true)) {
        return;
    }
    let Some(schema) = schemas.get(params["name"].as_str().unwrap()) else {
        return;
    };
    let content = result
        .get("structuredContent")
        .unwrap_or_else(|| panic!("a tool with an outputSchema returns structuredContent: {msg}"));
    let v = jsonschema::draft202012::new(schema).unwrap();
    let errors: Vec<String> = v.iter_errors(content).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{content} against {schema}: {errors:?}");
}

#[tokio::test]
async fn revision_2025_06_18_messages_match_the_schema() {
    validate_session("2025-06-18").await;
}

#[tokio::test]
async fn revision_2025_11_25_messages_match_the_schema() {
    validate_session("2025-11-25").await;
}

#[tokio::test]
async fn revision_2026_07_28_messages_match_the_schema() {
    validate_session("2026-07-28").await;
}

#[tokio::test]
async fn unsupported_version_error_matches_the_schema() {
    let mut spec = Spec::load("2026-07-28");
    let mut c = Client::start();
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
    let msg = c.request(1, "tools/list", json!({"_meta": meta})).await;
    spec.check_message(&msg, None);
    spec.check("UnsupportedProtocolVersionError", &msg);
}

/// Which request a params example belongs to.
fn method_for_params_example(kind: &str) -> Option<&'static str> {
    match kind {
        "CallToolRequestParams" => Some("tools/call"),
        "PaginatedRequestParams" => Some("tools/list"),
        _ => None,
    }
}

#[tokio::test]
async fn official_2026_examples_go_through_the_server() {
    let mut spec = Spec::load("2026-07-28");
    let registry = Registry::from_inventory().unwrap();
    let server = Server::new(registry, ServerInfo::new("examples", "1"));
    let dir = schema_dir().join("2026-07-28/examples");
    let mut handled = 0;
    let mut kinds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    kinds.sort_by_key(|e| e.file_name());
    for kind_dir in kinds {
        let kind = kind_dir.file_name().into_string().unwrap();
        for file in std::fs::read_dir(kind_dir.path()).unwrap() {
            let path = file.unwrap().path();
            let example: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // The validator agrees with the official examples of its own definitions.
            if spec.has(&kind) {
                spec.check(&kind, &example);
            }
            let message = if example.get("jsonrpc").is_some() {
                example
            } else if let Some(method) = method_for_params_example(&kind) {
                json!({"jsonrpc": "2.0", "id": "ex", "method": method, "params": example})
            } else {
                continue;
            };
            let session = Session::default();
            let response = server
                .handle(&session, message.to_string().as_bytes())
                .await;
            handled += 1;
            let is_request = message.get("method").is_some() && message.get("id").is_some();
            match (is_request, response) {
                (true, Some(bytes)) => {
                    let resp: Value = serde_json::from_slice(&bytes).unwrap();
                    let method = message["method"].as_str().unwrap();
                    let tool = message["params"]["name"].as_str().unwrap_or_default();
                    let expected_code = match method {
                        "tools/call" if server.registry().get(tool).is_none() => Some(-32602),
                        // A cursor another server issued.
                        "tools/list" if message["params"].get("cursor").is_some() => Some(-32602),
                        "tools/list" | "tools/call" | "server/discover" => None,
                        "resources/list" | "resources/templates/list" | "prompts/list" => None,
                        // This binary has no prompts.
                        "prompts/get" => Some(-32602),
                        // Neither prompts nor templates here.
                        "completion/complete" => Some(-32602),
                        // This binary has no resources: every URI is unknown (SEP-2164).
                        "resources/read" => Some(-32602),
                        // Served, but a listen stream needs a channel to the client, which a
                        // bare `Session` lacks (tests/list_changes.rs drives it over transports).
                        "subscriptions/listen" => Some(-32602),
                        // Methods sturdy does not serve (prompts, resources, ...).
                        _ => Some(-32601),
                    };
                    match expected_code {
                        None => assert!(resp.get("result").is_some(), "{}: {resp}", path.display()),
                        Some(code) => {
                            assert_eq!(resp["error"]["code"], code, "{}: {resp}", path.display())
                        }
                    }
                    spec.check_message(&resp, result_def(method));
                }
                (true, None) => panic!("{}: a request went unanswered", path.display()),
                (false, Some(bytes)) => panic!(
                    "{}: a notification or response was answered: {}",
                    path.display(),
                    String::from_utf8_lossy(&bytes)
                ),
                (false, None) => {}
            }
        }
    }
    assert!(handled >= 20, "only {handled} examples were messages");
}

/// Asks the user, then the client's model.
#[tool]
async fn interview(ctx: Context) -> Result<String, ToolError> {
    let form =
        json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
    let answer = ctx.elicit("Name?", form).await?;
    let reply = ctx.sample("Say hi", 10).await?;
    Ok(format!("{:?}, {}", answer.action, reply.text))
}

/// The client's answers to `interview`'s two questions.
fn answer_to(method: &str) -> Value {
    match method {
        "elicitation/create" => json!({"action": "accept", "content": {"name": "Ada"}}),
        "sampling/createMessage" => json!({"role": "assistant",
            "content": {"type": "text", "text": "hi"}, "model": "m"}),
        other => panic!("unexpected request {other}"),
    }
}

/// The server's requests to the client (elicitation, sampling), its `input_required` results
/// (2026-07-28) and the final results, each validated against its revision's schema.
#[tokio::test]
async fn questions_to_the_client_match_the_schema() {
    let asks = json!({"elicitation": {}, "sampling": {}});
    for revision in ["2025-06-18", "2025-11-25"] {
        let mut spec = Spec::load(revision);
        let mut c = Client::start();
        c.initialize_with(revision, "validator", asks.clone()).await;
        c.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "interview", "arguments": {}}}))
            .await;
        for (method, def) in [
            ("elicitation/create", "ElicitRequest"),
            ("sampling/createMessage", "CreateMessageRequest"),
        ] {
            let request = c.next().await.unwrap();
            assert_eq!(request["method"], method, "{request}");
            spec.check("JSONRPCRequest", &request);
            spec.check(def, &request);
            spec.check(
                def.replace("Request", "Result").as_str(),
                &answer_to(method),
            );
            c.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": answer_to(method)}))
                .await;
        }
        let done = c.response(1).await;
        assert_eq!(done["result"]["content"][0]["text"], "Accept, hi", "{done}");
        spec.check_message(&done, Some("CallToolResult"));
    }

    let mut spec = Spec::load("2026-07-28");
    let mut c = Client::start();
    let mut meta = meta_2026();
    meta["io.modelcontextprotocol/clientCapabilities"] = asks;
    let mut params = json!({"name": "interview", "arguments": {}, "_meta": meta});
    for round in 1.. {
        let msg = c.request(round, "tools/call", params.clone()).await;
        let result = &msg["result"];
        if result["resultType"] == "complete" {
            assert_eq!(
                round, 3,
                "one round per question (they are asked one after the other)"
            );
            assert_eq!(result["content"][0]["text"], "Accept, hi", "{msg}");
            spec.check_message(&msg, Some("CallToolResult"));
            break;
        }
        spec.check_message(&msg, Some("InputRequiredResult"));
        let mut answers = serde_json::Map::new();
        for (key, request) in result["inputRequests"].as_object().unwrap() {
            spec.check("InputRequest", request);
            let method = request["method"].as_str().unwrap();
            answers.insert(key.clone(), answer_to(method));
        }
        spec.check("InputResponses", &Value::Object(answers.clone()));
        params["requestState"] = result["requestState"].clone();
        params["inputResponses"] = Value::Object(answers);
    }
}
