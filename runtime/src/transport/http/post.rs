//! `POST /mcp`: one JSON-RPC message in, a JSON answer, an SSE stream or 202 out.

// Each step's `Err` is the answer itself, made once on the way out: not worth a box.
#![allow(clippy::result_large_err)]

use super::caller::Caller;
use super::guard;
use super::headers::{names, OLDER_REVISIONS, SESSION_HEADER};
use super::mirrored::{check_param_headers, header_value};
use super::options::HttpOptions;
use super::replay::Replay;
use super::responses::{
    header_mismatch, header_missing, header_str, raw_json, rpc_error, rpc_status, stateless_status,
};
use super::state::AppState;
use super::stateless_session::{self, ConnectionSession};
use super::streaming::{json_or_sse, sse_response, Outlet, RunningCall};
use crate::mcp::Session;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::Version;
use crate::protocol::{Envelope, Incoming, MetaKeys, Method, Request, TraceHeaders};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use tokio::sync::OwnedSemaphorePermit;

/// `POST /mcp` as a route of [`router`](super::router) (the server's own accept loop calls
/// [`serve_post`] without the router).
pub(super) async fn post_mcp(
    State(state): State<Arc<AppState>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    serve_post(&state, caller, &headers, body, None).await
}

/// One `POST /mcp`, its caller admitted (see [`admit`](super::caller::admit)); `connection`
/// keeps the stateless session of the connection it came on, when the accept loop serves it.
/// In steps: read the body, check it and its headers, pick the session, answer.
pub(super) async fn serve_post(
    state: &Arc<AppState>,
    caller: Caller,
    headers: &HeaderMap,
    body: Body,
    connection: Option<&ConnectionSession>,
) -> Response {
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
    if let Err(r) = check_media_types(headers) {
        return r;
    }
    // Read once, borrowed from the body: the checks look at it, and dispatch takes it over.
    let (envelope, params) = match Envelope::read_with_params(&body) {
        Ok(read) => read,
        Err(err) => return raw_json(StatusCode::BAD_REQUEST, jsonrpc::error_response(None, &err)),
    };
    let id = match envelope.id() {
        Ok(id) => id,
        Err(response) => return raw_json(StatusCode::BAD_REQUEST, response),
    };
    // A message that is not one (a wrong `jsonrpc`, a method of another type) is answered once
    // its session is known, as before any header is looked at.
    let mut read = Incoming::read(&envelope, id.clone(), params);
    // A `method` member of any type makes a request (dispatch refuses one that is not a string).
    let is_request = id.is_some() && envelope.method.is_some();
    let request = match &mut read {
        Ok(Incoming::Request(request)) => Some(request),
        _ => None,
    };
    let stateless = match check_headers(state, headers, id.as_ref(), request, is_request) {
        Ok(stateless) => stateless,
        Err(r) => return r,
    };
    if let (Some(grant), Ok(Incoming::Request(request))) = (&caller.grant, &mut read) {
        #[cfg(feature = "auth")]
        if let Err(r) = check_scopes(state, grant, request) {
            return r;
        }
        request.grant = Some(grant.clone());
    }
    if let Ok(Incoming::Request(request)) = &mut read {
        request.trace = trace_headers(headers);
    }
    let (session, replay, new_session_id) =
        match pick_session(state, &caller, headers, &read, stateless, connection) {
            Ok(picked) => picked,
            Err(r) => return r,
        };
    let mut response = if is_request {
        let out = Outlet {
            replay,
            close_after: state.options.sse_close_after,
        };
        let answer = Answer {
            state,
            session,
            stateless,
            permit,
        };
        answer.request(read, id, &body, out).await
    } else {
        // Notifications and replies: nothing to send back, unless an id'd message is neither
        // request nor reply (then the client gets its error).
        let answered = match read {
            Ok(incoming) => state.server.dispatch(&session, incoming, None).await,
            Err(err) => id
                .as_ref()
                .map(|id| jsonrpc::error_response(Some(id), &err)),
        };
        match answered {
            Some(bytes) if id.is_some() => raw_json(StatusCode::BAD_REQUEST, bytes),
            _ => StatusCode::ACCEPTED.into_response(),
        }
    };
    if let Some(sid) = new_session_id {
        if let Ok(v) = HeaderValue::from_str(&sid) {
            response.headers_mut().insert(SESSION_HEADER, v);
        }
    }
    response
}

/// The entry a request uses (the tool called, the resource read, the prompt got) against what
/// its token grants: 403 with the scopes to ask for (RFC 6750 `insufficient_scope`), so that the
/// client can step up.
#[cfg(feature = "auth")]
fn check_scopes(
    state: &AppState,
    grant: &crate::grant::Grant,
    request: &crate::protocol::Request<'_>,
) -> Result<(), Response> {
    let needed = state.server.scopes_needed(request);
    if grant.allows(needed) {
        return Ok(());
    }
    let Some(auth) = &state.auth else {
        return Ok(());
    };
    // What to ask for: the scopes every request needs, and this entry's.
    let mut scopes: Vec<&str> = auth.required_scopes().iter().map(String::as_str).collect();
    for scope in needed {
        if !scopes.contains(scope) {
            scopes.push(scope);
        }
    }
    let refusal = guard::Refusal::Challenged {
        status: StatusCode::FORBIDDEN,
        challenge: auth
            .metadata
            .challenge(&crate::auth::Challenge::InsufficientScope(scopes.join(" "))),
    };
    Err(refusal.into_response())
}

/// W3C trace context from the request's headers, when it has a `traceparent` of a plausible
/// size (a valid one is 55 bytes; `tracestate` at most 32 members of 256): what the span of a
/// request continues when its `params._meta` carries none.
fn trace_headers(headers: &HeaderMap) -> Option<Arc<TraceHeaders>> {
    const MAX: usize = 8 * 1024;
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= MAX)
            .map(str::to_owned)
    };
    Some(Arc::new(TraceHeaders {
        traceparent: text("traceparent")?,
        tracestate: text("tracestate"),
    }))
}

/// The body must be JSON, and the client must take both answers a call may get.
fn check_media_types(headers: &HeaderMap) -> Result<(), Response> {
    if !guard::is_json(headers) {
        return Err(rpc_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ));
    }
    if !guard::accepts_json_and_sse(headers) {
        return Err(rpc_status(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must list application/json and text/event-stream",
        ));
    }
    Ok(())
}

/// The headers against the message: a revision the server knows, and in 2026-07-28 the
/// mirrored values (SEP-2243) agreeing with the body. A stateless request is routed here, where
/// the HTTP status can say what is wrong: without its `_meta` it cannot be understood (400), and
/// a method that does not exist there is 404. Whether the request is stateless, or the answer.
fn check_headers(
    state: &AppState,
    headers: &HeaderMap,
    id: Option<&Value>,
    request: Option<&mut Request<'_>>,
    is_request: bool,
) -> Result<bool, Response> {
    let method = request.as_ref().map_or("", |r| r.method_name());
    let meta = request.as_ref().and_then(|r| r.meta());
    let meta_version = meta.and_then(MetaKeys::version);
    let meta_version = meta_version.as_deref();
    let header_version = header_str(headers, names::VERSION);
    if let Some(v) = header_version {
        // Within a session the negotiated revision governs; the header only has to name a real
        // revision (clients of older revisions send theirs, e.g. 2025-03-26).
        if Version::parse(v).is_none() && !OLDER_REVISIONS.contains(&v) {
            return Err(rpc_error(
                StatusCode::BAD_REQUEST,
                id,
                &Version::unsupported(v),
            ));
        }
    }
    if let (Some(h), Some(b)) = (header_version, meta_version) {
        if h != b {
            return Err(header_mismatch(id, "MCP-Protocol-Version", h, b));
        }
    }
    let method_header = header_str(headers, names::METHOD);
    if let Some(h) = method_header {
        if !method.is_empty() && h != method {
            return Err(header_mismatch(id, "Mcp-Method", h, method));
        }
    }
    let stateless = meta_version.or(header_version).and_then(Version::parse)
        == Some(Version::V2026_07_28)
        || request
            .as_ref()
            .is_some_and(|r| r.is(Method::ServerDiscover));
    let Some(request) = request.filter(|_| stateless && is_request) else {
        return Ok(stateless);
    };
    let routed = request.route(None);
    if let Err(err) = &routed {
        if err.code == jsonrpc::INVALID_PARAMS {
            return Err(rpc_error(StatusCode::BAD_REQUEST, id, err));
        }
    }
    let method = request.method_name();
    // The mirrored headers must be there (a mismatch was refused above).
    if method_header.is_none() {
        return Err(header_missing(id, "Mcp-Method", method));
    }
    let name_member = request.known().and_then(Method::name_member);
    let named = name_member.and_then(|key| request.params.str_member(key));
    if let Some(body_name) = named {
        match header_str(headers, names::NAME) {
            None => return Err(header_missing(id, "Mcp-Name", body_name)),
            Some(raw) => {
                if header_value(raw).as_deref() != Some(body_name) {
                    return Err(header_mismatch(id, "Mcp-Name", raw, body_name));
                }
            }
        }
        // And the arguments the tool asked to have mirrored (`#[arg(header = …)]`).
        if request.is(Method::ToolsCall) {
            check_mirrored_arguments(state, headers, id, body_name, request)?;
        }
    }
    match routed {
        Err(err) if err.code == jsonrpc::METHOD_NOT_FOUND => {
            Err(rpc_error(StatusCode::NOT_FOUND, id, &err))
        }
        // Any other error (an unsupported revision) is dispatch's to answer.
        _ => Ok(true),
    }
}

/// The `Mcp-Param-*` headers of a call of `tool`, against its arguments.
fn check_mirrored_arguments(
    state: &AppState,
    headers: &HeaderMap,
    id: Option<&Value>,
    tool: &str,
    request: &Request<'_>,
) -> Result<(), Response> {
    let mirrored = state.server.registry().header_params(tool);
    if mirrored.is_empty() {
        return Ok(());
    }
    let arguments: Option<serde_json::Map<String, Value>> = request
        .params
        .arguments
        .and_then(|a| serde_json::from_str(a.get()).ok());
    check_param_headers(mirrored, headers, arguments.as_ref()).map_err(|m| match m.sent {
        Some(sent) => header_mismatch(id, m.header, sent, &m.body),
        None => header_missing(id, m.header, &m.body),
    })
}

/// The session a message belongs to, where its streams are kept for resumption (none when
/// stateless), and the id of a session `initialize` just opened.
type Picked = (Arc<Session>, Option<Arc<Replay>>, Option<String>);

fn pick_session(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    read: &Result<Incoming<'_>, RpcError>,
    stateless: bool,
    connection: Option<&ConnectionSession>,
) -> Result<Picked, Response> {
    let initialize = matches!(read, Ok(Incoming::Request(r)) if r.is(Method::Initialize));
    if initialize && !stateless {
        let quota_key = caller.quota_key();
        let replay = Replay::new(state.kept_streams.clone(), Arc::from(quota_key.as_str()));
        let principal = caller.principal.as_deref();
        let (sid, live) = state
            .sessions
            .create(principal, caller.identity(), &quota_key, replay);
        return Ok((live.session, Some(live.replay), Some(sid)));
    }
    if let Some(sid) = header_str(headers, names::SESSION) {
        return match state.sessions.get(sid, caller.principal.as_deref()) {
            Some(live) => Ok((live.session, Some(live.replay), None)),
            None => Err(rpc_status(StatusCode::NOT_FOUND, "Session not found")),
        };
    }
    if stateless {
        let session = match connection {
            Some(connection) => connection.for_caller(caller),
            None => stateless_session::fresh(caller),
        };
        return Ok((session, None, None));
    }
    Err(rpc_status(
        StatusCode::BAD_REQUEST,
        "Missing Mcp-Session-Id header",
    ))
}

/// What answers a request: the server, its session, and its place under the concurrency cap.
struct Answer<'s> {
    state: &'s Arc<AppState>,
    session: Arc<Session>,
    stateless: bool,
    permit: OwnedSemaphorePermit,
}

impl Answer<'_> {
    /// One JSON body, or an SSE stream when the call reports progress or log messages (or asks
    /// the client, or outlasts `sse_close_after`, see [`json_or_sse`]).
    async fn request(
        self,
        read: Result<Incoming<'_>, RpcError>,
        id: Option<Value>,
        body: &Bytes,
        out: Outlet,
    ) -> Response {
        let request = match &read {
            Ok(Incoming::Request(request)) => Some(request),
            _ => None,
        };
        let server = &self.state.server;
        let is_call = request.is_some_and(|r| r.is(Method::ToolsCall));
        let meta = request.and_then(|r| r.meta());
        // Progress and log messages travel in the request's own SSE stream.
        let streams = (self.stateless
            && request.is_some_and(|r| r.is(Method::SubscriptionsListen)))
            || is_call
                && (meta.is_some_and(MetaKeys::wants_progress)
                    || meta.is_some_and(|m| m.log_level.is_some())
                    || self.session.log_level().is_some());
        // So do the tool's requests to the client (elicitation, sampling), but few calls make
        // one: the answer becomes a stream only when one is sent, and stays plain JSON
        // otherwise. Only a tool that takes a `Context` can send one. And with
        // `sse_close_after`, so do calls that outlast it (the client polls the rest).
        let can_ask = || {
            let tool = request.and_then(|r| r.params.name());
            tool.and_then(|t| server.registry().tool(t))
                .is_none_or(|t| t.takes_context())
        };
        let may_ask = is_call
            && !self.stateless
            && (self.state.options.sse_close_after.is_some()
                || self.session.client_capabilities().any() && can_ask());
        // A call that outlives this function runs in a task of its own, which reads the body
        // there: the borrowed reading cannot go with it.
        let attached = || request.map(Request::attached).unwrap_or_default();
        if streams {
            let call = RunningCall::start(
                server.clone(),
                self.session,
                body.clone(),
                attached(),
                self.permit,
            );
            return sse_response(call, None, out);
        }
        if may_ask {
            let (session, permit) = (self.session, self.permit);
            return json_or_sse(
                server.clone(),
                session,
                body.clone(),
                attached(),
                out,
                permit,
            )
            .await;
        }
        let answered = match read {
            Ok(incoming) => server.dispatch(&self.session, incoming, None).await,
            Err(err) => id
                .as_ref()
                .map(|id| jsonrpc::error_response(Some(id), &err)),
        };
        drop(self.permit);
        match answered {
            Some(bytes) if self.stateless => raw_json(stateless_status(&bytes), bytes),
            Some(bytes) => raw_json(StatusCode::OK, bytes),
            // Cancelled by the client: it expects no answer.
            None => StatusCode::ACCEPTED.into_response(),
        }
    }
}

/// The body, within the size limit and the body timeout.
async fn read_body(options: &HttpOptions, body: Body) -> Result<Bytes, Response> {
    let limit = options.max_body_bytes;
    let mut read = std::pin::pin!(axum::body::to_bytes(body, limit));
    // A small body has nearly always arrived with the head: read then, no timer is armed.
    let at_once = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
    let read = match at_once {
        Poll::Ready(read) => read,
        Poll::Pending => match tokio::time::timeout(options.body_read_timeout, read).await {
            Ok(read) => read,
            Err(_) => {
                return Err(rpc_status(
                    StatusCode::REQUEST_TIMEOUT,
                    &format!(
                        "The request body did not arrive within {:.1} s",
                        options.body_read_timeout.as_secs_f64()
                    ),
                ))
            }
        },
    };
    match read {
        Ok(bytes) => Ok(bytes),
        Err(e) if is_length_limit(&e) => Err(rpc_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The request body is over {limit} bytes"),
        )),
        Err(e) => Err(rpc_status(
            StatusCode::BAD_REQUEST,
            &format!("The request body could not be read: {e}"),
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
