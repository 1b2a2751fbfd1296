//! Streamable HTTP transport: one endpoint (`/mcp`), JSON or SSE responses, on axum.
//!
//! - 2025-06-18 / 2025-11-25: `initialize` creates a session named by a random `Mcp-Session-Id`
//!   (128 bits from the OS generator); later requests must carry it (400 without, 404 when
//!   unknown or expired); DELETE ends it. A GET with the session's id opens its own stream
//!   (`notifications/tools/list_changed`); a GET with `Last-Event-ID` resumes a response stream
//!   (see [`replay`]).
//! - 2026-07-28: stateless. Every request carries its version (`_meta` and the
//!   `MCP-Protocol-Version` header) and needs no session; any replica can serve it.
//!   `subscriptions/listen` is answered as an SSE stream that lasts until the client closes it.
//! - A `tools/call` that asked for progress or logs, whose tool asks the client something, or
//!   (with [`HttpOptions::sse_close_after`]) that runs long is answered as an SSE stream
//!   (notifications, then the result); everything else as one JSON object. Notifications get
//!   202.
//!
//! Safe by default: binds 127.0.0.1, rejects foreign `Origin`s (DNS rebinding) with 403, optional
//! bearer tokens (401), a request size limit (413), a cap on concurrent requests (503), a cap on
//! live sessions, and graceful shutdown that finishes in-flight requests.

mod bearer;
mod caller;
mod guard;
mod headers;
mod kept_budget;
mod mirrored;
mod options;
mod post;
pub mod replay;
#[cfg(feature = "auth")]
mod resource_auth;
mod responses;
mod serve;
mod service;
mod sessions;
mod state;
mod stateless_session;
mod streaming;

use crate::health::Status;
use crate::mcp::{ListenPlace, Server, Session};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use replay::SseStream;
use serde_json::json;
use sessions::Sessions;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

pub use bearer::BearerToken;
pub use headers::{LAST_EVENT_ID, METHOD_HEADER, NAME_HEADER, SESSION_HEADER, VERSION_HEADER};
pub use options::HttpOptions;

use caller::{admit, Caller};
use post::post_mcp;
use responses::{header_str, json_response, rpc_status};
use state::AppState;

/// The axum router: `POST|GET|DELETE /mcp`, `GET /health`, `GET /ready`, `GET /metrics`,
/// `GET /status` and `/status.json` (the live status page), and
/// the protected resource metadata when [`HttpOptions::auth`] is set.
///
/// # Panics
///
/// When the settings are unusable ([`crate::auth::AuthOptions::check`]); [`serve_http`] returns
/// that as an error instead.
pub fn router(server: Arc<Server>, options: HttpOptions) -> Router {
    routes(app_state(server, options).unwrap_or_else(|e| panic!("HTTP settings: {e}")))
}

/// What the handlers of one server share.
fn app_state(server: Arc<Server>, options: HttpOptions) -> Result<Arc<AppState>, String> {
    #[cfg(feature = "auth")]
    let auth = resource_auth::ResourceAuth::new(&options, &server.declared_scopes())?;
    Ok(Arc::new(AppState {
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
        options,
        #[cfg(feature = "auth")]
        auth,
    }))
}

fn routes(state: Arc<AppState>) -> Router {
    let body_limit = state.options.max_body_bytes;
    let router = Router::new()
        .route("/mcp", get(get_mcp).post(post_mcp).delete(delete_mcp))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/status", get(status_page))
        .route("/status.json", get(status_json));
    #[cfg(feature = "auth")]
    let router = match &state.auth {
        Some(auth) => auth.metadata.paths().fold(router, |router, path| {
            router.route(path, get(protected_resource))
        }),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), admit))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// Serves until `shutdown` completes, then stops accepting and lets the requests in flight
/// finish for up to [`HttpOptions::shutdown_grace`] (cutting the rest).
pub async fn serve_http(
    server: Arc<Server>,
    listener: TcpListener,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = app_state(server.clone(), options.clone()).map_err(std::io::Error::other)?;
    #[cfg(feature = "auth")]
    if let Some(auth) = state.auth.clone() {
        tokio::spawn(async move { auth.prefetch().await });
    }
    let app = routes(state.clone());
    // Streams that only listen would hold the graceful shutdown for its whole grace period.
    let shutdown = async move {
        shutdown.await;
        server.close_subscriptions();
    };
    serve::accept_loop(app, state, listener, &options, shutdown).await
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

/// The protected resource metadata (RFC 9728): anyone may read it (no token).
#[cfg(feature = "auth")]
async fn protected_resource(State(state): State<Arc<AppState>>) -> Response {
    match &state.auth {
        Some(auth) => auth.metadata_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Liveness: the process answers. Nothing else, since anyone may ask (no token needed).
async fn health() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// Prometheus metrics ([`crate::metrics`]); behind the bearer token (see [`admit`]), since they
/// name the tools and who is failing.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut text = crate::metrics::render(state.server.registry());
    crate::metrics::render_tasks(&mut text, state.server.tasks_running());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The live status page ([`crate::status`]): served to anyone who passes the Host and Origin
/// checks, since it holds no data; what it shows comes from `/status.json`, behind the token.
async fn status_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        crate::status::PAGE,
    )
        .into_response()
}

/// What the status page reads each second.
async fn status_json(State(state): State<Arc<AppState>>) -> Response {
    json_response(StatusCode::OK, &crate::status::snapshot(&state.server))
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
    // A session's own stream: what the server says unasked (the tool list changed).
    let Some(sid) = header_str(&headers, SESSION_HEADER) else {
        let mut r = rpc_status(
            StatusCode::METHOD_NOT_ALLOWED,
            "GET opens a session's stream: send Mcp-Session-Id (2026-07-28 clients use \
             subscriptions/listen)",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
        return r;
    };
    let Some(live) = state.sessions.get(sid, principal.as_deref()) else {
        return rpc_status(StatusCode::NOT_FOUND, "Session not found");
    };
    let Some(place) = state.server.listen_place(live.session.quota_key()) else {
        return rpc_status(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "this client already holds {} open streams",
                crate::mcp::MAX_LISTENS_PER_CLIENT
            ),
        );
    };
    session_stream(&state.server, live.session, place)
}

/// The SSE stream of a 2025 session's GET: `notifications/tools/list_changed` at each change and
/// `notifications/resources/updated` for its subscriptions, until the client closes it or the
/// session ends.
fn session_stream(server: &Server, session: Arc<Session>, place: ListenPlace) -> Response {
    let stream = Arc::new(SseStream::new(None));
    let closed = CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
    tokio::spawn(server.forward_to_session(&session, tx));
    let writer = stream.clone();
    let reading = closed.clone();
    tokio::spawn(async move {
        let _place = place;
        loop {
            tokio::select! {
                note = rx.recv() => match note {
                    Some(note) => writer.push(note),
                    None => break,
                },
                _ = reading.cancelled() => break,
            }
        }
        writer.finish();
    });
    // Dropped with the response body when the client goes: the tasks above stop.
    let guard = closed.drop_guard();
    let events = stream.follow(1, false, None).map(move |event| {
        let _ = &guard;
        event
    });
    replay::response(events)
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
