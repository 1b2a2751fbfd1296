//! The example server's tools, one module per reference pattern. Every `#[tool]` registers itself
//! (at link time), so nothing here lists them.

pub mod api;
pub mod ask;
pub mod basics;
pub mod batch;
pub mod computations;
pub mod identity;
pub mod rate;
pub mod upstreams;

use schemars::JsonSchema;
use serde::Serialize;

/// The `status` field of the reference patterns' results.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Success,
    Completed,
}
