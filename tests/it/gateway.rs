//! `sturdy-gateway` in front of servers nobody here wrote, the way an operator runs it: the
//! official `@modelcontextprotocol/server-everything` (npm) and the example tool server, both
//! over stdio, behind a configuration with a filter, a rename, a cache, a limit and a breaker;
//! the gateway itself spoken to over stdio by `sturdy::client`, and `--check` on good and bad
//! files.

use crate::support;
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use sturdy::client::Client;

fn everything_script() -> std::path::PathBuf {
    support::everything::script()
}

/// A configuration file in a fresh directory.
fn config_file(text: &str) -> (support::temp::Dir, std::path::PathBuf) {
    support::temp::file("gateway.toml", text)
}

fn two_upstreams(everything: &Path, example: &Path) -> String {
    format!(
        r#"
name = "test-gateway"

[upstreams.everything]
command = ["node", {everything:?}, "stdio"]
tools = {{ allow = ["echo", "get-*", "trigger-long-*"], deny = ["get-env"] }}
timeout = "10s"
circuit_breaker = {{ threshold = 3, recovery = "30s" }}

[upstreams.everything.tool.echo]
rename = "say"
rate_limited = {{ calls = 2, per = "60s", key = "global" }}

[upstreams.everything.tool.get-sum]
cached = {{ ttl = "60s" }}

[upstreams.example]
command = [{example:?}]
tools = {{ allow = ["add", "divide"] }}
retry = {{ max = 2 }}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_serves_two_upstreams_behind_their_policies() {
    let gateway = support::build_gateway();
    let example = support::build_example("tool_server");
    let (_dir, config) = config_file(&two_upstreams(&everything_script(), &example));
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .stdio(command)
        .await
        .unwrap_or_else(|e| panic!("the gateway starts: {e}"));
    assert_eq!(client.server_info()["serverInfo"]["name"], "test-gateway");
    let tools = client.list_tools().await.unwrap();
    let mut names: Vec<_> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert!(names.contains(&"everything__say"), "{names:?}");
    assert!(names.contains(&"everything__get-sum"), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("get-env") || n.ends_with("__echo")),
        "{names:?}"
    );
    assert!(
        names.contains(&"example__add") && names.contains(&"example__divide"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("greet")), "{names:?}");
    // The upstream's listing under the new name, with the policies it is served behind.
    let sum = tools
        .iter()
        .find(|t| t["name"] == "everything__get-sum")
        .unwrap();
    assert!(sum["inputSchema"]["properties"]["a"].is_object(), "{sum}");
    let policies = sum["_meta"]["dev.sturdy/policies"].to_string();
    assert!(
        policies.contains("cached") && policies.contains("circuit_breaker"),
        "{policies}"
    );

    let said = client
        .call_tool("everything__say", json!({"message": "hi"}))
        .await
        .unwrap();
    assert_eq!(said.text(), "Echo: hi");
    let added = client
        .call_tool("example__add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(added.structured(), Some(&json!({"result": 5})));
    // The upstream's own error result is passed on as it came.
    let divided = client
        .call_tool("example__divide", json!({"a": 1, "b": 0}))
        .await
        .unwrap();
    assert!(divided.is_error(), "{divided:?}");
    // The cache answers the second call.
    let first = client
        .call_tool("everything__get-sum", json!({"a": 20, "b": 22}))
        .await
        .unwrap();
    let second = client
        .call_tool("everything__get-sum", json!({"a": 20, "b": 22}))
        .await
        .unwrap();
    assert!(
        first.text().contains("42") && second.text() == first.text(),
        "{second:?}"
    );
    assert_eq!(
        second.meta().unwrap()["dev.sturdy/cache"],
        "hit",
        "{second:?}"
    );
    // The upstream's progress reaches the caller, under the caller's token.
    let mut notes = client.notifications();
    let long = client
        .call_tool_reporting(
            "everything__trigger-long-running-operation",
            json!({"duration": 1, "steps": 3}),
            "mine",
        )
        .await
        .unwrap();
    assert!(!long.is_error(), "{long:?}");
    let mut reported = Vec::new();
    while let Ok(note) = notes.try_recv() {
        if note["method"] == "notifications/progress" {
            assert_eq!(note["params"]["progressToken"], "mine", "{note}");
            reported.push(note["params"]["progress"].as_f64().unwrap());
        }
    }
    assert_eq!(reported, [1.0, 2.0, 3.0], "progress passed on");
    // The limit: two calls of `say` a minute, for everyone.
    client
        .call_tool("everything__say", json!({"message": "again"}))
        .await
        .unwrap();
    let limited = client
        .call_tool("everything__say", json!({"message": "too much"}))
        .await
        .unwrap();
    assert_eq!(limited.error_kind(), Some("rate_limited"), "{limited:?}");
}

#[test]
fn check_reports_the_line_of_a_mistake_and_offline_checks_the_file_alone() {
    let gateway = support::build_gateway();
    let (_dir, bad) =
        config_file("name = \"g\"\n[upstreams.a]\ncommand = [\"x\"]\ntimeout = \"soon\"\n");
    let out = std::process::Command::new(&gateway)
        .args(["--check", "--offline", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("gateway.toml:4") && stderr.contains("soon"),
        "{stderr}"
    );

    let (_dir, good) =
        config_file("name = \"g\"\n[upstreams.a]\ncommand = [\"/nonexistent/server\"]\n");
    let offline = std::process::Command::new(&gateway)
        .args(["--check", "--offline", "--config"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        offline.status.success(),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    // Online, the upstream that cannot start fails the check, naming it.
    let online = std::process::Command::new(&gateway)
        .args(["--check", "--config"])
        .arg(&good)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&online.stderr);
    assert_eq!(online.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("upstream a") && stderr.contains("/nonexistent/server"),
        "{stderr}"
    );
}

/// An upstream that exits when its `die` tool is called, and tells its process id.
const MORTAL: &str = r#"
import os
def on_call(id, name, request):
    if name == "die":
        sys.exit(1)
    text(id, str(os.getpid()))
serve("mortal", [tool("pid", annotations={"readOnlyHint": True}), tool("die")], on_call)
"#;

/// An upstream process that exits is started again: the call it died in is a clear error (not
/// repeated: `die` may have run), calls fail fast while it is down, and once it is back calls
/// reach the new process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_exits_is_started_again() {
    let gateway = support::build_gateway();
    let mortal = support::python::scripted_server(MORTAL);
    let script = format!(
        "name = \"g\"\n[upstreams.mortal]\ncommand = [\"python3\", \"-c\", {mortal:?}]\n\
         timeout = \"5s\"\nretry = {{ max = 2 }}\n"
    );
    let (_dir, config) = config_file(&script);
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let client = Client::builder().stdio(command).await.unwrap();
    let first = client
        .call_tool("mortal__pid", json!({}))
        .await
        .unwrap()
        .text();
    let died = client.call_tool("mortal__die", json!({})).await.unwrap();
    assert!(
        died.is_error() && died.text().contains("mortal"),
        "{died:?}"
    );
    let started = std::time::Instant::now();
    let second = loop {
        let answer = client.call_tool("mortal__pid", json!({})).await.unwrap();
        if !answer.is_error() {
            break answer.text();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not back within 20 s: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_ne!(first, second, "the same process answered");
}

/// Official SDK clients through the gateway over Streamable HTTP, in front of the type-torture
/// server (a tool for every kind of Rust type): every tool listed and validated by the SDK,
/// every case called as a success and as an error, each `structuredContent` checked against its
/// tool's `outputSchema`: the suite the server passes directly (`tests/it/type_torture.rs`).
fn sdk_through_the_gateway(
    client: impl Fn(&[&std::ffi::OsStr]) -> std::process::Command,
    what: &str,
) {
    let gateway = support::build_gateway();
    let upstream = support::build_example("type_torture");
    let (_dir, config) = config_file(&format!(
        "name = \"g\"\n[upstreams.torture]\ncommand = [{upstream:?}]\nnamespace = false\n"
    ));
    let config = config.to_string_lossy().into_owned();
    let server = support::HttpServer::start_with_env(
        &gateway,
        &[("STURDY_GATEWAY_CONFIG", config.as_str())],
    );
    let url = server.url();
    let cases =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/type_torture/cases.json");
    let args: [&std::ffi::OsStr; 4] = [
        "--http".as_ref(),
        url.as_ref(),
        "--cases".as_ref(),
        cases.as_os_str(),
    ];
    let out = support::run(client(&args), Duration::from_secs(300));
    let stopped = server.stop();
    assert!(
        out.succeeded(),
        "{what} through the gateway: {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- gateway \
         stderr ---\n{}",
        out.outcome(),
        out.stdout,
        out.stderr,
        stopped.stderr
    );
    println!("{}", out.stdout);
}

#[test]
fn the_typescript_sdk_calls_every_type_through_the_gateway() {
    sdk_through_the_gateway(
        |args| support::node::script("sdk_client.mjs", args),
        support::node::TS_SDK,
    );
}

#[test]
fn the_python_sdk_calls_every_type_through_the_gateway() {
    let python = support::python::sdk_venv("mcp-1.30", "mcp==1.30.*");
    sdk_through_the_gateway(
        |args| support::python::script(&python, "sdk_client.py", args),
        "mcp 1.30",
    );
}

/// An upstream over Streamable HTTP (the example server, with a header the configuration takes
/// from the environment), its calls through the gateway; one that refuses connections at
/// start-up is left out and the others are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_over_http_and_one_that_is_down() {
    let gateway = support::build_gateway();
    let upstream = support::HttpServer::start(&support::build_example("tool_server"));
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/mcp", dead.local_addr().unwrap());
    drop(dead);
    let (_dir, config) = config_file(&format!(
        "name = \"g\"\n\
         [upstreams.example]\nurl = {:?}\nheaders = {{ X-Team = \"${{GATEWAY_TEST_TEAM}}\" }}\n\
         tools = {{ allow = [\"add\", \"whoami\"] }}\n\
         [upstreams.gone]\nurl = {dead_url:?}\nstart_timeout = \"2s\"\n",
        upstream.url()
    ));
    let mut command = tokio::process::Command::new(&gateway);
    command
        .arg("--config")
        .arg(&config)
        .env("GATEWAY_TEST_TEAM", "blue");
    let client = Client::builder().stdio(command).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    let names: Vec<_> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["example__add", "example__whoami"]);
    let sum = client
        .call_tool("example__add", json!({"a": 40, "b": 2}))
        .await
        .unwrap();
    assert_eq!(sum.structured(), Some(&json!({"result": 42})));
    assert!(client.stderr().contains("gone"), "{}", client.stderr());
}

/// An upstream's questions go to the caller of the call they belong to: server-everything's
/// elicitation and sampling (a stdio upstream) and the example server's (a Streamable HTTP upstream, its
/// question on the call's stream), answered by the handler of the client calling through the
/// gateway, over stdio and over Streamable HTTP (2026-07-28: the gateway's `input_required`
/// rounds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstreams_questions_reach_the_caller() {
    let gateway = support::build_gateway();
    let example = support::HttpServer::start(&support::build_example("tool_server"));
    let (_dir, config) = config_file(&format!(
        "name = \"g\"\n\
         [upstreams.everything]\ncommand = [\"node\", {:?}, \"stdio\"]\n\
         tools = {{ allow = [\"trigger-elicitation-request\", \"trigger-sampling-request\"] }}\n\
         [upstreams.example]\nurl = {:?}\ntools = {{ allow = [\"ask_contact_details\"] }}\n",
        everything_script(),
        example.url()
    ));
    let answering = || {
        Client::builder()
            .on_elicitation(|_| async {
                json!({"action": "accept", "content": {"name": "Ada", "email": "ada@example.com"}})
            })
            .on_sampling(|request| async move {
                let asked = request["messages"][0]["content"]["text"].clone();
                json!({
                    "role": "assistant",
                    "content": {"type": "text", "text": format!("the caller's model read {asked}")},
                    "model": "caller-model",
                    "stopReason": "endTurn",
                })
            })
    };
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let over_stdio = answering().stdio(command).await.unwrap();
    let config_path = config.to_string_lossy().into_owned();
    let served = support::HttpServer::start_with_env(
        &gateway,
        &[("STURDY_GATEWAY_CONFIG", config_path.as_str())],
    );
    let over_http = answering().http(&served.url()).await.unwrap();
    for (client, how) in [(&over_stdio, "stdio"), (&over_http, "http")] {
        let asked = client
            .call_tool("everything__trigger-elicitation-request", json!({}))
            .await
            .unwrap();
        assert!(asked.text().contains("Ada"), "{how}: {asked:?}");
        let sampled = client
            .call_tool(
                "everything__trigger-sampling-request",
                json!({"prompt": "the forecast"}),
            )
            .await
            .unwrap();
        assert!(
            sampled.text().contains("the caller's model read")
                && sampled.text().contains("the forecast"),
            "{how}: {sampled:?}"
        );
        let details = client
            .call_tool(
                "example__ask_contact_details",
                json!({"reason": "the report"}),
            )
            .await
            .unwrap();
        assert!(details.text().contains("Ada"), "{how}: {details:?}");
    }
}

/// Resources, templates and prompts of upstreams nobody here wrote pass through the gateway:
/// listed (prompts namespaced, resources under their own URIs or the upstream's
/// `resource_prefix`), read, got and completed by the upstream that serves them, over stdio
/// and Streamable HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_prompts_and_completions_reach_their_upstream() {
    let gateway = support::build_gateway();
    let example = support::build_example("tool_server");
    let (_dir, config) = config_file(&format!(
        "name = \"g\"\n\
         [upstreams.everything]\ncommand = [\"node\", {:?}, \"stdio\"]\n\
         prompts = {{ deny = [\"resource-*\"] }}\n\
         resources = {{ deny = [\"*/blob/*\"] }}\n\
         [upstreams.example]\ncommand = [{example:?}]\nresource_prefix = \"ex+\"\n",
        everything_script(),
    ));
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let over_stdio = Client::builder().stdio(command).await.unwrap();
    let config_path = config.to_string_lossy().into_owned();
    let served = support::HttpServer::start_with_env(
        &gateway,
        &[("STURDY_GATEWAY_CONFIG", config_path.as_str())],
    );
    let over_http = Client::builder().http(&served.url()).await.unwrap();
    for (client, how) in [(&over_stdio, "stdio"), (&over_http, "http")] {
        let uris: Vec<String> = client
            .list_resources()
            .await
            .unwrap()
            .iter()
            .map(|r| r["uri"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            uris.contains(&"demo://resource/static/document/features.md".to_owned()),
            "{how}: {uris:?}"
        );
        assert!(
            uris.contains(&"ex+notes://latest".to_owned()),
            "{how}: {uris:?}"
        );
        let templates: Vec<String> = client
            .list_resource_templates()
            .await
            .unwrap()
            .iter()
            .map(|t| t["uriTemplate"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            templates.contains(&"demo://resource/dynamic/text/{resourceId}".to_owned()),
            "{how}: {templates:?}"
        );
        assert!(
            templates.contains(&"ex+status://regions/{region}".to_owned()),
            "{how}: {templates:?}"
        );
        assert!(
            !templates.iter().any(|t| t.contains("/blob/")),
            "the filter leaves it out ({how}): {templates:?}"
        );

        let text = client
            .read_resource("demo://resource/dynamic/text/7")
            .await
            .unwrap();
        assert_eq!(text[0]["uri"], "demo://resource/dynamic/text/7", "{how}");
        assert!(
            text[0]["text"].as_str().unwrap().contains('7'),
            "{how}: {text:?}"
        );
        let region = client
            .read_resource("ex+status://regions/eu-west")
            .await
            .unwrap();
        assert_eq!(region[0]["uri"], "ex+status://regions/eu-west", "{how}");
        assert!(
            region[0]["text"].as_str().unwrap().contains("healthy"),
            "{how}"
        );
        let unknown = client
            .read_resource("demo://nothing/here")
            .await
            .unwrap_err();
        assert!(
            unknown.to_string().contains("not found"),
            "{how}: {unknown}"
        );
        let failing = client
            .read_resource("ex+status://regions/mars")
            .await
            .unwrap_err();
        assert!(failing.to_string().contains("mars"), "{how}: {failing}");

        let prompts: Vec<String> = client
            .list_prompts()
            .await
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            prompts.contains(&"everything__args-prompt".to_owned()),
            "{how}: {prompts:?}"
        );
        assert!(
            prompts.contains(&"example__explain_region".to_owned()),
            "{how}: {prompts:?}"
        );
        assert!(
            !prompts.iter().any(|p| p.contains("resource-prompt")),
            "{how}: {prompts:?}"
        );
        let got = client
            .get_prompt("everything__args-prompt", json!({"city": "Lyon"}))
            .await
            .unwrap();
        assert!(got.to_string().contains("weather in Lyon"), "{how}: {got}");
        let refused = client
            .get_prompt("everything__args-prompt", json!({}))
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("everything"),
            "{how}: {refused}"
        );

        let departments = client
            .complete(
                json!({"type": "ref/prompt", "name": "everything__completable-prompt"}),
                "department",
                "Sa",
            )
            .await
            .unwrap();
        assert_eq!(departments, ["Sales"], "{how}");
        // The arguments already given go along: the upstream's second list depends on them.
        let members = client
            .request(
                "completion/complete",
                json!({
                    "ref": {"type": "ref/prompt", "name": "everything__completable-prompt"},
                    "argument": {"name": "name", "value": ""},
                    "context": {"arguments": {"department": "Sales"}},
                }),
            )
            .await
            .unwrap();
        assert_eq!(
            members["completion"]["values"],
            json!(["David", "Eve", "Frank"]),
            "{how}"
        );
        let regions = client
            .complete(
                json!({"type": "ref/resource", "uri": "ex+status://regions/{region}"}),
                "region",
                "eu",
            )
            .await
            .unwrap();
        assert_eq!(regions, ["eu-west", "eu-central"], "{how}");
    }
}

/// An upstream's log messages about a call reach its caller at the level the caller asked for:
/// the conformance fixture over Streamable HTTP (2026-07-28: each call names its caller's level)
/// logs at four levels; a caller that asked for warnings gets the warning and the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstreams_log_messages_reach_the_caller_at_its_level() {
    let gateway = support::build_gateway();
    let fixture = support::HttpServer::start(&support::build_example("conformance"));
    let (_dir, config) = config_file(&format!(
        "name = \"g\"\n[upstreams.fixture]\nurl = {:?}\n\
         tools = {{ allow = [\"test_logging_tool\"] }}\n",
        fixture.url()
    ));
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let client = Client::builder().stdio(command).await.unwrap();
    client
        .request("logging/setLevel", json!({"level": "warning"}))
        .await
        .unwrap();
    let mut notes = client.notifications();
    let logged = client
        .call_tool("fixture__test_logging_tool", json!({}))
        .await
        .unwrap();
    assert!(!logged.is_error(), "{logged:?}");
    let mut levels = Vec::new();
    while let Ok(note) = notes.try_recv() {
        if note["method"] == "notifications/message" {
            levels.push(note["params"]["level"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(levels, ["warning", "error"]);
}
