//! The one JSON-RPC client of the tests: newline-delimited messages over any `AsyncRead` /
//! `AsyncWrite` pair (an in-memory pipe to an in-process server, a child process's stdout and
//! stdin), as MCP's stdio transport frames them.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, Lines};

pub struct RpcClient<R, W> {
    writer: Option<W>,
    lines: Lines<BufReader<R>>,
    /// Messages read while waiting for another one.
    pending: VecDeque<Value>,
    next_id: i64,
    /// Set for 2026-07-28 (no handshake): the `_meta` every request carries.
    stateless_meta: Option<Value>,
    /// Longest wait for one message.
    patience: Duration,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> RpcClient<R, W> {
    /// A client reading the server's messages from `read` and writing requests to `write`.
    pub fn new(read: R, write: W) -> Self {
        RpcClient {
            writer: Some(write),
            lines: BufReader::new(read).lines(),
            pending: VecDeque::new(),
            next_id: 1,
            stateless_meta: None,
            patience: Duration::from_secs(20),
        }
    }

    /// Waits up to `patience` for each message (a server in another process may start slowly).
    pub fn patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }

    /// Speaks 2026-07-28: every request names the revision in its `_meta` (see [`meta_2026`]).
    pub fn stateless(mut self, client: &str) -> Self {
        self.stateless_meta = Some(meta_2026_as(client));
        self
    }

    /// A fresh request id (ids from [`RpcClient::request`] callers may also be their own).
    pub fn next_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub async fn send_raw(&mut self, line: &str) {
        let w = self.writer.as_mut().expect("not closed");
        w.write_all(line.as_bytes()).await.unwrap();
        w.write_all(b"\n").await.unwrap();
        w.flush().await.unwrap();
    }

    pub async fn send(&mut self, msg: Value) {
        self.send_raw(&msg.to_string()).await
    }

    /// Closes the client's side (end of input for the server).
    pub async fn close(&mut self) {
        if let Some(mut w) = self.writer.take() {
            w.shutdown().await.unwrap();
        }
    }

    /// The next message from the server, `None` at end of output.
    pub async fn next(&mut self) -> Option<Value> {
        if let Some(v) = self.pending.pop_front() {
            return Some(v);
        }
        let line = tokio::time::timeout(self.patience, self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("the server answers within {:?}", self.patience))
            .unwrap()?;
        Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}")))
    }

    /// Waits for the response with this id, keeping other messages for later (requests of the
    /// server's have ids of their own, and a method).
    pub async fn response(&mut self, id: i64) -> Value {
        let (before, response) = self.response_after(id).await;
        self.pending.extend(before);
        response
    }

    /// The response with this id, and the messages that came before it (notifications, the
    /// server's own requests).
    pub async fn response_after(&mut self, id: i64) -> (Vec<Value>, Value) {
        let mut before = Vec::new();
        loop {
            let msg = self.next().await.expect("a response before end of output");
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return (before, msg);
            }
            before.push(msg);
        }
    }

    /// Sends request `id` and waits for its response. A stateless client adds its `_meta`
    /// unless `params` has one.
    pub async fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send_request(id, method, params).await;
        self.response(id).await
    }

    /// [`request`](Self::request) returning the messages that came before the response too.
    pub async fn request_after(
        &mut self,
        id: i64,
        method: &str,
        params: Value,
    ) -> (Vec<Value>, Value) {
        self.send_request(id, method, params).await;
        self.response_after(id).await
    }

    async fn send_request(&mut self, id: i64, method: &str, mut params: Value) {
        if let (Some(meta), Value::Object(p)) = (&self.stateless_meta, &mut params) {
            p.entry("_meta").or_insert_with(|| meta.clone());
        }
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
    }

    pub async fn initialize(&mut self, version: &str) -> Value {
        self.initialize_as(version, "test-client").await
    }

    /// `initialize` with this self-reported client name.
    pub async fn initialize_as(&mut self, version: &str, client: &str) -> Value {
        self.initialize_with(version, client, json!({})).await
    }

    /// `initialize` declaring these client capabilities (`{"elicitation": {}}`, ...), then
    /// `notifications/initialized`.
    pub async fn initialize_with(&mut self, version: &str, client: &str, caps: Value) -> Value {
        let r = self
            .request(
                0,
                "initialize",
                json!({"protocolVersion": version, "capabilities": caps,
                       "clientInfo": {"name": client, "version": "1"}}),
            )
            .await;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        r
    }

    /// `tools/call`; the call's result (a tool error is a result with `isError: true`).
    pub async fn call(&mut self, id: i64, name: &str, arguments: Value) -> Value {
        let r = self
            .request(
                id,
                "tools/call",
                json!({"name": name, "arguments": arguments}),
            )
            .await;
        r.get("result")
            .cloned()
            .unwrap_or_else(|| panic!("expected a result, got {r}"))
    }
}

/// `_meta` of a 2026-07-28 (stateless) request.
pub fn meta_2026() -> Value {
    meta_2026_as("stateless-client")
}

/// [`meta_2026`] with this self-reported client name.
pub fn meta_2026_as(client: &str) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": client, "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}
