//! Access tokens checked: a JWT (RFC 9068) signed by the authorization server with an
//! asymmetric key it publishes, issued by it, for this resource, current; what it grants kept
//! for as long as it is valid, so that a repeated token costs a hash look-up.

use super::introspect::Introspector;
use super::keys::KeySet;
use super::options::AuthOptions;
use super::refused::Refused;
use crate::grant::Grant;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Longest token looked at; longer ones are refused unread.
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Bytes the verified tokens may hold in all.
const CACHE_BYTES: u64 = 16 << 20;
/// Longest a verified token is trusted without being checked again (its `exp` may come first).
const CACHE_TTL: Duration = Duration::from_secs(300);
/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 60;

/// A token verified: what it grants, until when.
struct Verified {
    grant: Arc<Grant>,
    /// When it expires (seconds since the epoch).
    expires: u64,
    /// What it holds in the cache.
    weight: u32,
}

/// Checks tokens for one resource.
pub(crate) struct Verifier {
    issuer: String,
    audience: String,
    required_scopes: Vec<String>,
    lists_everything: bool,
    keys: KeySet,
    /// Opaque tokens' checks, when configured.
    introspector: Option<Introspector>,
    /// Keyed by the token itself: a hash of it (even a cryptographic one) costs more than the
    /// table's own hashing, and the full token compared on a hit can never be mistaken for
    /// another.
    ///
    /// Hashed with foldhash rather than moka's SipHash: a token is a few hundred bytes and is
    /// hashed on every request, and only tokens that verified (issued by the authorization
    /// server) are ever inserted, so clients cannot choose the keys of the table.
    verified: moka::sync::Cache<Box<str>, Arc<Verified>, foldhash::fast::RandomState>,
}

/// The claims read from a token (the registered ones are checked by `jsonwebtoken`); all of
/// them are kept for `Context::claims`.
#[derive(serde::Deserialize)]
struct Claims {
    sub: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    exp: u64,
    #[serde(flatten)]
    others: serde_json::Map<String, serde_json::Value>,
}

struct UntilExpiry;

impl moka::Expiry<Box<str>, Arc<Verified>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _key: &Box<str>,
        verified: &Arc<Verified>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        let left = verified
            .expires
            .saturating_sub(jsonwebtoken::get_current_timestamp());
        Some(Duration::from_secs(left).min(CACHE_TTL))
    }
}

impl Verifier {
    /// A verifier of `options.issuer`'s tokens for `resource` (this server's MCP URL).
    pub(crate) fn new(options: &AuthOptions, resource: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(super::discovery::FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with rustls builds");
        Verifier {
            issuer: options.issuer.clone(),
            audience: options
                .audience
                .clone()
                .unwrap_or_else(|| resource.to_owned()),
            required_scopes: options.required_scopes.clone(),
            lists_everything: options.list_all,
            keys: KeySet::new(http.clone(), &options.issuer, options.jwks_url.as_deref()),
            introspector: options
                .introspection_url
                .as_deref()
                .zip(options.introspection_client.as_ref())
                .map(|(url, (id, secret))| Introspector::new(http, url, id, secret)),
            verified: moka::sync::Cache::builder()
                .max_capacity(CACHE_BYTES)
                .weigher(|_, verified: &Arc<Verified>| verified.weight)
                .expire_after(UntilExpiry)
                .build_with_hasher(foldhash::fast::RandomState::default()),
        }
    }

    /// Fetches the signing keys now (at start-up), so that the first request does not wait.
    pub(crate) async fn prefetch(&self) {
        self.keys.refresh().await
    }

    /// What `token` grants, or why it is refused.
    pub(crate) async fn verify(&self, token: &str) -> Result<Arc<Grant>, Refused> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Refused::Invalid("the token is too long"));
        }
        let verified = match self.verified.get(token) {
            Some(verified) => verified,
            None => {
                // A JWT has three parts; anything else is opaque, for the authorization server
                // to say what it is.
                let verified = match (&self.introspector, token.matches('.').count()) {
                    (Some(introspector), n) if n != 2 => {
                        self.introspect(introspector, token).await?
                    }
                    _ => self.check(token).await?,
                };
                let verified = Arc::new(verified);
                self.verified.insert(Box::from(token), verified.clone());
                verified
            }
        };
        // A cached grant may have expired since (the cache keeps it no longer than `exp`, give
        // or take its clock's tick).
        if verified.expires + LEEWAY_SECS <= jsonwebtoken::get_current_timestamp() {
            return Err(Refused::Invalid("the token has expired"));
        }
        let grant = &verified.grant;
        let missing: Vec<&str> = self
            .required_scopes
            .iter()
            .filter(|s| !grant.scopes.contains(s))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Refused::InsufficientScope(self.required_scopes.join(" ")));
        }
        Ok(grant.clone())
    }

    /// An opaque `token`, as the authorization server describes it: active, issued by it (when
    /// it says), for this resource, current.
    async fn introspect(
        &self,
        introspector: &Introspector,
        token: &str,
    ) -> Result<Verified, Refused> {
        let claims = introspector.claims(token).await?;
        let now = jsonwebtoken::get_current_timestamp();
        if claims
            .get("iss")
            .is_some_and(|iss| iss.as_str() != Some(&self.issuer))
        {
            return Err(Refused::Invalid("the token is from another issuer"));
        }
        let for_us = match claims.get("aud") {
            Some(Value::String(aud)) => *aud == self.audience,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(&self.audience)),
            _ => false,
        };
        if !for_us {
            return Err(Refused::Invalid("the token is for another resource"));
        }
        // Without `exp` the answer is trusted for the cache's own bound only.
        let exp = match claims.get("exp") {
            None => now + CACHE_TTL.as_secs(),
            Some(exp) => exp
                .as_u64()
                .ok_or(Refused::Invalid("the token is malformed"))?,
        };
        if exp + LEEWAY_SECS <= now {
            return Err(Refused::Invalid("the token has expired"));
        }
        if claims
            .get("nbf")
            .and_then(Value::as_u64)
            .is_some_and(|nbf| nbf > now + LEEWAY_SECS)
        {
            return Err(Refused::Invalid("the token is not valid yet"));
        }
        let weight = u32::try_from(
            256 + 4 * token.len() + 2 * Value::Object(claims.clone()).to_string().len(),
        )
        .unwrap_or(u32::MAX);
        self.verified(claims, exp, weight)
    }

    /// What a token with `claims` (checked), expiring at `exp`, grants: its principal is its
    /// `sub`, else its `client_id`; its scopes its space-separated `scope`.
    fn verified(
        &self,
        claims: Map<String, Value>,
        exp: u64,
        weight: u32,
    ) -> Result<Verified, Refused> {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
        };
        let principal = text("sub")
            .or_else(|| text("client_id"))
            .ok_or(Refused::Invalid("the token names no subject"))?;
        let scopes = text("scope")
            .unwrap_or_default()
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect();
        Ok(Verified {
            grant: Arc::new(Grant {
                principal: Arc::from(principal),
                scopes,
                claims,
                lists_everything: self.lists_everything,
            }),
            expires: exp,
            weight,
        })
    }

    /// The signature and the claims of `token`.
    async fn check(&self, token: &str) -> Result<Verified, Refused> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| Refused::Invalid("the token is not a JWT"))?;
        // Asymmetric algorithms only: `none` and HMAC are refused before any key is looked at.
        if !matches!(
            header.alg,
            Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::EdDSA
        ) {
            return Err(Refused::Invalid("the token's algorithm is not accepted"));
        }
        let key = self
            .keys
            .key(header.kid.as_deref(), header.alg)
            .await
            .ok_or(Refused::Invalid("the token's signing key is unknown"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.required_spec_claims = HashSet::from(["exp", "iss", "aud"].map(str::to_owned));
        let Claims {
            sub,
            client_id,
            scope,
            exp,
            others: mut claims,
        } = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| Refused::Invalid(reason(e.kind())))?
            .claims;
        // The claims as the token has them, the ones read above put back.
        for (name, value) in [("sub", sub), ("client_id", client_id), ("scope", scope)] {
            if let Some(value) = value {
                claims.insert(name.to_owned(), value.into());
            }
        }
        claims.insert("exp".to_owned(), exp.into());
        // What it holds: the token's size bounds its claims' (a few times over as values).
        let weight = u32::try_from(256 + 4 * token.len()).unwrap_or(u32::MAX);
        self.verified(claims, exp, weight)
    }
}

/// A short reason for the challenge: what is wrong, not what was expected.
fn reason(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => "the token has expired",
        K::ImmatureSignature => "the token is not valid yet",
        K::InvalidIssuer => "the token is from another issuer",
        K::InvalidAudience => "the token is for another resource",
        K::MissingRequiredClaim(_) => "the token lacks a required claim",
        K::InvalidSignature => "the token's signature is invalid",
        K::InvalidAlgorithm => "the token's algorithm does not match its key",
        _ => "the token is malformed",
    }
}
