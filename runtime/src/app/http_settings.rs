//! What the HTTP transport is told by the environment: the bind address, tokens, origins,
//! limits and the authorization server (`STURDY_*`), checked at start-up.

use crate::health::HealthChecker;
use crate::transport::http::{BearerToken, HttpOptions};
use std::sync::Arc;
use std::time::Duration;

/// Per-call bound of the HTTP transport unless `STURDY_CALL_TIMEOUT` says otherwise.
pub(super) const DEFAULT_HTTP_CALL_TIMEOUT: Duration = Duration::from_secs(120);

pub(super) fn http_options(
    addr: &str,
    health: Option<Arc<HealthChecker>>,
) -> Result<HttpOptions, String> {
    let bind = addr
        .parse()
        .map_err(|e| format!("--http {addr}: not an address like 127.0.0.1:8000 ({e})"))?;
    let mut options = HttpOptions {
        bind,
        health,
        ..Default::default()
    };
    if let Ok(token) = std::env::var("STURDY_BEARER_TOKEN") {
        if !token.is_empty() {
            options.bearer_tokens.push(BearerToken {
                token,
                principal: "bearer".into(),
            });
        }
    }
    if let Ok(pairs) = std::env::var("STURDY_BEARER_TOKENS") {
        for pair in pairs.split(',').filter(|p| !p.trim().is_empty()) {
            options
                .bearer_tokens
                .push(principal_token(pair).map_err(|e| format!("STURDY_BEARER_TOKENS: {e}"))?);
        }
    }
    if let Ok(path) = std::env::var("STURDY_BEARER_TOKENS_FILE") {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("STURDY_BEARER_TOKENS_FILE={path}: {e}"))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            options.bearer_tokens.push(
                principal_token(line).map_err(|e| {
                    format!("STURDY_BEARER_TOKENS_FILE={path}, line {}: {e}", n + 1)
                })?,
            );
        }
    }
    options_auth(&mut options)?;
    options.allowed_origins = env_list("STURDY_ALLOWED_ORIGINS");
    options.allowed_hosts = env_list("STURDY_ALLOWED_HOSTS");
    options.client_address_header = std::env::var("STURDY_CLIENT_ADDRESS_HEADER")
        .ok()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty());
    options.sse_close_after = env_seconds("STURDY_SSE_CLOSE_AFTER")?;
    if let Some(d) = env_seconds("STURDY_HEADER_TIMEOUT")? {
        options.header_read_timeout = d;
    }
    if let Some(d) = env_seconds("STURDY_BODY_TIMEOUT")? {
        options.body_read_timeout = d;
    }
    if let Some(d) = env_seconds("STURDY_SHUTDOWN_GRACE")? {
        options.shutdown_grace = d;
    }
    Ok(options)
}

/// `STURDY_AUTH_*` and `STURDY_PUBLIC_URL`: the server as an OAuth resource server.
fn options_auth(options: &mut HttpOptions) -> Result<(), String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(issuer) = var("STURDY_AUTH_ISSUER") else {
        return Ok(());
    };
    #[cfg(feature = "auth")]
    {
        let mut auth = crate::auth::AuthOptions::new(issuer.trim());
        auth.public_url = var("STURDY_PUBLIC_URL").map(|u| u.trim().to_owned());
        auth.audience = var("STURDY_AUTH_AUDIENCE").map(|a| a.trim().to_owned());
        auth.jwks_url = var("STURDY_AUTH_JWKS_URL").map(|u| u.trim().to_owned());
        auth.required_scopes = var("STURDY_AUTH_REQUIRED_SCOPES")
            .map(|s| s.split_ascii_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        auth.introspection_url = var("STURDY_AUTH_INTROSPECTION_URL").map(|u| u.trim().to_owned());
        if let (Some(id), Some(secret)) = (
            var("STURDY_AUTH_CLIENT_ID"),
            var("STURDY_AUTH_CLIENT_SECRET"),
        ) {
            auth.introspection_client = Some((id.trim().to_owned(), secret));
        }
        auth.list_all = match var("STURDY_AUTH_LIST_ALL").as_deref().map(str::trim) {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => return Err(format!("STURDY_AUTH_LIST_ALL={other}: true or false")),
        };
        auth.check().map_err(|e| format!("STURDY_AUTH_*: {e}"))?;
        options.auth = Some(auth);
        Ok(())
    }
    #[cfg(not(feature = "auth"))]
    {
        let _ = options;
        Err(format!(
            "STURDY_AUTH_ISSUER={issuer}: this server was built without sturdy's `auth` feature"
        ))
    }
}

/// `principal:token` (the token may hold `:`, the principal may not).
fn principal_token(pair: &str) -> Result<BearerToken, String> {
    match pair.trim().split_once(':') {
        Some((principal, token)) if !principal.is_empty() && !token.is_empty() => Ok(BearerToken {
            principal: principal.to_owned(),
            token: token.to_owned(),
        }),
        _ => Err("expected principal:token pairs".to_owned()),
    }
}

/// The comma-separated items of the environment variable `name` (none when it is not set).
fn env_list(name: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_default()
        .split(',')
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
        .collect()
}

/// A duration in seconds from the environment variable `name`, when it is set.
fn env_seconds(name: &str) -> Result<Option<Duration>, String> {
    let Ok(text) = std::env::var(name) else {
        return Ok(None);
    };
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && s.is_finite())
        .map(|s| Some(Duration::from_secs_f64(s)))
        .ok_or_else(|| format!("{name}={text}: not a positive number of seconds"))
}
