//! A bearer token and who it names.

/// A bearer token and the principal it authenticates (the rate-limit `client` key, logs).
#[derive(Clone)]
pub struct BearerToken {
    /// The secret a client sends.
    pub token: String,
    /// Who it identifies (sessions, parked calls and quotas belong to this name).
    pub principal: String,
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerToken")
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}
