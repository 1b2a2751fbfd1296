//! JSON-RPC 2.0 framing: error codes and response encoding.

use serde_json::{json, value::RawValue, Value};

/// Invalid JSON.
pub const PARSE_ERROR: i64 = -32700;
/// Not a valid JSON-RPC request.
pub const INVALID_REQUEST: i64 = -32600;
/// No such method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid method parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// An internal error.
pub const INTERNAL_ERROR: i64 = -32603;
/// Resource not found (2025 revisions; 2026-07-28 uses [`INVALID_PARAMS`], SEP-2164).
pub const RESOURCE_NOT_FOUND: i64 = -32002;
/// 2026-07-28: the request's protocol version is not supported.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
/// 2026-07-28: HTTP headers disagree with the body.
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28: the request needs a client capability its `_meta` does not declare.
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;

/// A JSON-RPC error object, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// The JSON-RPC error code.
    pub code: i64,
    /// What went wrong.
    pub message: String,
    /// Details, if any.
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Adds details.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    fn to_json(&self) -> Value {
        let mut e = json!({ "code": self.code, "message": self.message });
        if let Some(d) = &self.data {
            e["data"] = d.clone();
        }
        e
    }
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`.
pub(crate) fn result_response<R: serde::Serialize + ?Sized>(id: &Value, result: &R) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id).expect("a JSON value serialises");
    out.extend_from_slice(br#","result":"#);
    serde_json::to_writer(&mut out, result).expect("a result serialises");
    out.push(b'}');
    out
}

/// A result response whose result `write` appends to the response's bytes.
pub(crate) fn result_response_with(id: &Value, write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id).expect("a JSON value serialises");
    out.extend_from_slice(br#","result":"#);
    write(&mut out);
    out.push(b'}');
    out
}

/// A result response whose result was serialised ahead of time (e.g. `tools/list` pages).
pub(crate) fn raw_result_response(id: &Value, result: &RawValue) -> Vec<u8> {
    let raw = result.get();
    let mut out = Vec::with_capacity(raw.len() + 48);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id).expect("a JSON value serialises");
    out.extend_from_slice(br#","result":"#);
    out.extend_from_slice(raw.as_bytes());
    out.push(b'}');
    out
}

/// The id of a request, from its raw JSON: a string, or an integer that a `Value` carries
/// exactly (64 bits), so that the response echoes the id the client sent. Anything else is an
/// invalid request: `null`, booleans and structures; numbers that are not integers or do not fit
/// 64 bits (`1.5`, `1e400`, `2^70`: a `Value` would change them); strings a Rust `String` cannot
/// hold (a lone surrogate escape such as `"\ud800"`).
pub(crate) fn read_id(raw: &RawValue) -> Result<Value, RpcError> {
    let text = raw.get();
    let invalid = |why: &str| RpcError::new(INVALID_REQUEST, format!("Invalid request: {why}"));
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Value::String)
            .map_err(|_| invalid("the id is not a valid string (a lone surrogate escape?)")),
        Some(b'-' | b'0'..=b'9') => {
            // `raw` is valid JSON, so a number without `.`, `e` or `E` is `-?(0|[1-9][0-9]*)`:
            // an integer, read here without building a `Value` (one per request). `-0` is no
            // id: it would be echoed as `0`.
            let integer = !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) && text != "-0";
            let n = match text.strip_prefix('-') {
                _ if !integer => None,
                Some(_) => text.parse::<i64>().ok().map(Value::from),
                None => text.parse::<u64>().ok().map(Value::from),
            };
            n.ok_or_else(|| {
                invalid(
                    "a numeric id must be an integer of at most 64 bits, written without \
                     fraction or exponent",
                )
            })
        }
        _ => Err(invalid("id must be a string or an integer")),
    }
}

/// The error response to a request whose id [`read_id`] refused: a string or a number is echoed
/// exactly as the client wrote it (its raw JSON), anything else is left out.
pub(crate) fn unreadable_id_response(raw: &RawValue, error: &RpcError) -> Vec<u8> {
    let text = raw.get();
    if !matches!(text.as_bytes().first(), Some(b'"' | b'-' | b'0'..=b'9')) {
        return error_response(None, error);
    }
    let mut out = Vec::with_capacity(text.len() + 96);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(br#","error":"#);
    serde_json::to_writer(&mut out, &error.to_json()).expect("a JSON value serialises");
    out.push(b'}');
    out
}

/// An error response. When the request's id could not be read the `id` member is left out: MCP's
/// schemas allow that, while they reject the `null` id of plain JSON-RPC.
pub(crate) fn error_response(id: Option<&Value>, error: &RpcError) -> Vec<u8> {
    let mut v = json!({ "jsonrpc": "2.0", "error": error.to_json() });
    if let Some(id) = id {
        v["id"] = id.clone();
    }
    serde_json::to_vec(&v).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> Option<Value> {
        read_id(serde_json::from_str(text).unwrap()).ok()
    }

    #[test]
    fn numeric_ids_are_the_64_bit_integers_written_as_they_print() {
        for (text, value) in [
            ("0", json!(0)),
            ("-5", json!(-5)),
            ("18446744073709551615", json!(u64::MAX)),
            ("-9223372036854775808", json!(i64::MIN)),
        ] {
            assert_eq!(id(text), Some(value), "{text}");
        }
        for text in [
            "-0",
            "18446744073709551616",
            "-9223372036854775809",
            "1.0",
            "1e2",
            "1E2",
            "-1e0",
        ] {
            assert_eq!(id(text), None, "{text}");
        }
        assert_eq!(id(r#""a\u0041""#), Some(json!("aA")));
        assert_eq!(id(r#""\ud800""#), None);
        assert_eq!(id("null"), None);
    }
}
