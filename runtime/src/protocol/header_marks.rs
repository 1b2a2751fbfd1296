//! Tool arguments mirrored into HTTP headers (SEP-2243): a tool's input schema marks a property
//! with `x-mcp-header: Name`, and a 2026-07-28 call sends that argument again as
//! `Mcp-Param-Name`, so that proxies can route without reading bodies. Read the same way by the
//! client (a tool whose marks break the rules is not offered to the application) and by the
//! server (for tools defined at run time, whose schema is given rather than derived).

use serde_json::Value;

/// The (argument, header name) pairs `schema` marks, or why the tool must be left out: an empty
/// or malformed name (only visible ASCII, no separators), the same name twice (in any case), or
/// a mark on anything but a string, an integer or a boolean.
pub(crate) fn marked_arguments(schema: &Value) -> Result<Vec<(String, String)>, String> {
    let mut marked: Vec<(String, String)> = Vec::new();
    let Some(properties) = schema["properties"].as_object() else {
        return Ok(marked);
    };
    for (argument, property) in properties {
        let Some(header) = property.get("x-mcp-header") else {
            continue;
        };
        let Some(header) = header.as_str() else {
            return Err(format!("{argument}: x-mcp-header is not a string"));
        };
        let token = |b: u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b);
        if header.is_empty() || !header.bytes().all(token) {
            return Err(format!(
                "{argument}: x-mcp-header {header:?} is not a header name"
            ));
        }
        if !matches!(
            property["type"].as_str(),
            Some("string" | "integer" | "boolean")
        ) {
            return Err(format!(
                "{argument}: x-mcp-header on a {} (only strings, integers and booleans)",
                property["type"]
            ));
        }
        if marked.iter().any(|(_, h)| h.eq_ignore_ascii_case(header)) {
            return Err(format!("x-mcp-header {header:?} marks two arguments"));
        }
        marked.push((argument.clone(), header.to_owned()));
    }
    Ok(marked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marks_are_read_and_bad_ones_refused() {
        let good = json!({"properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "n": {"type": "integer", "x-mcp-header": "N"},
            "other": {"type": "number"}}});
        let mut marked = marked_arguments(&good).unwrap();
        marked.sort();
        assert_eq!(
            marked,
            vec![("n".into(), "N".into()), ("region".into(), "Region".into())]
        );
        for bad in [
            json!({"a": {"type": "string", "x-mcp-header": ""}}),
            json!({"a": {"type": "string", "x-mcp-header": "My Field"}}),
            json!({"a": {"type": "string", "x-mcp-header": "a:b"}}),
            json!({"a": {"type": "string", "x-mcp-header": "Région"}}),
            json!({"a": {"type": "number", "x-mcp-header": "A"}}),
            json!({"a": {"type": "object", "x-mcp-header": "A"}}),
            json!({"a": {"type": "string", "x-mcp-header": "X"},
                   "b": {"type": "string", "x-mcp-header": "x"}}),
        ] {
            assert!(
                marked_arguments(&json!({"properties": bad})).is_err(),
                "{bad}"
            );
        }
    }
}
