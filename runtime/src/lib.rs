//! Runtime of [sturdy](https://docs.rs/sturdy): the tool registry filled at link time, JSON Schemas
//! generated from tool signatures, and an MCP server that serves the registry.
//!
//! Users normally depend on the `sturdy` facade and import `sturdy::prelude::*`; everything here is
//! re-exported there.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

#[macro_use]
mod span_event;

pub mod app;
mod app_state;
#[cfg(feature = "auth")]
pub mod auth;
pub mod balancer;
pub mod batch;
pub mod completion;
mod content;
mod context;
mod error;
mod grant;
pub mod health;
pub mod mcp;
pub mod metrics;
pub mod prompts;
pub mod registry;
#[cfg(feature = "remote")]
pub mod remote;
pub mod resilience;
pub mod resources;
mod schema;
mod scope_lists;
pub mod shared;
pub mod status;
mod sync_calls;
#[cfg(feature = "otel")]
pub mod telemetry;
pub mod transport;

#[doc(hidden)]
pub mod private;
/// The path generated code names (`#[tool(crate = crate)]` inside this crate, `::sturdy::__private`
/// outside).
#[doc(hidden)]
pub use private as __private;
mod args;
pub mod client;
mod clock;
mod line_framing;
mod output;
mod protocol;
mod random_token;
mod resource_updates;
pub mod skills;
mod switches;
mod tasks;
pub mod testing;
mod tool;

pub use app::App;
pub use app_state::{AppState, State};
pub use content::Content;
pub use context::{Context, ElicitAction, Elicitation, Sampled};
pub use error::ToolError;
pub use mcp::{LogLevel, Server, ServerInfo};
pub use output::ToolOutput;
pub use registry::{Registry, RegistryError, ToolInfo};
