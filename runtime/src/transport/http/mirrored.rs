//! 2026-07-28 mirrors body values in HTTP headers (SEP-2243) so that proxies can route without
//! reading bodies: `Mcp-Method` always, `Mcp-Name` for the requests about one named thing. A value
//! that would not survive as a header field (non-ASCII, edge whitespace, control characters) is
//! sent wrapped as `=?base64?<base64 of its UTF-8>?=`.

use base64::Engine;
use std::borrow::Cow;

/// The params member `Mcp-Name` mirrors for `method`, if any.
pub(super) fn name_param(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    }
}

/// The value a header carries: as sent, or unwrapped from `=?base64?…?=`. `None` for a wrapper that
/// does not decode to UTF-8 (a corrupt header never matches a body value by accident).
pub(super) fn header_value(raw: &str) -> Option<Cow<'_, str>> {
    let Some(encoded) = raw
        .strip_prefix("=?base64?")
        .and_then(|r| r.strip_suffix("?="))
    else {
        return Some(Cow::Borrowed(raw));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    String::from_utf8(bytes).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_wrapped_values() {
        assert_eq!(header_value("add").as_deref(), Some("add"));
        // "héllo wörld" wrapped, as the official SDKs send non-ASCII names.
        assert_eq!(
            header_value("=?base64?aMOpbGxvIHfDtnJsZA==?=").as_deref(),
            Some("héllo wörld")
        );
        assert_eq!(header_value("=?base64?not base64!?="), None);
        // Valid base64 of bytes that are not UTF-8.
        assert_eq!(header_value("=?base64?/w==?="), None);
    }

    #[test]
    fn which_requests_mirror_a_name() {
        assert_eq!(name_param("tools/call"), Some("name"));
        assert_eq!(name_param("prompts/get"), Some("name"));
        assert_eq!(name_param("resources/read"), Some("uri"));
        assert_eq!(name_param("tools/list"), None);
    }
}
