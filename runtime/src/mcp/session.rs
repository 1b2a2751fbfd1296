//! What a server remembers about one connection (stdio) or session (HTTP).

use super::version::Version;
use super::LogLevel;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One client connection or session: the negotiated revision, who the client is, the channel for
/// notifications to it, and its in-flight requests (for cancellation).
#[derive(Debug, Default)]
pub struct Session {
    outbound: Option<mpsc::Sender<Vec<u8>>>,
    principal: Option<Arc<str>>,
    state: Mutex<State>,
    inflight: Mutex<HashMap<RequestKey, CancellationToken>>,
}

/// A request id as a map key: integer ids (what clients send) without an allocation.
#[derive(Debug, PartialEq, Eq, Hash)]
enum RequestKey {
    Int(i64),
    Other(String),
}

impl RequestKey {
    fn of(id: &Value) -> Self {
        match id.as_i64() {
            Some(n) => RequestKey::Int(n),
            None => RequestKey::Other(id.to_string()),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    version: Option<Version>,
    client_name: Option<Arc<str>>,
    log_level: Option<LogLevel>,
}

static DEFAULT_CLIENT: std::sync::LazyLock<Arc<str>> =
    std::sync::LazyLock::new(|| Arc::from("default"));

impl Session {
    /// A session whose notifications (progress, ...) are sent on `outbound`.
    pub fn new(outbound: Option<mpsc::Sender<Vec<u8>>>) -> Self {
        Session {
            outbound,
            ..Default::default()
        }
    }

    /// Sets the authenticated identity of the client (e.g. a bearer token's subject).
    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(Arc::from(principal.into()));
        self
    }

    /// The revision agreed in `initialize`, if any.
    pub fn version(&self) -> Option<Version> {
        self.state.lock().expect("session lock").version
    }

    pub(crate) fn initialized(&self, version: Version, client_name: Option<String>) {
        let mut s = self.state.lock().expect("session lock");
        s.version = Some(version);
        s.client_name = client_name.map(Arc::from);
    }

    /// Identity used for per-client policies: principal, else self-reported client name.
    pub(crate) fn client_id(&self, request_client: Option<&str>) -> Arc<str> {
        if let Some(p) = &self.principal {
            return p.clone();
        }
        if let Some(c) = request_client {
            return Arc::from(c);
        }
        self.state
            .lock()
            .expect("session lock")
            .client_name
            .clone()
            .unwrap_or_else(|| Arc::clone(&DEFAULT_CLIENT))
    }

    /// The level set with `logging/setLevel`, if any.
    pub fn log_level(&self) -> Option<LogLevel> {
        self.state.lock().expect("session lock").log_level
    }

    pub(crate) fn set_log_level(&self, level: LogLevel) {
        self.state.lock().expect("session lock").log_level = Some(level);
    }

    pub(crate) fn outbound(&self) -> Option<mpsc::Sender<Vec<u8>>> {
        self.outbound.clone()
    }

    pub(crate) fn track(&self, id: &Value) -> CancellationToken {
        let token = CancellationToken::new();
        self.inflight
            .lock()
            .expect("inflight lock")
            .insert(RequestKey::of(id), token.clone());
        token
    }

    pub(crate) fn untrack(&self, id: &Value) {
        self.inflight
            .lock()
            .expect("inflight lock")
            .remove(&RequestKey::of(id));
    }

    pub(crate) fn cancel(&self, id: &Value) {
        if let Some(t) = self
            .inflight
            .lock()
            .expect("inflight lock")
            .get(&RequestKey::of(id))
        {
            t.cancel();
        }
    }
}
