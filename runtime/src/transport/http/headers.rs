//! The MCP headers of the Streamable HTTP transport.

/// Header naming the session (2025-xx revisions).
pub const SESSION_HEADER: &str = "mcp-session-id";
/// Header carrying the protocol version of a request.
pub const VERSION_HEADER: &str = "mcp-protocol-version";
/// Header naming the last SSE event a resuming client received.
pub const LAST_EVENT_ID: &str = "last-event-id";
/// 2026-07-28: header mirroring the request's method.
pub const METHOD_HEADER: &str = "mcp-method";
/// 2026-07-28: header mirroring the name the request is about (a tool's, a prompt's, a resource's
/// URI).
pub const NAME_HEADER: &str = "mcp-name";

/// Revisions before the ones sturdy speaks, accepted in the version header of session requests.
pub(super) const OLDER_REVISIONS: [&str; 2] = ["2024-11-05", "2025-03-26"];
