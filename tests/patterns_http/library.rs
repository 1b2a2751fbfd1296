//! The example server's resources and prompts (`examples/tool_server/library.rs`) as a client
//! uses them: listed, read (the cached report built once), a template variable and a prompt
//! argument completed, a prompt expanded.

use super::*;

#[tokio::test]
async fn the_example_serves_resources_prompts_and_completions() {
    let mut server = ToolServer::start().await;
    let list = server.request("resources/list", json!({})).await;
    let uris: Vec<&str> = list["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"reports://daily"), "{list}");

    // The report is slow to build and cached: the second read is the first build again.
    let first = server
        .request("resources/read", json!({"uri": "reports://daily"}))
        .await;
    let second = server
        .request("resources/read", json!({"uri": "reports://daily"}))
        .await;
    let text = first["result"]["contents"][0]["text"].as_str().unwrap();
    assert!(text.contains("(build 1)"), "{first}");
    assert_eq!(first["result"], second["result"]);
    assert_eq!(first["result"]["contents"][0]["mimeType"], "text/markdown");

    let region = server
        .request("resources/read", json!({"uri": "status://regions/eu-west"}))
        .await;
    assert!(region["result"]["contents"][0]["text"]
        .as_str()
        .unwrap()
        .contains("healthy"));
    let unknown = server
        .request("resources/read", json!({"uri": "status://regions/mars"}))
        .await;
    assert_eq!(unknown["error"]["code"], -32603, "{unknown}");

    for reference in [
        json!({"type": "ref/resource", "uri": "status://regions/{region}"}),
        json!({"type": "ref/prompt", "name": "explain_region"}),
    ] {
        let c = server
            .request(
                "completion/complete",
                json!({"ref": reference, "argument": {"name": "region", "value": "eu"}}),
            )
            .await;
        assert_eq!(
            c["result"]["completion"]["values"],
            json!(["eu-west", "eu-central"]),
            "{c}"
        );
    }
    let prompt = server
        .request(
            "prompts/get",
            json!({"name": "explain_region", "arguments": {"region": "us-east"}}),
        )
        .await;
    let messages = prompt["result"]["messages"].as_array().unwrap();
    assert_eq!(messages[0]["content"]["type"], "resource");
    assert_eq!(
        messages[0]["content"]["resource"]["uri"],
        "status://regions/us-east"
    );
}
