//! Helpers of the in-process tests: the JSON-RPC client (`rpc`), a server on an in-memory pipe
//! for end-to-end tests of the stdio transport with tools defined through the macros, and HTTP
//! helpers (`http`).
#![allow(dead_code)]

pub mod http;
pub mod rpc;

#[allow(unused_imports)]
pub use rpc::{meta_2026, RpcClient};

use serde_json::Value;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use sturdy::mcp::{Server, ServerInfo};
use sturdy::transport::stdio::{self, StdioOptions};
use sturdy::Registry;
use tokio::io::{DuplexStream, ReadHalf, WriteHalf};
use tokio::task::JoinHandle;

/// A client of an in-process server on the stdio transport over an in-memory pipe; the
/// [`RpcClient`] methods through `Deref`.
pub struct Client {
    rpc: RpcClient<ReadHalf<DuplexStream>, WriteHalf<DuplexStream>>,
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
        let resources = sturdy::resources::Resources::from_inventory().expect("resources build");
        let prompts = sturdy::prompts::Prompts::from_inventory().expect("prompts build");
        let server = Server::new(registry, ServerInfo::new("test", "0.0.0"))
            .with_resources(resources)
            .with_prompts(prompts);
        Self::start_server(server, options)
    }

    /// Serves this server on a pipe.
    pub fn start_server(server: Server, options: StdioOptions) -> Self {
        let server = Arc::new(server);
        let (client_end, server_end) = tokio::io::duplex(1 << 16);
        let (server_read, server_write) = tokio::io::split(server_end);
        let server = tokio::spawn(stdio::serve(server, server_read, server_write, options));
        let (read, write) = tokio::io::split(client_end);
        Client {
            rpc: RpcClient::new(read, write),
            server,
        }
    }
}

impl Deref for Client {
    type Target = RpcClient<ReadHalf<DuplexStream>, WriteHalf<DuplexStream>>;
    fn deref(&self) -> &Self::Target {
        &self.rpc
    }
}

impl DerefMut for Client {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.rpc
    }
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
