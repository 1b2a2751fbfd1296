//! Testing a server in process: [`TestClient`] calls its tools, reads its resources and gets its
//! prompts through the whole MCP path (the same reading of each message, dispatch, policies and
//! answers as over stdio or HTTP), without a transport or a process. A tool that asks its client
//! (elicitation, sampling, roots) is answered by the handlers the test gives.
//!
//! ```
//! use serde_json::json;
//! use sturdy_runtime::mcp::{Server, ServerInfo};
//! use sturdy_runtime::testing::TestClient;
//! use sturdy_runtime::Registry;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = Server::new(Registry::from_defs([]).unwrap(), ServerInfo::new("notes", "1.0"));
//! let client = TestClient::new(server).await.unwrap();
//! assert!(client.list_tools().await.unwrap().is_empty());
//! let unknown = client.call_tool("nope", json!({})).await.unwrap_err();
//! assert_eq!(unknown.code, -32602);
//! # }
//! ```

mod client;

pub use crate::client::ToolResult;
pub use client::{TestClient, TestClientBuilder, TestError};
