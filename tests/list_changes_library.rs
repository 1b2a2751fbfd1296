//! Resources and prompts turned on and off at run time (`#[resource(disabled)]`,
//! `#[prompt(disabled)]`, the switches through `Context::resources` / `Context::prompts`): what is
//! off is out of the lists and answered as unknown; each change is announced, as
//! `notifications/resources/list_changed` / `notifications/prompts/list_changed` to 2025 sessions
//! and on 2026-07-28 listen streams that asked for `resourcesListChanged` / `promptsListChanged`.

#[path = "common/mod.rs"]
mod common;

use common::{meta_2026, Client};
use serde_json::{json, Value};
use sturdy::prelude::*;

/// Always there.
#[resource(uri = "docs://readme", mime_type = "text/plain")]
fn readme() -> String {
    "read me".into()
}

/// Only during maintenance.
#[resource(uri = "maintenance://window", disabled)]
fn window() -> String {
    "02:00-03:00 UTC".into()
}

/// Past years, only during maintenance.
#[resource(template = "archive://{year}", disabled)]
fn archive(#[arg(complete = ["2024", "2025"])] year: u32) -> String {
    format!("archive of {year}")
}

/// The daily stand-up.
#[prompt]
fn standup() -> String {
    "What did you do yesterday?".into()
}

/// Only during maintenance.
#[prompt(disabled)]
fn incident_review(#[arg(complete = ["db", "dns"])] system: String) -> String {
    format!("Review the {system} incident.")
}

/// Opens the maintenance window: its resources and prompt go on (or off, when they are on).
#[tool]
fn maintenance(ctx: Context) -> Result<String, ToolError> {
    let resources = ctx.resources().ok_or_else(|| ToolError::new("detached"))?;
    let prompts = ctx.prompts().ok_or_else(|| ToolError::new("detached"))?;
    if resources.enable("maintenance://window") {
        resources.enable("archive://{year}");
        prompts.enable("incident_review");
        Ok("open".into())
    } else {
        resources.disable("maintenance://window");
        resources.disable("archive://{year}");
        prompts.disable("incident_review");
        Ok("closed".into())
    }
}

fn listed(response: &Value, key: &str, field: &str) -> Vec<String> {
    response["result"][key]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|e| e[field].as_str().unwrap().to_owned())
        .collect()
}

/// `(resources, templates, prompts)` as listed now.
async fn lists(
    client: &mut Client,
    id: i64,
    meta: &Value,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let r = client
        .request(id, "resources/list", json!({"_meta": meta}))
        .await;
    let t = client
        .request(id + 1, "resources/templates/list", json!({"_meta": meta}))
        .await;
    let p = client
        .request(id + 2, "prompts/list", json!({"_meta": meta}))
        .await;
    (
        listed(&r, "resources", "uri"),
        listed(&t, "resourceTemplates", "uriTemplate"),
        listed(&p, "prompts", "name"),
    )
}

#[tokio::test]
async fn what_is_off_is_unlisted_and_unknown_and_changes_are_announced_to_2025_sessions() {
    let mut client = Client::start();
    let init = client.initialize("2025-11-25").await;
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["resources"]["listChanged"], true, "{init}");
    assert_eq!(caps["prompts"]["listChanged"], true, "{init}");

    let none = json!(null);
    let (resources, templates, prompts) = lists(&mut client, 2, &none).await;
    assert_eq!(resources, ["docs://readme"]);
    assert!(templates.is_empty(), "{templates:?}");
    assert_eq!(prompts, ["standup"]);
    let r = client
        .request(10, "resources/read", json!({"uri": "maintenance://window"}))
        .await;
    assert_eq!(r["error"]["code"], -32002, "{r}");
    let r = client
        .request(11, "resources/read", json!({"uri": "archive://2024"}))
        .await;
    assert_eq!(r["error"]["code"], -32002, "{r}");
    let r = client
        .request(
            12,
            "resources/subscribe",
            json!({"uri": "maintenance://window"}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32002, "{r}");
    let r = client
        .request(
            13,
            "prompts/get",
            json!({"name": "incident_review", "arguments": {"system": "db"}}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let complete = json!({"ref": {"type": "ref/prompt", "name": "incident_review"},
                          "argument": {"name": "system", "value": "d"}});
    let r = client
        .request(14, "completion/complete", complete.clone())
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");

    let (before, opened) = client
        .request_after(20, "tools/call", json!({"name": "maintenance"}))
        .await;
    assert_eq!(opened["result"]["content"][0]["text"], "open", "{opened}");
    let (after, _) = client.request_after(21, "ping", json!({})).await;
    let methods: Vec<Value> = before
        .into_iter()
        .chain(after)
        .map(|m| m["method"].clone())
        .collect();
    // One announcement per change: two resource switches flipped, one prompt switch.
    let count = |method: &str| methods.iter().filter(|m| **m == method).count();
    assert_eq!(
        count("notifications/resources/list_changed"),
        2,
        "{methods:?}"
    );
    assert_eq!(
        count("notifications/prompts/list_changed"),
        1,
        "{methods:?}"
    );

    let (resources, templates, prompts) = lists(&mut client, 30, &none).await;
    assert_eq!(resources, ["docs://readme", "maintenance://window"]);
    assert_eq!(templates, ["archive://{year}"]);
    assert_eq!(prompts, ["incident_review", "standup"]);
    let r = client
        .request(40, "resources/read", json!({"uri": "archive://2024"}))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "archive of 2024", "{r}");
    let r = client
        .request(
            41,
            "prompts/get",
            json!({"name": "incident_review", "arguments": {"system": "dns"}}),
        )
        .await;
    assert_eq!(
        r["result"]["messages"][0]["content"]["text"], "Review the dns incident.",
        "{r}"
    );
    let r = client.request(42, "completion/complete", complete).await;
    assert_eq!(
        r["result"]["completion"]["values"],
        json!(["db", "dns"]),
        "{r}"
    );

    // Closed again: gone again.
    let closed = client.call(50, "maintenance", json!({})).await;
    assert_eq!(closed["content"][0]["text"], "closed", "{closed}");
    let (resources, templates, prompts) = lists(&mut client, 51, &none).await;
    assert_eq!((resources.len(), templates.len(), prompts.len()), (1, 0, 1));
}

#[tokio::test]
async fn listen_streams_hear_of_resource_and_prompt_list_changes_they_asked_for() {
    let mut client = Client::start();
    let mut meta = meta_2026();
    let listen = |id: i64, notifications: Value, meta: &Value| {
        json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen",
               "params": {"_meta": meta, "notifications": notifications}})
    };
    client
        .send(listen(1, json!({"resourcesListChanged": true}), &meta))
        .await;
    client
        .send(listen(
            2,
            json!({"promptsListChanged": true, "toolsListChanged": true}),
            &meta,
        ))
        .await;
    for _ in 0..2 {
        let ack = client.next().await.unwrap();
        assert_eq!(
            ack["method"], "notifications/subscriptions/acknowledged",
            "{ack}"
        );
        let expected =
            match ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"].as_i64() {
                Some(1) => json!({"resourcesListChanged": true}),
                Some(2) => json!({"promptsListChanged": true, "toolsListChanged": true}),
                _ => panic!("{ack}"),
            };
        assert_eq!(ack["params"]["notifications"], expected, "{ack}");
    }
    meta["io.modelcontextprotocol/clientCapabilities"] = json!({});
    let (mut notes, opened) = client
        .request_after(
            3,
            "tools/call",
            json!({"name": "maintenance", "_meta": meta}),
        )
        .await;
    assert_eq!(opened["result"]["content"][0]["text"], "open", "{opened}");
    // Three announcements (two resource switches, one prompt's), each to the stream that asked.
    while notes.len() < 3 {
        notes.push(client.next().await.unwrap());
    }
    let heard: Vec<(Value, Value)> = notes
        .iter()
        .map(|n| {
            (
                n["method"].clone(),
                n["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"].clone(),
            )
        })
        .collect();
    let resources = (json!("notifications/resources/list_changed"), json!(1));
    let prompts = (json!("notifications/prompts/list_changed"), json!(2));
    assert_eq!(
        heard.iter().filter(|h| **h == resources).count(),
        2,
        "{heard:?}"
    );
    assert_eq!(
        heard.iter().filter(|h| **h == prompts).count(),
        1,
        "{heard:?}"
    );
    // Stateless lists show the change too, from pages rebuilt for it.
    let (resources, templates, prompts) = lists(&mut client, 10, &meta).await;
    assert_eq!(resources, ["docs://readme", "maintenance://window"]);
    assert_eq!(templates, ["archive://{year}"]);
    assert_eq!(prompts, ["incident_review", "standup"]);
}

#[test]
fn list_prints_what_is_off() {
    let server = Server::from_inventory(ServerInfo::new("t", "0")).unwrap();
    let doc: Value = serde_json::from_str(&sturdy::app::list_json(&server)).unwrap();
    let window = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uri"] == "maintenance://window")
        .unwrap();
    assert_eq!(window["enabled"], false, "{doc}");
    let readme = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uri"] == "docs://readme")
        .unwrap();
    assert!(readme.get("enabled").is_none(), "{doc}");
    let review = doc["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "incident_review")
        .unwrap();
    assert_eq!(review["enabled"], false, "{doc}");
}
