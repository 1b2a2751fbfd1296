//! The server a neutral load generator measures: the tools the hand-written floors serve
//! (`echo(text)`, `add(a, b)`, `fibonacci(n)`, each answering text), written `async`, or with
//! `--sync` as plain functions. MCP on stdio; `--http ADDR` serves Streamable HTTP instead.
//!
//! ```sh
//! cargo build --release --example bench_server
//! loadgen stdio --tool add --calls 300000 --concurrency 32 -- target/release/examples/bench_server
//! ```
//! (`loadgen` and the floors are in `../shared/bench`; see `docs/PERFORMANCE.md`.)

use std::process::ExitCode;
use std::sync::Arc;
use sturdy::prelude::*;
use sturdy::registry::ToolDef;
use sturdy::transport::http::{serve_http, shutdown_signal, HttpOptions};
use sturdy::transport::stdio::serve_stdio;

/// Echo the text back.
#[tool(def = ECHO, name = "echo")]
async fn echo_async(text: String) -> String {
    text
}

/// Add two integers.
#[tool(def = ADD, name = "add")]
async fn add_async(a: i64, b: i64) -> String {
    a.wrapping_add(b).to_string()
}

/// n-th Fibonacci number (iterative).
#[tool(def = FIBONACCI, name = "fibonacci")]
async fn fibonacci_async(n: u32) -> Result<String, ToolError> {
    fibonacci(n)
}

/// Echo the text back.
#[tool(def = ECHO_SYNC, name = "echo")]
fn echo_sync(text: String) -> String {
    text
}

/// Add two integers.
#[tool(def = ADD_SYNC, name = "add")]
fn add_sync(a: i64, b: i64) -> String {
    a.wrapping_add(b).to_string()
}

/// n-th Fibonacci number (iterative).
#[tool(def = FIBONACCI_SYNC, name = "fibonacci")]
fn fibonacci_sync(n: u32) -> Result<String, ToolError> {
    fibonacci(n)
}

fn fibonacci(n: u32) -> Result<String, ToolError> {
    if n > 92 {
        return Err(ToolError::invalid_arguments("n must be <= 92"));
    }
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    Ok(a.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sync = args.iter().any(|a| a == "--sync");
    let defs: [&'static ToolDef; 3] = if sync {
        [&ECHO_SYNC, &ADD_SYNC, &FIBONACCI_SYNC]
    } else {
        [&ECHO, &ADD, &FIBONACCI]
    };
    let registry = Registry::from_defs(defs).expect("three tools with three names");
    let server = Server::new(registry, ServerInfo::new("bench", "1"));
    // Spans exported as `App` would, when the `OTEL_*` variables say so.
    #[cfg(feature = "otel")]
    let telemetry = match sturdy::telemetry::Telemetry::from_env("bench") {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("bench_server: {e}");
            return ExitCode::from(2);
        }
    };
    #[cfg(feature = "otel")]
    let server = match &telemetry {
        Some(t) => server.with_telemetry(t.clone()),
        None => server,
    };
    let server = Arc::new(server);
    let http = args
        .iter()
        .position(|a| a == "--http")
        .and_then(|i| args.get(i + 1));
    let served = match http {
        Some(addr) => match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => {
                serve_http(server, listener, HttpOptions::default(), shutdown_signal()).await
            }
            Err(e) => Err(e),
        },
        None => serve_stdio(server).await,
    };
    #[cfg(feature = "otel")]
    if let Some(t) = telemetry {
        let _ = tokio::task::spawn_blocking(move || t.shutdown()).await;
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_server: {e}");
            ExitCode::FAILURE
        }
    }
}
