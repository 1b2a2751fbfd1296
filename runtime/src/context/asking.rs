//! Whom a tool call can send requests to (user input, the client's model).

use super::client_requests::ClientRequests;
use super::question::Questions;
use crate::protocol::ClientCapabilities;
use std::sync::Arc;

/// Whom a tool call can send requests to.
#[derive(Debug, Clone)]
pub(crate) enum Asking {
    /// A detached context: no client at all.
    Nobody,
    /// A client on a connection or session, with what it declared it can be asked.
    Client {
        requests: Arc<ClientRequests>,
        capabilities: ClientCapabilities,
    },
    /// A stateless (2026-07-28) request: questions end the round (`input_required`).
    Rounds {
        questions: Questions,
        capabilities: ClientCapabilities,
        /// Whether the call may become a task ([`Context::begin_task`](super::Context::begin_task)):
        /// a `deferred_task` tool called by a client that declared the tasks extension.
        begins_task: bool,
    },
}
