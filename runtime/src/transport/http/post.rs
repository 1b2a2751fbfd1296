//! `POST /mcp`: one JSON-RPC message in, a JSON answer, an SSE stream or 202 out.

use super::caller::Caller;
use super::guard;
use super::headers::{names, OLDER_REVISIONS, SESSION_HEADER};
use super::mirrored::{check_param_headers, header_value, name_param};
use super::options::HttpOptions;
use super::replay::Replay;
use super::responses::{
    header_mismatch, header_missing, header_str, raw_json, rpc_error, rpc_status, stateless_status,
};
use super::state::AppState;
use super::stateless_session::{self, ConnectionSession};
use super::streaming::{json_or_sse, sse_response, Outlet, RunningCall};
use crate::mcp::{is_served, Session};
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::Version;
use crate::protocol::{check_stateless_keys, Envelope, MetaKeys, RequestParams};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

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
pub(super) async fn serve_post(
    state: &Arc<AppState>,
    caller: Caller,
    headers: &HeaderMap,
    body: Body,
    connection: Option<&ConnectionSession>,
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
    if !guard::is_json(headers) {
        return rpc_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    if !guard::accepts_json_and_sse(headers) {
        return rpc_status(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must list application/json and text/event-stream",
        );
    }
    // Read once, borrowed from the body: routing looks at them, and dispatch takes them over.
    let (envelope, params) = match Envelope::read_with_params(&body) {
        Ok(read) => read,
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
    // Params that are no object are left to dispatch, which answers why.
    let params = params.or_else(|| RequestParams::read(envelope.params).ok());
    let meta = params.as_ref().and_then(|p| p.meta_keys.as_ref());
    let meta_version = meta.and_then(MetaKeys::version);
    let meta_version = meta_version.as_deref();
    let header_version = header_str(headers, names::VERSION);
    if let Some(v) = header_version {
        // Within a session the negotiated revision governs; the header only has to name a real
        // revision (clients of older revisions send theirs, e.g. 2025-03-26).
        if Version::parse(v).is_none() && !OLDER_REVISIONS.contains(&v) {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                id.as_ref(),
                &Version::unsupported(v),
            );
        }
    }
    // 2026-07-28 mirrors body values in headers; they must agree.
    if let (Some(h), Some(b)) = (header_version, meta_version) {
        if h != b {
            return header_mismatch(id.as_ref(), "MCP-Protocol-Version", h, b);
        }
    }
    let method_header = header_str(headers, names::METHOD);
    if let Some(h) = method_header {
        if !method.is_empty() && h != method {
            return header_mismatch(id.as_ref(), "Mcp-Method", h, method);
        }
    }
    let stateless = meta_version.or(header_version).and_then(Version::parse)
        == Some(Version::V2026_07_28)
        || method == "server/discover";
    // A stateless request is checked here, where the HTTP status can say what is wrong: without
    // its `_meta` it cannot be understood (400), and a method that does not exist there is 404.
    if stateless && id.is_some() && envelope.method.is_some() {
        if let Err(err) = check_stateless_keys(meta) {
            return rpc_error(StatusCode::BAD_REQUEST, id.as_ref(), &err);
        }
        // The mirrored headers must be there (a mismatch was refused above).
        if method_header.is_none() {
            return header_missing(id.as_ref(), "Mcp-Method", method);
        }
        let named = name_param(method).and_then(|key| params.as_ref()?.str_member(key));
        if let Some(body_name) = &named {
            match header_str(headers, names::NAME) {
                None => return header_missing(id.as_ref(), "Mcp-Name", body_name),
                Some(raw) => {
                    if header_value(raw).as_deref() != Some(*body_name) {
                        return header_mismatch(id.as_ref(), "Mcp-Name", raw, body_name);
                    }
                }
            }
        }
        // And the arguments the tool asked to have mirrored (`#[arg(header = …)]`).
        if let (Some(tool), "tools/call") = (named, method) {
            let mirrored = state.server.registry().header_params(tool);
            if !mirrored.is_empty() {
                let arguments: Option<serde_json::Map<String, Value>> = params
                    .as_ref()
                    .and_then(|p| p.arguments)
                    .and_then(|a| serde_json::from_str(a.get()).ok());
                if let Err(m) = check_param_headers(mirrored, headers, arguments.as_ref()) {
                    return match m.sent {
                        Some(sent) => header_mismatch(id.as_ref(), m.header, sent, &m.body),
                        None => header_missing(id.as_ref(), m.header, &m.body),
                    };
                }
            }
        }
        if !is_served(method, true) {
            let err = RpcError::new(
                jsonrpc::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
            );
            return rpc_error(StatusCode::NOT_FOUND, id.as_ref(), &err);
        }
    }

    let mut new_session_id = None;
    // The session, and where its streams are kept for resumption (none when stateless).
    let (session, replay): (Arc<Session>, Option<Arc<Replay>>) =
        if method == "initialize" && !stateless {
            let quota_key = caller.quota_key();
            let replay = Replay::new(state.kept_streams.clone(), Arc::from(quota_key.as_str()));
            let (sid, live) =
                state
                    .sessions
                    .create(principal.as_deref(), caller.identity(), &quota_key, replay);
            new_session_id = Some(sid);
            (live.session, Some(live.replay))
        } else if let Some(sid) = header_str(headers, names::SESSION) {
            match state.sessions.get(sid, principal.as_deref()) {
                Some(live) => (live.session, Some(live.replay)),
                None => return rpc_status(StatusCode::NOT_FOUND, "Session not found"),
            }
        } else if stateless {
            let session = match connection {
                Some(connection) => connection.for_caller(&caller),
                None => stateless_session::fresh(&caller),
            };
            (session, None)
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
    let streams = (stateless && method == "subscriptions/listen")
        || method == "tools/call"
            && (meta.is_some_and(MetaKeys::wants_progress)
                || meta.is_some_and(|m| m.log_level.is_some())
                || session.log_level().is_some());
    // So do the tool's requests to the client (elicitation, sampling), but few calls make one:
    // the answer becomes a stream only when one is sent, and stays plain JSON otherwise. Only a
    // tool that takes a `Context` can send one.
    // And with `sse_close_after`, so do calls that outlast it (the client polls the rest).
    let can_ask = || {
        let tool = params.as_ref().and_then(RequestParams::name);
        tool.and_then(|t| state.server.registry().takes_context(t))
            .unwrap_or(true)
    };
    let may_ask = method == "tools/call"
        && !stateless
        && (state.options.sse_close_after.is_some()
            || session.client_capabilities().any() && can_ask());
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
        // The envelope read above, not read again.
        match state
            .server
            .handle_read(&session, &envelope, id, params, None)
            .await
        {
            Some(bytes) if stateless => raw_json(stateless_status(&bytes), bytes),
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

/// A JSON string member as text (empty when it is not a string).
fn text_of(raw: &str) -> Cow<'_, str> {
    match serde_json::from_str::<&str>(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(serde_json::from_str::<String>(raw).unwrap_or_default()),
    }
}
