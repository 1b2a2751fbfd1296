//! `completion/complete`: values for a prompt argument or a resource template variable, declared
//! with `#[arg(complete = [...])]` (filtered by what was typed) or `#[arg(complete = function)]`,
//! at most 100 with `total` and `hasMore`; unknown references are -32602.

#[path = "common/mod.rs"]
mod common;

use common::Client;
use serde_json::{json, Value};
use sturdy::prelude::*;

/// Plan a trip.
#[prompt]
fn trip(
    #[arg(complete = ["Paris", "Park City", "Lyon"])] city: String,
    #[arg(complete = nights)] nights: Option<u32>,
    note: Option<String>,
) -> String {
    format!("{city} {nights:?} {note:?}")
}

/// Up to 365 night counts that start with what was typed.
fn nights(typed: &str) -> Vec<String> {
    (1..=365)
        .map(|n| n.to_string())
        .filter(|n| n.starts_with(typed))
        .collect()
}

/// A country's page.
#[resource(template = "countries://{code}")]
fn country(#[arg(complete = ["fr", "de", "dk"])] code: String) -> String {
    code
}

async fn complete(
    client: &mut Client,
    id: i64,
    reference: Value,
    name: &str,
    value: &str,
) -> Value {
    client
        .request(
            id,
            "completion/complete",
            json!({"ref": reference, "argument": {"name": name, "value": value}}),
        )
        .await
}

#[tokio::test]
async fn prompt_arguments_and_template_variables_complete() {
    let mut client = Client::start();
    let init = client.initialize("2025-11-25").await;
    assert_eq!(init["result"]["capabilities"]["completions"], json!({}));
    let prompt = json!({"type": "ref/prompt", "name": "trip"});
    let r = complete(&mut client, 2, prompt.clone(), "city", "par").await;
    assert_eq!(
        r["result"]["completion"],
        json!({"values": ["Paris", "Park City"], "total": 2, "hasMore": false})
    );
    // A function: all 365 fit "", the first 100 are sent.
    let r = complete(&mut client, 3, prompt.clone(), "nights", "").await;
    let c = &r["result"]["completion"];
    assert_eq!(c["values"].as_array().unwrap().len(), 100);
    assert_eq!(
        (c["total"].clone(), c["hasMore"].clone()),
        (json!(365), json!(true))
    );
    let r = complete(&mut client, 4, prompt.clone(), "nights", "36").await;
    assert_eq!(
        r["result"]["completion"]["values"],
        json!(["36", "360", "361", "362", "363", "364", "365"])
    );
    // Declares none: no values.
    let r = complete(&mut client, 5, prompt.clone(), "note", "x").await;
    assert_eq!(r["result"]["completion"]["values"], json!([]));
    let template = json!({"type": "ref/resource", "uri": "countries://{code}"});
    let r = complete(&mut client, 6, template, "code", "d").await;
    assert_eq!(r["result"]["completion"]["values"], json!(["de", "dk"]));
}

#[tokio::test]
async fn unknown_references_are_invalid_params() {
    let mut client = Client::start();
    client.initialize("2025-11-25").await;
    for (id, reference, name) in [
        (1, json!({"type": "ref/prompt", "name": "nope"}), "city"),
        (2, json!({"type": "ref/prompt", "name": "trip"}), "nope"),
        (
            3,
            json!({"type": "ref/resource", "uri": "countries://fr"}),
            "code",
        ),
        (4, json!({"type": "ref/tool", "name": "trip"}), "city"),
        (5, json!("trip"), "city"),
    ] {
        let r = complete(&mut client, id, reference, name, "").await;
        assert_eq!(r["error"]["code"], -32602, "{r}");
    }
}
