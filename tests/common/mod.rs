//! A minimal line-oriented MCP client over an in-memory pipe, for end-to-end tests of the stdio
//! transport with tools defined through the macros.
#![allow(dead_code)]

pub mod http;

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Arc;
use sturdy::mcp::{Server, ServerInfo};
use sturdy::transport::stdio::{self, StdioOptions};
use sturdy::Registry;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};
use tokio::task::JoinHandle;

pub struct Client {
    writer: Option<tokio::io::WriteHalf<DuplexStream>>,
    lines: Lines<BufReader<tokio::io::ReadHalf<DuplexStream>>>,
    /// Messages read while waiting for another one.
    pending: VecDeque<Value>,
    pub server: JoinHandle<std::io::Result<()>>,
}

impl Client {
    /// Serves every tool of the test binary on a pipe.
    pub fn start() -> Self {
        Self::start_with(StdioOptions::default())
    }

    pub fn start_with(options: StdioOptions) -> Self {
        Self::start_with_registry(
            Registry::from_inventory().expect("registry builds"),
            options,
        )
    }

    /// Serves this registry on a pipe.
    pub fn start_with_registry(registry: Registry, options: StdioOptions) -> Self {
        let server = Arc::new(Server::new(registry, ServerInfo::new("test", "0.0.0")));
        let (client_end, server_end) = tokio::io::duplex(1 << 16);
        let (server_read, server_write) = tokio::io::split(server_end);
        let server = tokio::spawn(stdio::serve(server, server_read, server_write, options));
        let (read, write) = tokio::io::split(client_end);
        Client {
            writer: Some(write),
            lines: BufReader::new(read).lines(),
            pending: VecDeque::new(),
            server,
        }
    }

    pub async fn send_raw(&mut self, line: &str) {
        let w = self.writer.as_mut().expect("not closed");
        w.write_all(line.as_bytes()).await.unwrap();
        w.write_all(b"\n").await.unwrap();
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
        let line = tokio::time::timeout(std::time::Duration::from_secs(20), self.lines.next_line())
            .await
            .expect("the server answers within 20 s")
            .unwrap()?;
        Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}")))
    }

    /// Waits for the response with this id, keeping other messages for later (requests of the
    /// server's have ids of their own, and a method).
    pub async fn response(&mut self, id: i64) -> Value {
        let mut skipped = VecDeque::new();
        loop {
            let msg = self.next().await.expect("a response before end of output");
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                self.pending.extend(skipped);
                return msg;
            }
            skipped.push_back(msg);
        }
    }

    pub async fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        self.response(id).await
    }

    pub async fn initialize(&mut self, version: &str) -> Value {
        self.initialize_as(version, "test-client").await
    }

    /// `initialize` with this self-reported client name.
    pub async fn initialize_as(&mut self, version: &str, client: &str) -> Value {
        self.initialize_with(version, client, json!({})).await
    }

    /// `initialize` declaring these client capabilities (`{"elicitation": {}}`, ...).
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
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "stateless-client", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}

/// The `"id":<raw>` member of a response, as the server wrote it (which may be JSON that no
/// `Value` holds, such as `1e400`).
pub fn raw_id(response: &str) -> Option<&str> {
    let start = response.find(r#""id":"#)? + 5;
    let rest = &response[start..];
    let end = match rest.strip_prefix('"') {
        Some(string) => string.find('"')? + 2,
        None => rest.find([',', '}'])?,
    };
    Some(&rest[..end])
}

/// A response, parsed; its id is read apart (see [`raw_id`]) and replaced by `0`.
pub fn parse_with_raw_id(text: &str) -> Value {
    let rest = match raw_id(text) {
        Some(raw) => text.replacen(&format!(r#""id":{raw}"#), r#""id":0"#, 1),
        None => text.to_owned(),
    };
    serde_json::from_str(&rest).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
