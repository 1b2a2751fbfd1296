//! Where to get a token: the protected resource metadata (RFC 9728) names the authorization
//! server, whose metadata (RFC 8414, or OpenID Connect Discovery) names its endpoints. Both are
//! checked before anything is sent to them: the resource must be the server the client talks to,
//! and the authorization server's metadata must be its own.

use reqwest::Url;
use serde::Deserialize;

/// The largest metadata document read.
const MAX_METADATA_BYTES: usize = 256 * 1024;

/// What the protected resource says of itself.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ResourceMetadata {
    /// The resource identifier, sent as `resource` exactly as published (RFC 8707).
    pub resource: String,
    #[serde(default)]
    pub authorization_servers: Vec<String>,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
}

/// What an authorization server says of itself.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ServerMetadata {
    pub issuer: String,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: String,
    #[serde(default)]
    pub registration_endpoint: Option<String>,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub client_id_metadata_document_supported: bool,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// Reads the protected resource metadata of the server at `server_url`: at the challenge's
/// `resource_metadata` when it gave one, else at the path-based well-known location, then the
/// root one. Its `resource` must be the server's URL or a prefix of it (same origin).
pub(super) async fn resource_metadata(
    http: &reqwest::Client,
    server_url: &Url,
    from_challenge: Option<&str>,
) -> Result<ResourceMetadata, String> {
    let mut candidates = Vec::new();
    if let Some(url) = from_challenge {
        candidates.push(Url::parse(url).map_err(|e| format!("resource_metadata {url}: {e}"))?);
    } else {
        let path = server_url.path().trim_end_matches('/');
        if !path.is_empty() {
            candidates.push(well_known(server_url, "oauth-protected-resource", path));
        }
        candidates.push(well_known(server_url, "oauth-protected-resource", ""));
    }
    let mut failures = Vec::new();
    for url in candidates {
        match fetch::<ResourceMetadata>(http, &url).await {
            Ok(metadata) => {
                if !is_resource_of(&metadata.resource, server_url) {
                    return Err(format!(
                        "the protected resource metadata at {url} is for {}, not for {server_url}: \
                         no token is asked for it",
                        metadata.resource
                    ));
                }
                return Ok(metadata);
            }
            Err(why) => failures.push(why),
        }
    }
    Err(format!(
        "no protected resource metadata: {}",
        failures.join("; ")
    ))
}

/// Whether `resource` identifies the server at `server_url`: the same origin, and a path that
/// is the server's or one of its parents.
fn is_resource_of(resource: &str, server_url: &Url) -> bool {
    let Ok(resource) = Url::parse(resource) else {
        return false;
    };
    if resource.fragment().is_some() || resource.origin() != server_url.origin() {
        return false;
    }
    let own = resource.path().trim_end_matches('/');
    let path = server_url.path();
    own.is_empty() || path == own || path.starts_with(&format!("{own}/"))
}

/// Reads the metadata of the authorization server `issuer`: for an issuer with a path, the
/// OAuth location with the path after it, then OpenID's both ways; for one without, OAuth's
/// then OpenID's. The metadata must name `issuer` as its issuer, to the character (RFC 8414
/// §3.3).
pub(super) async fn server_metadata(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<ServerMetadata, String> {
    let url = Url::parse(issuer).map_err(|e| format!("authorization server {issuer}: {e}"))?;
    let path = url.path().trim_end_matches('/');
    let candidates = if path.is_empty() {
        vec![
            well_known(&url, "oauth-authorization-server", ""),
            well_known(&url, "openid-configuration", ""),
        ]
    } else {
        let mut appended = url.clone();
        appended.set_path(&format!("{path}/.well-known/openid-configuration"));
        vec![
            well_known(&url, "oauth-authorization-server", path),
            well_known(&url, "openid-configuration", path),
            appended,
        ]
    };
    let mut failures = Vec::new();
    for candidate in candidates {
        match fetch::<ServerMetadata>(http, &candidate).await {
            Ok(metadata) if metadata.issuer == issuer => return Ok(metadata),
            Ok(metadata) => {
                return Err(format!(
                    "the metadata at {candidate} is of issuer {}, not {issuer}: not used",
                    metadata.issuer
                ))
            }
            Err(why) => failures.push(why),
        }
    }
    Err(format!(
        "no metadata for authorization server {issuer}: {}",
        failures.join("; ")
    ))
}

/// `/.well-known/<name><path>` on `base`'s origin.
fn well_known(base: &Url, name: &str, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("/.well-known/{name}{path}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// GETs a JSON document of at most [`MAX_METADATA_BYTES`].
async fn fetch<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
) -> Result<T, String> {
    let mut response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let body = read_bounded(&mut response, MAX_METADATA_BYTES)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))
}

/// A response's body, at most `max` bytes.
pub(super) async fn read_bounded(
    response: &mut reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > max {
            return Err(format!("a body over {max} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_is_the_server_or_a_parent_of_it_on_the_same_origin() {
        let server = Url::parse("http://localhost:3000/mcp").unwrap();
        for ok in [
            "http://localhost:3000/mcp",
            "http://localhost:3000",
            "http://localhost:3000/",
            "http://localhost:3000/mcp/",
        ] {
            assert!(is_resource_of(ok, &server), "{ok}");
        }
        for refused in [
            "https://evil.example.com/mcp",
            "http://localhost:3001/mcp",
            "http://localhost:3000/mcpx",
            "http://localhost:3000/other",
            "http://localhost:3000/mcp#f",
            "not a url",
        ] {
            assert!(!is_resource_of(refused, &server), "{refused}");
        }
    }

    #[test]
    fn well_known_locations_keep_the_path_after_the_name() {
        let base = Url::parse("http://h:1/tenant1?x=1").unwrap();
        assert_eq!(
            well_known(&base, "oauth-authorization-server", "/tenant1").as_str(),
            "http://h:1/.well-known/oauth-authorization-server/tenant1"
        );
    }
}
