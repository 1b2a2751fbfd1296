//! How one call (or any request) is made: a progress token, entries of its `_meta`, who answers
//! the server's questions on its behalf and who is handed its notifications.

use super::peer;
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;

/// How one tool call is made ([`Client::call_tool_with`](super::Client::call_tool_with)).
///
/// ```no_run
/// # async fn demo(client: &sturdy_runtime::client::Client) -> Result<(), sturdy_runtime::client::ClientError> {
/// use serde_json::json;
/// use sturdy_runtime::client::CallOptions;
///
/// let options = CallOptions::new()
///     .progress("report-1")
///     .asking(|method, _params| async move {
///         match method.as_str() {
///             "elicitation/create" => Ok(json!({"action": "decline"})),
///             _ => Err((-32601, format!("{method} is not answered here"))),
///         }
///     });
/// client.call_tool_with("build_report", json!({}), options).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct CallOptions {
    progress_token: Option<String>,
    pub(super) asker: Option<peer::Asker>,
    pub(super) listener: Option<peer::Listener>,
    meta: serde_json::Map<String, Value>,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("progress_token", &self.progress_token)
            .field("asking", &self.asker.is_some())
            .field("listening", &self.listener.is_some())
            .field("meta", &self.meta)
            .finish()
    }
}

impl CallOptions {
    /// A call as [`Client::call_tool`](super::Client::call_tool) makes it.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// Sends `value` under `key` in the request's `_meta` (a 2026-07-28 request's log level,
    /// `io.modelcontextprotocol/logLevel`; a trace's `traceparent`).
    pub fn meta(mut self, key: impl Into<String>, value: Value) -> CallOptions {
        self.meta.insert(key.into(), value);
        self
    }

    /// The request's `_meta` as these options make it (none when empty).
    pub(super) fn take_meta(&mut self) -> Option<serde_json::Map<String, Value>> {
        let mut meta = std::mem::take(&mut self.meta);
        if let Some(token) = self.progress_token.take() {
            meta.insert("progressToken".into(), json!(token));
        }
        (!meta.is_empty()).then_some(meta)
    }

    /// Asks the server to report its progress under `token` (the reports arrive on
    /// [`Client::notifications`](super::Client::notifications)).
    pub fn progress(mut self, token: impl Into<String>) -> CallOptions {
        self.progress_token = Some(token.into());
        self
    }

    /// The server's questions asked on this call's behalf (elicitation, sampling, roots) go to
    /// `asker` rather than the client's handlers: the question's method and params in, its
    /// result or a JSON-RPC error's code and message out. Over HTTP a question belongs to the
    /// call whose stream (or `input_required` round) carries it; over stdio, where nothing
    /// says, to this call only while it is the one request waiting (otherwise the
    /// handlers answer), so that no caller is ever shown another's question.
    pub fn asking<F, Fut>(mut self, asker: F) -> CallOptions
    where
        F: Fn(String, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, (i64, String)>> + Send + 'static,
    {
        self.asker = Some(Arc::new(move |method, params| {
            Box::pin(asker(method, params))
        }));
        self
    }

    /// The server's notifications sent on this call's behalf (its log messages, progress) are
    /// handed to `listener` as they come, besides
    /// [`Client::notifications`](super::Client::notifications): its progress (by its token);
    /// over HTTP those on the call's stream; over stdio, where nothing else says, those that
    /// come while this is the one request waiting, so that no caller is handed another's.
    /// `listener` runs on the client's reading task: it should hand the message on (a
    /// channel's `try_send`), not wait.
    pub fn listening<F>(mut self, listener: F) -> CallOptions
    where
        F: Fn(&Value) + Send + Sync + 'static,
    {
        self.listener = Some(Arc::new(listener));
        self
    }
}
