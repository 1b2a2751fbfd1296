//! The example server's tools, one module per reference pattern. Every `#[tool]` registers itself
//! (at link time), so nothing here lists them.

pub mod api;
pub mod ask;
pub mod basics;
pub mod batch;
pub mod computations;
pub mod rate;
pub mod upstreams;
