//! The conformance fixture server (examples/conformance.rs) as the official MCP conformance suite
//! sees it, over stdio instead of Streamable HTTP: a real process, newline-delimited JSON-RPC, and
//! the checks of the suite's `tools-*` scenarios (plus the exact results they document).

use crate::{common, support};
use common::RpcClient;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The revisions the suite's tools scenarios run at.
const REVISIONS: [&str; 2] = ["2025-06-18", "2025-11-25"];

/// The fixture tools the example implements.
const FIXTURES: [&str; 13] = [
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_multiple_content_types",
    "test_error_handling",
    "test_tool_with_progress",
    "json_schema_2020_12_tool",
    "test_sampling",
    "test_elicitation",
    "test_elicitation_sep1034_defaults",
    "test_elicitation_sep1330_enums",
    "test_custom_headers",
];

/// The fixtures that take one required string argument.
const WITH_ONE_ARGUMENT: [(&str, &str); 4] = [
    ("test_sampling", "prompt"),
    ("test_elicitation", "message"),
    ("greet", "name"),
    ("confirm_delete", "filename"),
];

/// The PNG the image fixtures return (a 1×1 red pixel), base64-encoded independently of sturdy.
const RED_PIXEL_PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQD3A0FDAAAAAElFTkSuQmCC";

/// The example binary, built fresh by the shared helper.
fn example(name: &str) -> PathBuf {
    support::build_example(name)
}

/// The fixture server on piped stdin/stdout.
struct Server {
    _child: Child,
    rpc: RpcClient<ChildStdout, ChildStdin>,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(example("conformance"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let rpc = RpcClient::new(child.stdout.take().unwrap(), child.stdin.take().unwrap());
        Server { _child: child, rpc }
    }

    /// Sends a request; returns the messages that came before its response, and the response.
    async fn request(&mut self, method: &str, params: Value) -> (Vec<Value>, Value) {
        let id = self.rpc.next_id();
        self.rpc.request_after(id, method, params).await
    }

    /// The handshake, as the suite's client does it (it announces sampling and elicitation).
    async fn initialize(&mut self, revision: &str) -> Value {
        self.rpc
            .initialize_with(
                revision,
                "conformance-test-client",
                json!({"sampling": {}, "elicitation": {}}),
            )
            .await
    }

    /// `tools/call` with `arguments: {}` (as most scenarios send); the `CallToolResult`.
    async fn call(&mut self, name: &str) -> Value {
        let (before, r) = self
            .request("tools/call", json!({"name": name, "arguments": {}}))
            .await;
        assert!(before.is_empty(), "{name}: unexpected messages {before:?}");
        r.get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{name}: expected a result, got {r}"))
    }
}

/// Decodes standard base64 (with padding), written here so that the check does not reuse
/// sturdy's encoder.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    assert_eq!(text.len() % 4, 0, "padded base64: {text}");
    let mut out = Vec::new();
    for quad in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &c in quad {
            n <<= 6;
            if c == b'=' {
                pad += 1;
            } else {
                assert_eq!(pad, 0, "padding only at the end: {text}");
                n |= ALPHABET
                    .iter()
                    .position(|&a| a == c)
                    .expect("base64 alphabet") as u32;
            }
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    out
}

/// `tools-call-*`: a result with a non-empty `content` array and the block of this type.
fn block<'a>(result: &'a Value, kind: &str) -> &'a Value {
    let content = result["content"].as_array().expect("a content array");
    assert!(!content.is_empty(), "content array is empty: {result}");
    content
        .iter()
        .find(|b| b["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} content in {result}"))
}

#[tokio::test]
async fn initialize_and_list_the_fixture_tools() {
    for revision in REVISIONS {
        let mut s = Server::start();
        let init = s.initialize(revision).await;
        // server-initialize
        assert_eq!(init["result"]["protocolVersion"], revision);
        assert!(init["result"]["capabilities"]["tools"].is_object());
        assert_eq!(init["result"]["serverInfo"]["name"], "sturdy-conformance");
        // ping
        assert_eq!(s.request("ping", json!({})).await.1["result"], json!({}));

        // tools-list: every tool has a name, a description and an input schema.
        let (_, list) = s.request("tools/list", json!({})).await;
        let tools = list["result"]["tools"].as_array().unwrap();
        for t in tools {
            assert!(t["name"].as_str().is_some_and(|n| !n.is_empty()), "{t}");
            assert!(
                t["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{t}"
            );
            assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        }
        let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
        for f in FIXTURES {
            assert!(names.contains(&f), "{f} missing from {names:?}");
        }
        // (The tools with several arguments are checked below.)
        for t in tools.iter().filter(|t| {
            ![
                "json_schema_2020_12_tool",
                "test_custom_headers",
                "slow_compute",
            ]
            .contains(&t["name"].as_str().unwrap_or_default())
        }) {
            let schema = &t["inputSchema"];
            match WITH_ONE_ARGUMENT
                .iter()
                .find(|(name, _)| t["name"] == *name)
            {
                Some((_, arg)) => {
                    assert_eq!(schema["properties"][arg], json!({"type": "string"}), "{t}");
                    assert_eq!(schema["required"], json!([arg]), "{t}");
                }
                // The other scenario fixtures take no arguments.
                None => {
                    assert_eq!(schema["properties"], json!({}), "{t}");
                    assert!(schema.get("required").is_none(), "{t}");
                }
            }
        }

        // http-custom-header-server-validation: a string parameter mirrored in a header.
        let headers = tools
            .iter()
            .find(|t| t["name"] == "test_custom_headers")
            .unwrap();
        assert_eq!(
            headers["inputSchema"]["properties"]["region"],
            json!({"type": "string", "x-mcp-header": "Region"})
        );

        // json-schema-2020-12: the tool, its dialect, properties, `$defs/address` with its
        // `$anchor`, and the keywords written at the root (SEP-1613, SEP-2106).
        let tool = tools
            .iter()
            .find(|t| t["name"] == "json_schema_2020_12_tool")
            .unwrap();
        assert_eq!(
            tool["description"],
            "Tool with JSON Schema 2020-12 features"
        );
        let schema = &tool["inputSchema"];
        assert_eq!(schema["properties"]["name"], json!({"type": "string"}));
        assert_eq!(
            schema["properties"]["address"],
            json!({"$ref": "#/$defs/address"})
        );
        let address = &schema["$defs"]["address"];
        assert_eq!(address["type"], "object");
        assert_eq!(address["$anchor"], "addressDef");
        for field in ["street", "city"] {
            assert!(address["properties"].get(field).is_some(), "{address}");
        }
        assert!(schema.get("required").is_none());
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(
            schema["allOf"],
            json!([{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}])
        );
        assert_eq!(schema["then"], json!({"required": ["phone"]}));
        assert_eq!(schema["else"], json!({"required": ["email"]}));
        assert_eq!(schema["if"]["required"], json!(["contactMethod"]));
    }
}

#[tokio::test]
async fn text_error_and_json_schema_tools() {
    for revision in REVISIONS {
        let mut s = Server::start();
        s.initialize(revision).await;

        // tools-call-simple-text: the suite's call has no `arguments` at all.
        let (_, r) = s
            .request("tools/call", json!({"name": "test_simple_text"}))
            .await;
        let r = &r["result"];
        assert_eq!(
            r["content"],
            json!([{"type": "text", "text": "This is a simple text response for testing."}])
        );
        assert!(r.get("isError").is_none());

        // tools-call-error: `isError: true` and the message as the first content block.
        let r = s.call("test_error_handling").await;
        assert_eq!(r["isError"], true);
        assert_eq!(
            r["content"][0],
            json!({"type": "text", "text": "This tool intentionally returns an error for testing"})
        );

        // The schema tool works with and without its optional arguments.
        let (_, r) = s.request(
            "tools/call",
            json!({"name": "json_schema_2020_12_tool",
                   "arguments": {"name": "Ada", "address": {"street": "1 Main St", "city": "Springfield"}}}),
        ).await;
        assert_eq!(
            r["result"]["content"][0]["text"],
            "Ada at 1 Main St, Springfield"
        );
        let r = s.call("json_schema_2020_12_tool").await;
        assert_eq!(r["content"][0]["text"], "nobody, no address");
    }
}

#[tokio::test]
async fn image_audio_and_resource_content() {
    for revision in REVISIONS {
        let mut s = Server::start();
        s.initialize(revision).await;

        // tools-call-image
        let r = s.call("test_image_content").await;
        assert_eq!(r["content"].as_array().unwrap().len(), 1);
        let image = block(&r, "image");
        assert_eq!(image["mimeType"], "image/png");
        assert_eq!(image["data"], RED_PIXEL_PNG_BASE64);
        assert!(r.get("structuredContent").is_none() && r.get("isError").is_none());

        // tools-call-audio: `audio/wav` exactly, and the data is a WAV file.
        let r = s.call("test_audio_content").await;
        let audio = block(&r, "audio");
        assert_eq!(audio["mimeType"], "audio/wav");
        let wav = base64_decode(audio["data"].as_str().unwrap());
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        let riff_len = u32::from_le_bytes(wav[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff_len + 8, wav.len());

        // tools-call-embedded-resource: uri, mimeType and text.
        let r = s.call("test_embedded_resource").await;
        assert_eq!(
            block(&r, "resource")["resource"],
            json!({"uri": "test://embedded-resource", "mimeType": "text/plain",
                   "text": "This is an embedded resource content."})
        );

        // tools-call-mixed-content: text, image and resource, in that order.
        let r = s.call("test_multiple_content_types").await;
        let content = r["content"].as_array().unwrap();
        let kinds: Vec<&str> = content.iter().filter_map(|b| b["type"].as_str()).collect();
        assert_eq!(kinds, ["text", "image", "resource"]);
        assert_eq!(content[0]["text"], "Multiple content types test:");
        assert_eq!(content[1]["mimeType"], "image/png");
        assert_eq!(
            base64_decode(content[1]["data"].as_str().unwrap())[..8],
            *b"\x89PNG\r\n\x1a\n"
        );
        assert_eq!(
            content[2]["resource"],
            json!({"uri": "test://mixed-content-resource", "mimeType": "application/json",
                   "text": "{\"test\":\"data\",\"value\":123}"})
        );
    }
}

#[tokio::test]
async fn progress_notifications_arrive_before_the_response() {
    for revision in REVISIONS {
        let mut s = Server::start();
        s.initialize(revision).await;

        // tools-call-with-progress, as the suite sends it.
        let (before, r) = s
            .request(
                "tools/call",
                json!({"name": "test_tool_with_progress", "arguments": {},
                   "_meta": {"progressToken": "progress-test-1"}}),
            )
            .await;
        assert!(r["result"]["content"][0]["text"].is_string(), "{r}");
        assert!(r["result"].get("isError").is_none(), "{r}");
        assert!(
            before
                .iter()
                .all(|m| m["method"] == "notifications/progress"),
            "{before:?}"
        );
        assert_eq!(before.len(), 3, "three progress notifications: {before:?}");
        let mut last = f64::NEG_INFINITY;
        for (note, expected) in before.iter().zip([0.0, 50.0, 100.0]) {
            let p = &note["params"];
            assert_eq!(p["progressToken"], "progress-test-1");
            assert_eq!(p["total"].as_f64(), Some(100.0));
            let progress = p["progress"].as_f64().unwrap();
            assert_eq!(progress, expected);
            assert!(progress >= last, "increasing: {before:?}");
            last = progress;
        }

        // A numeric token comes back as it was sent.
        let (before, _) = s
            .request(
                "tools/call",
                json!({"name": "test_tool_with_progress", "arguments": {},
                   "_meta": {"progressToken": 42}}),
            )
            .await;
        assert_eq!(before.len(), 3);
        assert!(before.iter().all(|m| m["params"]["progressToken"] == 42));

        // Without a token the tool runs and sends no notifications.
        let r = s.call("test_tool_with_progress").await;
        assert!(r["content"][0]["text"].is_string());
    }
}
