//! Sealed `requestState` (2026-07-28 multi-round calls): what the server hands the client between
//! rounds is `<claims>.<mac>`, both base64url, the MAC an HMAC-SHA256 of the claims under a key
//! only servers know. A state that does not verify is refused before anything is looked up, so a
//! client cannot probe, forge or replay another's parked call by editing the text.
//!
//! The key is random per process unless configured (`STURDY_STATE_KEY`,
//! [`Server::with_state_key`](super::Server::with_state_key)): replicas that share it recognise
//! each other's states, and can say that a call waits in another process instead of calling the
//! state unknown. Each process also has an issuer id, written into its states, for that message.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

/// Seals and opens `requestState`s.
pub(crate) struct StateSeal {
    key: Vec<u8>,
    /// This process, among the replicas sharing the key.
    issuer: String,
}

/// What a state says, once its seal verified.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct StateClaims {
    /// The parked call's id in its process.
    #[serde(rename = "i")]
    pub id: String,
    /// The tool called.
    #[serde(rename = "t")]
    pub tool: String,
    /// The process that parked it.
    #[serde(rename = "p")]
    pub issuer: String,
    /// When it stops being valid, in seconds since the Unix epoch.
    #[serde(rename = "e")]
    pub expires: u64,
}

/// Why a state cannot be used.
#[derive(Debug, PartialEq)]
pub(crate) enum StateError {
    /// Edited, truncated, not ours, or sealed under another key.
    Forged,
    /// Sealed by this key but past its expiry.
    Expired,
    /// Sealed by another process sharing the key: the call waits there.
    Elsewhere,
}

impl StateError {
    /// The message the client gets (with -32602).
    pub(crate) fn message(&self) -> &'static str {
        match self {
            StateError::Forged => {
                "requestState failed its integrity check: it was altered, or issued by a server \
                 with another STURDY_STATE_KEY; call the tool again without it"
            }
            StateError::Expired => {
                "requestState expired: a call waits at most 5 minutes for its client's answers; \
                 call the tool again without it"
            }
            StateError::Elsewhere => {
                "requestState was issued by another server process (a replica, or this server \
                 before a restart), where the call waits: route requests carrying a requestState \
                 to the process that issued it, or call the tool again without it"
            }
        }
    }
}

impl StateSeal {
    /// A seal with a random key (this process alone can open its states).
    pub(crate) fn random() -> Self {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).expect("the OS random generator is available");
        Self::with_key(key)
    }

    /// A seal with `key`, shared by the replicas configured with it.
    pub(crate) fn with_key(key: impl Into<Vec<u8>>) -> Self {
        StateSeal {
            key: key.into(),
            issuer: super::random_token()[..16].to_owned(),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// The state for call `id` of `tool`, valid for `ttl`.
    pub(crate) fn seal(&self, id: &str, tool: &str, ttl: Duration) -> String {
        let claims = StateClaims {
            id: id.to_owned(),
            tool: tool.to_owned(),
            issuer: self.issuer.clone(),
            expires: now_secs() + ttl.as_secs(),
        };
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialise"));
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{body}.{tag}")
    }

    /// The claims of a state this process issued and that has not expired.
    pub(crate) fn open(&self, state: &str) -> Result<StateClaims, StateError> {
        let (body, tag) = state.split_once('.').ok_or(StateError::Forged)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| StateError::Forged)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        // Constant-time comparison: the time taken says nothing about the right tag.
        mac.verify_slice(&tag).map_err(|_| StateError::Forged)?;
        let claims: StateClaims = URL_SAFE_NO_PAD
            .decode(body)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(StateError::Forged)?;
        if claims.expires < now_secs() {
            return Err(StateError::Expired);
        }
        if claims.issuer != self.issuer {
            return Err(StateError::Elsewhere);
        }
        Ok(claims)
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(300);

    #[test]
    fn a_sealed_state_opens_with_its_claims() {
        let seal = StateSeal::random();
        let state = seal.seal("abc", "ask", TTL);
        let claims = seal.open(&state).unwrap();
        assert_eq!((claims.id.as_str(), claims.tool.as_str()), ("abc", "ask"));
    }

    #[test]
    fn any_edit_breaks_the_seal() {
        let seal = StateSeal::random();
        let state = seal.seal("abc", "ask", TTL);
        let (body, tag) = state.split_once('.').unwrap();
        // Claims rewritten (another call id), sealed with nothing.
        let forged_body = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&StateClaims {
                id: "other".into(),
                tool: "ask".into(),
                issuer: seal.issuer.clone(),
                expires: u64::MAX,
            })
            .unwrap(),
        );
        for bad in [
            format!("{state}-TAMPERED"),
            format!("{forged_body}.{tag}"),
            format!("{body}.{}", URL_SAFE_NO_PAD.encode([0u8; 32])),
            body.to_owned(),
            String::new(),
            "..".into(),
            "a.b.c".into(),
        ] {
            assert_eq!(seal.open(&bad), Err(StateError::Forged), "{bad}");
        }
    }

    #[test]
    fn another_key_is_forged_and_a_shared_key_is_elsewhere() {
        let state = StateSeal::random().seal("abc", "ask", TTL);
        assert_eq!(StateSeal::random().open(&state), Err(StateError::Forged));
        let (a, b) = (StateSeal::with_key("shared"), StateSeal::with_key("shared"));
        assert_eq!(
            b.open(&a.seal("abc", "ask", TTL)),
            Err(StateError::Elsewhere)
        );
    }

    #[test]
    fn an_expired_state_says_so() {
        let seal = StateSeal::random();
        let claims = StateClaims {
            id: "abc".into(),
            tool: "ask".into(),
            issuer: seal.issuer.clone(),
            expires: now_secs() - 1,
        };
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let mut mac = seal.mac();
        mac.update(body.as_bytes());
        let state = format!(
            "{body}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        assert_eq!(seal.open(&state), Err(StateError::Expired));
    }
}
