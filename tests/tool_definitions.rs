//! `#[tool(def = NAME)]`: a tool defined but not registered, which a program adds itself (an
//! opt-in or admin tool), served like any other once added.

use serde_json::json;
use sturdy::prelude::*;

/// Reset a scope's counters.
#[tool(def = ADMIN_RESET, destructive)]
async fn admin_reset(scope: String) -> String {
    format!("reset {scope}")
}

/// Always there.
#[tool]
async fn always_there() -> String {
    "here".into()
}

#[test]
fn a_defined_tool_is_not_registered() {
    let registry = Registry::from_inventory().unwrap();
    assert!(registry.get("always_there").is_some());
    assert!(registry.get("admin_reset").is_none());
    // The definition still says what the attribute said.
    assert_eq!(ADMIN_RESET.name, "admin_reset");
    assert_eq!(ADMIN_RESET.description, "Reset a scope's counters.");
    assert_eq!(ADMIN_RESET.annotations.destructive, Some(true));
}

#[tokio::test]
async fn a_defined_tool_serves_once_added() {
    let registry = Registry::from_inventory_and([&ADMIN_RESET]).unwrap();
    let info = registry.get("admin_reset").expect("added");
    assert_eq!(info.input_schema["required"], json!(["scope"]));
    let result = registry
        .call("admin_reset", json!({"scope": "eu"}), Context::detached())
        .await
        .unwrap()
        .into_json();
    assert_eq!(result["content"][0]["text"], "reset eu", "{result}");
    // Added twice: the registry's duplicate-name error, as for any two tools.
    assert!(Registry::from_inventory_and([&ADMIN_RESET, &ADMIN_RESET]).is_err());
}
