//! This server's protected resource metadata (RFC 9728) and the challenges of its refusals
//! (RFC 6750 §3, with the `resource_metadata` parameter of RFC 9728 §5.1).

use serde_json::json;

/// Where the metadata documents of a host are (RFC 9728 §3).
pub(crate) const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The metadata document, where it is served, and what challenges say.
#[derive(Debug)]
pub(crate) struct ResourceMetadata {
    /// The document's URL, which every challenge names.
    url: String,
    /// Its path on this server: [`WELL_KNOWN`] followed by the resource's path (RFC 9728 §3.1).
    path: String,
    document: Vec<u8>,
    /// Scopes every request needs, space-separated (empty: none).
    required: String,
}

/// Why a request is refused, for its `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// No token: 401, with the scopes every request needs.
    NoToken,
    /// A token that is not valid here: 401 `invalid_token`, with why.
    InvalidToken(&'static str),
    /// A valid token without the scopes the request needs (space-separated): 403.
    InsufficientScope(String),
}

impl ResourceMetadata {
    /// The metadata of `resource` (this server's MCP endpoint URL), whose tokens `issuer` issues
    /// with `scopes` (every scope this server knows of) and of which every request needs
    /// `required`.
    pub(crate) fn new(
        resource: &str,
        issuer: &str,
        scopes: &[String],
        required: &[String],
    ) -> Self {
        let (origin, path) = split_url(resource);
        let path = match path.trim_end_matches('/') {
            "" => WELL_KNOWN.to_owned(),
            path => format!("{WELL_KNOWN}{path}"),
        };
        let mut supported: Vec<&str> = scopes.iter().chain(required).map(String::as_str).collect();
        supported.sort_unstable();
        supported.dedup();
        let document = json!({
            "resource": resource,
            "authorization_servers": [issuer],
            "scopes_supported": supported,
            "bearer_methods_supported": ["header"],
        });
        ResourceMetadata {
            url: format!("{origin}{path}"),
            path,
            document: serde_json::to_vec(&document).expect("a JSON value serialises"),
            required: required.join(" "),
        }
    }

    /// Whether a `GET` of `path` is for the document: at its own path, or at the bare
    /// well-known path (clients that do not add the resource's path).
    pub(crate) fn serves(&self, path: &str) -> bool {
        path == self.path || path == WELL_KNOWN
    }

    /// The paths it is served at.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        let bare = (self.path != WELL_KNOWN).then_some(WELL_KNOWN);
        std::iter::once(self.path.as_str()).chain(bare)
    }

    /// The document (JSON).
    pub(crate) fn document(&self) -> &[u8] {
        &self.document
    }

    /// The `WWW-Authenticate` value refusing a request for `why`. Every part is this server's
    /// own text (URLs checked at start-up, scopes without quotes or backslashes, fixed reasons):
    /// nothing a client sent is echoed.
    pub(crate) fn challenge(&self, why: &Challenge) -> String {
        let metadata = format!("resource_metadata=\"{}\"", self.url);
        match why {
            Challenge::NoToken if self.required.is_empty() => format!("Bearer {metadata}"),
            Challenge::NoToken => format!("Bearer {metadata}, scope=\"{}\"", self.required),
            Challenge::InvalidToken(reason) => format!(
                "Bearer error=\"invalid_token\", error_description=\"{reason}\", {metadata}"
            ),
            Challenge::InsufficientScope(scopes) => {
                format!("Bearer error=\"insufficient_scope\", scope=\"{scopes}\", {metadata}")
            }
        }
    }
}

/// `scheme://authority` and the path of `url` (query and fragment dropped).
fn split_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    let rest = &url[path_start..];
    let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
    (&url[..path_start], &rest[..path_end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_document_sits_under_the_resource_path() {
        let m = ResourceMetadata::new(
            "https://mcp.example.com/team/mcp",
            "https://login.example.com",
            &["notes:write".into(), "a".into()],
            &["a".into()],
        );
        assert!(m.serves("/.well-known/oauth-protected-resource/team/mcp"));
        assert!(m.serves("/.well-known/oauth-protected-resource"));
        assert!(!m.serves("/.well-known/oauth-protected-resource/other"));
        let doc: Value = serde_json::from_slice(m.document()).unwrap();
        assert_eq!(doc["resource"], "https://mcp.example.com/team/mcp");
        assert_eq!(doc["authorization_servers"][0], "https://login.example.com");
        assert_eq!(doc["scopes_supported"], json!(["a", "notes:write"]));
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
        let url = "https://mcp.example.com/.well-known/oauth-protected-resource/team/mcp";
        assert_eq!(
            m.challenge(&Challenge::NoToken),
            format!("Bearer resource_metadata=\"{url}\", scope=\"a\"")
        );
        assert_eq!(
            m.challenge(&Challenge::InsufficientScope("notes:write".into())),
            format!("Bearer error=\"insufficient_scope\", scope=\"notes:write\", resource_metadata=\"{url}\"")
        );
    }

    #[test]
    fn a_root_resource_has_the_bare_path() {
        let m = ResourceMetadata::new("http://127.0.0.1:8000/?x#y", "http://127.0.0.1:9", &[], &[]);
        assert!(m.serves(WELL_KNOWN));
        assert_eq!(
            m.challenge(&Challenge::NoToken),
            "Bearer resource_metadata=\"http://127.0.0.1:8000/.well-known/oauth-protected-resource\""
        );
    }
}
