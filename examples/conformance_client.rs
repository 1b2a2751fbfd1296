//! The client the official MCP conformance suite drives (`conformance client --command …`): it
//! connects to the server URL given as its last argument with `sturdy::client`, lists the tools
//! and calls them (those `MCP_CONFORMANCE_CONTEXT` names, with its arguments, when it names some),
//! as the scenario named in `MCP_CONFORMANCE_SCENARIO` expects. An elicitation
//! is accepted with the defaults its schema gives (SEP-1034). A server that asks for a token
//! gets one by OAuth: the authorization code grant with a user agent that follows the
//! authorization server's redirect without a browser (the suite's server authorizes at once),
//! the client id and secret the context gives (pre-registered, or for client credentials), or a
//! client ID metadata document where the server accepts one.
//!
//! ```sh
//! cargo build --example conformance_client
//! .ci/conformance.sh client --command target/debug/examples/conformance_client --scenario tools_call
//! ```

use serde_json::{json, Map, Value};
use std::process::ExitCode;
use sturdy::client::{Client, OAuth};

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
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or_default();
    let client = Client::builder()
        .on_elicitation(|request| async move {
            json!({"action": "accept", "content": defaults(&request["requestedSchema"])})
        })
        .oauth(oauth(scenario, &context))
        .http(url)
        .await?;
    let tools = client.list_tools().await?;
    if scenario == "initialize" {
        return Ok(());
    }
    // The calls the scenario asks for, when it names them (of the tools this client kept).
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

/// How this client gets tokens in `scenario`.
fn oauth(scenario: &str, context: &Value) -> OAuth {
    let id = context["client_id"].as_str();
    let secret = context["client_secret"].as_str();
    if let (true, Some(id), Some(secret)) =
        (scenario.starts_with("auth/client-credentials"), id, secret)
    {
        return OAuth::client_credentials(id, secret);
    }
    let oauth = OAuth::authorization_code("http://127.0.0.1:3333/callback", follow_redirect)
        .client_name("sturdy conformance client")
        .client_metadata_document("https://conformance-test.local/client-metadata.json");
    match id {
        Some(id) => oauth.client_id(id, secret),
        None => oauth,
    }
}

/// A user agent without a user: the authorization URL is fetched and the redirect it answers
/// with is where the user would have landed.
async fn follow_redirect(url: String) -> Result<String, String> {
    let agent = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let response = agent.get(&url).send().await.map_err(|e| e.to_string())?;
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("{url}: HTTP {} without a redirect", response.status()))
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
