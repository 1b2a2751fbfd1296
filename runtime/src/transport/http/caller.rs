//! Who sent a request, and the check every request passes first (Host, Origin, bearer token).

use super::guard::{self, Refusal};
use super::options::HttpOptions;
use super::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// Who sent a request, set by [`admit`]: the principal its bearer token authenticates, and the
/// address it came from (the peer's, or what the trusted proxy header says).
#[derive(Clone)]
pub(super) struct Caller {
    pub(super) principal: Option<Arc<str>>,
    /// What its access token grants (with an authorization server).
    pub(super) grant: Option<Arc<crate::grant::Grant>>,
    /// `peer:<address>`.
    identity: Arc<str>,
}

/// A connection's peer as a client's identity, `peer:<address>`: made once per connection, for
/// its requests that name no other address (no trusted proxy header).
pub(super) fn peer_identity(peer: Option<SocketAddr>) -> Arc<str> {
    match peer {
        Some(peer) => Arc::from(format!("peer:{}", peer.ip())),
        None => Arc::from("peer:unknown"),
    }
}

impl Caller {
    /// Who the client is without its principal: `peer:<address>`, which a client cannot change
    /// per request at will (unlike the name it reports).
    pub(super) fn identity(&self) -> &Arc<str> {
        &self.identity
    }

    /// Whose quotas (sessions, parked calls) a request counts against: the principal, else the
    /// identity.
    pub(super) fn quota_key(&self) -> String {
        match &self.principal {
            Some(p) => format!("principal:{p}"),
            None => self.identity.to_string(),
        }
    }
}

/// Every request passes here first: Host and Origin on every endpoint, the bearer token on every
/// endpoint but `/health` (liveness probes carry none), all from the headers.
pub(super) async fn admit(
    State(state): State<Arc<AppState>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let path = request.uri().path();
    let peer = peer_identity(peer);
    match Caller::admit(&state, request.headers(), path, &peer).await {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refusal) => refusal.into_response(),
    }
}

impl Caller {
    /// The caller of a request for `path` from the connection's `peer` (its
    /// [`peer_identity`]), or why it is refused ([`admit`]'s checks, for the accept loop's own
    /// `POST /mcp`, which skips the router).
    pub(super) async fn admit(
        state: &AppState,
        headers: &HeaderMap,
        path: &str,
        peer: &Arc<str>,
    ) -> Result<Caller, Refusal> {
        let options = &state.options;
        // The status page itself holds no data (what it shows is read from `/status.json`).
        let authenticate = !matches!(path, "/health" | "/status");
        #[cfg(feature = "auth")]
        if let Some(auth) = &state.auth {
            guard::check(options, headers, false)?;
            // The metadata is what a client reads to learn how to get a token.
            let grant = if authenticate && !auth.metadata.serves(path) {
                Some(auth.admit(headers).await?)
            } else {
                None
            };
            let principal = grant.as_ref().map(|g| g.principal.clone());
            let mut caller = Caller::new(options, headers, peer, principal);
            caller.grant = grant;
            return Ok(caller);
        }
        let principal = guard::check(options, headers, authenticate)?.map(Arc::from);
        Ok(Caller::new(options, headers, peer, principal))
    }

    fn new(
        options: &HttpOptions,
        headers: &HeaderMap,
        peer: &Arc<str>,
        principal: Option<Arc<str>>,
    ) -> Caller {
        let identity = match forwarded_address(options, headers) {
            Some(hop) => Arc::from(format!("peer:{hop}")),
            None => peer.clone(),
        };
        Caller {
            principal,
            grant: None,
            identity,
        }
    }
}

/// The client's address when a trusted proxy header is configured and present: its last hop
/// (the proxy appends the address it saw). Else the client is the connection's peer.
fn forwarded_address(options: &HttpOptions, headers: &HeaderMap) -> Option<String> {
    let name = options.client_address_header.as_ref()?;
    let hop = headers
        .get_all(name.as_str())
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|hop| !hop.is_empty())?;
    // Bounded: the identity is a rate-limit key and a table key.
    Some(hop.chars().take(64).collect())
}
