//! An MCP client speaking to the server over the stdio transport, through an in-memory pipe
//! instead of a child process's stdin/stdout: the same framing, dispatch and concurrency.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use sturdy::transport::stdio::{serve, StdioOptions};
use sturdy::Server;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, WriteHalf};
use tokio::sync::oneshot;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

pub struct Client {
    writer: tokio::sync::Mutex<WriteHalf<tokio::io::DuplexStream>>,
    pending: Pending,
    next_id: AtomicU64,
}

impl Client {
    /// Serves `server` on one end of a pipe and initializes a session on the other.
    pub async fn connect(server: Arc<Server>) -> Client {
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        let (server_in, server_out) = tokio::io::split(theirs);
        tokio::spawn(serve(
            server,
            server_in,
            server_out,
            StdioOptions::default(),
        ));
        let (reader, writer) = tokio::io::split(ours);
        let pending: Pending = Arc::default();
        let routes = pending.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let waiter = msg["id"]
                    .as_u64()
                    .and_then(|id| routes.lock().unwrap().remove(&id));
                if let Some(waiter) = waiter {
                    let _ = waiter.send(msg);
                }
            }
        });
        let client = Client {
            writer: tokio::sync::Mutex::new(writer),
            pending,
            next_id: AtomicU64::new(1),
        };
        client
            .request(
                "initialize",
                json!({"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "sturdy-demo", "version": "1"}}),
            )
            .await;
        client
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        client
    }

    async fn send(&self, msg: Value) {
        let mut line = msg.to_string().into_bytes();
        line.push(b'\n');
        let mut writer = self.writer.lock().await;
        writer.write_all(&line).await.expect("the server reads");
    }

    pub async fn request(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        rx.await.expect("the server answers every request")
    }

    /// `tools/call`: the result, or the JSON-RPC error as `{"error": …}`.
    pub async fn call(&self, tool: &str, arguments: Value) -> Value {
        let reply = self
            .request("tools/call", json!({"name": tool, "arguments": arguments}))
            .await;
        match reply.get("result") {
            Some(result) => result.clone(),
            None => json!({"isError": true, "_meta": {"dev.sturdy/error": {"error": "protocol",
                           "message": reply["error"]["message"]}}}),
        }
    }
}
