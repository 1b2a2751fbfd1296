//! Tool parameters mirrored in HTTP headers (`#[arg(header = "Region")]`, SEP-2243): the header
//! each one travels in, checked once at start-up.

use crate::tool::ToolDef;

/// One parameter whose value a 2026-07-28 client also sends as the header `Mcp-Param-{name}`.
#[derive(Debug, Clone, PartialEq)]
#[doc(hidden)]
pub struct HeaderParam {
    /// The full header name, lower-cased (`mcp-param-region`): header names ignore case.
    pub header: String,
    /// The argument it mirrors.
    pub param: String,
}

/// The tool's mirrored parameters, or why its declarations are unusable: a name that is not an
/// HTTP token (RFC 9110 §5.1), or two names equal but for case. (`#[tool]` reports both at
/// compile time; this covers definitions written by hand.)
pub(super) fn header_params(def: &ToolDef) -> Result<Vec<HeaderParam>, String> {
    let mut found: Vec<HeaderParam> = Vec::new();
    for p in def.params {
        let Some(name) = p.header else { continue };
        let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(is_tchar) {
            return Err(format!(
                "parameter `{}`: header name {name:?} is not an HTTP token",
                p.name
            ));
        }
        let header = format!("mcp-param-{}", name.to_ascii_lowercase());
        if let Some(other) = found.iter().find(|h| h.header == header) {
            return Err(format!(
                "parameters `{}` and `{}` are both mirrored in `Mcp-Param-{name}`",
                other.param, p.name
            ));
        }
        found.push(HeaderParam {
            header,
            param: p.name.to_owned(),
        });
    }
    Ok(found)
}

/// The mirrored parameters of a tool defined at run time, read from the marks of its input
/// schema (`x-mcp-header`), or why they are unusable.
pub(super) fn marked_in_schema(schema: &serde_json::Value) -> Result<Vec<HeaderParam>, String> {
    Ok(crate::protocol::marked_arguments(schema)?
        .into_iter()
        .map(|(param, name)| HeaderParam {
            header: format!("mcp-param-{}", name.to_ascii_lowercase()),
            param,
        })
        .collect())
}
