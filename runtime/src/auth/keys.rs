//! The authorization server's signing keys (its JWKS), fetched when a token names a key not
//! known yet (key rotation), at most once per [`REFETCH_EVERY`] whatever clients send; when the
//! server cannot be reached, the keys already known keep working and unknown ones fail closed.

use super::discovery::{fetch_json, jwks_uri};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The least time between two fetches of the key set.
pub(super) const REFETCH_EVERY: Duration = Duration::from_secs(10);
/// Keys kept at most (a key set larger than this is cut).
const MAX_KEYS: usize = 64;

/// One verification key.
pub(super) struct Key {
    pub(super) key: DecodingKey,
    pub(super) family: AlgorithmFamily,
    /// The one algorithm the key set allows for it (`alg`), if it says.
    pub(super) algorithm: Option<Algorithm>,
}

/// The key set, fetched on demand.
pub(super) struct KeySet {
    http: reqwest::Client,
    issuer: String,
    /// Where the keys are: set, or discovered from the issuer's metadata on first need.
    jwks_url: tokio::sync::OnceCell<String>,
    keys: RwLock<Keys>,
    /// When the key set was last fetched (or tried); held across a fetch, so that concurrent
    /// misses wait for one fetch instead of each making their own.
    fetched: tokio::sync::Mutex<Option<Instant>>,
}

#[derive(Default)]
struct Keys {
    by_id: HashMap<String, Arc<Key>>,
    /// Keys without a `kid`: usable by tokens that name none.
    unnamed: Vec<Arc<Key>>,
}

impl KeySet {
    pub(super) fn new(http: reqwest::Client, issuer: &str, jwks_url: Option<&str>) -> Self {
        let url = tokio::sync::OnceCell::new();
        if let Some(jwks) = jwks_url {
            url.set(jwks.to_owned()).expect("a new cell is empty");
        }
        KeySet {
            http,
            issuer: issuer.to_owned(),
            jwks_url: url,
            keys: RwLock::default(),
            fetched: tokio::sync::Mutex::new(None),
        }
    }

    /// The key a token signed with `alg` and naming `kid` is verified with; the key set is
    /// fetched again first when none is known (at most once per [`REFETCH_EVERY`]).
    pub(super) async fn key(&self, kid: Option<&str>, alg: Algorithm) -> Option<Arc<Key>> {
        if let Some(key) = self.known(kid, alg) {
            return Some(key);
        }
        self.refresh().await;
        self.known(kid, alg)
    }

    fn known(&self, kid: Option<&str>, alg: Algorithm) -> Option<Arc<Key>> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let usable = |key: &&Arc<Key>| {
            key.family == alg.family() && key.algorithm.is_none_or(|only| only == alg)
        };
        match kid {
            Some(kid) => keys.by_id.get(kid).filter(usable).cloned(),
            // Without a `kid`, only a key set with exactly one usable unnamed key is unambiguous.
            None => {
                let mut usable_keys = keys.unnamed.iter().filter(usable);
                match (usable_keys.next(), usable_keys.next()) {
                    (Some(key), None) => Some(key.clone()),
                    _ => None,
                }
            }
        }
    }

    /// Fetches the key set unless it was fetched within [`REFETCH_EVERY`]. On failure the keys
    /// known so far stay.
    pub(super) async fn refresh(&self) {
        let mut fetched = self.fetched.lock().await;
        if fetched.is_some_and(|at| at.elapsed() < REFETCH_EVERY) {
            return;
        }
        *fetched = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys,
            Err(e) => tracing::warn!(target: "sturdy::auth", "signing keys not fetched: {e}"),
        }
    }

    async fn fetch(&self) -> Result<Keys, String> {
        let url = self
            .jwks_url
            .get_or_try_init(|| jwks_uri(&self.http, &self.issuer))
            .await?;
        let set = fetch_json(&self.http, url).await?;
        let listed = set
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or_else(|| format!("{url}: no \"keys\" array"))?;
        let mut keys = Keys::default();
        // Each key on its own: one the runtime cannot use (another key type, an encryption key)
        // does not make the others unusable.
        for jwk in listed.iter().take(MAX_KEYS) {
            let Ok(jwk) = serde_json::from_value::<Jwk>(jwk.clone()) else {
                continue;
            };
            let Some(key) = verification_key(&jwk) else {
                continue;
            };
            match jwk.common.key_id {
                Some(kid) => {
                    keys.by_id.insert(kid, Arc::new(key));
                }
                None => keys.unnamed.push(Arc::new(key)),
            }
        }
        Ok(keys)
    }
}

/// `jwk` as a verification key: a public RSA, EC (P-256) or Ed25519 key meant for signatures.
/// Symmetric keys are never taken: a token "signed" with HMAC over a public key would verify.
fn verification_key(jwk: &Jwk) -> Option<Key> {
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let family = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa,
        AlgorithmParameters::EllipticCurve(_) => AlgorithmFamily::Ec,
        AlgorithmParameters::OctetKeyPair(_) => AlgorithmFamily::Ed,
        // Symmetric (`oct`), or a kind this version does not know.
        _ => return None,
    };
    let algorithm = match jwk.common.key_algorithm {
        None => None,
        Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
        Some(KeyAlgorithm::PS256) => Some(Algorithm::PS256),
        Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
        Some(KeyAlgorithm::EdDSA) => Some(Algorithm::EdDSA),
        // An algorithm this server does not accept: the key is of no use.
        Some(_) => return None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(Key {
        key,
        family,
        algorithm,
    })
}
