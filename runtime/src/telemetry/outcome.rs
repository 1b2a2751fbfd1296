//! What a response says of its request, for the span: a JSON-RPC error (its code and message) or
//! a tool result with `isError`. Read from the response's own bytes, and only for a span that is
//! recorded: the handlers need not carry it.

use serde::Deserialize;

/// How a request ended, as the conventions record it.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    Ok,
    /// A tool result with `isError: true` (`error.type = tool_error`).
    ToolError,
    /// A JSON-RPC error (`error.type` = its code).
    Rpc {
        code: i64,
        message: String,
    },
}

#[derive(Deserialize)]
struct Response {
    error: Option<Error>,
    result: Option<ResultFlags>,
}

#[derive(Deserialize)]
struct Error {
    code: i64,
    #[serde(default)]
    message: String,
}

/// Of a result, only `isError`; every other member is skipped unread.
#[derive(Deserialize)]
struct ResultFlags {
    #[serde(rename = "isError", default)]
    is_error: bool,
}

impl Outcome {
    /// The outcome `response` (a JSON-RPC response) reports. Read only when it can be other
    /// than a success: a response holding neither `"error":` nor `"isError":true` (as nearly
    /// every one) is not parsed.
    pub(crate) fn of(response: &[u8]) -> Outcome {
        let maybe_failed = memchr::memmem::find(response, b"\"error\":").is_some()
            || memchr::memmem::find(response, b"\"isError\":true").is_some();
        if !maybe_failed {
            return Outcome::Ok;
        }
        match serde_json::from_slice::<Response>(response) {
            Ok(Response {
                error: Some(Error { code, message }),
                ..
            }) => Outcome::Rpc { code, message },
            Ok(Response {
                result: Some(ResultFlags { is_error: true, .. }),
                ..
            }) => Outcome::ToolError,
            _ => Outcome::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_tell_their_outcome() {
        assert_eq!(
            Outcome::of(br#"{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":false}}"#),
            Outcome::Ok
        );
        assert_eq!(
            Outcome::of(br#"{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[{"type":"text","text":"\"isError\":false"}]}}"#),
            Outcome::ToolError
        );
        assert_eq!(
            Outcome::of(br#"{"jsonrpc":"2.0","id":"x","error":{"code":-32602,"message":"Unknown tool: y"}}"#),
            Outcome::Rpc {
                code: -32602,
                message: "Unknown tool: y".into()
            }
        );
        // A structured result whose own object says `isError` is the tool's content, not the flag.
        assert_eq!(
            Outcome::of(
                br#"{"jsonrpc":"2.0","id":1,"result":{"structuredContent":{"isError":true}}}"#
            ),
            Outcome::Ok
        );
    }
}
