//! Getting a token from an authorization server: the client's registration (given, a client ID
//! metadata document, or dynamic), the authorization code with PKCE, client credentials and
//! refresh, each token request carrying the resource (RFC 8707) and the client's
//! authentication in the form the server accepts.

use super::discovery::{read_bounded, ServerMetadata};
use base64::Engine;
use reqwest::Url;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The largest token or registration response read.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// How this client is known to one authorization server.
#[derive(Debug, Clone)]
pub(super) struct Registered {
    pub client_id: String,
    pub client_secret: Option<String>,
    /// `none`, `client_secret_basic` or `client_secret_post`.
    pub auth_method: String,
}

/// A token response.
#[derive(Debug, Deserialize)]
pub(super) struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// How a client given its id (and secret) authenticates at this server's token endpoint.
pub(super) fn auth_method_for(metadata: &ServerMetadata, secret: Option<&str>) -> String {
    if secret.is_none() {
        return "none".into();
    }
    // RFC 8414: without the list, `client_secret_basic` is the default.
    let supported = metadata
        .token_endpoint_auth_methods_supported
        .clone()
        .unwrap_or_else(|| vec!["client_secret_basic".into()]);
    ["client_secret_basic", "client_secret_post"]
        .into_iter()
        .find(|m| supported.iter().any(|s| s == m))
        .unwrap_or("client_secret_basic")
        .into()
}

/// Registers at the server's registration endpoint (RFC 7591).
pub(super) async fn register(
    http: &reqwest::Client,
    metadata: &ServerMetadata,
    name: &str,
    redirect_uri: Option<&str>,
) -> Result<Registered, String> {
    let Some(endpoint) = &metadata.registration_endpoint else {
        return Err(format!(
            "authorization server {} has no registration endpoint, and this client has no \
             client id for it (OAuth::client_id) nor a metadata document it accepts",
            metadata.issuer
        ));
    };
    let (grant_types, response_types) = match redirect_uri {
        Some(_) => (
            json!(["authorization_code", "refresh_token"]),
            json!(["code"]),
        ),
        None => (json!(["client_credentials"]), json!([])),
    };
    let body = json!({
        "client_name": name,
        "redirect_uris": redirect_uri.map_or_else(Vec::new, |u| vec![u]),
        "grant_types": grant_types,
        "response_types": response_types,
        "token_endpoint_auth_method": "none",
        "application_type": "native",
    });
    let mut response = http
        .post(endpoint)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("registering at {endpoint}: {e}"))?;
    let status = response.status();
    let answer = read_bounded(&mut response, MAX_RESPONSE_BYTES)
        .await
        .map_err(|e| format!("registering at {endpoint}: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "registering at {endpoint}: HTTP {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(300)])
        ));
    }
    let answer: Value =
        serde_json::from_slice(&answer).map_err(|e| format!("registering at {endpoint}: {e}"))?;
    let Some(client_id) = answer["client_id"].as_str() else {
        return Err(format!(
            "registering at {endpoint}: no client_id in the answer"
        ));
    };
    let client_secret = answer["client_secret"].as_str().map(str::to_owned);
    let auth_method = match answer["token_endpoint_auth_method"].as_str() {
        Some(method) => method.to_owned(),
        None => auth_method_for(metadata, client_secret.as_deref()),
    };
    Ok(Registered {
        client_id: client_id.to_owned(),
        client_secret,
        auth_method,
    })
}

/// A PKCE pair (RFC 7636): the verifier kept, the S256 challenge sent.
pub(super) struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub(super) fn new() -> Pkce {
        // 256 bits from the OS generator, as base64url: 43 unreserved characters.
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random generator is available");
        let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let challenge =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&verifier));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// The URL the user agent is sent to.
pub(super) fn authorization_url(
    metadata: &ServerMetadata,
    client: &Registered,
    redirect_uri: &str,
    scope: &str,
    resource: &str,
    pkce: &Pkce,
    state: &str,
) -> Result<Url, String> {
    let Some(endpoint) = &metadata.authorization_endpoint else {
        return Err(format!(
            "authorization server {} has no authorization endpoint",
            metadata.issuer
        ));
    };
    if let Some(methods) = &metadata.code_challenge_methods_supported {
        if !methods.iter().any(|m| m == "S256") {
            return Err(format!(
                "authorization server {} does not support PKCE with S256",
                metadata.issuer
            ));
        }
    }
    let mut url = Url::parse(endpoint).map_err(|e| format!("{endpoint}: {e}"))?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", state)
            .append_pair("resource", resource);
        if !scope.is_empty() {
            query.append_pair("scope", scope);
        }
    }
    Ok(url)
}

/// The code in the redirect the user agent reached, once its `state` and `iss` are checked
/// (RFC 9207: a present `iss` must be the issuer, to the character; a server that says it
/// sends one must).
pub(super) fn code_from_redirect(
    redirect: &str,
    state: &str,
    metadata: &ServerMetadata,
) -> Result<String, String> {
    let url = Url::parse(redirect).map_err(|e| format!("the redirect {redirect}: {e}"))?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        return Err(format!("authorization refused: {error} {description}"));
    }
    if param("state").as_deref() != Some(state) {
        return Err("the redirect's state is not the one sent: refused".into());
    }
    match param("iss") {
        Some(iss) if iss != metadata.issuer => {
            return Err(format!(
                "the redirect names issuer {iss}, not {}: refused (RFC 9207)",
                metadata.issuer
            ))
        }
        None if metadata.authorization_response_iss_parameter_supported => {
            return Err(format!(
                "the redirect has no iss although {} says it sends one: refused (RFC 9207)",
                metadata.issuer
            ))
        }
        _ => {}
    }
    param("code").ok_or_else(|| "the redirect has no code".to_owned())
}

/// One token request: `form` (the grant) with the resource and the client's authentication.
pub(super) async fn token(
    http: &reqwest::Client,
    metadata: &ServerMetadata,
    client: &Registered,
    resource: &str,
    mut form: Vec<(&str, String)>,
) -> Result<Tokens, String> {
    let endpoint = &metadata.token_endpoint;
    form.push(("resource", resource.to_owned()));
    let mut request = http
        .post(endpoint)
        .header(reqwest::header::ACCEPT, "application/json");
    match (client.auth_method.as_str(), &client.client_secret) {
        ("client_secret_basic", Some(secret)) => {
            // RFC 6749 §2.3.1: each form-encoded before the Basic encoding.
            let id: String = form_urlencoded::byte_serialize(client.client_id.as_bytes()).collect();
            let secret: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            request = request.basic_auth(id, Some(secret));
        }
        ("client_secret_post", Some(secret)) => {
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_secret", secret.clone()));
        }
        _ => form.push(("client_id", client.client_id.clone())),
    }
    let mut response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("token request to {endpoint}: {e}"))?;
    let status = response.status();
    let body = read_bounded(&mut response, MAX_RESPONSE_BYTES)
        .await
        .map_err(|e| format!("token request to {endpoint}: {e}"))?;
    if !status.is_success() {
        let answer: Value = serde_json::from_slice(&body).unwrap_or_default();
        return Err(format!(
            "token request to {endpoint}: HTTP {status}: {} {}",
            answer["error"].as_str().unwrap_or_default(),
            answer["error_description"].as_str().unwrap_or_default()
        ));
    }
    serde_json::from_slice(&body).map_err(|e| format!("token response from {endpoint}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(iss_supported: bool) -> ServerMetadata {
        serde_json::from_value(json!({
            "issuer": "http://as", "token_endpoint": "http://as/token",
            "authorization_response_iss_parameter_supported": iss_supported,
        }))
        .unwrap()
    }

    #[test]
    fn the_redirect_is_checked_before_its_code_is_used() {
        let ok = "http://cb/?code=c&state=s&iss=http%3A%2F%2Fas";
        assert_eq!(code_from_redirect(ok, "s", &metadata(true)).unwrap(), "c");
        assert!(code_from_redirect(ok, "other", &metadata(true)).is_err());
        let normalized = "http://cb/?code=c&state=s&iss=http%3A%2F%2Fas%2F";
        assert!(code_from_redirect(normalized, "s", &metadata(false)).is_err());
        let missing = "http://cb/?code=c&state=s";
        assert!(code_from_redirect(missing, "s", &metadata(true)).is_err());
        assert_eq!(
            code_from_redirect(missing, "s", &metadata(false)).unwrap(),
            "c"
        );
        let refused = "http://cb/?error=access_denied&state=s";
        assert!(code_from_redirect(refused, "s", &metadata(false))
            .unwrap_err()
            .contains("access_denied"));
    }

    #[test]
    fn the_pkce_challenge_is_the_verifiers_sha256() {
        let pkce = Pkce::new();
        assert_eq!(pkce.verifier.len(), 43);
        let again =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&pkce.verifier));
        assert_eq!(pkce.challenge, again);
        assert_ne!(Pkce::new().verifier, pkce.verifier);
    }
}
