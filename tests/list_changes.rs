//! Tools turned on and off at run time (`#[tool(disabled)]`, `ToolSwitches` through
//! `Context::tools`), and the announcement that the tool list changed: 2025 sessions get
//! `notifications/tools/list_changed` (stdio: on the connection; HTTP: on the session's GET
//! stream), 2026-07-28 clients on their `subscriptions/listen` stream (acknowledgement first,
//! each notification tagged with the subscription's id, only the types asked for).

#[path = "common/mod.rs"]
mod common;

use common::http::*;
use common::{meta_2026, Client};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sturdy::prelude::*;
use sturdy::transport::http::HttpOptions;

/// Off until `toggle` turns it on.
#[tool(disabled)]
fn late_tool() -> String {
    "late".into()
}

/// Turns `late_tool` on, or off when it is on.
#[tool]
fn toggle(ctx: Context) -> Result<String, ToolError> {
    let tools = ctx.tools().ok_or_else(|| ToolError::new("detached"))?;
    Ok(if tools.enable("late_tool") {
        "on".into()
    } else {
        tools.disable("late_tool");
        "off".into()
    })
}

fn names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_disabled_tool_is_registered_but_off() {
    let registry = Registry::from_inventory().unwrap();
    assert!(registry.get("late_tool").is_some());
    assert!(!registry.switches().is_enabled("late_tool"));
    let on: Vec<&str> = registry.enabled_tools().map(|t| t.name.as_str()).collect();
    assert_eq!(on, ["toggle"]);
}

#[tokio::test]
async fn stdio_2025_sessions_hear_of_changes_and_list_what_is_on() {
    let mut client = Client::start();
    let init = client.initialize("2025-11-25").await;
    assert_eq!(init["result"]["capabilities"]["tools"]["listChanged"], true);
    let list = client.request(2, "tools/list", json!({})).await;
    assert_eq!(names(&list), ["toggle"]);
    let hidden = client
        .request(3, "tools/call", json!({"name": "late_tool"}))
        .await;
    assert_eq!(hidden["error"]["code"], -32602, "{hidden}");
    assert!(hidden.to_string().contains("Unknown tool"), "{hidden}");

    let (before, on) = client
        .request_after(4, "tools/call", json!({"name": "toggle"}))
        .await;
    assert_eq!(on["result"]["content"][0]["text"], "on");
    // The notification, before the call's response or after it (then before the next one).
    let (after, list) = client.request_after(5, "tools/list", json!({})).await;
    let seen: Vec<Value> = before.into_iter().chain(after).collect();
    assert!(
        seen.iter()
            .any(|m| m["method"] == "notifications/tools/list_changed"),
        "{seen:?}"
    );
    assert_eq!(names(&list), ["late_tool", "toggle"]);
    let called = client.call(6, "late_tool", json!({})).await;
    assert_eq!(called["content"][0]["text"], "late", "{called}");
}

#[tokio::test]
async fn stdio_listen_streams_acknowledge_tag_and_filter() {
    let mut client = Client::start();
    let mut meta = meta_2026();
    let listen = |id: i64, notifications: Value, meta: &Value| {
        json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen",
               "params": {"_meta": meta, "notifications": notifications}})
    };
    // One stream for tools, one for prompts only (nothing to send it here).
    client
        .send(listen(10, json!({"toolsListChanged": true}), &meta))
        .await;
    client
        .send(listen(11, json!({"promptsListChanged": true}), &meta))
        .await;
    let mut acks = Vec::new();
    while acks.len() < 2 {
        let m = client.next().await.unwrap();
        assert_eq!(
            m["method"], "notifications/subscriptions/acknowledged",
            "{m}"
        );
        acks.push(m);
    }
    for ack in &acks {
        let id = &ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"];
        let agreed = &ack["params"]["notifications"];
        match id.as_i64() {
            Some(10) => assert_eq!(*agreed, json!({"toolsListChanged": true})),
            // Prompts are not served: not agreed.
            Some(11) => assert_eq!(*agreed, json!({})),
            _ => panic!("{ack}"),
        }
    }
    meta["io.modelcontextprotocol/clientCapabilities"] = json!({});
    let (notes, toggled) = client
        .request_after(12, "tools/call", json!({"name": "toggle", "_meta": meta}))
        .await;
    assert_eq!(toggled["result"]["content"][0]["text"], "on");
    let mut notes = notes;
    if notes.is_empty() {
        notes.push(client.next().await.unwrap());
    }
    assert_eq!(
        notes.len(),
        1,
        "only the tools stream hears of it: {notes:?}"
    );
    assert_eq!(notes[0]["method"], "notifications/tools/list_changed");
    assert_eq!(
        notes[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        10
    );
    // Cancelled by the client: ended, with no response.
    client
        .send(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 10}}),
        )
        .await;
    let (notes, _) = client
        .request_after(13, "tools/call", json!({"name": "toggle", "_meta": meta}))
        .await;
    assert!(notes.is_empty(), "{notes:?}");
    // At the end of input the remaining stream closes with its result.
    client.close().await;
    let closing = client.next().await.unwrap();
    assert_eq!(closing["id"], 11, "{closing}");
    assert_eq!(closing["result"]["resultType"], "complete");
    assert_eq!(
        closing["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        11
    );
}

#[tokio::test]
async fn listen_needs_its_filter_and_exists_only_when_stateless() {
    let mut client = Client::start();
    let r = client
        .request(1, "subscriptions/listen", json!({"_meta": meta_2026()}))
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let mut session = Client::start();
    session.initialize("2025-11-25").await;
    let r = session
        .request(2, "subscriptions/listen", json!({"notifications": {}}))
        .await;
    assert_eq!(r["error"]["code"], -32601, "{r}");
}

#[tokio::test]
async fn http_listen_streams_and_session_streams() {
    let server = TestServer::start(HttpOptions::default()).await;
    let http = reqwest::Client::new();
    let url = server.url();
    let listen = |id: i64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen",
               "params": {"_meta": stateless_meta(), "notifications": {"toolsListChanged": true}}})
    };
    let mut stream = post(&http, &url, stateless_headers(), listen(1)).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut body = String::new();
    let events = read_events(&mut stream, &mut body, 1).await;
    let ack: Value = serde_json::from_str(&events[0].data).unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");

    // A 2025 session's own stream.
    let sid = open_session(&http, &url, mcp_headers()).await;
    let mut own = in_session(&http, reqwest::Method::GET, &url, &sid).await;
    assert_eq!(own.status(), StatusCode::OK);

    let toggle = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                        "params": {"_meta": stateless_meta(), "name": "toggle"}});
    let r = json_of(post(&http, &url, stateless_headers(), toggle).await).await;
    assert_eq!(r["result"]["content"][0]["text"], "on", "{r}");

    let events = read_events(&mut stream, &mut body, 2).await;
    let note: Value = serde_json::from_str(&events[1].data).unwrap();
    assert_eq!(note["method"], "notifications/tools/list_changed");
    assert_eq!(
        note["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        1
    );
    let mut own_body = String::new();
    let events = read_events(&mut own, &mut own_body, 1).await;
    let note: Value = serde_json::from_str(&events[0].data).unwrap();
    assert_eq!(note["method"], "notifications/tools/list_changed");

    // A client holds a bounded number of streams: the one too many is answered with an error
    // on its stream instead of an acknowledgement.
    async fn first_message(r: &mut reqwest::Response) -> Value {
        let mut body = String::new();
        let events = read_events(r, &mut body, 1).await;
        serde_json::from_str(&events[0].data).unwrap()
    }
    let mut held = Vec::new();
    let refused = loop {
        let mut r = post(
            &http,
            &url,
            stateless_headers(),
            listen(10 + held.len() as i64),
        )
        .await;
        let first = first_message(&mut r).await;
        if first["method"] == "notifications/subscriptions/acknowledged" {
            held.push(r);
            assert!(
                held.len() <= sturdy::mcp::MAX_LISTENS_PER_CLIENT,
                "never refused"
            );
        } else {
            break first;
        }
    };
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    // Two already open (the first listen, the session's GET), so the quota is reached early.
    assert_eq!(held.len(), sturdy::mcp::MAX_LISTENS_PER_CLIENT - 2);
    // Closing streams gives their places back.
    drop(held);
    drop(stream);
    let mut again = false;
    for _ in 0..50 {
        let mut r = post(&http, &url, stateless_headers(), listen(99)).await;
        if first_message(&mut r).await["method"] == "notifications/subscriptions/acknowledged" {
            again = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(again, "closed streams give their places back");
    server.shutdown_nowait();
}
