//! An example MCP tool server: run it with `cargo run --example tool_server` and connect any MCP
//! client over stdio (or `-- --http 127.0.0.1:8080` for Streamable HTTP), or print its tools with
//! `cargo run --example tool_server -- --list-tools`. Besides its tools it serves resources and
//! prompts (`library.rs`).
//!
//! `load_balanced_request` calls the instances listed in `STURDY_UPSTREAMS`
//! (`name=url,name=url`); `cargo run --example demo` shows every tool at work against local
//! upstreams.

mod library;
mod tools;

use sturdy::health::HealthChecker;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut health = HealthChecker::new()
        .circuit_breakers()
        // This process's CPU and memory, not the machine's: `GET /ready` runs these checks, and
        // a replica is not unready because a neighbour is busy.
        .process_resources(0.9, 0.9);
    match tools::upstreams::init_from_env() {
        Ok(true) => {
            let upstreams = tools::upstreams::upstreams().expect("just set");
            health = health.instances("upstreams", move || upstreams.stats());
            // Over HTTP, `GET /metrics` reports each instance too.
            sturdy::metrics::watch_instances("upstreams", move || upstreams.stats());
        }
        Ok(false) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    sturdy::App::new("sturdy-tool-server", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Arithmetic and geometry helpers, resilient HTTP API calls, load-balanced upstream \
             requests, batches, cached computations and a rate-limited operation, built with \
             sturdy.",
        )
        // The built-in `health_check` / `simple_health` tools, and `GET /ready` over HTTP.
        .health(health)
        .run()
        .await
}
