//! Long calls as tasks (the `io.modelcontextprotocol/tasks` extension), as clients use them: the
//! conformance fixture server over stdio (a 2025 session that declared the extension) and over
//! HTTP (2026-07-28, several callers told apart by a trusted proxy's header), with the requests a
//! careless or hostile client sends.

use crate::common::http::{post, stateless_headers};
use crate::example_stdio::{settled, spawn};
use crate::support;
use reqwest::header::HeaderValue;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::{Duration, Instant};

const TASKS: &str = "io.modelcontextprotocol/tasks";

/// Polls `get` until the task is terminal (or `input_required`, when `waiting`).
async fn settle<F, Fut>(get: F, waiting: bool) -> Value
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let started = Instant::now();
    loop {
        let task = get().await;
        let status = task["status"].as_str().unwrap_or_default().to_owned();
        if ["completed", "failed", "cancelled"].contains(&status.as_str())
            || (waiting && status == "input_required")
        {
            return task;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{task}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A 2025 session that declared the extension in `initialize`: task handles (without the 2026
/// discriminator), questions as `inputRequests`, answers by `tasks/update`; a session without it
/// gets calls run as usual, and the task methods refused with -32021.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_declared_tasks_polls_answers_and_cancels() {
    let (_child, rpc) = spawn("conformance");
    let rpc = tokio::sync::Mutex::new(rpc);
    let init = rpc
        .lock()
        .await
        .initialize_with(
            "2025-11-25",
            "tasks-client",
            json!({"elicitation": {}, "extensions": {TASKS: {}}}),
        )
        .await;
    assert_eq!(
        init["result"]["capabilities"]["extensions"][TASKS],
        json!({}),
        "{init}"
    );
    let request = |id: i64, method: &'static str, params: Value| {
        let rpc = &rpc;
        async move { rpc.lock().await.request(id, method, params).await }
    };
    let created = request(
        1,
        "tools/call",
        json!({"name": "confirm_delete", "arguments": {"filename": "a.txt"}}),
    )
    .await;
    let task = &created["result"];
    assert_eq!(task["status"], "working", "{created}");
    assert!(
        task.get("resultType").is_none(),
        "a 2025 session: {created}"
    );
    assert!(task["ttlMs"].as_u64().unwrap() > 0);
    let id = task["taskId"].as_str().unwrap().to_owned();
    let get = || request(2, "tasks/get", json!({"taskId": id}));
    let waiting = settle(|| async { get().await["result"].clone() }, true).await;
    assert_eq!(waiting["status"], "input_required", "{waiting}");
    assert_eq!(
        waiting["inputRequests"]["confirm"]["method"],
        "elicitation/create"
    );
    // An answer to nothing asked is ignored; the right one resumes the call.
    let ack = request(
        3,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {
        "nobody-asked": {"action": "accept"},
        "confirm": {"action": "accept", "content": {"confirm": true}}}}),
    )
    .await;
    assert_eq!(ack["result"], json!({}), "{ack}");
    let done = settle(|| async { get().await["result"].clone() }, false).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "Deleted a.txt: true");
    assert!(done.get("inputRequests").is_none());
    // Cancelling a finished task changes nothing, and is acknowledged the same.
    let ack = request(4, "tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(ack["result"], json!({}));
    assert_eq!(get().await["result"]["status"], "completed");

    // A running task, cancelled: its status says so at once.
    let created = request(
        5,
        "tools/call",
        json!({"name": "slow_compute", "arguments": {"seconds": 60}}),
    )
    .await;
    let slow = created["result"]["taskId"].as_str().unwrap().to_owned();
    request(6, "tasks/cancel", json!({"taskId": slow})).await;
    let cancelled = request(7, "tasks/get", json!({"taskId": slow})).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");

    // A session without the extension.
    let (_plain, mut rpc) = spawn("conformance");
    rpc.initialize("2025-11-25").await;
    let result = rpc
        .call(1, "slow_compute", json!({"seconds": 0, "label": "now"}))
        .await;
    assert_eq!(
        result["content"][0]["text"], "Computed now after 0 s",
        "run as usual: {result}"
    );
    let refused = rpc
        .request(
            2,
            "tools/call",
            json!({"name": "failing_job", "arguments": {}}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
        json!({})
    );
    let refused = rpc.request(3, "tasks/get", json!({"taskId": id})).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
}

/// 2026-07-28 over HTTP, three callers behind a trusted proxy: a task is its creator's alone
/// (another caller's id is answered as an unknown one), malformed ids and answers are invalid
/// params, and one caller's quota leaves the others theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_belong_to_their_caller_and_are_bounded() {
    let server = support::HttpServer::start_with_env(
        &support::build_example("conformance"),
        &[("STURDY_CLIENT_ADDRESS_HEADER", "x-forwarded-for")],
    );
    let url = server.url();
    let client = reqwest::Client::new();
    let call = |caller: &'static str, method: &'static str, params: Value| {
        let (client, url) = (&client, &url);
        async move {
            let mut headers = stateless_headers();
            headers.insert("x-forwarded-for", HeaderValue::from_static(caller));
            let mut params = params;
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS: {}}},
            });
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
            let response = post(client, url, headers, body).await;
            crate::common::http::json_of(response).await
        }
    };
    let created = call(
        "10.0.0.1",
        "tools/call",
        json!({"name": "slow_compute", "arguments": {"seconds": 60}}),
    )
    .await;
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let mine = call("10.0.0.1", "tasks/get", json!({"taskId": id})).await;
    assert_eq!(mine["result"]["status"], "working", "{mine}");
    assert_eq!(mine["result"]["resultType"], "complete");

    // Another caller learns nothing: the answer an unknown id gets, and the task runs on.
    let theirs = call("10.0.0.2", "tasks/get", json!({"taskId": id})).await;
    let unknown = call(
        "10.0.0.2",
        "tasks/get",
        json!({"taskId": "0123456789abcdef"}),
    )
    .await;
    assert_eq!(theirs["error"]["code"], -32602, "{theirs}");
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    let cancel = call("10.0.0.2", "tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(cancel["error"]["code"], -32602, "{cancel}");
    let update = call(
        "10.0.0.2",
        "tasks/update",
        json!({"taskId": id, "inputResponses": {}}),
    )
    .await;
    assert_eq!(update["error"]["code"], -32602, "{update}");
    assert_eq!(
        call("10.0.0.1", "tasks/get", json!({"taskId": id})).await["result"]["status"],
        "working"
    );

    // Malformed: a 10 KB id (not echoed whole), a number, answers that are no object.
    let long = "x".repeat(10_000);
    let refused = call("10.0.0.1", "tasks/get", json!({"taskId": long})).await;
    assert_eq!(refused["error"]["code"], -32602);
    assert!(
        refused["error"]["message"].as_str().unwrap().len() < 300,
        "{refused}"
    );
    let refused = call("10.0.0.1", "tasks/get", json!({"taskId": 7})).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let refused = call(
        "10.0.0.1",
        "tasks/update",
        json!({"taskId": id, "inputResponses": [1]}),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    // An answer that is no request's result (every one is an object), named in the error.
    let refused = call(
        "10.0.0.1",
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"confirm": "yes"}}),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("confirm"),
        "{refused}"
    );
    // Removed with the first version of the extension.
    let gone = call("10.0.0.1", "tasks/list", json!({})).await;
    assert_eq!(gone["error"]["code"], -32601, "{gone}");

    // A cancel storm on one task: every one acknowledged, the task cancelled once.
    for _ in 0..50 {
        let ack = call("10.0.0.1", "tasks/cancel", json!({"taskId": id})).await;
        assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    }
    assert_eq!(
        call("10.0.0.1", "tasks/get", json!({"taskId": id})).await["result"]["status"],
        "cancelled"
    );

    // One caller's quota: 1000 tasks kept; the next is refused, saying why; another caller is
    // not affected.
    let slow = |caller: &'static str, seconds: u64| {
        call(
            caller,
            "tools/call",
            json!({"name": "slow_compute", "arguments": {"seconds": seconds}}),
        )
    };
    for n in 1..=1000 {
        let created = slow("10.0.0.3", 600).await;
        assert_eq!(
            created["result"]["resultType"], "task",
            "task {n}: {created}"
        );
    }
    let refused = slow("10.0.0.3", 600).await;
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Too many tasks"), "{refused}");
    let other = slow("10.0.0.4", 0).await;
    assert_eq!(other["result"]["resultType"], "task", "{other}");
    let stopped = server.stop();
    support::assert_clean_exit(&stopped, "conformance --http");
}

/// A task setting that is no positive number stops the server at start-up, naming it.
#[test]
fn a_bad_task_setting_is_a_start_up_error() {
    for (name, value) in [
        ("STURDY_TASK_TTL", "soon"),
        ("STURDY_TASK_TIMEOUT", "0"),
        ("STURDY_TASKS_PER_CLIENT", "-3"),
        ("STURDY_TASK_LEASE", "1.5"),
    ] {
        let out = std::process::Command::new(support::build_example("conformance"))
            .env(name, value)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}={value}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(name), "{stderr}");
    }
}

/// A 2026-07-28 client listening for its task: the acknowledgement names the task (not an id
/// that is none), and each status change comes as `notifications/tasks` carrying the task as
/// `tasks/get` shows it then (the result inlined at the end); a listener that did not declare
/// the extension is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_hears_its_task_change_status() {
    let (_child, mut rpc) = spawn("conformance");
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "extensions": {TASKS: {}}},
    });
    let created = rpc
        .request(
            1,
            "tools/call",
            json!({"name": "confirm_delete",
            "arguments": {"filename": "b.txt"}, "_meta": meta}),
        )
        .await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    // Waits for the question first, so that what follows is the answer's doing.
    loop {
        let task = rpc
            .request(2, "tasks/get", json!({"taskId": id, "_meta": meta}))
            .await;
        if task["result"]["status"] == "input_required" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    rpc.send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "subscriptions/listen", "params": {
        "notifications": {"taskIds": [id, "not-a-task"]}, "_meta": meta}}),
    )
    .await;
    let ack = rpc.next().await.unwrap();
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    assert_eq!(
        ack["params"]["notifications"]["taskIds"],
        json!([id]),
        "{ack}"
    );
    let answer = rpc
        .request(
            4,
            "tasks/update",
            json!({"taskId": id, "_meta": meta,
            "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}}),
        )
        .await;
    assert_eq!(answer["result"]["resultType"], "complete", "{answer}");
    let mut statuses = Vec::new();
    while statuses.last().map(String::as_str) != Some("completed") {
        let note = rpc.next().await.unwrap();
        assert_eq!(note["method"], "notifications/tasks", "{note}");
        assert_eq!(note["params"]["taskId"], id.as_str());
        assert_eq!(
            note["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
            3
        );
        if note["params"]["status"] == "completed" {
            assert_eq!(
                note["params"]["result"]["content"][0]["text"],
                "Deleted b.txt: true"
            );
        }
        statuses.push(note["params"]["status"].as_str().unwrap().to_owned());
    }
    // Each carries the task as it is when sent: the call ends right after the answer, so the
    // change to `working` may already show it completed.
    assert!(
        statuses.iter().all(|s| s == "working" || s == "completed"),
        "{statuses:?}"
    );

    let plain = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}});
    let refused = rpc
        .request(
            5,
            "subscriptions/listen",
            json!({"notifications": {"taskIds": [id]}, "_meta": plain}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
}

/// The example server's long report: a client holding the request hears its progress every
/// second; a client that declared tasks gets a task that completes on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_long_report_reports_progress_or_runs_as_a_task() {
    let (_held, mut rpc) = spawn("tool_server");
    rpc.initialize("2025-11-25").await;
    let (before, answer) = rpc
        .request_after(
            1,
            "tools/call",
            json!({"name": "long_report",
            "arguments": {"minutes": 0.04}, "_meta": {"progressToken": "r"}}),
        )
        .await;
    assert!(
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("ready"),
        "{answer}"
    );
    let progress = before
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .count();
    assert!(progress >= 2, "a progress report each second: {before:?}");

    let (_polled, mut rpc) = spawn("tool_server");
    rpc.initialize_with("2025-11-25", "poller", json!({"extensions": {TASKS: {}}}))
        .await;
    let created = rpc
        .request(
            1,
            "tools/call",
            json!({"name": "long_report", "arguments": {"minutes": 0.01}}),
        )
        .await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let task = settled(&mut rpc, &id, 2).await;
    assert_eq!(task["status"], "completed", "{task}");
}
