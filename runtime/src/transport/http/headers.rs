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

/// The same names as [`HeaderName`]s, for lookups: a `&str` name is checked and lower-cased
/// again at each lookup.
pub(super) mod names {
    use axum::http::HeaderName;

    pub(in super::super) const SESSION: HeaderName = HeaderName::from_static(super::SESSION_HEADER);
    pub(in super::super) const VERSION: HeaderName = HeaderName::from_static(super::VERSION_HEADER);
    pub(in super::super) const METHOD: HeaderName = HeaderName::from_static(super::METHOD_HEADER);
    pub(in super::super) const NAME: HeaderName = HeaderName::from_static(super::NAME_HEADER);
}
