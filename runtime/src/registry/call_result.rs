//! The outcome of a call, in MCP `CallToolResult` form.

use crate::content::Content;
use crate::error::ToolError;
use crate::output::ToolOutput;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Value};

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
        serde_json::to_value(&self).expect("a CallToolResult serialises")
    }

    /// The `CallToolResult` of a stateless (2026-07-28) request, serialised: with
    /// `"resultType": "complete"`.
    pub(crate) fn complete_json(&self) -> Box<RawValue> {
        serde_json::value::to_raw_value(&Complete(self)).expect("a CallToolResult serialises")
    }

    /// The `CallToolResult` as JSON text appended to `out`, with `"resultType": "complete"` for a
    /// stateless (2026-07-28) request when `complete`.
    ///
    /// The usual result, a success whose content is one text block, is written here by hand:
    /// through serde its five constant keys and values would each go through the string escaper,
    /// a sizeable part of a small call's cost. Anything else goes through [`Serialize`].
    pub(crate) fn write_json(&self, out: &mut Vec<u8>, complete: bool) {
        let plain = self.content.is_empty()
            && self.structured.is_none()
            && !self.is_error
            && self.error.is_none()
            && !self.cache_hit;
        match (&self.text, plain) {
            (Some(text), true) => {
                out.extend_from_slice(br#"{"content":[{"type":"text","text":"#);
                serde_json::to_writer(&mut *out, text).expect("a string serialises");
                out.extend_from_slice(b"}]");
                if complete {
                    out.extend_from_slice(br#","resultType":"complete""#);
                }
                out.push(b'}');
                Ok(())
            }
            _ if complete => serde_json::to_writer(out, &Complete(self)),
            _ => serde_json::to_writer(out, self),
        }
        .expect("a CallToolResult serialises")
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

/// Written straight to the response (no `Value` built first): `content` (the text block, then
/// the tool's blocks), `structuredContent`, `isError`, `_meta`.
impl Serialize for CallResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.serialize_members(&mut map)?;
        map.end()
    }
}

/// A stateless request's `CallToolResult`: the same members, then `resultType`.
struct Complete<'a>(&'a CallResult);

impl Serialize for Complete<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.serialize_members(&mut map)?;
        map.serialize_entry("resultType", "complete")?;
        map.end()
    }
}

impl CallResult {
    fn serialize_members<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("content", &Blocks(self))?;
        if let Some(s) = &self.structured {
            map.serialize_entry("structuredContent", s)?;
        }
        if self.is_error {
            map.serialize_entry("isError", &true)?;
        }
        if self.cache_hit || self.error.is_some() {
            map.serialize_entry("_meta", &Meta(self))?;
        }
        Ok(())
    }
}

struct TextBlock<'a>(&'a str);

impl Serialize for TextBlock<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut block = serializer.serialize_map(Some(2))?;
        block.serialize_entry("type", "text")?;
        block.serialize_entry("text", self.0)?;
        block.end()
    }
}

/// `content`: the text block, then the tool's blocks.
struct Blocks<'a>(&'a CallResult);

impl Serialize for Blocks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let len = usize::from(r.text.is_some()) + r.content.len();
        let mut blocks = serializer.serialize_seq(Some(len))?;
        if let Some(text) = &r.text {
            blocks.serialize_element(&TextBlock(text))?;
        }
        for block in &r.content {
            blocks.serialize_element(block.as_json())?;
        }
        blocks.end()
    }
}

struct Meta<'a>(&'a CallResult);

impl Serialize for Meta<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut meta = serializer.serialize_map(None)?;
        if self.0.cache_hit {
            meta.serialize_entry(CACHE_META_KEY, "hit")?;
        }
        if let Some(e) = &self.0.error {
            meta.serialize_entry(ERROR_META_KEY, &e.to_json())?;
        }
        meta.end()
    }
}

/// `_meta` key of a tool result served from a `#[cached]` cache (value `"hit"`).
pub const CACHE_META_KEY: &str = "dev.sturdy/cache";

/// `_meta` key of an error result's structured fields (`{"error": <kind>, "message": …,
/// "retry_after": …}`, see [`ToolError::to_json`]).
pub const ERROR_META_KEY: &str = "dev.sturdy/error";

impl CallResult {
    /// A call's outcome as its result (`wrap_output`: a structured value that is no object is
    /// sent as `{"result": value}`).
    pub(super) fn of_outcome(
        outcome: Result<ToolOutput, ToolError>,
        wrap_output: bool,
        cache_hit: bool,
    ) -> CallResult {
        let mut result = match outcome {
            Ok(ToolOutput::Text(text)) => CallResult {
                text: Some(text),
                content: Vec::new(),
                structured: None,
                is_error: false,
                error: None,
                cache_hit: false,
            },
            Ok(ToolOutput::Empty) => CallResult {
                text: None,
                content: Vec::new(),
                structured: None,
                is_error: false,
                error: None,
                cache_hit: false,
            },
            Ok(ToolOutput::Forwarded {
                content,
                structured,
                is_error,
            }) => CallResult {
                text: None,
                content,
                structured,
                is_error,
                error: None,
                cache_hit: false,
            },
            Ok(ToolOutput::Content(blocks)) => CallResult {
                text: None,
                content: blocks,
                structured: None,
                is_error: false,
                error: None,
                cache_hit: false,
            },
            Ok(ToolOutput::Structured(value)) => {
                let value = if wrap_output {
                    json!({ "result": value })
                } else {
                    value
                };
                CallResult {
                    // `to_string` would go through `fmt`'s writer adapter: slower for the same bytes.
                    text: Some(serde_json::to_string(&value).expect("a Value serialises")),
                    content: Vec::new(),
                    structured: Some(value),
                    is_error: false,
                    error: None,
                    cache_hit: false,
                }
            }
            Err(e) => CallResult::error(&e),
        };
        result.cache_hit = cache_hit && !result.is_error;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;
    use serde_json::json;

    /// A stateless result is the same object with `resultType` added, whatever it holds.
    #[test]
    fn the_complete_form_adds_only_the_result_type() {
        let mut cached = CallResult::failed(&ToolError::new("boom"));
        cached.cache_hit = true;
        let results = [
            CallResult {
                text: Some("{\"result\":5}".into()),
                content: vec![Content::text("more")],
                structured: Some(json!({"result": 5})),
                is_error: false,
                error: None,
                cache_hit: false,
            },
            CallResult::failed(&ToolError::new("boom")),
            cached,
        ];
        for result in results {
            let raw: Value = serde_json::from_str(result.complete_json().get()).unwrap();
            let mut expected = result.clone().into_json();
            expected["resultType"] = json!("complete");
            assert_eq!(raw, expected);
        }
    }

    /// The hand-written form is byte for byte what serde writes, for every kind of result.
    #[test]
    fn the_written_result_is_the_serialised_one() {
        let text = |t: &str| CallResult {
            text: Some(t.into()),
            content: Vec::new(),
            structured: None,
            is_error: false,
            error: None,
            cache_hit: false,
        };
        let mut cached = text("8");
        cached.cache_hit = true;
        let mut blocks = text("a");
        blocks.content.push(Content::text("b"));
        let results = [
            text("8"),
            text("quote \" slash \\ line\n \u{1} é 😀"),
            text(""),
            cached,
            blocks,
            CallResult::failed(&ToolError::new("boom")),
            CallResult {
                text: None,
                ..text("")
            },
        ];
        for result in results {
            let mut plain = Vec::new();
            result.write_json(&mut plain, false);
            assert_eq!(plain, serde_json::to_vec(&result).unwrap(), "{result:?}");
            let mut complete = Vec::new();
            result.write_json(&mut complete, true);
            assert_eq!(
                complete,
                result.complete_json().get().as_bytes(),
                "{result:?}"
            );
        }
    }
}
