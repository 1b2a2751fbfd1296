//! Building the transport's plain responses: JSON bodies and JSON-RPC errors with an HTTP status.

use crate::protocol::jsonrpc::{self, RpcError};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

pub(super) fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn raw_json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(super) fn json_response(status: StatusCode, v: &Value) -> Response {
    raw_json(status, serde_json::to_vec(v).expect("serialises"))
}

/// An HTTP error status with a JSON-RPC error body (no id: it answers the HTTP request).
pub(super) fn rpc_status(status: StatusCode, message: &str) -> Response {
    let err = RpcError::new(jsonrpc::INVALID_REQUEST, message);
    raw_json(status, jsonrpc::error_response(None, &err))
}

pub(super) fn header_mismatch(
    id: Option<&Value>,
    name: &str,
    header: &str,
    body: &str,
) -> Response {
    let err = RpcError::new(
        jsonrpc::HEADER_MISMATCH,
        format!(
            "Header mismatch: {name} header value '{header}' does not match body value '{body}'"
        ),
    );
    rpc_error(StatusCode::BAD_REQUEST, id, &err)
}

/// 2026-07-28: a header that mirrors a body value is absent (-32020, HTTP 400).
pub(super) fn header_missing(id: Option<&Value>, name: &str, body: &str) -> Response {
    let err = RpcError::new(
        jsonrpc::HEADER_MISMATCH,
        format!("Header mismatch: the {name} header is required and must be '{body}'"),
    );
    rpc_error(StatusCode::BAD_REQUEST, id, &err)
}

/// A JSON-RPC error answering request `id` (echoed when it is a string or a number, the only ids
/// a response may carry) with an HTTP status.
pub(super) fn rpc_error(status: StatusCode, id: Option<&Value>, err: &RpcError) -> Response {
    let id = id.filter(|i| i.is_string() || i.is_number());
    raw_json(status, jsonrpc::error_response(id, err))
}

/// The HTTP status of a stateless (2026-07-28) answer: 400 for the error that revision gives one
/// (a missing client capability, -32021, found by dispatch once the tool ran), else 200.
pub(super) fn stateless_status(body: &[u8]) -> StatusCode {
    #[derive(serde::Deserialize)]
    struct Answer {
        error: Option<ErrorCode>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorCode {
        code: i64,
    }
    // Only a body holding the code can be that error: most answers do not, and are not parsed
    // again.
    const CODE: &[u8] = b"-32021";
    debug_assert_eq!(
        CODE,
        jsonrpc::MISSING_CLIENT_CAPABILITY.to_string().as_bytes()
    );
    let holds_code = memchr::memchr_iter(b'-', body).any(|at| body[at..].starts_with(CODE));
    if !holds_code {
        return StatusCode::OK;
    }
    match serde_json::from_slice::<Answer>(body) {
        Ok(Answer {
            error: Some(ErrorCode { code }),
        }) if code == jsonrpc::MISSING_CLIENT_CAPABILITY => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}
