//! Where the authorization server keeps its signing keys: its metadata (RFC 8414, else OpenID
//! Connect Discovery) names its `jwks_uri`.

use std::time::Duration;

/// Longest a fetch from the authorization server may take.
pub(super) const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest document read from it (metadata, key set): a hostile or broken server cannot grow
/// this one's memory.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// The `jwks_uri` of `issuer`, from its RFC 8414 metadata
/// (`/.well-known/oauth-authorization-server` inserted before the issuer's path), else its
/// OpenID configuration (`/.well-known/openid-configuration` appended). The document must name
/// `issuer` exactly (RFC 8414 §3.3), so that one server's metadata cannot stand in for
/// another's.
pub(super) async fn jwks_uri(http: &reqwest::Client, issuer: &str) -> Result<String, String> {
    let trimmed = issuer.trim_end_matches('/');
    let after_scheme = trimmed.find("://").map_or(0, |i| i + 3);
    let (origin, path) = match trimmed[after_scheme..].find('/') {
        Some(i) => trimmed.split_at(after_scheme + i),
        None => (trimmed, ""),
    };
    let candidates = [
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{trimmed}/.well-known/openid-configuration"),
    ];
    let mut failures = Vec::new();
    for url in &candidates {
        match fetch_json(http, url).await {
            Ok(metadata) => {
                let named = metadata.get("issuer").and_then(|i| i.as_str());
                if named != Some(issuer) {
                    return Err(format!(
                        "{url} names the issuer {named:?}, not {issuer:?} (they must be equal)"
                    ));
                }
                return match metadata.get("jwks_uri").and_then(|u| u.as_str()) {
                    Some(jwks) => {
                        super::options::check_url("the issuer's jwks_uri", jwks)?;
                        Ok(jwks.to_owned())
                    }
                    None => Err(format!("{url} gives no jwks_uri")),
                };
            }
            Err(e) => failures.push(e),
        }
    }
    Err(format!(
        "no authorization server metadata for {issuer}: {}",
        failures.join("; ")
    ))
}

/// `url`'s JSON document, at most [`MAX_DOCUMENT_BYTES`].
pub(super) async fn fetch_json(
    http: &reqwest::Client,
    url: &str,
) -> Result<serde_json::Value, String> {
    let mut response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url}: {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("{url}: larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url}: not JSON ({e})"))
}
