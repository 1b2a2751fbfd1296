//! What a `tools/call` answered, with the readings tests make of it.

use serde_json::Value;

/// A tool's result (`CallToolResult`): its content, its structured content, whether it is an
/// error, and for sturdy's own errors their kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    raw: Value,
}

impl ToolResult {
    pub(crate) fn new(raw: Value) -> ToolResult {
        ToolResult { raw }
    }

    /// Whether the tool failed (`isError: true`).
    pub fn is_error(&self) -> bool {
        self.raw["isError"] == true
    }

    /// The text of its text content blocks, joined by newlines.
    pub fn text(&self) -> String {
        self.content()
            .iter()
            .filter(|block| block["type"] == "text")
            .filter_map(|block| block["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Its content blocks.
    pub fn content(&self) -> &[Value] {
        self.raw["content"].as_array().map_or(&[], Vec::as_slice)
    }

    /// Its `_meta` (what the server says of the result: a cache hit, an error's kind), when
    /// it has one.
    pub fn meta(&self) -> Option<&Value> {
        self.raw.get("_meta")
    }

    /// `structuredContent`, when the result has one.
    pub fn structured(&self) -> Option<&Value> {
        self.raw.get("structuredContent")
    }

    /// For an error sturdy made (`rate_limited`, `circuit_open`, `timeout`, …), its kind.
    pub fn error_kind(&self) -> Option<&str> {
        self.raw["_meta"]["dev.sturdy/error"]["error"].as_str()
    }

    /// The result as the server sent it.
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}
