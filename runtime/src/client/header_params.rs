//! Tool arguments mirrored into HTTP headers (SEP-2243): a 2026-07-28 call sends each argument
//! its tool's schema marks (see [`crate::protocol::marked_arguments`]) again as `Mcp-Param-Name`,
//! so that proxies can route without reading bodies.

#[cfg(feature = "remote")]
use base64::Engine;
use serde_json::Value;

/// The header value of argument `value`: `None` for null (the header is left out); a string
/// that would not survive as a header field (non-ASCII, edge whitespace, control characters)
/// wrapped as `=?base64?…?=`.
#[cfg(feature = "remote")]
pub(crate) fn header_value(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let plain = text.bytes().all(|b| b.is_ascii() && !b.is_ascii_control())
        && !text.starts_with([' ', '\t'])
        && !text.ends_with([' ', '\t']);
    Some(if plain {
        text
    } else {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[cfg(feature = "remote")]
    #[test]
    fn values_are_plain_or_wrapped() {
        assert_eq!(header_value(&json!("us-west1")).unwrap(), "us-west1");
        assert_eq!(header_value(&json!(42)).unwrap(), "42");
        assert_eq!(header_value(&json!(false)).unwrap(), "false");
        assert_eq!(header_value(&json!(null)), None);
        assert_eq!(
            header_value(&json!(" padded")).unwrap(),
            "=?base64?IHBhZGRlZA==?="
        );
        assert!(header_value(&json!("Hello, 世界"))
            .unwrap()
            .starts_with("=?base64?"));
    }
}
