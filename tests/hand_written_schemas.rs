//! Schemas the author writes: `#[arg(schema = …)]` replaces a parameter's generated schema,
//! `#[arg(extend = …)]` merges keywords into it, `#[tool(input_extend = …)]` into the input
//! schema's root, `#[tool(output_schema = …)]` / `#[tool(output_extend = …)]` do the same for the
//! result. What the author writes reaches `tools/list` untouched (composition, conditionals,
//! anchors, unknown keywords); mistakes are start-up errors naming the tool.

use serde::Serialize;
use serde_json::{json, Value};
use sturdy::prelude::*;

/// Books a slot.
#[tool(input_extend = {
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"urgent": {"const": true}}, "required": ["urgent"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "x-audience": "staff"
})]
fn book(
    #[arg(schema = {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$", "$comment": "a slot code"})]
    slot: String,
    #[arg(description = "Minutes", extend = {"minimum": 15, "maximum": 120, "multipleOf": 15})]
    minutes: u32,
    #[arg(extend = {"format": "email", "description": null})] email: Option<String>,
    phone: Option<String>,
    urgent: Option<bool>,
) -> String {
    let contact = phone.or(email).unwrap_or_default();
    format!(
        "{slot} for {minutes} min, {contact}, urgent: {}",
        urgent.unwrap_or(false)
    )
}

#[derive(Serialize, schemars::JsonSchema)]
struct Booking {
    code: String,
    minutes: u32,
}

/// A booking, its schema extended.
#[tool(output_extend = {"properties": {"code": {"pattern": "^[A-Z]{3}-[0-9]{4}$"}}, "$anchor": "booking"})]
fn last_booking() -> Booking {
    Booking {
        code: "ABC-0001".into(),
        minutes: 30,
    }
}

/// A count, its schema written by hand (a non-object schema is wrapped as `result`, as a generated
/// one would be).
#[tool(output_schema = {"type": "integer", "minimum": 0, "x-unit": "bookings"})]
fn booking_count() -> u64 {
    3
}

#[test]
fn hand_written_parameter_schemas_reach_the_listing() {
    let registry = Registry::from_inventory().unwrap();
    let book = &registry.get("book").unwrap().input_schema;
    let props = &book["properties"];
    // Replaced: exactly what was written (the Rust type still decides what deserialises).
    assert_eq!(
        props["slot"],
        json!({"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$", "$comment": "a slot code"})
    );
    // Extended: the generated keywords, the description, then the author's.
    assert_eq!(props["minutes"]["type"], "integer");
    assert_eq!(props["minutes"]["description"], "Minutes");
    assert_eq!(props["minutes"]["multipleOf"], 15);
    assert_eq!(props["minutes"]["maximum"], 120);
    // `null` removes a keyword (JSON Merge Patch); a standard format is kept.
    assert_eq!(props["email"], json!({"type": "string", "format": "email"}));
    // The root keywords, untouched, beside the generated ones.
    assert_eq!(book["additionalProperties"], false);
    assert_eq!(book["required"], json!(["slot", "minutes"]));
    assert_eq!(book["allOf"][0]["anyOf"][1], json!({"required": ["email"]}));
    assert_eq!(
        book["if"],
        json!({"properties": {"urgent": {"const": true}}, "required": ["urgent"]})
    );
    assert_eq!(book["then"], json!({"required": ["phone"]}));
    assert_eq!(book["else"], json!({"required": ["email"]}));
    assert_eq!(book["x-audience"], "staff");
}

#[test]
fn hand_written_output_schemas_reach_the_listing() {
    let registry = Registry::from_inventory().unwrap();
    let booking = registry
        .get("last_booking")
        .unwrap()
        .output_schema
        .clone()
        .unwrap();
    assert_eq!(booking["type"], "object");
    assert_eq!(booking["properties"]["code"]["type"], "string");
    assert_eq!(
        booking["properties"]["code"]["pattern"],
        "^[A-Z]{3}-[0-9]{4}$"
    );
    assert_eq!(booking["$anchor"], "booking");
    let count = registry
        .get("booking_count")
        .unwrap()
        .output_schema
        .clone()
        .unwrap();
    assert_eq!(
        count,
        json!({
            "type": "object",
            "properties": {"result": {"type": "integer", "minimum": 0, "x-unit": "bookings"}},
            "required": ["result"]
        })
    );
}

#[tokio::test]
async fn results_still_match_the_schemas_they_are_listed_with() {
    let registry = Registry::from_inventory().unwrap();
    let call = |name: &'static str, args: Value| {
        let registry = &registry;
        async move {
            registry
                .call(name, args, Context::detached())
                .await
                .unwrap()
                .into_json()
        }
    };
    let count = call("booking_count", json!({})).await;
    assert_eq!(count["structuredContent"], json!({"result": 3}), "{count}");
    let booked = call(
        "book",
        json!({"slot": "ABC-0001", "minutes": 30, "email": "a@b.c"}),
    )
    .await;
    assert_eq!(
        booked["content"][0]["text"], "ABC-0001 for 30 min, a@b.c, urgent: false",
        "{booked}"
    );
}

/// Mirrored in a header, but an object: not allowed.
#[tool(def = OBJECT_IN_HEADER)]
fn object_in_header(
    #[arg(header = "Filter")] filter: std::collections::HashMap<String, String>,
) -> String {
    format!("{filter:?}")
}

/// A text tool has no output schema to replace.
#[tool(def = TEXT_WITH_SCHEMA, output_schema = {"type": "object"})]
fn text_with_schema() -> String {
    "text".into()
}

/// A parameter schema that is not an object.
#[tool(def = NUMBER_SCHEMA)]
fn number_schema(#[arg(schema = 5)] n: u32) -> u32 {
    n
}

#[test]
fn unusable_hand_written_schemas_are_start_up_errors() {
    for (def, expected) in [
        (
            &OBJECT_IN_HEADER,
            "parameter `filter` is mirrored in a header",
        ),
        (&TEXT_WITH_SCHEMA, "returns text or content"),
        (&NUMBER_SCHEMA, "parameter `n` must be a JSON object"),
    ] {
        let err = match Registry::from_defs([def]) {
            Ok(_) => panic!("{} was accepted", def.name),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(def.name), "{err}");
        assert!(err.contains("hand_written_schemas.rs"), "{err}");
        assert!(err.contains(expected), "{err}");
    }
}
