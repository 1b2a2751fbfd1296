//! What a client learns about a tool.

use serde::Serialize;
use serde_json::Value;

/// Everything a client (or a person running `--list-tools`) learns about a tool.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    /// The tool's name (unique in the registry).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// A human-readable title.
    pub title: Option<String>,
    /// What the tool does, for the model.
    pub description: String,
    /// The JSON Schema of its arguments.
    pub input_schema: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The JSON Schema of its structured result, if it has one.
    pub output_schema: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Its annotations (`readOnlyHint`, …), if any.
    pub annotations: Option<Value>,
    /// How it runs (`{"taskSupport": "optional"}`), for a tool whose calls may be tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<Value>,
    /// The resilience policies of the function, in pipeline order (also sent to clients under
    /// `_meta["dev.sturdy/policies"]`).
    #[serde(
        rename = "_meta",
        serialize_with = "policies_meta",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub policies: Vec<Value>,
}

/// `_meta` key listing a tool's resilience policies in `tools/list`.
pub const POLICIES_META_KEY: &str = "dev.sturdy/policies";

fn policies_meta<S: serde::Serializer>(policies: &[Value], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(1))?;
    m.serialize_entry(POLICIES_META_KEY, policies)?;
    m.end()
}
