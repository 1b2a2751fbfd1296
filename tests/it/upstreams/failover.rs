//! `Upstreams` in process: traffic moves off failing and hanging instances, errors name them, client errors are answers, no call lost or duplicated, a shared byte budget.

use super::*;

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
