//! # sturdy
//!
//! Turn plain Rust functions into resilient MCP (Model Context Protocol) servers.
//!
//! ```no_run
//! use sturdy::prelude::*;
//!
//! /// Fetch JSON from a URL.
//! #[tool(read_only)]
//! #[circuit_breaker(threshold = 3, recovery = 30)]
//! #[retry(max = 3, base = "100ms")]
//! #[timeout(10)]
//! async fn fetch(url: String) -> Result<serde_json::Value, ToolError> {
//!     Ok(sturdy::remote::HttpClient::new().get_json(&url).await?)
//! }
//!
//! /// Add two numbers.
//! #[tool(read_only, idempotent)]
//! fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     // Serves every #[tool] of this binary over stdio (`--http ADDR`: Streamable HTTP);
//!     // `--list` prints what it serves.
//!     sturdy::App::new("calculator", "1.0.0").run().await
//! }
//! ```
//!
//! ## What is here
//!
//! - The attributes: [`tool`], [`resource`] and [`prompt`] make functions MCP tools, resources
//!   and prompts; [`circuit_breaker`], [`retry`], [`cached`], [`rate_limited`], [`timeout`] and
//!   [`bulkhead`] wrap them in one fixed pipeline of policies. `use sturdy::prelude::*;`
//!   imports them with the types a function takes and returns.
//! - What a function takes and returns: [`Context`] (client identity, progress, logs,
//!   cancellation, questions to the client), [`State`] (the application's values),
//!   [`ToolError`], [`Content`], [`ToolOutput`].
//! - Serving: [`App`] is the command line every server answers; [`Server`] with
//!   [`transport`] serves a registry another way; [`health`] and [`metrics`] are for operators.
//! - The resilience primitives without macros ([`resilience`]), load balancing ([`balancer`]),
//!   bounded batches ([`batch`]), resilient HTTP calls ([`remote`]), and state shared by replicas
//!   on Redis ([`shared`]).
//!
//! The guide, in chapters, is in the repository's `docs/guide/`.
//!
//! One dependency is enough: the macros' generated code refers to `::sturdy::__private` only,
//! which is not part of the API.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub use sturdy_macros::{
    bulkhead, cached, circuit_breaker, prompt, rate_limited, resource, retry, timeout, tool,
};

pub use sturdy_runtime::{
    App, AppState, Content, Context, ElicitAction, Elicitation, LogLevel, Registry, RegistryError,
    Sampled, Server, ServerInfo, State, ToolError, ToolInfo, ToolOutput,
};

pub use sturdy_runtime::{
    app, balancer, batch, health, mcp, metrics, prompts, registry, resilience, resources, shared,
    transport,
};

#[cfg(feature = "remote")]
pub use sturdy_runtime::remote;

/// Everything a tool author imports: `use sturdy::prelude::*;`.
pub mod prelude {
    pub use sturdy_macros::{
        bulkhead, cached, circuit_breaker, prompt, rate_limited, resource, retry, timeout, tool,
    };
    pub use sturdy_runtime::prompts::PromptMessage;
    pub use sturdy_runtime::resources::ResourceContents;
    pub use sturdy_runtime::{
        App, Content, Context, ElicitAction, Elicitation, LogLevel, Registry, Server, ServerInfo,
        State, ToolError,
    };
}

#[doc(hidden)]
pub use sturdy_runtime::__private;
