//! The `tool_server` example (or another example server) as a user runs it: the built binary,
//! spoken to over its stdin/stdout as an MCP client would. Each test starts its own process
//! (policy state lives in the process).
#![allow(dead_code)] // each test uses part of it

use crate::support;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The `tool_server` example binary, built fresh (once per test run) by the shared helper.
fn tool_server_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| support::build_example("tool_server"))
}

/// The `tool_server` example as a child process, initialized as an MCP client would.
pub struct ToolServer {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: i64,
    /// 2026-07-28: no handshake; every request carries the revision in its `_meta`.
    stateless: bool,
}

impl ToolServer {
    pub async fn start() -> Self {
        Self::start_with_env(&[]).await
    }

    /// With extra environment variables (such as `STURDY_UPSTREAMS`).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Self {
        Self::spawn(tool_server_binary(), env, "2025-11-25").await
    }

    /// The example `name`, speaking `revision`: after an `initialize` handshake for the 2025
    /// revisions, stateless (each request's `_meta` names it) for 2026-07-28.
    pub async fn start_example(name: &str, revision: &str) -> Self {
        Self::spawn(&support::build_example(name), &[], revision).await
    }

    async fn spawn(binary: &Path, env: &[(&str, &str)], revision: &str) -> Self {
        let mut child = Command::new(binary)
            // The test servers are local: never send their requests to a proxy from the
            // environment.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut server = ToolServer {
            stdin: child.stdin.take().unwrap(),
            lines: BufReader::new(child.stdout.take().unwrap()).lines(),
            _child: child,
            next_id: 1,
            stateless: revision == "2026-07-28",
        };
        if server.stateless {
            return server;
        }
        let init = server
            .request(
                "initialize",
                json!({"protocolVersion": revision, "capabilities": {},
                       "clientInfo": {"name": "example-test", "version": "1"}}),
            )
            .await;
        assert_eq!(init["result"]["protocolVersion"], revision);
        server
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        server
    }

    pub async fn send(&mut self, msg: Value) {
        let mut line = msg.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    pub async fn request(&mut self, method: &str, mut params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        if self.stateless {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "example-test", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {}
            });
        }
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let line = tokio::time::timeout(Duration::from_secs(60), self.lines.next_line())
                .await
                .expect("the server answers within 60 s")
                .unwrap()
                .expect("the server answers before closing stdout");
            let msg: Value = serde_json::from_str(&line).unwrap();
            if msg["id"] == json!(id) {
                return msg;
            }
        }
    }

    /// `tools/call`; the call's result (a tool error is a result with `isError: true`).
    pub async fn call(&mut self, name: &str, arguments: Value) -> Value {
        let r = self
            .request("tools/call", json!({"name": name, "arguments": arguments}))
            .await;
        r.get("result")
            .cloned()
            .unwrap_or_else(|| panic!("expected a result, got {r}"))
    }
}

/// `isError` is left out of successful results.
pub fn is_error(result: &Value) -> bool {
    result["isError"] == true
}

pub fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap()
}
