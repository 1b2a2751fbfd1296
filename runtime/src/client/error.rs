//! Why a request to another server has no result, and what a tool that called it reports.

use serde_json::Value;
use std::time::Duration;

/// Why a request to a server has no result.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    Rpc {
        /// The server.
        server: String,
        /// Its code (-32602 for invalid params, …).
        code: i64,
        /// What it said.
        message: String,
        /// Its data, when it has some.
        data: Option<Value>,
    },
    /// No answer within the client's timeout (the server is told the request is cancelled).
    Timeout {
        /// The server.
        server: String,
        /// The request's method.
        method: String,
        /// The timeout.
        after: Duration,
    },
    /// The connection is over, or could not be made: why, naming the server.
    Closed(String),
    /// The server's answer breaks the protocol.
    Protocol(String),
    /// The server refused the client's credentials, and no token it would take could be got
    /// (why, naming the server): not transient.
    Unauthorized(String),
    /// A tool call that got no answer (`cause`: a timeout, a lost connection) after it was sent:
    /// the tool may have run. Not transient, so `#[retry]` does not repeat it, unless the tool
    /// is marked `readOnlyHint` or `idempotentHint` or the client was told it may be repeated
    /// ([`ClientBuilder::repeatable`](super::ClientBuilder::repeatable)).
    MayHaveRun {
        /// The tool.
        tool: String,
        /// Why there is no answer.
        cause: Box<ClientError>,
    },
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Rpc {
                server,
                code,
                message,
                ..
            } => write!(f, "{server}: {message} ({code})"),
            ClientError::MayHaveRun { tool, cause } => write!(
                f,
                "{cause}; not repeated: {tool} may have run, and it is not marked read-only or \
                 idempotent"
            ),
            ClientError::Timeout {
                server,
                method,
                after,
            } => write!(f, "{server}: no answer to {method} within {after:?}"),
            ClientError::Closed(why)
            | ClientError::Protocol(why)
            | ClientError::Unauthorized(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ClientError {}

/// A tool's function that calls another server returns its failures as tool errors (`?` on the
/// client's): an upstream error naming the server and the cause, transient (retried by
/// `#[retry]`, counted by `#[circuit_breaker]`) when the server did not answer and repeating
/// cannot run a tool twice.
impl From<ClientError> for crate::ToolError {
    fn from(e: ClientError) -> Self {
        let transient = matches!(e, ClientError::Timeout { .. } | ClientError::Closed(_));
        crate::ToolError::Upstream {
            message: e.to_string(),
            status: None,
            instance: None,
            transient,
        }
    }
}
