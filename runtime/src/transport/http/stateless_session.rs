//! The session a stateless (2026-07-28) request is served in: it carries who the caller is (its
//! principal and identity, for per-client policies and quotas) and nothing a request leaves
//! behind for the next one.
//!
//! Made once per connection and reused by its later stateless requests of the same caller:
//! building and dropping a [`Session`] per request was a few allocations and a cold drop on every
//! stateless call (about 3% of its instructions). Sharing it is safe because a stateless request
//! changes nothing in its session that outlives it (no handshake, log level or subscription is
//! served statelessly; a call's cancellation entry is removed when it ends), and an HTTP/1.1
//! connection serves one request at a time. A caller other than the first one (a proxy's
//! connection carries many clients) gets a fresh session each time, as before.

use super::caller::Caller;
use crate::mcp::Session;
use std::sync::{Arc, OnceLock};

/// A connection's stateless session, made by its first stateless request.
#[derive(Default)]
pub(super) struct ConnectionSession {
    first: OnceLock<Arc<Session>>,
}

impl ConnectionSession {
    /// The session for `caller`'s stateless request: the connection's, when `caller` is the one
    /// it was made for.
    pub(super) fn for_caller(&self, caller: &Caller) -> Arc<Session> {
        let kept = self.first.get_or_init(|| fresh(caller));
        if serves(kept, caller) {
            kept.clone()
        } else {
            fresh(caller)
        }
    }
}

/// A session of its own for one stateless request of `caller`.
pub(super) fn fresh(caller: &Caller) -> Arc<Session> {
    let session = Session::new(None).with_identity(caller.identity().clone());
    Arc::new(match &caller.principal {
        Some(p) => session.with_principal(p.clone()),
        None => session,
    })
}

/// Whether `session` was made for `caller`: the same principal and the same identity.
fn serves(session: &Session, caller: &Caller) -> bool {
    let same_identity = session
        .identity()
        .is_some_and(|i| Arc::ptr_eq(i, caller.identity()) || i == caller.identity());
    same_identity && session.principal().map(|p| &**p) == caller.principal.as_deref()
}
