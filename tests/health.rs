//! Health checks as built-in tools (over MCP) and as HTTP `GET /ready`.

mod common;

use common::Client;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use sturdy::health::{builtin_tools, CheckResult, HealthChecker};
use sturdy::mcp::{Server, ServerInfo};
use sturdy::prelude::*;
use sturdy::transport::http::{self, HttpOptions};
use sturdy::transport::stdio::StdioOptions;

/// Always down: opens its breaker on the first failure.
#[tool]
#[circuit_breaker(threshold = 1, recovery = 60)]
async fn flaky_dependency() -> Result<String, ToolError> {
    Err(ToolError::new("dependency down"))
}

fn checker() -> HealthChecker {
    HealthChecker::new()
        .timeout(Duration::from_millis(200))
        .check("config", || Ok(()))
        .circuit_breakers()
        .system_resources(2.0, 2.0)
}

#[tokio::test]
async fn health_tools_report_checks_and_open_circuits() {
    let registry = Registry::from_inventory_and(builtin_tools(Arc::new(checker()))).unwrap();
    let mut c = Client::start_with_registry(registry, StdioOptions::default());
    c.initialize("2025-11-25").await;
    let list = c.request(1, "tools/list", json!({})).await;
    let names: Vec<_> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"health_check".into()) && names.contains(&"simple_health".into()));

    let simple = c.call(2, "simple_health", json!({})).await;
    assert_eq!(simple["structuredContent"]["status"], "healthy");
    assert!(simple["structuredContent"]["uptime"].as_f64().unwrap() >= 0.0);

    let report = c.call(3, "health_check", json!({})).await;
    let r = &report["structuredContent"];
    assert_eq!(r["status"], "healthy", "{r}");
    assert!(r["timestamp"].as_str().unwrap().ends_with('Z'));
    for check in ["config", "circuit_breakers", "system_resources"] {
        assert!(
            r["checks"][check]["duration_ms"].is_number(),
            "{check}: {r}"
        );
    }

    // Open a breaker: the report turns unhealthy and names it.
    let failed = c.call(4, "flaky_dependency", json!({})).await;
    assert_eq!(failed["isError"], true);
    let report = c.call(5, "health_check", json!({})).await;
    let r = &report["structuredContent"];
    assert_eq!(r["status"], "unhealthy");
    let open = r["checks"]["circuit_breakers"]["details"]["open"]
        .as_array()
        .unwrap();
    assert!(open
        .iter()
        .any(|n| n.as_str().unwrap().ends_with("::flaky_dependency")));
}

#[tokio::test]
async fn ready_is_503_while_a_check_fails() {
    let failing = Arc::new(AtomicFlag::default());
    let flag = failing.clone();
    let checker = HealthChecker::new().check("database", move || {
        if flag.get() {
            CheckResult::unhealthy("connection refused")
        } else {
            CheckResult::healthy()
        }
    });
    let options = HttpOptions {
        health: Some(Arc::new(checker)),
        ..Default::default()
    };
    let server = Arc::new(Server::new(
        Registry::from_inventory().unwrap(),
        ServerInfo::new("ready", "1"),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(http::serve_http(server, listener, options, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{base}{path}")).send();
    let r = get("/ready").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["status"], "healthy");
    failing.set(true);
    let r = get("/ready").await.unwrap();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["checks"]["database"]["error"], "connection refused");
    // Liveness does not run checks.
    assert_eq!(get("/health").await.unwrap().status(), 200);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[derive(Default)]
struct AtomicFlag(std::sync::atomic::AtomicBool);

impl AtomicFlag {
    fn get(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
    fn set(&self, v: bool) {
        self.0.store(v, std::sync::atomic::Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_balancers_instances_make_it_degraded_then_unhealthy() {
    use sturdy::balancer::{LoadBalancer, Strategy};
    use sturdy::health::Status;
    use sturdy::resilience::CircuitBreakerConfig;

    let lb = Arc::new(
        LoadBalancer::builder(Strategy::RoundRobin)
            .breaker(CircuitBreakerConfig {
                threshold: 1,
                ..Default::default()
            })
            .instance("a", ())
            .instance("b", ())
            .build(),
    );
    let stats = lb.clone();
    let checker = HealthChecker::new().instances("upstreams", move || stats.stats());
    assert_eq!(checker.run().await.status, Status::Healthy);

    lb.breaker("a").unwrap().try_acquire().unwrap().failure();
    let report = checker.run().await;
    assert_eq!(report.status, Status::Degraded);
    assert_eq!(report.checks["upstreams"]["error"], "open: a");
    assert_eq!(
        report.checks["upstreams"]["details"]["instances"][0]["state"],
        "open"
    );

    lb.breaker("b").unwrap().try_acquire().unwrap().failure();
    let report = checker.run().await;
    assert_eq!(report.status, Status::Unhealthy);
    assert_eq!(
        report.checks["upstreams"]["error"],
        "no instance available; open: a, b"
    );
}
