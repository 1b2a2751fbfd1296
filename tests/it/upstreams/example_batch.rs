//! The example's batch and parallel tools over MCP.

use super::*;

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

/// A client that declared the tasks extension gets the batch as a task: it polls `tasks/get`
/// until the report is inlined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_runs_as_a_task_for_a_client_that_polls() {
    let servers = three().await;
    let (_child, mut rpc) = crate::example_stdio::spawn("tool_server");
    rpc.initialize_with(
        "2025-11-25",
        "poller",
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}),
    )
    .await;
    let urls: Vec<String> = (0..30)
        .map(|i| servers[i % 3].url(&format!("/item/{i}")))
        .collect();
    let created = rpc
        .request(
            1,
            "tools/call",
            json!({"name": "async_batch_requests", "arguments": {"urls": urls}}),
        )
        .await;
    let id = created["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let task = crate::example_stdio::settled(&mut rpc, &id, 2).await;
    assert_eq!(task["status"], "completed", "{task}");
    let report = &task["result"]["structuredContent"];
    assert_eq!(report["total"], 30, "{task}");
    assert_eq!(report["successful"].as_array().unwrap().len(), 30);
}
