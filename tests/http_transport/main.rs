//! Streamable HTTP with tools defined through the macro and a real HTTP client, one theme per
//! module: sessions (2025 and stateless 2026-07-28), streaming (SSE), access, bad input, a call's
//! lifecycle, metrics. The tools several themes call are here.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod bad_input;
mod lifecycle;
mod metrics;
mod sessions;
mod streaming;

use common::http::*;
use reqwest::header::HeaderValue;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use sturdy::prelude::*;
use sturdy::transport::http::{BearerToken, HttpOptions};

/// Add two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Routes by region: `region` and `shard` are mirrored in `Mcp-Param-Region` / `Mcp-Param-Shard`.
#[tool]
async fn routed(
    #[arg(header = "Region")] region: String,
    #[arg(header = "Shard")] shard: Option<u32>,
    payload: String,
) -> String {
    format!("{region}/{}: {payload}", shard.unwrap_or(0))
}

/// Who is calling.
#[tool]
fn whoami(ctx: Context) -> String {
    ctx.client_id().to_owned()
}

/// Counts with progress.
#[tool]
async fn progress(ctx: Context, n: u32) -> String {
    for i in 1..=n {
        ctx.progress(f64::from(i), Some(f64::from(n)), None).await;
    }
    "done".into()
}

/// Once a minute per client.
#[tool]
#[rate_limited(1, 60)]
async fn once_a_minute() -> Result<String, ToolError> {
    Ok("ok".into())
}

/// Sleeps.
#[tool]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}
