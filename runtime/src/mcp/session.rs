//! What a server remembers about one connection (stdio) or session (HTTP).

use crate::context::{Cancel, ClientRequests};
use crate::protocol::{ClientCapabilities, LogLevel, Version};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One client connection or session: the negotiated revision, who the client is, the channel for
/// notifications to it, and its in-flight requests (for cancellation).
#[derive(Debug, Default)]
pub struct Session {
    outbound: Option<mpsc::Sender<Vec<u8>>>,
    principal: Option<Arc<str>>,
    /// Who the client is when it did not authenticate, as the transport knows it and the client
    /// cannot change per request (an HTTP client's address).
    identity: Option<Arc<str>>,
    state: Mutex<State>,
    /// Touched twice per request: foldhash (seeded) rather than SipHash; the map holds at most
    /// the session's in-flight requests.
    inflight: Mutex<HashMap<RequestKey, Arc<dyn Cancel>, foldhash::fast::RandomState>>,
    /// Requests of ours (elicitation, sampling) waiting for the client's answer.
    client_requests: Arc<ClientRequests>,
    /// Cancelled when the connection or session is over ([`end`](Self::end)).
    ended: CancellationToken,
    /// The resource URIs it subscribed to (2025 `resources/subscribe`).
    subscribed: Arc<Mutex<HashSet<Arc<str>>>>,
    /// What traces call it (`mcp.session.id`): a digest of the HTTP session's id, never the id
    /// itself (whoever holds that can act as the session).
    #[cfg(feature = "otel")]
    traced_id: Option<Arc<str>>,
}

/// Resource subscriptions one session may hold.
pub const MAX_SUBSCRIPTIONS_PER_SESSION: usize = 1024;

/// A request id as a map key: integer ids (what clients send) without an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    client_capabilities: ClientCapabilities,
}

/// What a request reads of its session's state, in one look (one lock).
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionView {
    /// The revision agreed in `initialize`, if any.
    pub(crate) version: Option<Version>,
    /// The level set with `logging/setLevel`, if any.
    pub(crate) log_level: Option<LogLevel>,
    /// What the client declared in `initialize` (nothing before it).
    pub(crate) capabilities: ClientCapabilities,
    client_name: Option<Arc<str>>,
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
    pub fn with_principal(mut self, principal: impl Into<Arc<str>>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// Sets who the client is as the transport knows it (e.g. `peer:10.0.0.7`): its identity
    /// for per-client policies when it has no principal, and whose quotas it counts against.
    pub fn with_identity(mut self, identity: impl Into<Arc<str>>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// Names the session in traces by a digest of `session_id` (see
    /// [`traced_id`](Self::traced_id)).
    #[cfg_attr(not(feature = "otel"), allow(unused_mut, unused_variables))]
    pub(crate) fn traced_as(mut self, session_id: &str) -> Self {
        #[cfg(feature = "otel")]
        {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(session_id.as_bytes());
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            self.traced_id = Some(hex.into());
        }
        self
    }

    /// What traces call the session (`mcp.session.id`), when it is an HTTP session.
    #[cfg(feature = "otel")]
    pub(crate) fn traced_id(&self) -> Option<&str> {
        self.traced_id.as_deref()
    }

    /// Whose quotas this session's calls count against (e.g. parked calls): the principal, else
    /// the transport's identity, else one shared key.
    pub(crate) fn quota_key(&self) -> Arc<str> {
        self.principal
            .clone()
            .or_else(|| self.identity.clone())
            .unwrap_or_else(|| Arc::clone(&DEFAULT_CLIENT))
    }

    /// The authenticated identity set with [`with_principal`](Self::with_principal).
    pub(crate) fn principal(&self) -> Option<&Arc<str>> {
        self.principal.as_ref()
    }

    /// The transport's identity set with [`with_identity`](Self::with_identity).
    pub(crate) fn identity(&self) -> Option<&Arc<str>> {
        self.identity.as_ref()
    }

    /// The session's state as it is now.
    pub(crate) fn view(&self) -> SessionView {
        let s = self.state.lock().expect("session lock");
        SessionView {
            version: s.version,
            log_level: s.log_level,
            capabilities: s.client_capabilities,
            client_name: s.client_name.clone(),
        }
    }

    /// The revision agreed in `initialize`, if any.
    pub fn version(&self) -> Option<Version> {
        self.state.lock().expect("session lock").version
    }

    pub(crate) fn initialized(
        &self,
        version: Version,
        client_name: Option<String>,
        capabilities: ClientCapabilities,
    ) {
        let mut s = self.state.lock().expect("session lock");
        s.version = Some(version);
        s.client_name = client_name.map(Arc::from);
        s.client_capabilities = capabilities;
    }

    /// What the client declared in `initialize` (nothing before it).
    pub(crate) fn client_capabilities(&self) -> ClientCapabilities {
        self.state.lock().expect("session lock").client_capabilities
    }

    pub(crate) fn client_requests(&self) -> &Arc<ClientRequests> {
        &self.client_requests
    }

    /// The connection or session is over: requests waiting for the client fail at once (it can
    /// no longer answer), and so do later ones.
    pub fn end(&self) {
        self.client_requests.close();
        self.ended.cancel();
    }

    /// Subscribes to updates of `uri`; `false` when [`MAX_SUBSCRIPTIONS_PER_SESSION`] are held.
    pub(crate) fn subscribe(&self, uri: &str) -> bool {
        let mut subscribed = self.subscribed.lock().unwrap_or_else(|p| p.into_inner());
        if subscribed.contains(uri) {
            return true;
        }
        if subscribed.len() >= MAX_SUBSCRIPTIONS_PER_SESSION {
            return false;
        }
        subscribed.insert(Arc::from(uri));
        true
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        self.subscribed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(uri);
    }

    /// The subscribed URIs, shared with the task that forwards their updates.
    pub(crate) fn subscriptions(&self) -> Arc<Mutex<HashSet<Arc<str>>>> {
        self.subscribed.clone()
    }

    /// Resolves once the session has [`end`](Self::end)ed.
    pub(crate) fn ended(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.ended.cancelled()
    }

    /// A token cancelled when the session ends, for tasks that outlive a borrow of it.
    pub(crate) fn end_token(&self) -> CancellationToken {
        self.ended.clone()
    }

    /// Identity used for per-client policies: the principal, else the transport's identity,
    /// else the self-reported client name (stdio: one client per process).
    pub(crate) fn client_id(&self, request_client: Option<&str>) -> Arc<str> {
        self.client_id_in(&self.view(), request_client)
    }

    /// [`client_id`](Self::client_id), with the session's state already looked at.
    pub(crate) fn client_id_in(
        &self,
        view: &SessionView,
        request_client: Option<&str>,
    ) -> Arc<str> {
        if let Some(p) = self.principal.as_ref().or(self.identity.as_ref()) {
            return p.clone();
        }
        if let Some(c) = request_client {
            return Arc::from(c);
        }
        view.client_name
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

    /// How the client reaches it, as OpenTelemetry names it: `pipe` for a byte-stream connection
    /// (stdio: the one session with its own outbound channel), `tcp` for HTTP's sessions (whose
    /// messages go out in each request's response).
    #[cfg(feature = "otel")]
    pub(crate) fn network_transport(&self) -> &'static str {
        if self.outbound.is_some() {
            "pipe"
        } else {
            "tcp"
        }
    }

    /// The client's network address, when the transport named the client by it (`peer:<ip>`).
    #[cfg(feature = "otel")]
    pub(crate) fn peer_address(&self) -> Option<&str> {
        self.identity.as_deref()?.strip_prefix("peer:")
    }

    pub(crate) fn outbound(&self) -> Option<mpsc::Sender<Vec<u8>>> {
        self.outbound.clone()
    }

    /// Lets the client cancel request `id` (`notifications/cancelled`) until the returned guard
    /// is dropped.
    pub(crate) fn track(&self, id: &Value, target: Arc<dyn Cancel>) -> Tracked<'_> {
        let key = RequestKey::of(id);
        self.inflight
            .lock()
            .expect("inflight lock")
            .insert(key.clone(), target);
        Tracked { session: self, key }
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

/// A request the client can cancel, for as long as this lives (a request whose handler is
/// dropped half-way, its connection gone, is forgotten too).
pub(crate) struct Tracked<'s> {
    session: &'s Session,
    key: RequestKey,
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        self.session
            .inflight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}
