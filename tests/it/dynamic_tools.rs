//! Tools defined at run time (`DynamicTool`, what a gateway serves for the tools of servers it
//! fronts) through the whole MCP path: listed with the schema and annotations given, called
//! with their arguments as one object, a whole result passed on as given, the client asked
//! through the call's context, panics contained, names checked against the macros' tools.

use serde_json::{json, Value};
use sturdy::registry::DynamicTool;
use sturdy::testing::TestClient;
use sturdy::{
    Content, Context, Registry, RegistryError, Server, ServerInfo, ToolError, ToolOutput,
};

fn tools() -> Vec<DynamicTool> {
    let echo = DynamicTool::new(
        "upstream__echo",
        "Echo the message back.",
        json!({"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}),
        |_ctx: Context, arguments: Value| async move {
            Ok::<_, ToolError>(ToolOutput::Text(format!("Echo: {}", arguments["message"].as_str().unwrap_or("?"))))
        },
    )
    .title("Echo")
    .annotations(json!({"readOnlyHint": true}))
    .scopes(["echo:use"]);
    let forwarded = DynamicTool::new(
        "upstream__weather",
        "What another server answered, passed on.",
        json!({"type": "object"}),
        |_ctx: Context, _arguments: Value| async move {
            Ok::<_, ToolError>(ToolOutput::Forwarded {
                content: vec![
                    Content::from_json(json!({"type": "text", "text": "rain"})).unwrap(),
                    Content::from_json(
                        json!({"type": "resource_link", "uri": "weather://today", "name": "today"}),
                    )
                    .unwrap(),
                ],
                structured: Some(json!({"sky": "rain"})),
                is_error: true,
            })
        },
    )
    .output_schema(json!({"type": "object", "properties": {"sky": {"type": "string"}}}));
    let asks = DynamicTool::new(
        "upstream__asks",
        "Asks the caller, as an upstream's question is passed on.",
        json!({"type": "object"}),
        |ctx: Context, _arguments: Value| async move {
            let answer = ctx
                .request("elicitation/create", json!({"message": "Name?", "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}}))
                .await?;
            Ok::<_, ToolError>(ToolOutput::Text(format!(
                "hello {}",
                answer["content"]["name"].as_str().unwrap_or("?")
            )))
        },
    );
    let panics = DynamicTool::new(
        "upstream__panics",
        "Panics.",
        json!({"type": "object"}),
        |_ctx: Context, _a: Value| async move {
            if true {
                panic!("the handler broke");
            }
            Ok::<_, ToolError>(ToolOutput::Empty)
        },
    );
    vec![echo, forwarded, asks, panics]
}

#[tokio::test]
async fn tools_defined_at_run_time_are_listed_and_called_through_mcp() {
    let registry = Registry::from_parts([], tools()).unwrap();
    let server = Server::new(registry, ServerInfo::new("gateway-like", "1"));
    assert_eq!(server.declared_scopes(), ["echo:use"]);
    let client = TestClient::builder(server)
        .on_elicitation(|_| async { json!({"action": "accept", "content": {"name": "Ada"}}) })
        .connect()
        .await
        .unwrap();
    let listed = client.list_tools().await.unwrap();
    let names: Vec<_> = listed.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "upstream__asks",
            "upstream__echo",
            "upstream__panics",
            "upstream__weather"
        ]
    );
    let echo = &listed[1];
    assert_eq!(echo["title"], "Echo");
    assert_eq!(echo["annotations"]["readOnlyHint"], true);
    assert_eq!(echo["inputSchema"]["required"], json!(["message"]));

    let echoed = client
        .call_tool("upstream__echo", json!({"message": "hi"}))
        .await
        .unwrap();
    assert_eq!(echoed.text(), "Echo: hi");
    let passed = client
        .call_tool("upstream__weather", json!({}))
        .await
        .unwrap();
    assert!(passed.is_error());
    assert_eq!(passed.structured(), Some(&json!({"sky": "rain"})));
    assert_eq!(passed.content()[1]["type"], "resource_link");
    let asked = client.call_tool("upstream__asks", json!({})).await.unwrap();
    assert_eq!(asked.text(), "hello Ada");
    let panicked = client
        .call_tool("upstream__panics", json!({}))
        .await
        .unwrap();
    assert!(
        panicked.is_error() && panicked.text().contains("the handler broke"),
        "{panicked:?}"
    );
    let refused = client
        .call_tool("upstream__echo", json!(["not", "an", "object"]))
        .await;
    let refused = format!("{refused:?}");
    assert!(refused.contains("object"), "{refused}");
    // Still serving.
    assert_eq!(
        client
            .call_tool("upstream__echo", json!({"message": "again"}))
            .await
            .unwrap()
            .text(),
        "Echo: again"
    );
}

#[test]
fn a_run_time_tool_may_not_take_a_name_already_taken() {
    let twice = [tools().remove(0), tools().remove(0)];
    let err = Registry::from_parts([], twice).unwrap_err();
    assert!(
        matches!(&err, RegistryError::DuplicateName { name, .. } if name == "upstream__echo"),
        "{err}"
    );
    assert!(err.to_string().contains("defined at run time"), "{err}");
}
