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
    app(health, balancer).run().await
}

/// The server: its tools, resources, prompts and skill, and what their `State<…>` parameters
/// receive.
fn app(health: HealthChecker, balancer: LoadBalancer) -> sturdy::App {
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
}

/// The server's tools, resources and prompts through the whole MCP path, in process, as a user
/// tests their own (`sturdy::testing`).
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sturdy::testing::TestClient;

    fn server() -> sturdy::Server {
        let balancer = LoadBalancer::from_env().expect("no STURDY_UPSTREAMS: no instances");
        app(HealthChecker::new(), balancer)
            .into_server()
            .expect("the server builds")
    }

    #[tokio::test]
    async fn tools_answer_and_fail_as_results() {
        let client = TestClient::new(server()).await.unwrap();
        let names: Vec<String> = client
            .list_tools()
            .await
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect();
        assert!(names.iter().any(|n| n == "resilient_api_call"), "{names:?}");
        let sum = client
            .call_tool("add", json!({"a": 2, "b": 3, "c": 4}))
            .await
            .unwrap();
        assert!(!sum.is_error());
        assert_eq!(sum.structured(), Some(&json!({"result": 9})));
        let by_zero = client
            .call_tool("divide", json!({"a": 1, "b": 0}))
            .await
            .unwrap();
        assert!(by_zero.is_error());
        assert_eq!(by_zero.text(), "cannot divide by zero");
        // Arguments of the wrong type: a result the model can read and correct.
        let wrong = client
            .call_tool("add", json!({"a": "two", "b": 3}))
            .await
            .unwrap();
        assert_eq!(wrong.error_kind(), Some("invalid_arguments"), "{wrong:?}");
        // A tool that does not exist: a protocol error.
        let unknown = client.call_tool("subtract", json!({})).await.unwrap_err();
        assert_eq!(unknown.code, -32602, "{unknown}");
    }

    #[tokio::test]
    async fn the_rate_limit_holds_per_client_id() {
        let client = TestClient::new(server()).await.unwrap();
        let call = |n: u32| {
            client.call_tool(
                "rate_limited_operation",
                json!({"data": format!("job {n}"), "client_id": "in-process-test"}),
            )
        };
        for n in 0..10 {
            assert!(!call(n).await.unwrap().is_error(), "call {n}");
        }
        let limited = call(10).await.unwrap();
        assert_eq!(limited.error_kind(), Some("rate_limited"), "{limited:?}");
    }

    #[tokio::test]
    async fn a_tool_that_asks_gets_the_users_answer() {
        let accepting = TestClient::builder(server())
            .on_elicitation(|request| async move {
                assert!(request["requestedSchema"]["properties"]["email"].is_object());
                json!({"action": "accept", "content": {"name": "Ada", "email": "ada@example.com"}})
            })
            .connect()
            .await
            .unwrap();
        let details = accepting
            .call_tool(
                "ask_contact_details",
                json!({"reason": "to send the report"}),
            )
            .await
            .unwrap();
        assert_eq!(
            details.structured(),
            Some(&json!({"name": "Ada", "email": "ada@example.com"}))
        );
        let declining = TestClient::builder(server())
            .on_elicitation(|_| async { json!({"action": "decline"}) })
            .connect()
            .await
            .unwrap();
        let declined = declining
            .call_tool(
                "ask_contact_details",
                json!({"reason": "to send the report"}),
            )
            .await
            .unwrap();
        assert!(declined.is_error(), "{declined:?}");
    }

    #[tokio::test]
    async fn resources_and_prompts_read_as_a_client_reads_them() {
        let client = TestClient::new(server()).await.unwrap();
        let status = client
            .read_resource("status://regions/eu-west")
            .await
            .unwrap();
        let text: serde_json::Value =
            serde_json::from_str(status[0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(text, json!({"region": "eu-west", "status": "healthy"}));
        let missing = client
            .read_resource("status://regions/mars")
            .await
            .unwrap_err();
        assert!(missing.message.contains("mars"), "{missing}");
        let prompt = client
            .get_prompt("explain_region", json!({"region": "us-east"}))
            .await
            .unwrap();
        assert_eq!(prompt["messages"].as_array().unwrap().len(), 2, "{prompt}");
    }
}
