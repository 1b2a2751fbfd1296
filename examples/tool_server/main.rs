//! An example MCP tool server: run it with `cargo run --example tool_server` and connect any MCP
//! client over stdio (or `-- --http 127.0.0.1:8080` for Streamable HTTP), or print what it serves
//! with `cargo run --example tool_server -- --list` (tools only: `--list-tools`). Besides its
//! tools it serves resources and prompts (`library.rs`).
//!
//! `load_balanced_request` calls the instances listed in `STURDY_UPSTREAMS`
//! (`name=url,name=url`); `cargo run --example demo` shows every tool at work against local
//! upstreams.

mod library;
mod tools;

use sturdy::health::HealthChecker;
use tools::upstreams::LoadBalancer;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut health = HealthChecker::new()
        .circuit_breakers()
        // This process's CPU and memory, not the machine's: `GET /ready` runs these checks, and
        // a replica is not unready because a neighbour is busy.
        .process_resources(0.9, 0.9);
    let balancer = match LoadBalancer::from_env() {
        Ok(balancer) => balancer,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(upstreams) = balancer.upstreams() {
        let (for_health, for_metrics) = (upstreams.clone(), upstreams.clone());
        health = health.instances("upstreams", move || for_health.stats());
        // Over HTTP, `GET /metrics` reports each instance too.
        sturdy::metrics::watch_instances("upstreams", move || for_metrics.stats());
    }
    sturdy::App::new("sturdy-tool-server", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Arithmetic and geometry helpers, resilient HTTP API calls, load-balanced upstream \
             requests, batches, cached computations and a rate-limited operation, built with \
             sturdy.",
        )
        // The built-in `health_check` / `simple_health` tools, and `GET /ready` over HTTP.
        .health(health)
        // What the `State<…>` parameters receive: one HTTP client for the API tools, the
        // upstream instances for `load_balanced_request`, the notes board.
        .state(tools::api::http_client())
        .state(balancer)
        .state(library::Notes::default())
        // One skill: how to use the resilient tools (skill://resilient-fetching/SKILL.md).
        .skills(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/tool_server/skills"
        ))
        .run()
        .await
}
