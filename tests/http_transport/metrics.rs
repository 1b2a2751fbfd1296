//! `/metrics`: calls, errors and policy state, behind the bearer token.

use super::*;

/// `/metrics` as a Prometheus scraper reads it: every sample line parsed into name, labels, value.
fn samples(text: &str) -> Vec<(String, String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
            (
                name.to_owned(),
                labels.trim_end_matches('}').to_owned(),
                value.parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn metrics_count_calls_errors_and_policies_behind_the_bearer_token() {
    let options = HttpOptions {
        bearer_tokens: vec![BearerToken {
            token: "m3trics".into(),
            principal: "metrics-test".into(),
        }],
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let url = server.url();
    let metrics_url = url.replace("/mcp", "/metrics");
    let mut h = stateless_headers();
    h.insert("authorization", HeaderValue::from_static("Bearer m3trics"));
    h.insert("mcp-method", HeaderValue::from_static("tools/call"));
    let call = |id: u32, name: &str, arguments: Value| {
        json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
               "params":{"_meta":stateless_meta(),"name":name,"arguments":arguments}})
    };
    for (id, name, args) in [
        (1, "add", json!({"a": 1, "b": 2})),
        (2, "add", json!({"a": "x", "b": 2})),
        (3, "once_a_minute", json!({})),
        (4, "once_a_minute", json!({})),
    ] {
        let r = post(&client, &url, h.clone(), call(id, name, args)).await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    assert_eq!(
        client.get(&metrics_url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let r = client
        .get(&metrics_url)
        .header("authorization", "Bearer m3trics")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    let all = samples(&text);
    let value = |name: &str, labels: &str| {
        all.iter()
            .find(|(n, l, _)| n == name && l == labels)
            .map(|s| s.2)
            .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{text}"))
    };
    assert_eq!(value("sturdy_tool_calls_total", r#"tool="add""#), 2.0);
    assert_eq!(
        value(
            "sturdy_tool_errors_total",
            r#"tool="add",kind="invalid_arguments""#
        ),
        1.0
    );
    assert_eq!(
        value("sturdy_tool_calls_total", r#"tool="once_a_minute""#),
        2.0
    );
    assert_eq!(
        value(
            "sturdy_tool_errors_total",
            r#"tool="once_a_minute",kind="rate_limited""#
        ),
        1.0
    );
    assert!(value("sturdy_tool_call_seconds_total", r#"tool="add""#) >= 0.0);
    let limited = all
        .iter()
        .find(|(n, l, _)| n == "sturdy_rate_limited_total" && l.ends_with("::once_a_minute\""))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(limited.2 >= 1.0);
    // Call durations: a histogram whose buckets add up to its count.
    let histogram = "sturdy_tool_call_duration_seconds";
    let count = value(&format!("{histogram}_count"), r#"tool="add""#);
    assert_eq!(count, 2.0);
    assert_eq!(
        value(&format!("{histogram}_bucket"), r#"tool="add",le="+Inf""#),
        count
    );
    assert!(value(&format!("{histogram}_bucket"), r#"tool="add",le="60""#) <= count);
    assert!(value(&format!("{histogram}_sum"), r#"tool="add""#) >= 0.0);
    let buckets: Vec<f64> = all
        .iter()
        .filter(|(n, l, _)| n == &format!("{histogram}_bucket") && l.starts_with(r#"tool="add""#))
        .map(|s| s.2)
        .collect();
    assert_eq!(buckets.len(), 17, "{text}");
    assert!(
        buckets.windows(2).all(|w| w[0] <= w[1]),
        "cumulative: {buckets:?}"
    );
    // Every family is declared once, before its samples (a histogram's by its own name).
    for (name, ..) in &all {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|f| text.contains(&format!("# TYPE {f} histogram")))
            .unwrap_or(name);
        assert_eq!(
            text.matches(&format!("# TYPE {family} ")).count(),
            1,
            "{name}"
        );
    }
    server.shutdown().await;
}

/// `/status` (the page, which holds no data) is open; what it shows, `/status.json`, is behind
/// the token like `/metrics`.
#[tokio::test]
async fn the_status_page_is_open_and_its_data_behind_the_bearer_token() {
    let options = HttpOptions {
        bearer_tokens: vec![BearerToken {
            token: "st4tus".into(),
            principal: "status-test".into(),
        }],
        ..Default::default()
    };
    let server = TestServer::start(options).await;
    let client = Client::new();
    let page = server.url().replace("/mcp", "/status");
    let r = client.get(&page).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("status.json"));
    let data = format!("{page}.json");
    assert_eq!(
        client.get(&data).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let r = client
        .get(&data)
        .header("authorization", "Bearer st4tus")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let snapshot: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    let tools = snapshot["tools"].as_array().unwrap();
    let add = tools.iter().find(|t| t["name"] == "add").unwrap();
    assert_eq!(add["durations"].as_array().unwrap().len(), 17, "{add}");
    assert_eq!(snapshot["bounds"].as_array().unwrap().len(), 16);
    server.shutdown().await;
}
