//! Calls to HTTP upstreams that fail, hang and recover, through `sturdy::remote::Upstreams` and
//! through the example server's `load_balanced_request`, `async_batch_requests` and
//! `async_parallel_processing` tools (the built binary over stdio).

mod common;
mod example_client;
mod support;
mod upstream;

use example_client::{is_error, ToolServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use sturdy::balancer::Strategy;
use sturdy::remote::{ByteBudget, HttpClient, RemoteErrorKind, Upstreams};
use sturdy::resilience::{CircuitBreakerConfig, CircuitState, Retry};
use sturdy::ToolError;
use upstream::{Mode, Upstream};

async fn three() -> [Upstream; 3] {
    [
        Upstream::start("a").await,
        Upstream::start("b").await,
        Upstream::start("c").await,
    ]
}

/// The breaker, timeout and retry settings of a test's [`Upstreams`].
struct Settings {
    threshold: u32,
    recovery: Duration,
    timeout: Duration,
    retries: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold: 3,
            recovery: Duration::from_secs(60),
            timeout: Duration::from_secs(5),
            retries: 2,
        }
    }
}

/// Round robin over `instances`, retrying at once (1 ms).
fn upstreams(instances: &[Upstream], settings: Settings) -> Upstreams {
    instances
        .iter()
        .fold(Upstreams::builder(Strategy::RoundRobin), |b, u| {
            b.instance(&u.name, &u.base)
        })
        .breaker(CircuitBreakerConfig {
            threshold: settings.threshold,
            recovery: settings.recovery,
            ..Default::default()
        })
        .retry(Retry {
            max: settings.retries,
            base: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            jitter: false,
        })
        .client(HttpClient::builder().timeout(settings.timeout).build())
        .build()
        .unwrap()
}

fn totals(instances: &[Upstream]) -> Vec<u32> {
    instances.iter().map(Upstream::total).collect()
}

fn delta(after: &[u32], before: &[u32]) -> Vec<u32> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}

fn state(up: &Upstreams, name: &str) -> CircuitState {
    up.balancer().breaker(name).unwrap().state()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_shifts_away_from_a_failing_instance_and_back_after_recovery() {
    let servers = three().await;
    let recovery = Duration::from_millis(1500);
    let up = upstreams(
        &servers,
        Settings {
            recovery,
            ..Settings::default()
        },
    );

    // Healthy: round robin gives each instance exactly a third.
    for k in 0..30 {
        let r = up.get_json(&format!("/item/{k}")).await.unwrap();
        assert_eq!(r.attempts, 1);
        assert_eq!(r.body["instance"], r.instance);
    }
    assert_eq!(totals(&servers), [10, 10, 10]);

    // b fails: every call still succeeds (its retry goes to the next instance), and b's breaker
    // opens after exactly 3 failures, after which b receives nothing.
    servers[1].set(Mode::Failing);
    let before = totals(&servers);
    let mut attempts = 0;
    for k in 0..30 {
        let r = up.get_json(&format!("/item/{k}")).await.unwrap();
        assert_ne!(r.instance, "b");
        attempts += r.attempts;
    }
    let during = delta(&totals(&servers), &before);
    assert_eq!(
        during[1], 3,
        "b gets threshold requests, then none: {during:?}"
    );
    assert_eq!(state(&up, "b"), CircuitState::Open);
    assert_eq!(
        during.iter().sum::<u32>(),
        attempts,
        "every attempt reached exactly one instance"
    );

    // b recovers: after the recovery period its trial call succeeds and it gets its share back.
    servers[1].set(Mode::Healthy);
    tokio::time::sleep(recovery + Duration::from_millis(100)).await;
    let before = totals(&servers);
    for k in 0..30 {
        let r = up.get_json(&format!("/item/{k}")).await.unwrap();
        assert_eq!(r.attempts, 1);
    }
    assert_eq!(delta(&totals(&servers), &before), [10, 10, 10]);
    assert_eq!(state(&up, "b"), CircuitState::Closed);
    let b = &up.stats()[1];
    assert_eq!((b.successes, b.failures), (20, 3), "{b:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_instance_times_out_and_is_skipped() {
    let servers = three().await;
    let up = upstreams(
        &servers,
        Settings {
            threshold: 2,
            timeout: Duration::from_millis(200),
            ..Settings::default()
        },
    );
    servers[2].set(Mode::Hanging);
    for k in 0..12 {
        let r = up.get_json(&format!("/item/{k}")).await.unwrap();
        assert_ne!(r.instance, "c");
    }
    assert_eq!(servers[2].total(), 2, "c is tried until its breaker opens");
    assert_eq!(state(&up, "c"), CircuitState::Open);

    // With every instance hanging, the error says it timed out, where, and how often it tried.
    let up = upstreams(
        &servers[2..],
        Settings {
            threshold: 5,
            timeout: Duration::from_millis(100),
            retries: 1,
            ..Settings::default()
        },
    );
    let e = up.get_json("/item/x").await.unwrap_err();
    assert_eq!(e.kind, RemoteErrorKind::Timeout(Duration::from_millis(100)));
    let message = e.to_string();
    assert!(
        message.starts_with(&format!(
            "upstream \"c\": GET {}/item/x timed out after 0.1 s (after 2 attempts)",
            servers[2].base
        )),
        "{message}"
    );
    let e = ToolError::from(e);
    assert_eq!((e.kind(), e.is_retryable()), ("upstream", true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_status_and_instance_then_unavailable_names_every_instance() {
    let servers = three().await;
    let up = upstreams(&servers[..2], Settings::default());
    for s in &servers[..2] {
        s.set(Mode::Failing);
    }
    let e = up.get_json("/item/1").await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.attempts, 3);
    let last = e.instance.clone().unwrap();
    let base = &servers[usize::from(last == "b")].base;
    assert_eq!(
        e.to_string(),
        format!(
            "upstream \"{last}\": HTTP 500 Internal Server Error from GET {base}/item/1 \
             (after 3 attempts): {last} is failing"
        )
    );
    let tool = ToolError::from(e);
    assert_eq!(tool.kind(), "upstream");
    assert_eq!(tool.to_json()["status"], 500);
    assert_eq!(tool.to_json()["instance"], json!(last));

    // Six failures in all open both breakers; then nothing is sent and the error names both.
    let _ = up.get_json("/item/2").await.unwrap_err();
    let before = totals(&servers);
    let e = up.get_json("/item/3").await.unwrap_err();
    assert_eq!(
        totals(&servers),
        before,
        "nothing is sent while every breaker is open"
    );
    assert!(matches!(e.kind, RemoteErrorKind::Unavailable(_)), "{e:?}");
    let tool = ToolError::from(e);
    assert_eq!(tool.kind(), "unavailable");
    assert!(tool.retry_after().is_some());
    let message = tool.to_string();
    assert!(
        message.starts_with("no healthy instance (round_robin): a open, retry after")
            && message.contains("; b open, retry after"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_answers_not_retried_and_not_counted_against_the_instance() {
    let servers = three().await;
    let up = upstreams(
        &servers[..1],
        Settings {
            threshold: 2,
            retries: 3,
            ..Settings::default()
        },
    );
    for _ in 0..10 {
        let e = up.get_json("/missing").await.unwrap_err();
        assert_eq!((e.status(), e.attempts), (Some(404), 1));
        assert!(!ToolError::from(e).is_retryable());
    }
    assert_eq!(servers[0].hits("/missing"), 10, "no retries");
    assert_eq!(state(&up, "a"), CircuitState::Closed);

    // Bad paths are refused before anything is sent.
    for path in ["missing", "@evil.example/", "/a b"] {
        let e = up.get_json(path).await.unwrap_err();
        assert!(
            matches!(e.kind, RemoteErrorKind::InvalidUrl(_)),
            "{path}: {e:?}"
        );
        assert_eq!(ToolError::from(e).kind(), "invalid_arguments");
    }
    assert_eq!(servers[0].total(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_are_neither_lost_nor_duplicated() {
    let servers = three().await;
    let up = std::sync::Arc::new(upstreams(
        &servers,
        Settings {
            timeout: Duration::from_secs(10),
            retries: 3,
            ..Settings::default()
        },
    ));
    servers[1].set(Mode::Failing);
    let calls: Vec<_> = (0..400)
        .map(|k| {
            let up = up.clone();
            tokio::spawn(async move { (k, up.get_json(&format!("/item/{k}")).await) })
        })
        .collect();
    let mut attempts = HashMap::new();
    let mut failed = 0;
    for call in calls {
        let (k, result) = call.await.unwrap();
        let n = match result {
            Ok(r) => {
                assert_eq!(r.body["path"], format!("/item/{k}"));
                r.attempts
            }
            Err(e) => {
                failed += 1;
                e.attempts
            }
        };
        attempts.insert(format!("/item/{k}"), n);
    }
    assert_eq!(attempts.len(), 400, "every call answered");
    let mut hits: HashMap<String, u32> = HashMap::new();
    for s in &servers {
        for (path, n) in s.all_hits() {
            *hits.entry(path).or_default() += n;
        }
    }
    assert_eq!(
        hits, attempts,
        "each attempt reached exactly one instance, once"
    );
    assert_eq!(failed, 0, "retries on other instances absorb b's failures");
    assert_eq!(state(&up, "b"), CircuitState::Open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_byte_budget_bounds_what_many_calls_hold() {
    let server = Upstream::start("a").await;
    let client = HttpClient::new();
    let body_len = r#"{"instance":"a","path":"/item/1"}"#.len();
    let budget = ByteBudget::new(2 * body_len + body_len / 2);
    for k in 1..=2 {
        let url = server.url(&format!("/item/{k}"));
        client.get_json_within(&url, &budget).await.unwrap();
    }
    let e = client
        .get_json_within(&server.url("/item/3"), &budget)
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind, RemoteErrorKind::OverBudget { .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("budget shared with the other calls is used up"),
        "{e}"
    );
    assert_eq!(
        budget.left(),
        body_len / 2,
        "the refused call's bytes are given back, the kept ones stay charged"
    );
    // Errors are not charged either: only the start of an error body is read.
    let e = client
        .get_json_within(&server.url("/missing"), &budget)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(budget.left(), body_len / 2);
}

// ---------------------------------------------------------------- the example's tools over MCP

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

fn structured(r: &Value) -> &Value {
    &r["structuredContent"]
}

/// An error result's structured fields.
fn error_fields(r: &Value) -> &Value {
    &r["_meta"]["dev.sturdy/error"]
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
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_1000_urls_with_10_percent_failures_reports_exactly_those() {
    let servers = three().await;
    let mut tools = ToolServer::start().await;
    let urls: Vec<String> = (0..1000)
        .map(|i| {
            let kind = if i % 10 == 0 { "fail" } else { "item" };
            servers[i % 3].url(&format!("/{kind}/{i}"))
        })
        .collect();
    let r = tools
        .call(
            "async_batch_requests",
            json!({"urls": urls, "concurrency": 50}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    let report = structured(&r);
    assert_eq!(
        (&report["total"], &report["status"]),
        (&json!(1000), &json!("completed"))
    );
    let successful = report["successful"].as_array().unwrap();
    let failed = report["failed"].as_array().unwrap();
    assert_eq!((successful.len(), failed.len()), (900, 100));
    // Each list in input order.
    let ok_urls: Vec<&String> = urls
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 0)
        .map(|(_, u)| u)
        .collect();
    for (item, url) in successful.iter().zip(ok_urls) {
        assert_eq!(&item["url"], url, "{item}");
        let i: usize = url.rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(item["data"]["path"], format!("/item/{i}"), "{item}");
        assert_eq!(item["data"]["instance"], servers[i % 3].name);
    }
    let failed_urls: Vec<&String> = urls.iter().step_by(10).collect();
    for (item, url) in failed.iter().zip(failed_urls) {
        assert_eq!(&item["url"], url, "{item}");
        assert_eq!(item["kind"], "upstream", "{item}");
        let error = item["error"].as_str().unwrap();
        assert!(
            error.contains("HTTP 500") && error.contains(url.as_str()),
            "{item}"
        );
    }
    // Nothing lost, nothing sent twice.
    for (k, s) in servers.iter().enumerate() {
        let hits = s.all_hits();
        assert_eq!(hits.len(), (0..1000).filter(|i| i % 3 == k).count());
        assert!(hits.values().all(|&n| n == 1), "{:?}", s.name);
    }

    // Too many URLs, or a bad setting, is a clear argument error.
    let r = tools
        .call(
            "async_batch_requests",
            json!({"urls": vec!["http://127.0.0.1:9/"; 10_001]}),
        )
        .await;
    assert_eq!(error_fields(&r)["error"], "invalid_arguments", "{r}");
    let r = tools
        .call(
            "async_batch_requests",
            json!({"urls": ["http://127.0.0.1:9/"], "concurrency": 0}),
        )
        .await;
    assert_eq!(error_fields(&r)["error"], "invalid_arguments", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_items_time_out_alone() {
    let servers = three().await;
    servers[2].set(Mode::Hanging);
    let mut tools = ToolServer::start().await;
    let urls: Vec<String> = (0..30)
        .map(|i| servers[i % 3].url(&format!("/item/{i}")))
        .collect();
    let r = tools
        .call(
            "async_batch_requests",
            json!({"urls": urls, "concurrency": 30, "timeout_ms": 300}),
        )
        .await;
    let report = structured(&r);
    let successful = report["successful"].as_array().unwrap();
    let failed = report["failed"].as_array().unwrap();
    assert_eq!((successful.len(), failed.len()), (20, 10), "{report}");
    for (item, url) in failed.iter().zip(urls.iter().skip(2).step_by(3)) {
        assert_eq!(&item["url"], url, "{item}");
        assert_eq!(item["kind"], "timeout", "{item}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_processing_reports_each_item_in_order() {
    let mut tools = ToolServer::start().await;
    let r = tools
        .call(
            "async_parallel_processing",
            json!({"data": [{"id": 7}, {"id": "x-1", "size": 3}, {"name": "no id"}, {"id": 2.5}],
                   "concurrency": 2, "delay_ms": 20}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    assert_eq!(
        structured(&r),
        &json!({
            "results": [
                {"processed": true, "result": "processed_7"},
                {"processed": true, "result": "processed_x-1"},
                {"processed": true, "result": "processed_2"},
                {"processed": true, "result": "processed_2.5"},
            ],
            "count": 4,
            "status": "success"
        })
    );
    let r = tools
        .call(
            "async_parallel_processing",
            json!({"data": ["not an object"]}),
        )
        .await;
    assert_eq!(error_fields(&r)["error"], "invalid_arguments", "{r}");
}
