//! The example's `load_balanced_request` over MCP: spreading, failover, the strategy from the environment, instances in `/metrics`.

use super::*;

fn upstreams_env(servers: &[Upstream]) -> String {
    servers
        .iter()
        .map(|s| format!("{}={}", s.name, s.base))
        .collect::<Vec<_>>()
        .join(",")
}

async fn balanced_get(tools: &mut ToolServer, path: &str) -> Value {
    tools
        .call("load_balanced_request", json!({"endpoint": path}))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balanced_request_spreads_calls_and_moves_off_a_failing_instance() {
    let servers = three().await;
    let env = upstreams_env(&servers);
    let mut tools = ToolServer::start_with_env(&[("STURDY_UPSTREAMS", &env)]).await;
    let mut seen = Vec::new();
    for k in 0..9 {
        let r = balanced_get(&mut tools, &format!("/item/{k}")).await;
        assert!(!is_error(&r), "{r}");
        let s = structured(&r);
        assert_eq!(s["data"]["path"], format!("/item/{k}"));
        assert_eq!(s["data"]["instance"], s["instance"]);
        seen.push(s["instance"].as_str().unwrap().to_owned());
    }
    seen.sort();
    assert_eq!(seen, ["a", "a", "a", "b", "b", "b", "c", "c", "c"]);

    servers[1].set(Mode::Failing);
    for k in 0..30 {
        let r = balanced_get(&mut tools, &format!("/item/{k}")).await;
        assert!(!is_error(&r), "{r}");
        assert_ne!(structured(&r)["instance"], "b");
    }
    assert_eq!(servers[1].total(), 3 + 5, "b is dropped after 5 failures");
    let health = tools.call("health_check", json!({})).await;
    let check = &structured(&health)["checks"]["upstreams"];
    assert_eq!(check["status"], "degraded", "{health}");
    assert_eq!(check["error"], "open: b", "{health}");

    let r = balanced_get(&mut tools, "/missing").await;
    assert!(is_error(&r), "{r}");
    assert_eq!(error_fields(&r)["error"], "upstream");
    assert_eq!(error_fields(&r)["status"], 404);
    assert!(error_fields(&r)["instance"].is_string(), "{r}");
    let r = balanced_get(&mut tools, "item/1").await;
    assert_eq!(error_fields(&r)["error"], "invalid_arguments", "{r}");

    // Without upstreams the tool says how to configure them.
    let mut bare = ToolServer::start().await;
    let r = balanced_get(&mut bare, "/item/1").await;
    assert!(is_error(&r), "{r}");
    assert!(
        error_fields(&r)["message"]
            .as_str()
            .unwrap()
            .contains("STURDY_UPSTREAMS=name=url"),
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strategy_comes_from_the_environment_and_bad_settings_stop_the_server() {
    let servers = three().await;
    let env = upstreams_env(&servers);
    let mut tools = ToolServer::start_with_env(&[
        ("STURDY_UPSTREAMS", &env),
        ("STURDY_UPSTREAM_STRATEGY", "least_outstanding"),
    ])
    .await;
    for k in 0..6 {
        let r = balanced_get(&mut tools, &format!("/item/{k}")).await;
        assert!(!is_error(&r), "{r}");
    }
    assert_eq!(totals(&servers).iter().sum::<u32>(), 6);

    let binary = support::build_example("tool_server");
    for (list, strategy, expected) in [
        (
            env.as_str(),
            "fastest",
            "STURDY_UPSTREAM_STRATEGY: unknown strategy \"fastest\"",
        ),
        (
            "a=ftp://x",
            "random",
            "STURDY_UPSTREAMS: upstream \"a\": base URL \"ftp://x\"",
        ),
        (
            "a=http://x,a=http://y",
            "random",
            "two upstream instances are named \"a\"",
        ),
    ] {
        let mut cmd = std::process::Command::new(&binary);
        cmd.env("STURDY_UPSTREAMS", list)
            .env("STURDY_UPSTREAM_STRATEGY", strategy);
        let out = support::run(cmd, Duration::from_secs(30));
        assert_eq!(
            out.status.and_then(|s| s.code()),
            Some(1),
            "{}",
            out.outcome()
        );
        assert!(out.stderr.contains(expected), "{}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_the_example_reports_its_instances_in_metrics() {
    let servers = three().await;
    servers[2].set(Mode::Failing);
    let env = upstreams_env(&servers);
    let binary = support::build_example("tool_server");
    let server = tokio::task::spawn_blocking(move || {
        support::HttpServer::start_with_env(
            &binary,
            &[("STURDY_UPSTREAMS", &env), ("NO_PROXY", "127.0.0.1")],
        )
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let meta = common::rpc::meta_2026_as("metrics");
    for k in 0..6 {
        let body = json!({"jsonrpc":"2.0","id":k,"method":"tools/call","params":{
            "_meta": meta, "name": "load_balanced_request", "arguments": {"endpoint": format!("/item/{k}")}}});
        let r = client
            .post(server.url())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "load_balanced_request")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert!(v["result"].is_object(), "{v}");
        assert_ne!(v["result"]["isError"], true, "{v}");
    }
    let text = client
        .get(server.url().replace("/mcp", "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = |series: &str| {
        text.lines()
            .find(|l| l.starts_with(series))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
            .rsplit_once(' ')
            .unwrap()
            .1
            .parse::<f64>()
            .unwrap()
    };
    let picks = |i: &str| {
        line(&format!(
            r#"sturdy_instance_picks_total{{balancer="upstreams",instance="{i}"}}"#
        ))
    };
    // Six calls, c failing and retried on a: every attempt is a pick.
    assert_eq!(picks("a") + picks("b") + picks("c"), 6.0 + picks("c"));
    assert_eq!(
        line(r#"sturdy_instance_failures_total{balancer="upstreams",instance="c"}"#),
        picks("c")
    );
    assert_eq!(
        line(r#"sturdy_tool_calls_total{tool="load_balanced_request"}"#),
        6.0
    );
    drop(server);
}
