//! The live status page (`GET /status` over HTTP): every tool with its policies, what its calls
//! did over the last minutes, each breaker's state and its changes, rate-limit refusals, cache hit
//! ratios, balanced instances and the shared store.
//!
//! The server keeps nothing for it: the page polls [`snapshot`] (`GET /status.json`, counters
//! since start) every second and keeps the last minutes itself, so a rate, a percentile or a
//! breaker's timeline is computed in the browser from the differences between snapshots. The page
//! is one file in the binary, with no external assets.

mod snapshot;

pub use snapshot::snapshot;

/// The page: HTML, its style and its script in one file.
pub const PAGE: &str = include_str!("page.html");
