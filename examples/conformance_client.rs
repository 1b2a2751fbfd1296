//! The client the official MCP conformance suite drives (`conformance client --command …`): it
//! connects to the server URL given as its last argument with `sturdy::client`, lists the tools
//! and calls them (those `MCP_CONFORMANCE_CONTEXT` names, with its arguments, when it names some),
//! as the scenario named in `MCP_CONFORMANCE_SCENARIO` expects. An elicitation
//! is accepted with the defaults its schema gives (SEP-1034).
//!
//! ```sh
//! cargo build --example conformance_client
//! .ci/conformance.sh client --command target/debug/examples/conformance_client --scenario tools_call
//! ```

use serde_json::{json, Map, Value};
use std::process::ExitCode;
use sturdy::client::Client;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(url) = std::env::args().skip(1).last() else {
        eprintln!("usage: conformance_client URL");
        return ExitCode::from(2);
    };
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    match run(&url, &scenario).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{scenario}: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str, scenario: &str) -> Result<(), sturdy::client::ClientError> {
    let client = Client::builder()
        .on_elicitation(|request| async move {
            json!({"action": "accept", "content": defaults(&request["requestedSchema"])})
        })
        .http(url)
        .await?;
    let tools = client.list_tools().await?;
    if scenario == "initialize" {
        return Ok(());
    }
    // The calls the scenario asks for, when it names them (of the tools this client kept).
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or_default();
    if let Some(calls) = context["toolCalls"].as_array() {
        for call in calls {
            let name = call["name"].as_str().unwrap_or_default();
            if tools.iter().any(|t| t["name"] == name) {
                let result = client.call_tool(name, call["arguments"].clone()).await?;
                println!("{name}: {}", result.text());
            }
        }
        return Ok(());
    }
    for tool in &tools {
        let Some(name) = tool["name"].as_str() else {
            continue;
        };
        let mut arguments = arguments_for(&tool["inputSchema"]);
        if scenario == "json-schema-2020-12-preservation" && arguments.get("schema").is_some() {
            // The echo tool: the other tool's input schema, as this client keeps it.
            let other = tools.iter().find(|t| t["name"] != name);
            arguments["schema"] = other.map_or(json!({}), |t| t["inputSchema"].clone());
        }
        let result = client.call_tool(name, arguments).await?;
        println!("{name}: {}", result.text());
    }
    Ok(())
}

/// The values an elicitation's schema gives as defaults, by property.
fn defaults(schema: &Value) -> Value {
    let mut content = Map::new();
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            if let Some(default) = property.get("default") {
                content.insert(name.clone(), default.clone());
            }
        }
    }
    Value::Object(content)
}

/// Arguments a tool's input schema accepts: a value of each required property's type.
fn arguments_for(schema: &Value) -> Value {
    let mut arguments = Map::new();
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    for name in required.iter().filter_map(Value::as_str) {
        let property = &schema["properties"][name];
        let value = match property["type"].as_str() {
            Some("number") | Some("integer") => json!(1),
            Some("boolean") => json!(true),
            Some("array") => json!([]),
            Some("object") => json!({}),
            _ => json!("conformance"),
        };
        arguments.insert(
            name.to_owned(),
            property.get("default").cloned().unwrap_or(value),
        );
    }
    Value::Object(arguments)
}
