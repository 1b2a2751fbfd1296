//! The outcome of a call, in MCP `CallToolResult` form.

use crate::content::Content;
use crate::error::ToolError;
use serde_json::{json, Map, Value};

/// The outcome of [`Registry::call`](super::Registry::call), in MCP `CallToolResult` form.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// The text content (JSON text for structured results, the message for errors).
    pub text: Option<String>,
    /// Content blocks of tools that return [`Content`] / `Vec<Content>`, sent after `text`.
    pub content: Vec<Content>,
    /// `structuredContent`: successes of tools with an `outputSchema` only, so that it always
    /// validates against that schema (clients check error results too).
    pub structured: Option<Value>,
    /// Whether the call failed (MCP `isError`).
    pub is_error: bool,
    /// Why the call failed, sent as `_meta["dev.sturdy/error"]` (see [`ToolError::to_json`]).
    pub error: Option<ToolError>,
    /// The value came from a `#[cached]` cache rather than a run of the function.
    pub cache_hit: bool,
}

impl CallResult {
    /// The MCP `CallToolResult` object.
    pub fn into_json(self) -> Value {
        let mut content = Vec::with_capacity(usize::from(self.text.is_some()) + self.content.len());
        if let Some(t) = self.text {
            content.push(json!({ "type": "text", "text": t }));
        }
        content.extend(self.content.into_iter().map(Content::into_json));
        let mut v = Map::with_capacity(3);
        v.insert("content".into(), Value::Array(content));
        if let Some(s) = self.structured {
            v.insert("structuredContent".into(), s);
        }
        if self.is_error {
            v.insert("isError".into(), Value::Bool(true));
        }
        let mut meta = Map::new();
        if self.cache_hit {
            meta.insert(CACHE_META_KEY.into(), Value::from("hit"));
        }
        if let Some(e) = &self.error {
            meta.insert(ERROR_META_KEY.into(), e.to_json());
        }
        if !meta.is_empty() {
            v.insert("_meta".into(), Value::Object(meta));
        }
        Value::Object(v)
    }

    /// The result of a call that failed with `e`.
    pub fn failed(e: &ToolError) -> Self {
        Self::error(e)
    }

    /// The readable text goes to the model; the structured fields go under `_meta`, never into
    /// `structuredContent`: clients (the official TypeScript SDK) validate `structuredContent`
    /// against the tool's `outputSchema` even when `isError` is set, and an error object never
    /// matches the schema of the tool's successes.
    pub(super) fn error(e: &ToolError) -> Self {
        CallResult {
            text: Some(e.to_string()),
            content: Vec::new(),
            structured: None,
            is_error: true,
            error: Some(e.clone()),
            cache_hit: false,
        }
    }
}

/// `_meta` key of a tool result served from a `#[cached]` cache (value `"hit"`).
pub const CACHE_META_KEY: &str = "dev.sturdy/cache";

/// `_meta` key of an error result's structured fields (`{"error": <kind>, "message": …,
/// "retry_after": …}`, see [`ToolError::to_json`]).
pub const ERROR_META_KEY: &str = "dev.sturdy/error";
