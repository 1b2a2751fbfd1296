//! The MCP revisions sturdy speaks, negotiated per client (or, from 2026-07-28, per request).

use super::jsonrpc::{self, RpcError};
use serde_json::json;

/// A protocol revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// MCP 2025-06-18.
    V2025_06_18,
    /// MCP 2025-11-25.
    V2025_11_25,
    /// Stateless: no handshake, the version travels in every request's `_meta`.
    V2026_07_28,
}

impl Version {
    /// Every supported revision, newest first.
    pub const ALL: [Version; 3] = [
        Version::V2026_07_28,
        Version::V2025_11_25,
        Version::V2025_06_18,
    ];

    /// The newest revision negotiated with an `initialize` handshake.
    pub const LATEST_STATEFUL: Version = Version::V2025_11_25;

    /// The version's name on the wire (`"2025-11-25"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2025_06_18 => "2025-06-18",
            Version::V2025_11_25 => "2025-11-25",
            Version::V2026_07_28 => "2026-07-28",
        }
    }

    /// The version named `s`, if supported.
    pub fn parse(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Revisions without `initialize`: every request says its version, results carry `resultType`.
    pub fn is_stateless(self) -> bool {
        self >= Version::V2026_07_28
    }

    /// The error for a request in a revision this server does not speak: the supported revisions
    /// and the one requested, in the layout the 2026-07-28 spec gives (`error.data.supported`,
    /// `error.data.requested`).
    pub(crate) fn unsupported(requested: &str) -> RpcError {
        RpcError::new(
            jsonrpc::UNSUPPORTED_PROTOCOL_VERSION,
            format!("Unsupported protocol version: {requested}"),
        )
        .with_data(json!({
            "supported": Version::ALL.map(Version::as_str),
            "requested": requested,
        }))
    }
}

/// `_meta` key carrying the protocol version in stateless requests.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key carrying the client's self-reported name and version.
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key carrying what a stateless request's client can be asked (elicitation, ...).
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key carrying the log level a stateless request wants messages at.
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key carrying the server's name and version in results.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
