//! The `tool_server` example (or another example server) as a user runs it: the built binary,
//! spoken to over its stdin/stdout as an MCP client would. Each test starts its own process
//! (policy state lives in the process).
#![allow(dead_code)] // each test uses part of it

use crate::common::RpcClient;
use crate::support;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The `tool_server` example binary, built fresh (once per test run) by the shared helper.
fn tool_server_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| support::build_example("tool_server"))
}

/// The `tool_server` example as a child process, initialized as an MCP client would.
pub struct ToolServer {
    _child: Child,
    rpc: RpcClient<ChildStdout, ChildStdin>,
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
        let rpc = RpcClient::new(child.stdout.take().unwrap(), child.stdin.take().unwrap())
            .patience(Duration::from_secs(60));
        let mut server = ToolServer { _child: child, rpc };
        if revision == "2026-07-28" {
            // No handshake: every request carries the revision in its `_meta`.
            server.rpc = server.rpc.stateless("example-test");
            return server;
        }
        let init = server.rpc.initialize_as(revision, "example-test").await;
        assert_eq!(init["result"]["protocolVersion"], revision);
        server
    }

    pub async fn send(&mut self, msg: Value) {
        self.rpc.send(msg).await
    }

    /// Sends a request with a fresh id; its response (other messages are kept for later).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.rpc.next_id();
        self.rpc.request(id, method, params).await
    }

    /// `tools/call`; the call's result (a tool error is a result with `isError: true`).
    pub async fn call(&mut self, name: &str, arguments: Value) -> Value {
        let id = self.rpc.next_id();
        self.rpc.call(id, name, arguments).await
    }
}

/// `isError` is left out of successful results.
pub fn is_error(result: &Value) -> bool {
    result["isError"] == true
}

pub fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap()
}
