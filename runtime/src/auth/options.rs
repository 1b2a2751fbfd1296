//! What an operator sets to make the server a resource server.

/// The authorization server this server trusts, and what its tokens must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOptions {
    /// The authorization server's issuer identifier (`iss`): its metadata is discovered from it
    /// (RFC 8414 `/.well-known/oauth-authorization-server`, then OpenID
    /// `/.well-known/openid-configuration`). `https`, except on a loopback host.
    pub issuer: String,
    /// The URL of this server's MCP endpoint, its canonical resource identifier: the audience
    /// its tokens must name and `resource` in its metadata. `None`: `http://<bind>/mcp`.
    pub public_url: Option<String>,
    /// The audience tokens must name instead of the public URL.
    pub audience: Option<String>,
    /// Where the signing keys are, instead of the `jwks_uri` the issuer's metadata gives.
    pub jwks_url: Option<String>,
    /// Scopes every request needs.
    pub required_scopes: Vec<String>,
    /// Opaque (not JWT) access tokens are checked by token introspection (RFC 7662) at this URL,
    /// as the client `introspection_client` (id and secret).
    pub introspection_url: Option<String>,
    /// The id and secret this server introspects with.
    pub introspection_client: Option<(String, String)>,
    /// Lists show every tool, resource and prompt, also those the caller's scopes do not open
    /// (calling them is still refused). `false`: a caller sees what it may use.
    pub list_all: bool,
}

impl AuthOptions {
    /// Tokens of `issuer`, with no scope required.
    pub fn new(issuer: impl Into<String>) -> Self {
        AuthOptions {
            issuer: issuer.into(),
            public_url: None,
            audience: None,
            jwks_url: None,
            required_scopes: Vec::new(),
            introspection_url: None,
            introspection_client: None,
            list_all: false,
        }
    }

    /// Sets [`public_url`](Self::public_url).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Sets [`audience`](Self::audience).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets [`jwks_url`](Self::jwks_url).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Sets [`required_scopes`](Self::required_scopes).
    pub fn required_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`introspection_url`](Self::introspection_url) and the client it introspects as.
    pub fn introspection(
        mut self,
        url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.introspection_url = Some(url.into());
        self.introspection_client = Some((client_id.into(), client_secret.into()));
        self
    }

    /// Whether the URLs are usable: absolute, `https` unless the host is a loopback one (tokens
    /// and keys must not travel in the clear), without a fragment.
    pub fn check(&self) -> Result<(), String> {
        check_url("the issuer", &self.issuer)?;
        if let Some(url) = &self.public_url {
            check_url("the public URL", url)?;
        }
        if let Some(url) = &self.jwks_url {
            check_url("the JWKS URL", url)?;
        }
        if let Some(url) = &self.introspection_url {
            check_url("the introspection URL", url)?;
            if self.introspection_client.is_none() {
                return Err("token introspection needs the client id and secret to use".into());
            }
        }
        if let Some(scope) = self.required_scopes.iter().find(|s| {
            s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\')
        }) {
            return Err(format!("{scope:?} is not a scope (RFC 6749 §3.3)"));
        }
        Ok(())
    }
}

/// `url`, refused unless it is absolute `https`, or `http` on a loopback host.
pub(super) fn check_url(what: &str, url: &str) -> Result<(), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{what} {url:?} is not an absolute URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => host,
        None => authority,
    };
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    if host.is_empty() {
        return Err(format!("{what} {url:?} names no host"));
    }
    if url.contains('#') {
        return Err(format!("{what} {url:?} has a fragment"));
    }
    let loopback = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(host));
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "{what} {url:?} must be https (http only on a loopback host)"
        )),
        _ => Err(format!("{what} {url:?} is not an http(s) URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("x", "https://a.example/").is_ok());
        assert!(check_url("x", "http://127.0.0.1:8080/mcp").is_ok());
        assert!(check_url("x", "http://[::1]:8080").is_ok());
        assert!(check_url("x", "http://LOCALHOST").is_ok());
        assert!(check_url("x", "http://a.example").is_err());
        assert!(check_url("x", "http://localhost.evil.example").is_err());
        assert!(check_url("x", "http://127.0.0.1@evil.example/").is_err());
        assert!(check_url("x", "ftp://a.example").is_err());
        assert!(check_url("x", "a.example").is_err());
        assert!(check_url("x", "https:///path").is_err());
        assert!(check_url("x", "https://a.example/#f").is_err());
    }

    #[test]
    fn scopes() {
        assert!(AuthOptions::new("https://a")
            .required_scopes(["a:b"])
            .check()
            .is_ok());
        assert!(AuthOptions::new("https://a")
            .required_scopes(["a b"])
            .check()
            .is_err());
        assert!(AuthOptions::new("https://a")
            .required_scopes([""])
            .check()
            .is_err());
    }
}
