//! What one request's access token grants: who the caller is, its scopes, the token's claims.
//! Made by the HTTP transport's resource server ([`crate::auth`]); read where a request is
//! answered (which entries a list shows, whether a call may run) and by the function it calls
//! ([`Context::scopes`](crate::Context::scopes)).

use serde_json::{Map, Value};
use std::sync::Arc;

/// What a valid access token grants.
#[derive(Debug)]
pub(crate) struct Grant {
    /// Who the caller is: the token's `sub`, else its `client_id`.
    pub(crate) principal: Arc<str>,
    /// Its scopes (`scope`, space-separated).
    pub(crate) scopes: Vec<String>,
    /// Every claim of the token.
    pub(crate) claims: Map<String, Value>,
    /// Lists show every entry whatever its scopes (calls are still checked).
    pub(crate) lists_everything: bool,
}

impl Grant {
    /// Whether every scope of `needed` is granted.
    pub(crate) fn allows(&self, needed: &[&str]) -> bool {
        needed.iter().all(|s| self.scopes.iter().any(|g| g == s))
    }

    /// Whether a list shows an entry needing `needed`.
    pub(crate) fn sees(&self, needed: &[&str]) -> bool {
        self.lists_everything || self.allows(needed)
    }

    /// The scopes of `needed` it lacks, space-separated (empty: none).
    pub(crate) fn missing(&self, needed: &[&str]) -> String {
        let missing: Vec<&str> = needed
            .iter()
            .copied()
            .filter(|s| !self.scopes.iter().any(|g| g == s))
            .collect();
        missing.join(" ")
    }
}
