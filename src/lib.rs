//! # sturdy
//!
//! Turn plain Rust functions into resilient MCP tools.
//!
//! ```no_run
//! use sturdy::prelude::*;
//!
//! /// Add two numbers.
//! #[tool(read_only, idempotent)]
//! async fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     // Serves every #[tool] of this binary over stdio; `--list-tools` prints their schemas.
//!     sturdy::App::new("calculator", "1.0.0").run().await
//! }
//! ```
//!
//! One dependency is enough: the macros' generated code refers to `::sturdy::__private` only.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub use sturdy_macros::{
    bulkhead, cached, circuit_breaker, prompt, rate_limited, resource, retry, timeout, tool,
};
pub use sturdy_runtime::*;

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
