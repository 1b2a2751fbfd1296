//! Request checks before any MCP processing, from the headers alone (no body byte is read for a
//! refused request): Host and Origin (DNS rebinding) on every endpoint, the bearer token on every
//! endpoint but `/health`; and the media types of `/mcp`.

use super::options::HttpOptions;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Why a request was refused before any MCP processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    ForeignOrigin,
    ForeignHost,
    Unauthorized,
    /// Refused by the resource server's rules: 401 or 403 with this `WWW-Authenticate`.
    #[cfg_attr(not(feature = "auth"), allow(dead_code))]
    Challenged {
        status: StatusCode,
        challenge: String,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::ForeignHost => (
                StatusCode::MISDIRECTED_REQUEST,
                "Misdirected request: this server does not answer for that Host",
            )
                .into_response(),
            Refusal::ForeignOrigin => {
                (StatusCode::FORBIDDEN, "Forbidden: origin not allowed").into_response()
            }
            Refusal::Unauthorized => {
                let mut r = (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
            Refusal::Challenged { status, challenge } => {
                let message = if status == StatusCode::FORBIDDEN {
                    "Forbidden: the token lacks a scope this request needs"
                } else {
                    "Unauthorized"
                };
                let mut r = (status, message).into_response();
                // Built from the server's own text only (see `ResourceMetadata::challenge`).
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    r.headers_mut().insert(header::WWW_AUTHENTICATE, value);
                }
                r
            }
        }
    }
}

/// Host, Origin and (when `authenticate`) the bearer token. `Ok(principal)` when the request may
/// proceed (`None` without tokens configured or without `authenticate`).
pub(super) fn check(
    options: &HttpOptions,
    headers: &HeaderMap,
    authenticate: bool,
) -> Result<Option<String>, Refusal> {
    if let Some(host) = headers.get(header::HOST) {
        let allowed = host
            .to_str()
            .is_ok_and(|h| host_allowed(&options.allowed_hosts, options.bind, h));
        if !allowed {
            return Err(Refusal::ForeignHost);
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .map(|o| is_loopback_origin(o) || options.allowed_origins.iter().any(|a| a == o))
            .unwrap_or(false);
        if !allowed {
            return Err(Refusal::ForeignOrigin);
        }
    }
    if options.bearer_tokens.is_empty() || !authenticate {
        return Ok(None);
    }
    let presented = bearer_token(headers)
        .map(str::as_bytes)
        .ok_or(Refusal::Unauthorized)?;
    // Every token is compared, so the time taken does not say which one (or how much) matched.
    let mut principal = None;
    for t in &options.bearer_tokens {
        if constant_time_eq(t.token.as_bytes(), presented) {
            principal = Some(t.principal.clone());
        }
    }
    principal.map(Some).ok_or(Refusal::Unauthorized)
}

/// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 9110); the
/// only place a token is taken from (never the query string).
pub(super) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

/// Whether a `Host` header names this server: one of `allowed` (`host` for any port, or
/// `host:port`; `*` for any), or, when `allowed` is empty and the server listens on a loopback
/// address, a loopback name. Empty `allowed` on any other address: no check (the operator names
/// the public host names).
fn host_allowed(allowed: &[String], bind: std::net::SocketAddr, host: &str) -> bool {
    // Compared without case and without allocating: this runs on every request.
    let host = host.trim();
    let name = host_name(host);
    if allowed.is_empty() {
        return !bind.ip().is_loopback() || is_loopback_name(name);
    }
    allowed
        .iter()
        .map(|a| a.trim())
        .any(|a| a == "*" || a.eq_ignore_ascii_case(host) || a.eq_ignore_ascii_case(name))
}

/// The name in `host[:port]`: up to the port, or an IPv6 literal with its brackets.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        }
    } else {
        host.split(':').next().unwrap_or("")
    }
}

fn is_loopback_name(name: &str) -> bool {
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(name))
}

/// `http(s)://localhost`, `127.0.0.1`, `[::1]`, any port.
fn is_loopback_origin(origin: &str) -> bool {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    rest.is_some_and(|rest| is_loopback_name(host_name(rest)))
}

/// Token comparison whose time does not depend on where the first difference is, nor on whether
/// the lengths differ (it runs over the longer of the two).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().max(b.len());
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

pub(super) fn is_json(headers: &HeaderMap) -> bool {
    const JSON: &str = "application/json";
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().get(..JSON.len()))
        .is_some_and(|v| v.eq_ignore_ascii_case(JSON))
}

pub(super) fn accepts_json_and_sse(headers: &HeaderMap) -> bool {
    // What the SDK clients send: taken without splitting it up.
    const USUAL: &[u8] = b"application/json, text/event-stream";
    if headers
        .get(header::ACCEPT)
        .is_some_and(|v| v.as_bytes() == USUAL)
    {
        return true;
    }
    let (mut json, mut sse) = (false, false);
    let media_types = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.split(';').next().unwrap_or("").trim());
    for t in media_types {
        let any = t == "*/*";
        json |= any || t.eq_ignore_ascii_case("application/json");
        sse |= any || t.eq_ignore_ascii_case("text/event-stream");
    }
    json && sse
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let loopback: std::net::SocketAddr = "127.0.0.1:8000".parse().unwrap();
        let public: std::net::SocketAddr = "0.0.0.0:8000".parse().unwrap();
        assert!(host_allowed(&[], loopback, "127.0.0.1:8000"));
        assert!(host_allowed(&[], loopback, "LOCALHOST"));
        assert!(host_allowed(&[], loopback, "[::1]:9"));
        assert!(!host_allowed(&[], loopback, "evil.com"));
        assert!(!host_allowed(&[], loopback, "localhost.evil.com:8000"));
        assert!(!host_allowed(&[], loopback, "[::1"));
        assert!(!host_allowed(&[], loopback, ""));
        assert!(host_allowed(&[], public, "evil.com"));
        let named = [
            "mcp.example.com".to_owned(),
            "api.example.com:443".to_owned(),
        ];
        assert!(host_allowed(&named, public, "mcp.example.com:8443"));
        assert!(host_allowed(&named, public, "api.example.com:443"));
        assert!(!host_allowed(&named, public, "api.example.com:80"));
        assert!(!host_allowed(&named, loopback, "127.0.0.1:8000"));
        assert!(host_allowed(&named, public, "MCP.Example.com"));
        let any = ["*".to_owned()];
        assert!(host_allowed(&any, loopback, "evil.com"));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn media_types() {
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (name, value) in pairs {
                h.append(*name, HeaderValue::from_static(value));
            }
            h
        };
        let both = [("accept", "application/json, text/event-stream")];
        assert!(accepts_json_and_sse(&with(&both)));
        assert!(accepts_json_and_sse(&with(&[("accept", "*/*")])));
        assert!(accepts_json_and_sse(&with(&[
            ("accept", "Application/JSON;q=0.9"),
            ("accept", " TEXT/event-stream ")
        ])));
        assert!(!accepts_json_and_sse(&with(&[(
            "accept",
            "application/json"
        )])));
        assert!(!accepts_json_and_sse(&with(&[("accept", "text/*")])));
        assert!(!accepts_json_and_sse(&with(&[])));
        assert!(is_json(&with(&[(
            "content-type",
            " Application/Json; charset=utf-8"
        )])));
        assert!(!is_json(&with(&[("content-type", "application/js")])));
        assert!(!is_json(&with(&[("content-type", "text/plain")])));
        assert!(!is_json(&with(&[])));
    }

    #[test]
    fn loopback_origins() {
        assert!(is_loopback_origin("http://localhost:3000"));
        assert!(is_loopback_origin("http://127.0.0.1"));
        assert!(is_loopback_origin("https://[::1]:8443"));
        assert!(!is_loopback_origin("http://localhost.evil.com"));
        assert!(!is_loopback_origin("http://evil.com"));
        assert!(!is_loopback_origin("null"));
        assert!(is_loopback_origin("http://LocalHost:3000"));
        assert!(!is_loopback_origin("http://[::1"));
    }
}
