//! Who is calling: over HTTP with an authorization server, the access token's subject and
//! scopes (`STURDY_AUTH_ISSUER`); with static tokens, their principal; else nobody.

use schemars::JsonSchema;
use serde::Serialize;
use sturdy::prelude::*;

/// Who the server takes the caller for.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Caller {
    /// The authenticated principal, `null` when the caller did not authenticate.
    pub principal: Option<String>,
    /// The scopes its access token grants.
    pub scopes: Vec<String>,
}

/// Who am I? The principal this server knows the caller as, and the scopes of its access token.
///
/// Cached for a minute: it takes `Context`, so its entries are kept per caller and one user's
/// answer never reaches another.
#[tool(read_only, idempotent)]
#[cached(ttl = 60)]
async fn whoami(ctx: Context) -> Caller {
    Caller {
        principal: ctx.principal().map(str::to_owned),
        scopes: ctx.scopes().to_vec(),
    }
}
