//! The in-process client: a 2025-11-25 session on a [`Server`], each request handed to the
//! server as its bytes (read, dispatched and answered as a transport's would be), the server's
//! own messages (its questions, its notifications) taken from the session's channel by a task of
//! the client's.

use crate::client::{set_handler, Handler, Handlers, ToolResult};
use crate::mcp::{Server, Session};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Notifications kept for [`TestClient::notifications`]: the oldest go first beyond this.
const KEPT_NOTIFICATIONS: usize = 10_000;

/// Messages from the server waiting for the client's task.
const CHANNEL: usize = 256;

/// A JSON-RPC error the server answered (or, with [`TestError::TIMED_OUT`], no answer in time).
#[derive(Debug, Clone, PartialEq)]
pub struct TestError {
    /// The JSON-RPC error code (-32602 for invalid params, …).
    pub code: i64,
    /// What the server said.
    pub message: String,
    /// The error's data, when it has some.
    pub data: Option<Value>,
}

impl TestError {
    /// The code of a request that got no answer within the client's timeout.
    pub const TIMED_OUT: i64 = -32001;
}

impl std::fmt::Display for TestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for TestError {}

/// Sets up a [`TestClient`]: the handlers of the server's questions (each declares its
/// capability in `initialize`) and the timeout of every request.
pub struct TestClientBuilder {
    server: Server,
    handlers: Handlers,
    timeout: Duration,
}

impl TestClientBuilder {
    fn handler<F, Fut>(mut self, method: &'static str, capability: &'static str, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        set_handler(&mut self.handlers, method, capability, answer);
        self
    }

    /// Answers `elicitation/create` (the params in, the `ElicitResult` out: `{"action":
    /// "accept", "content": {...}}`), and declares the `elicitation` capability.
    pub fn on_elicitation<F, Fut>(self, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        self.handler("elicitation/create", "elicitation", answer)
    }

    /// Answers `sampling/createMessage` (the `CreateMessageResult` out), and declares the
    /// `sampling` capability.
    pub fn on_sampling<F, Fut>(self, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        self.handler("sampling/createMessage", "sampling", answer)
    }

    /// Answers `roots/list` (`{"roots": [...]}`), and declares the `roots` capability.
    pub fn on_roots<F, Fut>(self, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        self.handler("roots/list", "roots", answer)
    }

    /// How long a request may wait for its answer (30 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Opens the session (`initialize`, then `notifications/initialized`). Call within a tokio
    /// runtime.
    pub async fn connect(self) -> Result<TestClient, TestError> {
        let (to_client, from_server) = mpsc::channel(CHANNEL);
        let server = Arc::new(self.server);
        let session = Arc::new(Session::new(Some(to_client)));
        let notifications = Arc::new(Mutex::new(std::collections::VecDeque::new()));
        let mut capabilities = serde_json::Map::new();
        for (_, capability, _) in &self.handlers {
            capabilities.insert((*capability).to_owned(), json!({}));
        }
        let pump = tokio::spawn(pump(
            server.clone(),
            session.clone(),
            from_server,
            self.handlers
                .into_iter()
                .map(|(method, _, handler)| (method, handler))
                .collect(),
            notifications.clone(),
        ));
        let client = TestClient {
            server,
            session,
            next_id: AtomicU64::new(1),
            notifications,
            timeout: self.timeout,
            pump,
        };
        client
            .request(
                "initialize",
                json!({
                    "protocolVersion": "2025-11-25",
                    "capabilities": capabilities,
                    "clientInfo": {"name": "sturdy-test-client", "version": env!("CARGO_PKG_VERSION")},
                }),
            )
            .await?;
        client.notify("notifications/initialized", json!({})).await;
        Ok(client)
    }
}

/// A client of one server, in process: one MCP session (2025-11-25). See [the module](super).
pub struct TestClient {
    server: Arc<Server>,
    session: Arc<Session>,
    next_id: AtomicU64,
    notifications: Arc<Mutex<std::collections::VecDeque<Value>>>,
    timeout: Duration,
    pump: tokio::task::JoinHandle<()>,
}

impl Drop for TestClient {
    fn drop(&mut self) {
        self.session.end();
        self.pump.abort();
    }
}

impl TestClient {
    /// A client of `server` that declares no capability: a tool that asks its client gets the
    /// error a real client without that capability causes.
    pub async fn new(server: Server) -> Result<TestClient, TestError> {
        Self::builder(server).connect().await
    }

    /// Sets one up with handlers for the server's questions.
    pub fn builder(server: Server) -> TestClientBuilder {
        TestClientBuilder {
            server,
            handlers: Vec::new(),
            timeout: Duration::from_secs(30),
        }
    }

    /// Sends any request; its result, or the error the server answered.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, TestError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let bytes = message.to_string().into_bytes();
        let answer = tokio::time::timeout(self.timeout, self.server.handle(&self.session, &bytes))
            .await
            .map_err(|_| TestError {
                code: TestError::TIMED_OUT,
                message: format!("{method}: no answer within {:?}", self.timeout),
                data: None,
            })?;
        let Some(answer) = answer else {
            return Err(TestError {
                code: TestError::TIMED_OUT,
                message: format!("{method}: the server sent no answer"),
                data: None,
            });
        };
        let mut answer: Value = serde_json::from_slice(&answer).map_err(|e| TestError {
            code: crate::protocol::jsonrpc::PARSE_ERROR,
            message: format!("{method}: the answer is not JSON: {e}"),
            data: None,
        })?;
        if let Some(error) = answer.get_mut("error") {
            return Err(TestError {
                code: error["code"].as_i64().unwrap_or_default(),
                message: error["message"].as_str().unwrap_or_default().to_owned(),
                data: error.get_mut("data").map(Value::take),
            });
        }
        Ok(answer["result"].take())
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        let _ = self
            .server
            .handle(&self.session, message.to_string().as_bytes())
            .await;
    }

    /// Every tool the server lists (all pages).
    pub async fn list_tools(&self) -> Result<Vec<Value>, TestError> {
        self.list_all("tools/list", "tools").await
    }

    /// Every resource the server lists (all pages).
    pub async fn list_resources(&self) -> Result<Vec<Value>, TestError> {
        self.list_all("resources/list", "resources").await
    }

    /// Every prompt the server lists (all pages).
    pub async fn list_prompts(&self) -> Result<Vec<Value>, TestError> {
        self.list_all("prompts/list", "prompts").await
    }

    async fn list_all(&self, method: &str, key: &str) -> Result<Vec<Value>, TestError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let mut page = self.request(method, params).await?;
            if let Some(Value::Array(items)) = page.get_mut(key).map(Value::take) {
                all.extend(items);
            }
            match page["nextCursor"].as_str() {
                Some(next) if Some(next) != cursor.as_deref() => cursor = Some(next.to_owned()),
                _ => return Ok(all),
            }
        }
    }

    /// Calls tool `name` with `arguments` (an object). A tool's failure is a result with
    /// `is_error()`; an error is what the server refused (an unknown tool, bad arguments).
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<ToolResult, TestError> {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
            .map(ToolResult::new)
    }

    /// Reads the resource at `uri`: its contents.
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<Value>, TestError> {
        let mut read = self.request("resources/read", json!({"uri": uri})).await?;
        Ok(match read["contents"].take() {
            Value::Array(contents) => contents,
            _ => Vec::new(),
        })
    }

    /// Gets prompt `name` with `arguments` (an object of strings): its result (`messages`, …).
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<Value, TestError> {
        self.request("prompts/get", json!({"name": name, "arguments": arguments}))
            .await
    }

    /// The notifications the server sent so far (progress, log messages, list changes), oldest
    /// first; the last 10,000 are kept.
    pub fn notifications(&self) -> Vec<Value> {
        let kept = self.notifications.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().cloned().collect()
    }
}

/// Takes the server's messages off the session's channel: questions go to their handler (or
/// get -32601 without one) and their answers back to the server; notifications are kept.
async fn pump(
    server: Arc<Server>,
    session: Arc<Session>,
    mut from_server: mpsc::Receiver<Vec<u8>>,
    handlers: Vec<(&'static str, Handler)>,
    notifications: Arc<Mutex<std::collections::VecDeque<Value>>>,
) {
    while let Some(message) = from_server.recv().await {
        let Ok(message) = serde_json::from_slice::<Value>(&message) else {
            continue;
        };
        let Some(method) = message["method"].as_str() else {
            continue;
        };
        let Some(id) = message.get("id").cloned() else {
            let mut kept = notifications.lock().unwrap_or_else(|p| p.into_inner());
            if kept.len() == KEPT_NOTIFICATIONS {
                kept.pop_front();
            }
            kept.push_back(message);
            continue;
        };
        let handler = handlers
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, h)| h.clone());
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        let (server, session) = (server.clone(), session.clone());
        let method = method.to_owned();
        // Answered on a task of its own: a handler that waits does not hold up the others.
        tokio::spawn(async move {
            let answer = match handler {
                Some(handler) => {
                    json!({"jsonrpc": "2.0", "id": id, "result": handler(params).await})
                }
                None => json!({"jsonrpc": "2.0", "id": id, "error": {
                    "code": crate::protocol::jsonrpc::METHOD_NOT_FOUND,
                    "message": format!("the test client has no handler for {method}"),
                }}),
            };
            let _ = server.handle(&session, answer.to_string().as_bytes()).await;
        });
    }
}
