//! `sturdy-gateway` in front of Python servers nobody here wrote, both over stdio: one on the
//! official Python SDK (`mcp` 1.30) and one on FastMCP (`fastmcp` 4.2.3), which serve the same
//! resource URI. Their tools, prompts and resources are served side by side, the URI clash is
//! reported and settled by `resource_prefix`, and a question of the SDK server's reaches the
//! caller.

use crate::support;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use sturdy::client::{Client, ClientError};

/// The configuration: the two servers, `resource_prefix` on the SDK's when given.
fn config(prefix: Option<&str>) -> String {
    let sdk = support::python::sdk_venv("mcp-1.30", "mcp==1.30.*");
    let fastmcp = support::python::sdk_venv("fastmcp-4.2.3", "fastmcp==4.2.3");
    let prefix = prefix.map_or(String::new(), |p| format!("resource_prefix = {p:?}\n"));
    format!(
        "name = \"python-gateway\"\n\
         [upstreams.sdk]\ncommand = [{:?}, {:?}]\nstart_timeout = \"60s\"\n{prefix}\
         [upstreams.fastmcp]\ncommand = [{:?}, {:?}]\nstart_timeout = \"60s\"\n",
        sdk,
        support::python::script_path("sdk_server.py"),
        fastmcp,
        support::python::script_path("fastmcp_server.py"),
    )
}

/// `sturdy-gateway --config <config> --check`: its output.
fn check(gateway: &Path, config: &Path) -> support::Output {
    let mut command = Command::new(gateway);
    command.arg("--config").arg(config).arg("--check");
    support::run(command, Duration::from_secs(120))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_servers_side_by_side_behind_the_gateway() {
    let gateway = support::build_gateway();

    // Both serve notes://today: the first (by name) serves it, and the clash is reported.
    let (_clash_dir, clashing) = support::temp::file("gateway.toml", &config(None));
    let checked = check(&gateway, &clashing);
    assert!(
        checked.succeeded(),
        "{}\n{}",
        checked.stdout,
        checked.stderr
    );
    assert!(
        checked
            .stderr
            .contains("sdk's resource notes://today is not served: fastmcp serves that URI"),
        "{}",
        checked.stderr
    );
    let listed: serde_json::Value = serde_json::from_str(&checked.stdout).unwrap();
    assert_eq!(listed["resources"], json!(["notes://today"]), "{listed}");

    let (_dir, config) = support::temp::file("gateway.toml", &config(Some("sdk+")));
    let mut command = tokio::process::Command::new(&gateway);
    command.arg("--config").arg(&config);
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .on_elicitation(|_| async { json!({"action": "accept", "content": {"name": "Ada"}}) })
        .stdio(command)
        .await
        .unwrap_or_else(|e| panic!("the gateway starts: {e}"));

    let tools = support::sorted(&client.list_tools().await.unwrap(), "name");
    assert_eq!(tools, ["fastmcp__add", "sdk__add", "sdk__greet"]);
    for tool in ["sdk__add", "fastmcp__add"] {
        let sum = client
            .call_tool(tool, json!({"a": 2, "b": 3}))
            .await
            .unwrap();
        assert_eq!(sum.structured(), Some(&json!({"result": 5})), "{tool}");
    }
    // FastMCP's own refusal of bad arguments comes back as it gave it.
    match client.call_tool("fastmcp__add", json!({"a": "two"})).await {
        Ok(result) => assert!(result.is_error(), "{result:?}"),
        Err(ClientError::Rpc { .. }) => {}
        Err(other) => panic!("{other}"),
    }
    // The SDK server's elicitation is answered by the caller.
    let greeting = client.call_tool("sdk__greet", json!({})).await.unwrap();
    assert_eq!(greeting.text(), "Hello, Ada!");

    let uris = support::sorted(&client.list_resources().await.unwrap(), "uri");
    assert_eq!(uris, ["notes://today", "sdk+notes://today"]);
    for uri in uris {
        let read = client.read_resource(&uri).await.unwrap();
        assert_eq!(read[0]["uri"], uri.as_str());
        assert_eq!(read[0]["text"], "Ship the client.", "{uri}");
    }

    let prompts = support::sorted(&client.list_prompts().await.unwrap(), "name");
    assert_eq!(prompts, ["fastmcp__review", "sdk__review"]);
    for prompt in prompts {
        let got = client
            .get_prompt(&prompt, json!({"code": "fn main() {}"}))
            .await
            .unwrap();
        let text = got["messages"][0]["content"]["text"].as_str().unwrap();
        assert!(text.contains("fn main() {}"), "{prompt}: {got}");
    }
}
