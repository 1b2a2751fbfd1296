//! The rate-limited tools: rejections with `retry_after`, per `client_id` and per caller; their policies in `--list-tools`.

use super::*;

/// The reference pattern: 10 calls per 60 s per `client_id` (default `"default"`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_operation_rejects_beyond_its_limit_with_retry_after() {
    let mut tools = ToolServer::start().await;
    for i in 0..10 {
        let r = tools
            .call(
                "rate_limited_operation",
                json!({"data": format!("job {i}"), "client_id": "alice"}),
            )
            .await;
        assert!(!is_error(&r), "call {i}: {r}");
        assert_eq!(
            r["structuredContent"],
            json!({"result": format!("Processed: job {i}"), "status": "success", "client": "alice"})
        );
    }
    let r = tools
        .call(
            "rate_limited_operation",
            json!({"data": "one too many", "client_id": "alice"}),
        )
        .await;
    assert!(is_error(&r), "{r}");
    assert_eq!(r["_meta"]["dev.sturdy/error"]["error"], "rate_limited");
    let after = r["_meta"]["dev.sturdy/error"]["retry_after"]
        .as_f64()
        .unwrap();
    assert!(after > 50.0 && after <= 60.0, "retry_after {after}");
    assert!(
        text(&r).starts_with("rate limited: too many calls, retry after"),
        "{r}"
    );
    // Another client_id has its own quota; without one, the quota is "default"'s.
    let r = tools
        .call(
            "rate_limited_operation",
            json!({"data": "x", "client_id": "bob"}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    let r = tools
        .call("rate_limited_operation", json!({"data": "x"}))
        .await;
    assert_eq!(r["structuredContent"]["client"], "default", "{r}");
}

/// The production form: keyed by the caller's identity, which a `client_id` argument cannot change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_per_client_counts_the_caller() {
    let mut tools = ToolServer::start().await;
    for i in 0..10 {
        let r = tools
            .call(
                "rate_limited_per_client",
                json!({"data": format!("job {i}")}),
            )
            .await;
        assert!(!is_error(&r), "call {i}: {r}");
        assert_eq!(r["structuredContent"]["client"], "example-test");
    }
    let r = tools
        .call("rate_limited_per_client", json!({"data": "one too many"}))
        .await;
    assert_eq!(
        r["_meta"]["dev.sturdy/error"]["error"], "rate_limited",
        "{r}"
    );
}

#[test]
fn list_tools_shows_the_pattern_tools_and_their_policies() {
    let tools = support::list_tools("tool_server");
    let policies = |name: &str| -> Vec<Value> {
        let tool = tools
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(!tool["description"].as_str().unwrap().is_empty());
        tool["policies"].as_array().unwrap().clone()
    };
    let kinds = |name: &str| -> Vec<String> {
        policies(name)
            .iter()
            .map(|p| p["policy"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        kinds("resilient_api_call"),
        ["retry", "circuit_breaker", "timeout"]
    );
    let breaker = &policies("resilient_api_call")[1];
    assert_eq!(
        (
            &breaker["threshold"],
            &breaker["recovery"],
            &breaker["when"]
        ),
        (&json!(3), &json!(30.0), &json!(true))
    );
    assert_eq!(policies("resilient_api_call")[0]["max"], 3);
    // No `when =`: the default decides, and an `upstream` error knows whether it is transient.
    assert_eq!(policies("resilient_api_call")[0]["when"], false);
    assert_eq!(kinds("retry_api_call"), ["retry"]);
    let retry = &policies("retry_api_call")[0];
    assert_eq!(
        (&retry["max"], &retry["base"], &retry["jitter"]),
        (&json!(3), &json!(1.0), &json!(true))
    );
    assert_eq!(kinds("cached_expensive_operation"), Vec::<String>::new());
    assert_eq!(kinds("fibonacci"), ["cached"]);
    assert_eq!(policies("prime_check")[0]["ttl"], 300.0);
    assert_eq!(
        policies("rate_limited_operation"),
        [json!({"policy": "rate_limited", "limit": 10, "window": 60.0, "key": "param:client_id"})]
    );
    assert_eq!(
        policies("rate_limited_per_client"),
        [json!({"policy": "rate_limited", "limit": 10, "window": 60.0, "key": "client"})]
    );
}
