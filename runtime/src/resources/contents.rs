//! What a resource function returns, and how it becomes `resources/read`'s `contents`: text,
//! bytes (sent base64-encoded as a `blob`), JSON, one [`ResourceContents`] or several.

use crate::error::ToolError;
use base64::Engine;
use serde_json::{json, Value};

/// One item of a resource's contents: text or bytes, with an optional MIME type and URI (by
/// default the resource's own, and the URI that was read).
///
/// ```
/// use sturdy_runtime::resources::ResourceContents;
/// let page = ResourceContents::text("# Title").with_mime_type("text/markdown");
/// let logo = ResourceContents::blob(vec![0x89, b'P', b'N', b'G']).with_mime_type("image/png");
/// # let _ = (page, logo);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceContents {
    body: Body,
    mime_type: Option<String>,
    uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Text(String),
    Blob(Vec<u8>),
    /// An item as another server sent it (`text` or `blob` already in place), passed on whole.
    Forwarded(serde_json::Map<String, Value>),
}

impl ResourceContents {
    /// Text contents.
    pub fn text(text: impl Into<String>) -> Self {
        Self::of(Body::Text(text.into()))
    }

    /// Binary contents, sent base64-encoded.
    pub fn blob(bytes: impl Into<Vec<u8>>) -> Self {
        Self::of(Body::Blob(bytes.into()))
    }

    /// An item of `resources/read` contents as another server sent it (a gateway passes it on
    /// whole: its `text` or base64 `blob`, MIME type, URI, `_meta`); `None` unless it is an
    /// object with a string `text` or `blob`.
    ///
    /// ```
    /// use serde_json::json;
    /// use sturdy_runtime::resources::ResourceContents;
    /// let item = ResourceContents::from_json(json!({"uri": "x://a", "text": "hi"}));
    /// assert!(item.is_some());
    /// assert!(ResourceContents::from_json(json!({"uri": "x://a"})).is_none());
    /// ```
    pub fn from_json(item: Value) -> Option<Self> {
        let Value::Object(item) = item else {
            return None;
        };
        let has_body = item.get("text").is_some_and(Value::is_string)
            || item.get("blob").is_some_and(Value::is_string);
        has_body.then(|| Self::of(Body::Forwarded(item)))
    }

    fn of(body: Body) -> Self {
        ResourceContents {
            body,
            mime_type: None,
            uri: None,
        }
    }

    /// Its MIME type (instead of the resource's).
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Its URI (instead of the URI that was read), for a resource made of several parts.
    pub fn with_uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// As `resources/read` sends it, with the read URI and the resource's MIME type as defaults.
    pub(crate) fn to_json(&self, uri: &str, mime_type: Option<&str>) -> Value {
        let (key, body) = match &self.body {
            Body::Text(t) => ("text", json!(t)),
            Body::Blob(b) => (
                "blob",
                json!(base64::engine::general_purpose::STANDARD.encode(b)),
            ),
            Body::Forwarded(item) => {
                let mut item = item.clone();
                item.entry("uri").or_insert_with(|| json!(uri));
                return Value::Object(item);
            }
        };
        let mut v = json!({ "uri": self.uri.as_deref().unwrap_or(uri) });
        if let Some(m) = self.mime_type.as_deref().or(mime_type) {
            v["mimeType"] = json!(m);
        }
        v[key] = body;
        v
    }
}

/// What a `#[resource]` function may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a resource",
    label = "return text (`String`), bytes (`Vec<u8>`), JSON (`serde_json::Value`), \
             `ResourceContents`, `Vec<ResourceContents>`, or a `Result` of one",
    note = "errors (`Result<_, E>`) need `E: std::fmt::Display`, e.g. `ToolError`"
)]
#[doc(hidden)]
pub trait IntoResourceContents {
    /// The contents, or why there are none.
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError>;
}

impl IntoResourceContents for String {
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![ResourceContents::text(self)])
    }
}

impl IntoResourceContents for &'static str {
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![ResourceContents::text(self)])
    }
}

impl IntoResourceContents for Vec<u8> {
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![ResourceContents::blob(self)])
    }
}

impl IntoResourceContents for Value {
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![
            ResourceContents::text(self.to_string()).with_mime_type("application/json")
        ])
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(vec![self])
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError> {
        Ok(self)
    }
}

impl<T: IntoResourceContents, E: std::fmt::Display + 'static> IntoResourceContents
    for Result<T, E>
{
    fn into_contents(self) -> Result<Vec<ResourceContents>, ToolError> {
        match self {
            Ok(v) => v.into_contents(),
            Err(e) => Err(ToolError::from_display(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_read_and_the_resource() {
        let text = ResourceContents::text("hi").to_json("x://a", Some("text/plain"));
        assert_eq!(
            text,
            json!({"uri": "x://a", "mimeType": "text/plain", "text": "hi"})
        );
        let blob = ResourceContents::blob(vec![1, 2, 3])
            .with_uri("x://b")
            .to_json("x://a", None);
        assert_eq!(blob, json!({"uri": "x://b", "blob": "AQID"}));
    }

    #[test]
    fn errors_keep_their_kind() {
        let limited: Result<String, ToolError> = Err(ToolError::RateLimited {
            retry_after: std::time::Duration::from_secs(3),
        });
        assert_eq!(limited.into_contents().unwrap_err().kind(), "rate_limited");
        let io: Result<String, std::io::Error> = Err(std::io::Error::other("disk"));
        assert_eq!(io.into_contents().unwrap_err().to_string(), "disk");
    }
}
