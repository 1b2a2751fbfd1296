//! `sturdy::client` over stdio, against servers nobody here wrote and against hostile ones: the
//! official `@modelcontextprotocol/server-everything` (npm), the example server (its questions
//! answered by a handler), and a server that writes garbage, answers ids nobody asked for, sends
//! a message over the limit, never answers, and dies.

use crate::support;
use serde_json::{json, Value};
use std::time::Duration;
use sturdy::client::{Client, ClientError};

fn everything() -> tokio::process::Command {
    let mut command = tokio::process::Command::new("node");
    command.arg(support::everything::script()).arg("stdio");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_everything_server_is_called_over_stdio() {
    let client = Client::builder()
        .name("everything")
        .on_roots(|_| async { json!({"roots": [{"uri": "file:///tmp", "name": "tmp"}]}) })
        .on_elicitation(|_| async {
            json!({"action": "accept", "content": {"name": "Ada Lovelace"}})
        })
        .on_sampling(|request| async move {
            let asked = request["messages"][0]["content"]["text"].clone();
            json!({"role": "assistant", "model": "a-test-model",
                "content": {"type": "text", "text": format!("the model read: {asked}")}})
        })
        .stdio(everything())
        .await
        .unwrap();
    assert_eq!(client.server_info()["protocolVersion"], "2025-11-25");
    // Its questions, answered by the handlers (it offers these tools to clients that declare
    // the capabilities).
    let elicited = client
        .call_tool("trigger-elicitation-request", json!({}))
        .await
        .unwrap();
    assert!(elicited.text().contains("Ada Lovelace"), "{elicited:?}");
    let sampled = client
        .call_tool(
            "trigger-sampling-request",
            json!({"prompt": "name a colour", "maxTokens": 10}),
        )
        .await
        .unwrap();
    assert!(
        sampled.text().contains("the model read") && sampled.text().contains("a-test-model"),
        "{sampled:?}"
    );
    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert!(
        names.contains(&"echo") && names.contains(&"get-sum"),
        "{names:?}"
    );

    let echoed = client
        .call_tool("echo", json!({"message": "hi"}))
        .await
        .unwrap();
    assert_eq!(echoed.text(), "Echo: hi");
    let sum = client
        .call_tool("get-sum", json!({"a": 2, "b": 40}))
        .await
        .unwrap();
    assert!(sum.text().contains("42"), "{sum:?}");
    let weather = client
        .call_tool("get-structured-content", json!({"location": "Chicago"}))
        .await
        .unwrap();
    assert!(
        weather.structured().is_some_and(Value::is_object),
        "{weather:?}"
    );
    // Arguments it refuses: its error, typed.
    let refused = client.call_tool("get-sum", json!({"a": "x"})).await;
    match refused {
        Ok(result) => assert!(result.is_error(), "{result:?}"),
        Err(ClientError::Rpc { code, .. }) => assert_eq!(code, -32602),
        Err(other) => panic!("{other}"),
    }

    let resources = client.list_resources().await.unwrap();
    let uri = resources[0]["uri"].as_str().unwrap().to_owned();
    let contents = client.read_resource(&uri).await.unwrap();
    assert_eq!(contents[0]["uri"], uri.as_str());
    let prompt = client
        .get_prompt("args-prompt", json!({"city": "Lyon", "state": "Rhône"}))
        .await
        .unwrap();
    assert!(prompt["messages"][0]["content"]["text"]
        .as_str()
        .unwrap()
        .contains("Lyon"));
    client.ping().await.unwrap();
    let departments = client
        .complete(
            json!({"type": "ref/prompt", "name": "completable-prompt"}),
            "department",
            "E",
        )
        .await
        .unwrap();
    assert_eq!(departments, vec!["Engineering".to_owned()]);

    // Progress under the token given, while the tool runs.
    let mut notes = client.notifications();
    let done = client
        .call_tool_reporting(
            "trigger-long-running-operation",
            json!({"duration": 1, "steps": 2}),
            "report-1",
        )
        .await
        .unwrap();
    assert!(done.text().contains("completed"), "{done:?}");
    let mut progress = Vec::new();
    while let Ok(note) = notes.try_recv() {
        if note["method"] == "notifications/progress" {
            assert_eq!(note["params"]["progressToken"], "report-1");
            progress.push(note["params"]["progress"].as_f64().unwrap());
        }
    }
    assert_eq!(progress, vec![1.0, 2.0]);

    // A resource subscribed to: its updates arrive.
    client.subscribe_resource(&uri).await.unwrap();
    let mut notes = client.notifications();
    client
        .call_tool("toggle-subscriber-updates", json!({}))
        .await
        .unwrap();
    let updated = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let note = notes.recv().await.unwrap();
            if note["method"] == "notifications/resources/updated" {
                return note;
            }
        }
    })
    .await
    .expect("a resource update within 20 s");
    assert_eq!(updated["params"]["uri"], uri.as_str());
    client.unsubscribe_resource(&uri).await.unwrap();

    // Its log messages arrive as notifications once turned on.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_server_asks_and_the_handler_answers() {
    let mut command = tokio::process::Command::new(support::build_example("tool_server"));
    command.env_remove("STURDY_UPSTREAMS");
    let client = Client::builder()
        .on_elicitation(|request| async move {
            let asked = request["message"].as_str().unwrap_or_default().to_owned();
            json!({"action": "accept", "content": {"name": asked, "email": "ada@example.com"}})
        })
        .stdio(command)
        .await
        .unwrap();
    assert_eq!(
        client.server_info()["serverInfo"]["name"],
        "sturdy-tool-server"
    );
    let details = client
        .call_tool("ask_contact_details", json!({"reason": "for the report"}))
        .await
        .unwrap();
    assert_eq!(
        details.structured(),
        Some(&json!({"name": "for the report", "email": "ada@example.com"}))
    );
    let by_zero = client
        .call_tool("divide", json!({"a": 1, "b": 0}))
        .await
        .unwrap();
    assert!(by_zero.is_error());
    let unknown = client.call_tool("subtract", json!({})).await.unwrap_err();
    assert!(
        matches!(unknown, ClientError::Rpc { code: -32602, .. }),
        "{unknown}"
    );
}

/// A server that misbehaves in every way a line protocol allows (a Python script).
const HOSTILE: &str = r#"
import json, sys
def say(line):
    sys.stdout.write(line + "\n"); sys.stdout.flush()
for line in sys.stdin:
    request = json.loads(line)
    method, id = request.get("method"), request.get("id")
    if method == "initialize":
        say("this is not json")
        say(json.dumps({"jsonrpc": "2.0", "id": 999, "result": {}}))
        say("[" * 100000)
        say(json.dumps({"jsonrpc": "2.0", "id": id, "result": {"protocolVersion": "2025-06-18",
            "capabilities": {"tools": {}}, "serverInfo": {"name": "hostile", "version": "0"}}}))
    elif method == "tools/list":
        say(json.dumps({"jsonrpc": "2.0", "id": id, "result": {"tools": [], "pad": "x" * 3000000}}))
        say(json.dumps({"jsonrpc": "2.0", "id": id, "result": {"tools": [{"name": "late"}]}}))
    elif method == "ping":
        for n in range(5000):
            say(json.dumps({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": n}}))
        say(json.dumps({"jsonrpc": "2.0", "id": id, "result": {}}))
    elif method == "tools/call" and request["params"]["name"] == "hang":
        pass
    elif method == "tools/call":
        sys.stderr.write("fatal: the hostile server gives up\n"); sys.stderr.flush()
        sys.exit(3)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_server_gets_clear_errors_never_a_hang() {
    let mut command = tokio::process::Command::new("python3");
    command.args(["-c", HOSTILE]);
    let client = Client::builder()
        .name("hostile")
        .max_message_bytes(1 << 20)
        .timeout(Duration::from_secs(2))
        .stdio(command)
        .await
        .expect("garbage, a stray id and a 100 KB line are dropped; initialize answered");
    assert_eq!(client.server_info()["protocolVersion"], "2025-06-18");
    // A 3 MB answer over the 1 MiB limit is dropped; the next answer to the same id is taken.
    let tools = client.list_tools().await.unwrap();
    assert_eq!(tools, vec![json!({"name": "late"})]);
    // 5000 notifications before the answer: nobody listens, nothing piles up, ping answered.
    client.ping().await.unwrap();
    // No answer in time: the tool may have run (the server gave no hint it may be repeated).
    let hung = client.call_tool("hang", json!({})).await.unwrap_err();
    let ClientError::MayHaveRun { tool, cause } = &hung else {
        panic!("{hung}");
    };
    assert_eq!(tool, "hang");
    assert!(
        matches!(&**cause, ClientError::Timeout { method, .. } if method == "tools/call"),
        "{hung}"
    );
    let died = client.call_tool("die", json!({})).await.unwrap_err();
    let ClientError::MayHaveRun { cause, .. } = &died else {
        panic!("{died}");
    };
    let ClientError::Closed(why) = &**cause else {
        panic!("{died}");
    };
    assert!(why.contains("hostile") && why.contains("gives up"), "{why}");
    // Every later request fails at once, saying why.
    let after = client.ping().await.unwrap_err();
    assert_eq!(&after, &**cause);
}

/// A server whose tools answer their third call only, and tell how often each was called.
const SLOW_TWICE: &str = r#"
calls = {}
def on_call(id, name, request):
    if name == "calls":
        answer(id, {"content": [], "structuredContent": calls})
        return
    calls[name] = calls.get(name, 0) + 1
    if calls[name] >= 3:
        text(id, "done after %d" % calls[name])
serve("slow-twice", [tool("lookup", annotations={"readOnlyHint": True}), tool("charge")], on_call)
"#;

/// A function of the application's that calls another server's tool, retried by the attribute.
#[sturdy::retry(max = 3, base = "10ms")]
async fn call_through(client: &Client, tool: &'static str) -> Result<String, sturdy::ToolError> {
    Ok(client.call_tool(tool, json!({})).await?.text())
}

/// `#[retry]` around calls through the client repeats a call that got no answer only when the
/// tool may be repeated: a read-only tool is called until it answers, a tool with no such hint
/// once, its error saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_repeat_only_tools_that_may_be_repeated() {
    let mut command = tokio::process::Command::new("python3");
    command.args(["-c", &support::python::scripted_server(SLOW_TWICE)]);
    let client = Client::builder()
        .name("slow-twice")
        .timeout(Duration::from_secs(2))
        .stdio(command)
        .await
        .unwrap();
    client.list_tools().await.unwrap();
    assert_eq!(
        call_through(&client, "lookup").await.unwrap(),
        "done after 3"
    );
    let charged = call_through(&client, "charge").await.unwrap_err();
    assert_eq!(charged.kind(), "upstream");
    assert!(!charged.is_retryable());
    assert!(
        charged.to_string().contains("charge may have run"),
        "{charged}"
    );
    let calls = client.call_tool("calls", json!({})).await.unwrap();
    assert_eq!(calls.structured(), Some(&json!({"lookup": 3, "charge": 1})));
}

/// A server whose `hang` tool never answers and whose `cancelled` tool tells which requests it
/// was told were cancelled, and why.
const REMEMBERS_CANCELS: &str = r#"
cancelled = []
def on_call(id, name, request):
    if name == "cancelled":
        answer(id, {"content": [], "structuredContent": {"cancelled": cancelled}})
def on_notification(request):
    if request["method"] == "notifications/cancelled":
        cancelled.append([request["params"]["requestId"], request["params"].get("reason")])
serve("cancels", [tool("hang"), tool("cancelled")], on_call, on_notification)
"#;

/// A call its caller stops waiting for (its future dropped, as `tokio::time::timeout` or a
/// `select!` does) is cancelled at the server, as a timed-out one is, each with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_nobody_waits_for_is_cancelled_at_the_server() {
    let mut command = tokio::process::Command::new("python3");
    command.args(["-c", &support::python::scripted_server(REMEMBERS_CANCELS)]);
    let client = Client::builder()
        // Long enough for a loaded machine to start Python; the second call waits it out.
        .timeout(Duration::from_secs(2))
        .stdio(command)
        .await
        .unwrap();
    let dropped = tokio::time::timeout(
        Duration::from_millis(50),
        client.call_tool("hang", json!({})),
    )
    .await;
    assert!(dropped.is_err(), "hang answered: {dropped:?}");
    let timed_out = client.call_tool("hang", json!({})).await.unwrap_err();
    assert!(timed_out.to_string().contains("within"), "{timed_out}");
    let told = client.call_tool("cancelled", json!({})).await.unwrap();
    let told = told.structured().unwrap()["cancelled"]
        .as_array()
        .unwrap()
        .clone();
    let reasons: Vec<_> = told.iter().map(|c| c[1].as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        ["the caller stopped waiting", "timed out"],
        "{told:?}"
    );
    assert_ne!(told[0][0], told[1][0], "{told:?}");
}

#[tokio::test]
async fn a_command_that_cannot_start_is_an_error_naming_it() {
    let missing = tokio::process::Command::new("/nonexistent/mcp-server");
    let error = Client::builder().stdio(missing).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Closed(why) if why.contains("/nonexistent/mcp-server")),
        "{error}"
    );
}

/// A server whose tool declares an output schema and returns structured content that breaks it
/// (then none at all): a protocol error naming the tool, never data the application trusts.
const BROKEN_OUTPUT: &str = r#"
answers = iter([{"n": 7}, {"n": "seven"}, None])
def on_call(id, name, request):
    result = {"content": [{"type": "text", "text": "counted"}]}
    structured = next(answers)
    if structured is not None:
        result["structuredContent"] = structured
    answer(id, result)
count = tool("count", outputSchema={"type": "object", "properties": {"n": {"type": "integer"}},
                                    "required": ["n"]})
serve("broken", [count], on_call)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_that_break_their_output_schema_are_refused() {
    let mut command = tokio::process::Command::new("python3");
    command.args(["-c", &support::python::scripted_server(BROKEN_OUTPUT)]);
    let client = Client::builder()
        .name("broken")
        .stdio(command)
        .await
        .unwrap();
    client.list_tools().await.unwrap();
    let good = client.call_tool("count", json!({})).await.unwrap();
    assert_eq!(good.structured(), Some(&json!({"n": 7})));
    for _ in 0..2 {
        let bad = client.call_tool("count", json!({})).await.unwrap_err();
        let ClientError::Protocol(why) = &bad else {
            panic!("{bad}");
        };
        assert!(why.contains("broken") && why.contains("count"), "{why}");
        assert!(why.contains("outputSchema"), "{why}");
    }
}

/// A server on the official Python SDK (`mcp` 1.30, `tests/python/sdk_server.py`): tools with
/// output schemas, an elicitation, a resource and a prompt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_the_official_python_sdk() {
    let python = support::python::sdk_venv("mcp-1.30", "mcp==1.30.*");
    let mut command = tokio::process::Command::new(python);
    command.arg(support::python::script_path("sdk_server.py"));
    let client = Client::builder()
        .name("python-sdk-server")
        .on_elicitation(|_| async { json!({"action": "accept", "content": {"name": "Ada"}}) })
        .stdio(command)
        .await
        .unwrap();
    assert_eq!(
        client.server_info()["serverInfo"]["name"],
        "python-sdk-server"
    );
    let tools = client.list_tools().await.unwrap();
    assert_eq!(tools.len(), 2, "{tools:?}");
    // Its result is checked against the output schema it lists.
    let sum = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(sum.structured(), Some(&json!({"result": 5})));
    let greeting = client.call_tool("greet", json!({})).await.unwrap();
    assert_eq!(greeting.text(), "Hello, Ada!");
    let notes = client.read_resource("notes://today").await.unwrap();
    assert_eq!(notes[0]["text"], "Ship the client.");
    let prompt = client
        .get_prompt("review", json!({"code": "fn main() {}"}))
        .await
        .unwrap();
    assert!(prompt["messages"][0]["content"]["text"]
        .as_str()
        .unwrap()
        .contains("fn main() {}"));
}

/// A FastMCP server (`fastmcp` 4.2.3 from PyPI, `tests/python/fastmcp_server.py`): a tool with
/// an output schema, a resource and a prompt, over stdio.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fastmcp_server() {
    let python = support::python::sdk_venv("fastmcp-4.2.3", "fastmcp==4.2.3");
    let mut command = tokio::process::Command::new(python);
    command.arg(support::python::script_path("fastmcp_server.py"));
    let client = Client::builder()
        .name("fastmcp-server")
        .stdio(command)
        .await
        .unwrap();
    assert_eq!(client.server_info()["serverInfo"]["name"], "fastmcp-server");
    let tools = client.list_tools().await.unwrap();
    assert!(tools.iter().any(|t| t["name"] == "add"), "{tools:?}");
    let sum = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(sum.structured(), Some(&json!({"result": 5})));
    assert_eq!(sum.text(), "5");
    let notes = client.read_resource("notes://today").await.unwrap();
    assert_eq!(notes[0]["text"], "Ship the client.");
    let prompt = client
        .get_prompt("review", json!({"code": "x"}))
        .await
        .unwrap();
    assert!(prompt["messages"][0]["content"]["text"]
        .as_str()
        .unwrap()
        .contains("Review this code: x"));
    // Its own refusal of bad arguments, typed.
    let refused = client.call_tool("add", json!({"a": "two"})).await;
    match refused {
        Ok(result) => assert!(result.is_error(), "{result:?}"),
        Err(ClientError::Rpc { .. }) => {}
        Err(other) => panic!("{other}"),
    }
}
