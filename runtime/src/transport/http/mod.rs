//! Streamable HTTP transport: one endpoint (`/mcp`), JSON or SSE responses, on axum.
//!
//! - 2025-06-18 / 2025-11-25: `initialize` creates a session named by a random `Mcp-Session-Id`
//!   (128 bits from the OS generator); later requests must carry it (400 without, 404 when
//!   unknown or expired); DELETE ends it. There is no server-initiated GET stream (405), but a
//!   GET with `Last-Event-ID` resumes a response stream (see [`replay`]).
//! - 2026-07-28: stateless. Every request carries its version (`_meta` and the
//!   `MCP-Protocol-Version` header) and needs no session; any replica can serve it.
//! - A `tools/call` that asked for progress or logs, whose tool asks the client something, or
//!   (with [`HttpOptions::sse_close_after`]) that runs long is answered as an SSE stream
//!   (notifications, then the result); everything else as one JSON object. Notifications get
//!   202.
//!
//! Safe by default: binds 127.0.0.1, rejects foreign `Origin`s (DNS rebinding) with 403, optional
//! bearer tokens (401), a request size limit (413), a cap on concurrent requests (503), a cap on
//! live sessions, and graceful shutdown that finishes in-flight requests.

mod guard;
mod kept_budget;
pub mod replay;
mod serve;
mod sessions;

use crate::health::{HealthChecker, Status};
use crate::mcp::{Server, Session};
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::{self, Version};
use crate::protocol::Envelope;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use replay::{Replay, SseStream};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use sessions::Sessions;
use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

pub use guard::BearerToken;

/// Header naming the session (2025-xx revisions).
pub const SESSION_HEADER: &str = "mcp-session-id";
/// Header carrying the protocol version of a request.
pub const VERSION_HEADER: &str = "mcp-protocol-version";
/// Header naming the last SSE event a resuming client received.
pub const LAST_EVENT_ID: &str = "last-event-id";
/// 2026-07-28: header mirroring the request's method.
pub const METHOD_HEADER: &str = "mcp-method";

/// Revisions before the ones sturdy speaks, accepted in the version header of session requests.
const OLDER_REVISIONS: [&str; 2] = ["2024-11-05", "2025-03-26"];

/// Settings of the HTTP transport. The defaults are the safe ones.
#[derive(Clone)]
pub struct HttpOptions {
    /// Where to listen; `127.0.0.1:8000` by default (loopback only).
    pub bind: SocketAddr,
    /// When not empty, every `/mcp` request needs `Authorization: Bearer <token>` with one of these.
    pub bearer_tokens: Vec<BearerToken>,
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

struct AppState {
    server: Arc<Server>,
    options: HttpOptions,
    sessions: Sessions,
    /// One per request being served, held by a streamed call until the call ends (not only
    /// until its response starts).
    permits: Arc<Semaphore>,
    /// What finished SSE streams of all sessions may hold.
    kept_streams: Arc<kept_budget::KeptBudget>,
}

/// The axum router: `POST|GET|DELETE /mcp`, `GET /health`, `GET /ready`, `GET /metrics`.
pub fn router(server: Arc<Server>, options: HttpOptions) -> Router {
    let state = Arc::new(AppState {
        sessions: Sessions::new(
            options.max_sessions,
            options.max_sessions_per_client,
            options.session_idle,
        ),
        permits: Arc::new(Semaphore::new(options.max_concurrent_requests.max(1))),
        kept_streams: kept_budget::KeptBudget::new(
            options.kept_stream_bytes,
            options.kept_stream_bytes_per_client,
        ),
        server,
        options: options.clone(),
    });
    Router::new()
        .route("/mcp", get(get_mcp).post(post_mcp).delete(delete_mcp))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(state.clone(), admit))
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .with_state(state)
}

/// Who sent a request, set by [`admit`]: the principal its bearer token authenticates, and the
/// address it came from (the peer's, or what the trusted proxy header says).
#[derive(Clone)]
struct Caller {
    principal: Option<String>,
    address: Option<String>,
}

impl Caller {
    /// Who the client is without its principal: `peer:<address>`, which a client cannot change
    /// per request at will (unlike the name it reports).
    fn identity(&self) -> String {
        match &self.address {
            Some(address) => format!("peer:{address}"),
            None => "peer:unknown".to_owned(),
        }
    }

    /// Whose quotas (sessions, parked calls) a request counts against: the principal, else the
    /// identity.
    fn quota_key(&self) -> String {
        match &self.principal {
            Some(p) => format!("principal:{p}"),
            None => self.identity(),
        }
    }
}

/// Every request passes here first: Host and Origin on every endpoint, the bearer token on every
/// endpoint but `/health` (liveness probes carry none), all from the headers.
async fn admit(
    State(state): State<Arc<AppState>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let authenticate = request.uri().path() != "/health";
    match guard::check(&state.options, request.headers(), authenticate) {
        Ok(principal) => {
            let address = client_address(&state.options, &request);
            request
                .extensions_mut()
                .insert(Caller { principal, address });
            next.run(request).await
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// Serves until `shutdown` completes, then stops accepting and lets the requests in flight
/// finish for up to [`HttpOptions::shutdown_grace`] (cutting the rest).
pub async fn serve_http(
    server: Arc<Server>,
    listener: TcpListener,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(server, options.clone());
    serve::accept_loop(app, listener, &options, shutdown).await
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The client's address: the last hop of the trusted proxy header when one is configured (the
/// proxy appends the address it saw), else the peer of the connection.
fn client_address(options: &HttpOptions, request: &axum::extract::Request) -> Option<String> {
    if let Some(name) = &options.client_address_header {
        let forwarded = request
            .headers()
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|hop| !hop.is_empty());
        if let Some(hop) = forwarded {
            // Bounded: the identity is a rate-limit key and a table key.
            return Some(hop.chars().take(64).collect());
        }
    }
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}

/// Liveness: the process answers. Nothing else, since anyone may ask (no token needed).
async fn health() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// Prometheus metrics ([`crate::metrics`]); behind the bearer token (see [`admit`]), since they
/// name the tools and who is failing.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let text = crate::metrics::render(state.server.registry());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Readiness: runs the health checks (behind the bearer token: the report names them).
async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let Some(checker) = &state.options.health else {
        return health().await;
    };
    let report = checker.run().await;
    let status = if report.status == Status::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    json_response(status, &serde_json::to_value(report).expect("serialises"))
}

async fn get_mcp(
    State(state): State<Arc<AppState>>,
    axum::Extension(Caller { principal, .. }): axum::Extension<Caller>,
    headers: HeaderMap,
) -> Response {
    // Resuming a response stream of the session.
    if let Some(last) = header_str(&headers, LAST_EVENT_ID) {
        let Some(live) = header_str(&headers, SESSION_HEADER)
            .and_then(|s| state.sessions.get(s, principal.as_deref()))
        else {
            return rpc_status(StatusCode::NOT_FOUND, "Session not found");
        };
        let Some((stream, from)) = live.replay.find(last) else {
            return rpc_status(
                StatusCode::NOT_FOUND,
                &format!("Last-Event-ID {last} names no stream this session still keeps"),
            );
        };
        return replay::response(stream.follow(from, false, state.options.sse_close_after));
    }
    // No server-initiated stream otherwise: everything this server sends answers a request.
    let mut r = StatusCode::METHOD_NOT_ALLOWED.into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, DELETE"));
    r
}

async fn delete_mcp(
    State(state): State<Arc<AppState>>,
    axum::Extension(Caller { principal, .. }): axum::Extension<Caller>,
    headers: HeaderMap,
) -> Response {
    match header_str(&headers, SESSION_HEADER) {
        None => rpc_status(StatusCode::BAD_REQUEST, "Missing Mcp-Session-Id header"),
        Some(id) if state.sessions.remove(id, principal.as_deref()) => {
            StatusCode::NO_CONTENT.into_response()
        }
        Some(_) => rpc_status(StatusCode::NOT_FOUND, "Session not found"),
    }
}

async fn post_mcp(
    State(state): State<Arc<AppState>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let principal = caller.principal.clone();
    // The body is read only now, after `admit` checked the headers.
    let body = match read_body(&state.options, body).await {
        Ok(body) => body,
        Err(r) => return r,
    };
    let Ok(permit) = state.permits.clone().try_acquire_owned() else {
        let mut r = rpc_status(
            StatusCode::SERVICE_UNAVAILABLE,
            "Server busy, retry shortly",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    };
    if !guard::is_json(&headers) {
        return rpc_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    if !guard::accepts_json_and_sse(&headers) {
        return rpc_status(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must list application/json and text/event-stream",
        );
    }
    // Only what routing needs, borrowed from the body (dispatch reads the body itself).
    let envelope = match Envelope::read(&body) {
        Ok(envelope) => envelope,
        Err(err) => return raw_json(StatusCode::BAD_REQUEST, jsonrpc::error_response(None, &err)),
    };
    let method_text = envelope
        .method
        .map(|m| text_of(m.get()))
        .unwrap_or_default();
    let method: &str = &method_text;
    let id = match envelope.id() {
        Ok(id) => id,
        Err(response) => return raw_json(StatusCode::BAD_REQUEST, response),
    };
    let meta: Option<Value> = envelope
        .params
        .filter(|p| p.get().starts_with('{'))
        .and_then(|p| serde_json::from_str::<ParamsMeta>(p.get()).ok())
        .and_then(|p| p.meta)
        .and_then(|m| serde_json::from_str(m.get()).ok());
    let meta_version = meta
        .as_ref()
        .and_then(|m| m.get(version::META_PROTOCOL_VERSION))
        .and_then(Value::as_str);
    let header_version = header_str(&headers, VERSION_HEADER);
    if let Some(v) = header_version {
        // Within a session the negotiated revision governs; the header only has to name a real
        // revision (clients of older revisions send theirs, e.g. 2025-03-26).
        if Version::parse(v).is_none() && !OLDER_REVISIONS.contains(&v) {
            return rpc_status(
                StatusCode::BAD_REQUEST,
                &format!("Unsupported protocol version: {v}"),
            );
        }
    }
    // 2026-07-28 mirrors body values in headers; they must agree.
    if let (Some(h), Some(b)) = (header_version, meta_version) {
        if h != b {
            return header_mismatch(id.as_ref(), "MCP-Protocol-Version", h, b);
        }
    }
    if let Some(h) = header_str(&headers, METHOD_HEADER) {
        if !method.is_empty() && h != method {
            return header_mismatch(id.as_ref(), "Mcp-Method", h, method);
        }
    }
    let stateless = meta_version.or(header_version).and_then(Version::parse)
        == Some(Version::V2026_07_28)
        || method == "server/discover";

    let mut new_session_id = None;
    // The session, and where its streams are kept for resumption (none when stateless).
    let (session, replay): (Arc<Session>, Option<Arc<Replay>>) =
        if method == "initialize" && !stateless {
            let quota_key = caller.quota_key();
            let replay = Replay::new(state.kept_streams.clone(), Arc::from(quota_key.as_str()));
            let (sid, live) =
                state
                    .sessions
                    .create(principal.as_deref(), &caller.identity(), &quota_key, replay);
            new_session_id = Some(sid);
            (live.session, Some(live.replay))
        } else if let Some(sid) = header_str(&headers, SESSION_HEADER) {
            match state.sessions.get(sid, principal.as_deref()) {
                Some(live) => (live.session, Some(live.replay)),
                None => return rpc_status(StatusCode::NOT_FOUND, "Session not found"),
            }
        } else if stateless {
            let s = Session::new(None).with_identity(caller.identity());
            let s = Arc::new(match principal {
                Some(p) => s.with_principal(p),
                None => s,
            });
            (s, None)
        } else {
            return rpc_status(StatusCode::BAD_REQUEST, "Missing Mcp-Session-Id header");
        };

    // A `method` member of any type makes a request (dispatch refuses one that is not a string).
    let is_request = id.is_some() && envelope.method.is_some();
    if !is_request {
        // Notifications and responses: nothing to send back, unless an id'd message is neither
        // request nor response (then the client gets its error).
        return match state.server.handle(&session, &body).await {
            Some(bytes) if id.is_some() => raw_json(StatusCode::BAD_REQUEST, bytes),
            _ => StatusCode::ACCEPTED.into_response(),
        };
    }
    // Progress and log messages travel in the request's own SSE stream.
    let meta = meta.as_ref();
    let streams = method == "tools/call"
        && (meta
            .and_then(|m| m.get("progressToken"))
            .is_some_and(|t| !t.is_null())
            || meta.and_then(|m| m.get(version::META_LOG_LEVEL)).is_some()
            || session.log_level().is_some());
    // So do the tool's requests to the client (elicitation, sampling), but few calls make one:
    // the answer becomes a stream only when one is sent, and stays plain JSON otherwise.
    // And with `sse_close_after`, so do calls that outlast it (the client polls the rest).
    let may_ask = method == "tools/call"
        && !stateless
        && (session.client_capabilities().any() || state.options.sse_close_after.is_some());
    let out = Outlet {
        replay,
        close_after: state.options.sse_close_after,
    };
    let mut response = if streams {
        let call = RunningCall::start(state.server.clone(), session, body, permit);
        sse_response(call, None, out)
    } else if may_ask {
        json_or_sse(state.server.clone(), session, body, out, permit).await
    } else {
        match state.server.handle(&session, &body).await {
            Some(bytes) => raw_json(StatusCode::OK, bytes),
            // Cancelled by the client: it expects no answer.
            None => StatusCode::ACCEPTED.into_response(),
        }
    };
    if let Some(sid) = new_session_id {
        if let Ok(v) = HeaderValue::from_str(&sid) {
            response.headers_mut().insert(SESSION_HEADER, v);
        }
    }
    response
}

/// The body, within the size limit and the body timeout.
async fn read_body(options: &HttpOptions, body: Body) -> Result<Bytes, Response> {
    let limit = options.max_body_bytes;
    match tokio::time::timeout(options.body_read_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if is_length_limit(&e) => Err(rpc_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The request body is over {limit} bytes"),
        )),
        Ok(Err(e)) => Err(rpc_status(
            StatusCode::BAD_REQUEST,
            &format!("The request body could not be read: {e}"),
        )),
        Err(_) => Err(rpc_status(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "The request body did not arrive within {:.1} s",
                options.body_read_timeout.as_secs_f64()
            ),
        )),
    }
}

/// Whether reading a body failed on the size limit.
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// `_meta` of the params; the other members (arguments, ...) are skipped, not parsed.
#[derive(serde::Deserialize)]
struct ParamsMeta<'a> {
    #[serde(rename = "_meta", borrow, default)]
    meta: Option<&'a RawValue>,
}

/// A JSON string member as text (empty when it is not a string).
fn text_of(raw: &str) -> Cow<'_, str> {
    match serde_json::from_str::<&str>(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(serde_json::from_str::<String>(raw).unwrap_or_default()),
    }
}

/// A request running in its own task: its messages to the client (notifications, requests)
/// arrive on `notes`, its response on `done`. Cancelling `closed` drops the call.
struct RunningCall {
    notes: mpsc::Receiver<Vec<u8>>,
    done: oneshot::Receiver<Option<Vec<u8>>>,
    closed: CancellationToken,
    /// The call's place under the concurrency cap, released when it ends.
    permit: OwnedSemaphorePermit,
}

impl RunningCall {
    fn start(
        server: Arc<Server>,
        session: Arc<Session>,
        body: Bytes,
        permit: OwnedSemaphorePermit,
    ) -> Self {
        let (note_tx, notes) = mpsc::channel::<Vec<u8>>(64);
        let (done_tx, done) = oneshot::channel::<Option<Vec<u8>>>();
        let closed = CancellationToken::new();
        let cancelled = closed.clone();
        tokio::spawn(async move {
            tokio::select! {
                response = server.handle_with(&session, &body, Some(note_tx)) => {
                    let _ = done_tx.send(response);
                }
                _ = cancelled.cancelled() => {}
            }
        });
        RunningCall {
            notes,
            done,
            closed,
            permit,
        }
    }
}

/// A plain JSON response if the call finishes without sending anything first (and, with
/// `sse_close_after`, within that time), else an SSE stream that starts with what it sent. The
/// call runs inline until then (most calls never send anything, and cost no task); a dropped
/// request drops it, as for any JSON response.
async fn json_or_sse(
    server: Arc<Server>,
    session: Arc<Session>,
    body: Bytes,
    out: Outlet,
    permit: OwnedSemaphorePermit,
) -> Response {
    let (note_tx, mut notes) = mpsc::channel::<Vec<u8>>(64);
    let mut call =
        Box::pin(async move { server.handle_with(&session, &body, Some(note_tx)).await });
    let long = async {
        match (&out.replay, out.close_after) {
            (Some(_), Some(after)) => tokio::time::sleep(after).await,
            _ => std::future::pending().await,
        }
    };
    let first = tokio::select! {
        biased;
        Some(note) = notes.recv() => Some(note),
        response = call.as_mut() => {
            return match response {
                Some(bytes) => raw_json(StatusCode::OK, bytes),
                // Cancelled by the client: it expects no answer.
                None => StatusCode::ACCEPTED.into_response(),
            };
        }
        // A long call: its answer will come on a stream the client can resume.
        _ = long => None,
    };
    // From now on the call runs in a task of its own, feeding the stream.
    let (done_tx, done) = oneshot::channel();
    tokio::spawn(async move {
        let _ = done_tx.send(call.await);
    });
    let call = RunningCall {
        notes,
        done,
        closed: CancellationToken::new(),
        permit,
    };
    sse_response(call, first, out)
}

/// Where an SSE response goes: a session's kept streams (resumable), or nowhere but the
/// connection (stateless).
struct Outlet {
    replay: Option<Arc<Replay>>,
    close_after: Option<Duration>,
}

/// Streams the call's notifications (after `first`, if given), then its response.
///
/// In a session the call writes into a kept stream (see [`replay`]), whether or not a connection
/// reads it: a closed stream is not a cancellation (the client sends `notifications/cancelled`),
/// and the client can resume it with `GET` and `Last-Event-ID`. A stateless (2026-07-28) client
/// cancels a request by closing its stream, so then the call is dropped with the stream. (With a
/// JSON response, hyper drops the handler, and the call with it.)
fn sse_response(call: RunningCall, first: Option<Vec<u8>>, out: Outlet) -> Response {
    let RunningCall {
        mut notes,
        mut done,
        closed,
        permit,
    } = call;
    let (stream, on_close, close_after) = match &out.replay {
        Some(replay) => (replay.open(), None, out.close_after),
        None => (
            Arc::new(SseStream::new(None)),
            Some(closed.drop_guard()),
            None,
        ),
    };
    if let Some(first) = first {
        stream.push(first);
    }
    let writer = stream.clone();
    let session_streams = out.replay.clone();
    tokio::spawn(async move {
        // Until the call has ended, whether or not anyone reads its stream.
        let _permit = permit;
        loop {
            tokio::select! {
                biased;
                Some(note) = notes.recv() => writer.push(note),
                response = &mut done => {
                    // Notifications sent before the response come first.
                    while let Ok(note) = notes.try_recv() {
                        writer.push(note);
                    }
                    if let Ok(Some(r)) = response {
                        writer.push(r);
                    }
                    break;
                }
            }
        }
        if !writer.finish() {
            if let Some(replay) = session_streams {
                replay.forget(&writer);
            }
        }
    });
    // The guard lives as long as the connection's stream: dropping it cancels the call.
    let events = stream.follow(1, true, close_after).map(move |e| {
        let _ = &on_close;
        e
    });
    replay::response(events)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn raw_json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn json_response(status: StatusCode, v: &Value) -> Response {
    raw_json(status, serde_json::to_vec(v).expect("serialises"))
}

/// An HTTP error status with a JSON-RPC error body (no id: it answers the HTTP request).
fn rpc_status(status: StatusCode, message: &str) -> Response {
    let err = RpcError::new(jsonrpc::INVALID_REQUEST, message);
    raw_json(status, jsonrpc::error_response(None, &err))
}

fn header_mismatch(id: Option<&Value>, name: &str, header: &str, body: &str) -> Response {
    let err = RpcError::new(
        jsonrpc::HEADER_MISMATCH,
        format!(
            "Header mismatch: {name} header value '{header}' does not match body value '{body}'"
        ),
    );
    let id = id.filter(|i| i.is_string() || i.is_number());
    raw_json(StatusCode::BAD_REQUEST, jsonrpc::error_response(id, &err))
}
