//! A tool's question to its client, as it travels from the `Context` to whoever puts it to the
//! client (a session's connection, or a stateless call's next round).

use super::client_requests::NoResult;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// A question of a tool's: the request to put to the client, and where its answer goes.
pub(crate) struct Question {
    /// The name the tool gave it (`Context::with_request_key`), for a stateless round's
    /// `inputRequests`.
    pub(crate) key: Option<std::sync::Arc<str>>,
    pub(crate) method: String,
    pub(crate) params: Value,
    pub(crate) reply: oneshot::Sender<Result<Value, NoResult>>,
}

/// The method of the question a call sends to become a task ([`Context::begin_task`]): never
/// put to the client.
///
/// [`Context::begin_task`]: super::Context::begin_task
pub(crate) const BEGIN_TASK: &str = "sturdy/beginTask";

/// The sending half handed to the tool's `Context`.
pub(crate) type Questions = mpsc::UnboundedSender<Question>;
