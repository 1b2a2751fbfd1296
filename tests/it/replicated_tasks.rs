//! Tasks on any replica: two (or three) conformance fixture servers sharing one real Redis
//! (`STURDY_REDIS_URL`). A task created on one replica is read, answered and cancelled through
//! another; a cancel stops the call on the replica running it; a replica killed mid-task leaves
//! a task that turns `failed` once its lease lapses; the quota per caller counts every replica's
//! tasks.

use crate::common::http::{json_of, post, read_events, stateless_headers};
use crate::support;
use reqwest::header::HeaderValue;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::redis::RedisServer;
use support::HttpServer;

const TASKS: &str = "io.modelcontextprotocol/tasks";

/// `count` conformance servers on `redis`, callers told apart by `x-forwarded-for`.
fn replicas(redis: &RedisServer, count: usize, env: &[(&str, &str)]) -> Vec<HttpServer> {
    let binary = support::build_example("conformance");
    let url = redis.url();
    let mut env = env.to_vec();
    env.extend([
        ("STURDY_REDIS_URL", url.as_str()),
        // The default 50 ms suits a policy's decision; a loaded test machine can exceed it.
        ("STURDY_REDIS_TIMEOUT", "2"),
        ("STURDY_CLIENT_ADDRESS_HEADER", "x-forwarded-for"),
    ]);
    (0..count)
        .map(|_| HttpServer::start_with_env(&binary, &env))
        .collect()
}

/// One stateless 2026-07-28 request to `server` by `caller`, declaring the tasks extension.
async fn call(
    http: &reqwest::Client,
    server: &HttpServer,
    caller: &'static str,
    method: &str,
    mut params: Value,
) -> Value {
    let mut headers = stateless_headers();
    headers.insert("x-forwarded-for", HeaderValue::from_static(caller));
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {
            "elicitation": {}, "extensions": {TASKS: {}}},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    json_of(post(http, &server.url(), headers, body).await).await
}

/// Polls `tasks/get` on `server` until the task's status is one of `until`.
async fn poll_until(
    http: &reqwest::Client,
    server: &HttpServer,
    caller: &'static str,
    id: &str,
    until: &[&str],
    within: Duration,
) -> Value {
    let started = Instant::now();
    loop {
        let got = call(http, server, caller, "tasks/get", json!({"taskId": id})).await;
        let task = &got["result"];
        if until.contains(&task["status"].as_str().unwrap_or_default()) {
            return task.clone();
        }
        assert!(
            started.elapsed() < within,
            "still {got} after {within:?}, waiting for {until:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A replica's `sturdy_tasks_running`.
async fn running(http: &reqwest::Client, server: &HttpServer) -> f64 {
    let url = server.url().replace("/mcp", "/metrics");
    let text = http.get(url).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("sturdy_tasks_running "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sturdy_tasks_running in\n{text}"))
}

fn task_id(created: &Value) -> String {
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    created["result"]["taskId"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_made_on_one_replica_is_answered_and_cancelled_on_another() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 2, &[]);
    let (a, b) = (&servers[0], &servers[1]);
    let http = reqwest::Client::new();

    // A question asked on A, seen and answered on B; the result read on either.
    let created = call(
        &http,
        a,
        "10.0.0.1",
        "tools/call",
        json!({"name": "confirm_delete", "arguments": {"filename": "a.txt"}}),
    )
    .await;
    let id = task_id(&created);
    let waiting = poll_until(&http, b, "10.0.0.1", &id, &["input_required"], secs(10)).await;
    assert_eq!(
        waiting["inputRequests"]["confirm"]["method"], "elicitation/create",
        "{waiting}"
    );
    // Another caller, on either replica, learns nothing of it and cannot touch it.
    for server in [a, b] {
        for method in ["tasks/get", "tasks/cancel"] {
            let theirs = call(&http, server, "10.0.0.2", method, json!({"taskId": id})).await;
            assert_eq!(theirs["error"]["code"], -32602, "{theirs}");
        }
    }
    let ack = call(
        &http,
        b,
        "10.0.0.1",
        "tasks/update",
        json!({"taskId": id, "inputResponses": {
            "nobody-asked": {"action": "accept"},
            "confirm": {"action": "accept", "content": {"confirm": true}}}}),
    )
    .await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let done = poll_until(
        &http,
        b,
        "10.0.0.1",
        &id,
        &["completed", "failed"],
        secs(10),
    )
    .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "Deleted a.txt: true");
    assert!(done.get("inputRequests").is_none(), "{done}");
    let on_a = poll_until(&http, a, "10.0.0.1", &id, &["completed"], secs(5)).await;
    assert_eq!(on_a["result"], done["result"]);

    // A long call on A, cancelled through B: cancelled at once, and A stops running it.
    let created = call(
        &http,
        a,
        "10.0.0.1",
        "tools/call",
        json!({"name": "slow_compute", "arguments": {"seconds": 600}}),
    )
    .await;
    let slow = task_id(&created);
    assert_eq!(running(&http, a).await, 1.0);
    assert_eq!(running(&http, b).await, 0.0);
    let ack = call(
        &http,
        b,
        "10.0.0.1",
        "tasks/cancel",
        json!({"taskId": slow}),
    )
    .await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let cancelled = call(&http, a, "10.0.0.1", "tasks/get", json!({"taskId": slow})).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");
    let started = Instant::now();
    while running(&http, a).await != 0.0 {
        assert!(
            started.elapsed() < secs(5),
            "A still runs the cancelled call"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A tool error completes the task with `isError`, wherever it is read.
    let created = call(
        &http,
        a,
        "10.0.0.1",
        "tools/call",
        json!({"name": "failing_job", "arguments": {}}),
    )
    .await;
    let failing = task_id(&created);
    let ended = poll_until(
        &http,
        b,
        "10.0.0.1",
        &failing,
        &["completed", "failed"],
        secs(10),
    )
    .await;
    assert_eq!(ended["status"], "completed", "{ended}");
    assert_eq!(ended["result"]["isError"], true, "{ended}");
    for server in servers {
        support::assert_clean_exit(&server.stop(), "conformance --http");
    }
}

/// A client listening on B for a task running on A hears each change of status A makes (B looks
/// at the shared records every `pollIntervalMs`), each state once, the result inlined at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_on_one_replica_hears_a_task_running_on_another() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 2, &[]);
    let (a, b) = (&servers[0], &servers[1]);
    let http = reqwest::Client::new();
    let created = call(
        &http,
        a,
        "10.0.0.1",
        "tools/call",
        json!({"name": "confirm_delete", "arguments": {"filename": "c.txt"}}),
    )
    .await;
    let id = task_id(&created);
    poll_until(&http, a, "10.0.0.1", &id, &["input_required"], secs(10)).await;

    let mut headers = stateless_headers();
    headers.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "subscriptions/listen", "params": {
    "notifications": {"taskIds": [id]},
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS: {}}},
    }}});
    let mut stream = post(&http, &b.url(), headers, body).await;
    let mut text = String::new();
    let ack = read_events(&mut stream, &mut text, 1).await;
    let ack: Value = serde_json::from_str(&ack[0].data).unwrap();
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([id]),
        "{ack}"
    );

    // Answered on A, where it runs: B's listener hears it work again and complete.
    let ack = call(
        &http,
        a,
        "10.0.0.1",
        "tasks/update",
        json!({"taskId": id, "inputResponses": {
            "confirm": {"action": "accept", "content": {"confirm": true}}}}),
    )
    .await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let mut notes = Vec::new();
    while notes
        .last()
        .map(|n: &Value| n["status"] != "completed")
        .unwrap_or(true)
    {
        let events = read_events(&mut stream, &mut text, notes.len() + 2).await;
        let note: Value = serde_json::from_str(&events.last().unwrap().data).unwrap();
        assert_eq!(note["method"], "notifications/tasks", "{note}");
        assert_eq!(note["params"]["taskId"], id.as_str(), "{note}");
        notes.push(note["params"].clone());
    }
    let done = notes.last().unwrap();
    assert_eq!(done["result"]["content"][0]["text"], "Deleted c.txt: true");
    // Each state once: no two notes alike.
    for pair in notes.windows(2) {
        assert_ne!(pair[0], pair[1], "{notes:?}");
    }
}

/// A replica killed while its task runs: the task reads `working` until the lease lapses
/// (2 s here), then `failed`, saying why; never `working` forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_whose_replica_died_fails_when_its_lease_lapses() {
    let redis = RedisServer::start();
    let mut servers = replicas(&redis, 2, &[("STURDY_TASK_LEASE", "2")]);
    let http = reqwest::Client::new();
    let created = call(
        &http,
        &servers[0],
        "10.0.0.1",
        "tools/call",
        json!({"name": "slow_compute", "arguments": {"seconds": 600}}),
    )
    .await;
    let id = task_id(&created);
    // Renewed while its replica lives: still working after several leases' worth.
    tokio::time::sleep(secs(5)).await;
    let alive = call(
        &http,
        &servers[1],
        "10.0.0.1",
        "tasks/get",
        json!({"taskId": id}),
    )
    .await;
    assert_eq!(alive["result"]["status"], "working", "{alive}");

    drop(servers.remove(0)); // killed, as a crash would
    let killed = Instant::now();
    let failed = poll_until(
        &http,
        &servers[0],
        "10.0.0.1",
        &id,
        &["failed", "completed", "cancelled"],
        secs(10),
    )
    .await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lease"),
        "{failed}"
    );
    assert!(
        killed.elapsed() < secs(5),
        "failed {:?} after",
        killed.elapsed()
    );
    // A cancel now changes nothing, acknowledged the same.
    let ack = call(
        &http,
        &servers[0],
        "10.0.0.1",
        "tasks/cancel",
        json!({"taskId": id}),
    )
    .await;
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
}

/// `STURDY_TASKS_PER_CLIENT` counts a caller's tasks on every replica; another caller keeps its
/// own quota.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quota_per_caller_spans_the_replicas() {
    let redis = RedisServer::start();
    let servers = replicas(&redis, 3, &[("STURDY_TASKS_PER_CLIENT", "5")]);
    let http = reqwest::Client::new();
    let slow = json!({"name": "slow_compute", "arguments": {"seconds": 600}});
    for n in 0..5 {
        let created = call(
            &http,
            &servers[n % 3],
            "10.0.0.3",
            "tools/call",
            slow.clone(),
        )
        .await;
        task_id(&created);
    }
    for server in &servers {
        let refused = call(&http, server, "10.0.0.3", "tools/call", slow.clone()).await;
        let message = refused["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("Too many tasks: 5"), "{refused}");
    }
    let other = call(&http, &servers[2], "10.0.0.4", "tools/call", slow.clone()).await;
    task_id(&other);
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
