//! The settings of the HTTP transport, with safe defaults.

use super::bearer::BearerToken;
use crate::health::HealthChecker;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the HTTP transport. The defaults are the safe ones.
#[derive(Clone)]
pub struct HttpOptions {
    /// Where to listen; `127.0.0.1:8000` by default (loopback only).
    pub bind: SocketAddr,
    /// When not empty, every `/mcp` request needs `Authorization: Bearer <token>` with one of these.
    pub bearer_tokens: Vec<BearerToken>,
    /// The server as an OAuth resource server: every request but `/health` and the metadata
    /// document needs an access token of this authorization server (see [`crate::auth`]).
    /// Exclusive with `bearer_tokens`.
    #[cfg(feature = "auth")]
    pub auth: Option<crate::auth::AuthOptions>,
    /// Origins allowed besides loopback ones (`http://localhost:*`, `http://127.0.0.1:*`, ...),
    /// e.g. `https://app.example.com`. Requests without `Origin` (non-browser clients) pass.
    pub allowed_origins: Vec<String>,
    /// Behind a reverse proxy: the header in which it passes the client's address (e.g.
    /// `x-forwarded-for`; its last entry is taken, the one the proxy added). Only set this when
    /// every request comes through that proxy: clients write the header themselves otherwise.
    /// `None` (the default): the peer address of the connection.
    pub client_address_header: Option<String>,
    /// `Host` headers answered (`name` for any port, `name:port`, or `*` for any); others get 421
    /// (DNS rebinding). Empty (the default): on a loopback bind only `localhost`, `127.0.0.1`
    /// and `[::1]`; on any other address no check, so name your public hosts here.
    pub allowed_hosts: Vec<String>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Requests served at once; more get 503.
    pub max_concurrent_requests: usize,
    /// Live sessions at most. When the table is full, a new session replaces the least recently
    /// used one.
    pub max_sessions: usize,
    /// Bytes that finished SSE streams, kept for resumption, may hold in all (sessions
    /// together); a stream finishing beyond it is not kept (a client still connected reads it to
    /// the end; one resuming later gets 404).
    pub kept_stream_bytes: usize,
    /// The same, for one client's sessions together.
    pub kept_stream_bytes_per_client: usize,
    /// Live sessions of one client (its principal, else its address) at most: beyond that, its
    /// own least recently used session makes room, so a client that floods `initialize` only
    /// ever replaces its own sessions. Generous, for a gateway carrying many users.
    pub max_sessions_per_client: usize,
    /// A session unused this long is forgotten.
    pub session_idle: Duration,
    /// In a session, an SSE response's connection is closed after this long even if the call
    /// goes on; the client resumes it with `GET` and `Last-Event-ID` (polling, for proxies that
    /// cut long responses). `None` (the default): kept open until the call ends.
    pub sse_close_after: Option<Duration>,
    /// Checks run by `GET /ready` (200 when healthy or degraded, 503 when unhealthy); without
    /// one, `/ready` answers like `/health`.
    pub health: Option<Arc<HealthChecker>>,
    /// Longest wait for a request's headers, on a new connection and between the requests of a
    /// kept-alive one (so it is also the idle keep-alive timeout); then the connection is closed.
    pub header_read_timeout: Duration,
    /// Longest a request's body may take to arrive once its headers have; then 408.
    pub body_read_timeout: Duration,
    /// At shutdown (SIGINT, SIGTERM), how long requests in flight may run on; the rest are cut.
    pub shutdown_grace: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            bearer_tokens: Vec::new(),
            #[cfg(feature = "auth")]
            auth: None,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            client_address_header: None,
            max_body_bytes: 4 * 1024 * 1024,
            max_concurrent_requests: 256,
            max_sessions: 10_000,
            max_sessions_per_client: 1_000,
            kept_stream_bytes: 256 << 20,
            kept_stream_bytes_per_client: 16 << 20,
            session_idle: Duration::from_secs(30 * 60),
            sse_close_after: None,
            health: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}
