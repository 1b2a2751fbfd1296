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

#[tokio::test]
async fn the_notes_board_is_state_shared_by_a_tool_and_a_resource_and_stays_bounded() {
    let mut server = ToolServer::start().await;
    let r = server.call("add_note", json!({"text": "first"})).await;
    assert_eq!(text(&r), "noted (1 on the board)", "{r}");
    let r = server.call("add_note", json!({"text": "second"})).await;
    assert_eq!(text(&r), "noted (2 on the board)", "{r}");
    let read = server
        .request("resources/read", json!({"uri": "notes://latest"}))
        .await;
    assert_eq!(
        read["result"]["contents"][0]["text"], "second\nfirst",
        "{read}"
    );

    // Too long: refused, the board unchanged.
    let r = server
        .call("add_note", json!({"text": "x".repeat(1001)}))
        .await;
    assert!(is_error(&r), "{r}");
    assert!(text(&r).contains("at most 1000 characters"), "{r}");
    // The latest 100 are kept, the oldest dropped.
    for i in 3..=105 {
        let r = server
            .call("add_note", json!({"text": format!("note {i}")}))
            .await;
        assert!(!is_error(&r), "{r}");
    }
    let r = server.call("add_note", json!({"text": "last"})).await;
    assert_eq!(text(&r), "noted (100 on the board)", "{r}");
    let read = server
        .request("resources/read", json!({"uri": "notes://latest"}))
        .await;
    let notes = read["result"]["contents"][0]["text"].as_str().unwrap();
    let lines: Vec<&str> = notes.lines().collect();
    assert_eq!(lines.len(), 100);
    assert_eq!((lines[0], lines[99]), ("last", "note 7"));
}
