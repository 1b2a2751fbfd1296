//! Content blocks: what a tool returns when plain text or a structured value is not enough
//! (images, audio, embedded resources, or several blocks in one result).

use serde_json::{json, Value};

/// One block of a tool result's `content`: text, an image, audio, or an embedded resource.
///
/// Return a `Content`, a `Vec<Content>` (blocks in order) or a `Result` of either from a `#[tool]`
/// function. Such tools have no `outputSchema` and send no `structuredContent`; binary data is
/// base64-encoded for you.
///
/// ```
/// use sturdy_runtime::Content;
/// let blocks = vec![
///     Content::text("The chart:"),
///     Content::image(b"\x89PNG...", "image/png"),
///     Content::resource_text("file:///report.csv", "text/csv", "a,b\n1,2\n"),
/// ];
/// assert_eq!(blocks[1].as_json()["type"], "image");
/// assert_eq!(blocks[1].as_json()["data"], "iVBORy4uLg==");
/// assert_eq!(blocks[2].as_json()["resource"]["uri"], "file:///report.csv");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Content(Value);

impl Content {
    /// A text block: `{"type": "text", "text": …}`.
    pub fn text(text: impl Into<String>) -> Self {
        Content(json!({ "type": "text", "text": text.into() }))
    }

    /// An image block: `{"type": "image", "data": <base64>, "mimeType": …}`.
    pub fn image(data: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Content(json!({
            "type": "image",
            "data": base64(data.as_ref()),
            "mimeType": mime_type.into(),
        }))
    }

    /// An audio block: `{"type": "audio", "data": <base64>, "mimeType": …}`.
    pub fn audio(data: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Content(json!({
            "type": "audio",
            "data": base64(data.as_ref()),
            "mimeType": mime_type.into(),
        }))
    }

    /// An embedded text resource:
    /// `{"type": "resource", "resource": {"uri": …, "mimeType": …, "text": …}}`.
    pub fn resource_text(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Content(json!({
            "type": "resource",
            "resource": { "uri": uri.into(), "mimeType": mime_type.into(), "text": text.into() },
        }))
    }

    /// An embedded binary resource:
    /// `{"type": "resource", "resource": {"uri": …, "mimeType": …, "blob": <base64>}}`.
    pub fn resource_blob(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        data: impl AsRef<[u8]>,
    ) -> Self {
        Content(json!({
            "type": "resource",
            "resource": {
                "uri": uri.into(),
                "mimeType": mime_type.into(),
                "blob": base64(data.as_ref()),
            },
        }))
    }

    /// A block as another server sent it (an object with a `"type"`), passed on as it is;
    /// `None` for anything else.
    pub fn from_json(block: Value) -> Option<Content> {
        block["type"].is_string().then_some(Content(block))
    }

    /// The block as sent on the wire.
    pub fn as_json(&self) -> &Value {
        &self.0
    }

    /// The block as sent on the wire.
    pub fn into_json(self) -> Value {
        self.0
    }
}

/// Standard base64 with padding (RFC 4648 §4), as MCP requires for `data` and `blob`.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Content::text(text)
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Content::text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd, 0xfc]), "//79/A==");
    }

    #[test]
    fn blocks() {
        assert_eq!(
            Content::audio([1, 2, 3], "audio/wav").into_json(),
            json!({"type": "audio", "data": "AQID", "mimeType": "audio/wav"})
        );
        assert_eq!(
            Content::resource_blob("test://b", "application/octet-stream", [0]).into_json(),
            json!({"type": "resource",
                   "resource": {"uri": "test://b", "mimeType": "application/octet-stream", "blob": "AA=="}})
        );
        assert_eq!(
            Content::text("hi").into_json(),
            json!({"type": "text", "text": "hi"})
        );
    }
}
