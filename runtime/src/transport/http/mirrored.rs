//! 2026-07-28 mirrors body values in HTTP headers (SEP-2243) so that proxies can route without
//! reading bodies: `Mcp-Method` always, `Mcp-Name` for the requests about one named thing. A value
//! that would not survive as a header field (non-ASCII, edge whitespace, control characters) is
//! sent wrapped as `=?base64?<base64 of its UTF-8>?=`. A tool may ask for some of its arguments
//! to be mirrored too (`#[arg(header = "Region")]` → `Mcp-Param-Region`).

use crate::registry::HeaderParam;
use axum::http::HeaderMap;
use base64::Engine;
use serde_json::{Map, Value};
use std::borrow::Cow;

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

/// A `Mcp-Param-*` header that does not mirror its argument.
#[derive(Debug, PartialEq)]
pub(super) struct ParamMismatch<'a> {
    /// The header's name (lower case).
    pub header: &'a str,
    /// What it carried, if it was sent.
    pub sent: Option<&'a str>,
    /// The argument, as JSON text (`absent` when the body has none).
    pub body: String,
}

/// Checks each mirrored parameter of a `tools/call`: its header is present exactly when the
/// argument is (and not `null`), and carries the same value.
pub(super) fn check_param_headers<'a>(
    params: &'a [HeaderParam],
    headers: &'a HeaderMap,
    arguments: Option<&Map<String, Value>>,
) -> Result<(), ParamMismatch<'a>> {
    for p in params {
        let arg = arguments
            .and_then(|a| a.get(p.param.as_str()))
            .filter(|v| !v.is_null());
        // A header that is not visible ASCII cannot match anything.
        let sent = headers
            .get(p.header.as_str())
            .map(|v| v.to_str().unwrap_or("\u{fffd}"));
        let agrees = match (sent, arg) {
            (None, None) => true,
            (Some(raw), Some(value)) => header_value(raw).is_some_and(|h| mirrors(&h, value)),
            _ => false,
        };
        if !agrees {
            return Err(ParamMismatch {
                header: &p.header,
                sent,
                body: arg.map_or_else(|| "absent".to_owned(), Value::to_string),
            });
        }
    }
    Ok(())
}

/// Whether header text carries this argument: strings as they are, booleans as `true`/`false`,
/// numbers compared as numbers (`1.0` mirrors `1`; floats within a relative 1e-9).
fn mirrors(header: &str, value: &Value) -> bool {
    match value {
        Value::String(s) => header == s,
        Value::Bool(b) => header == if *b { "true" } else { "false" },
        Value::Number(n) => {
            if let (Some(body), Ok(sent)) = (n.as_i64(), header.parse::<i64>()) {
                return body == sent;
            }
            match (n.as_f64(), header.parse::<f64>()) {
                (Some(body), Ok(sent)) if body.is_finite() && sent.is_finite() => {
                    (body - sent).abs() <= 1e-9 * body.abs().max(sent.abs())
                }
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn params() -> Vec<HeaderParam> {
        vec![
            HeaderParam {
                header: "mcp-param-region".into(),
                param: "region".into(),
            },
            HeaderParam {
                header: "mcp-param-priority".into(),
                param: "priority".into(),
            },
        ]
    }

    fn check(sent: &[(&'static str, &str)], args: Value) -> Result<(), String> {
        let mut headers = HeaderMap::new();
        for (name, value) in sent {
            headers.insert(*name, value.parse().unwrap());
        }
        let params = params();
        check_param_headers(&params, &headers, args.as_object())
            .map_err(|m| format!("{} {:?} {}", m.header, m.sent, m.body))
    }

    #[test]
    fn mirrored_arguments_must_agree_with_their_headers() {
        let args = json!({"region": "us-east1", "priority": 3});
        let both = [
            ("mcp-param-region", "us-east1"),
            ("mcp-param-priority", "3"),
        ];
        assert_eq!(check(&both, args.clone()), Ok(()));
        // Base64-wrapped, and numbers compared as numbers.
        let wrapped = [
            ("mcp-param-region", "=?base64?dXMtZWFzdDE=?="),
            ("mcp-param-priority", "3.0"),
        ];
        assert_eq!(check(&wrapped, args.clone()), Ok(()));
        assert_eq!(
            check(&[("mcp-param-region", "us-east1")], args.clone()),
            Err("mcp-param-priority None 3".into())
        );
        assert_eq!(
            check(&[("mcp-param-region", "eu-west1"), both[1]], args.clone()),
            Err("mcp-param-region Some(\"eu-west1\") \"us-east1\"".into())
        );
        // Bad padding is not base64: never a match.
        assert!(check(&[("mcp-param-region", "=?base64?SGVsbG8?="), both[1]], args).is_err());
    }

    #[test]
    fn absent_or_null_arguments_have_no_header() {
        assert_eq!(check(&[], json!({"region": null})), Ok(()));
        assert_eq!(check(&[], json!(null)), Ok(()));
        assert_eq!(
            check(&[("mcp-param-priority", "1")], json!({})),
            Err("mcp-param-priority Some(\"1\") absent".into())
        );
    }

    #[test]
    fn values_by_type() {
        assert!(mirrors("true", &json!(true)));
        assert!(!mirrors("True", &json!(true)));
        assert!(mirrors("0.30000000000000004", &json!(0.3)));
        assert!(!mirrors("0.31", &json!(0.3)));
        assert!(!mirrors("9007199254740993", &json!(9007199254740992_i64)));
        assert!(!mirrors("{}", &json!({})));
    }
}
