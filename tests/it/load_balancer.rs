//! `sturdy::balancer` driven the way a user would: shared across tasks of a multi-thread runtime and
//! across OS threads, with instances failing and recovering.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use sturdy::balancer::{LoadBalancer, NoHealthyInstance, Strategy};
use sturdy::resilience::{CircuitBreakerConfig, CircuitState};
use sturdy::ToolError;

fn names(n: usize) -> Vec<(String, usize)> {
    (0..n).map(|i| (format!("i{i}"), i)).collect()
}

fn picks(lb: &LoadBalancer<impl Sized>) -> HashMap<String, u64> {
    lb.stats().into_iter().map(|s| (s.name, s.picks)).collect()
}

fn short_breaker(threshold: u32) -> CircuitBreakerConfig {
    CircuitBreakerConfig {
        threshold,
        recovery: Duration::from_millis(200),
        ..Default::default()
    }
}

#[test]
fn the_balancer_and_its_picks_can_be_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<LoadBalancer<String>>();
    send::<sturdy::balancer::Pick<'static, String>>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn round_robin_is_an_exact_cycle_under_many_concurrent_tasks() {
    const INSTANCES: usize = 7;
    const PER_INSTANCE: usize = 3_000;
    const TASKS: usize = 64;
    let lb = Arc::new(LoadBalancer::new(Strategy::RoundRobin, names(INSTANCES)));
    let per_task = INSTANCES * PER_INSTANCE / TASKS;
    let extra = INSTANCES * PER_INSTANCE % TASKS;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let lb = lb.clone();
            tokio::spawn(async move {
                for k in 0..per_task + usize::from(t < extra) {
                    let ok: Result<usize, ToolError> = lb.call(|i| async move { Ok(*i) }).await;
                    ok.unwrap();
                    if k % 16 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    for s in lb.stats() {
        assert_eq!(s.picks, PER_INSTANCE as u64, "{s:?}");
        assert_eq!(s.successes, PER_INSTANCE as u64, "{s:?}");
        assert_eq!(s.outstanding, 0, "{s:?}");
    }
}

#[test]
fn round_robin_is_exact_across_os_threads_too() {
    let lb = LoadBalancer::new(Strategy::RoundRobin, names(3));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..30_000 {
                    lb.pick().unwrap().success();
                }
            });
        }
    });
    assert!(lb.stats().iter().all(|s| s.picks == 40_000));
}

#[test]
fn weighted_traffic_follows_the_weights_and_changes_while_serving() {
    let lb = LoadBalancer::builder(Strategy::Weighted)
        .weighted("a", (), 1)
        .weighted("b", (), 3)
        .build();
    let run = |n: usize| {
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..n / 2 {
                        lb.pick().unwrap().success();
                    }
                });
            }
        });
    };
    run(40_000);
    let a = picks(&lb)["a"] as f64 / 40_000.0;
    assert!((a - 0.25).abs() < 0.02, "share of a with weights 1:3: {a}");

    assert_eq!(lb.set_weight("a", 3), Some(1));
    assert_eq!(lb.set_weight("b", 1), Some(3));
    assert_eq!(lb.set_weight("nope", 1), None);
    let before = picks(&lb);
    run(40_000);
    let a = (picks(&lb)["a"] - before["a"]) as f64 / 40_000.0;
    assert!((a - 0.75).abs() < 0.02, "share of a with weights 3:1: {a}");

    // Drained while two threads pick: after the store, at most the picks already choosing can
    // still land on it.
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    lb.pick().unwrap().success();
                }
            });
        }
        std::thread::sleep(Duration::from_millis(20));
        lb.set_weight("a", 0);
        let at_drain = picks(&lb)["a"];
        let b_at_drain = picks(&lb)["b"];
        while picks(&lb)["b"] < b_at_drain + 20_000 {
            std::hint::spin_loop();
        }
        stop.store(true, Ordering::Relaxed);
        let after = picks(&lb)["a"];
        assert!(
            after - at_drain <= 2,
            "a drained but picked {} more times",
            after - at_drain
        );
    });
    assert_eq!(lb.weight("a"), Some(0));
}

#[test]
fn least_outstanding_prefers_idle_instances() {
    let lb = LoadBalancer::new(Strategy::LeastOutstanding, names(3));
    let first = lb.pick().unwrap();
    let second = lb.pick().unwrap();
    let third = lb.pick().unwrap();
    let mut held = vec![first.name(), second.name(), third.name()];
    held.sort();
    assert_eq!(
        held,
        ["i0", "i1", "i2"],
        "each pick went to an idle instance"
    );
    let freed = second.name();
    drop(second);
    assert_eq!(lb.pick().unwrap().name(), freed);
    assert_eq!(
        lb.stats().iter().map(|s| s.outstanding).sum::<usize>(),
        2,
        "picks release their count when dropped"
    );
    first.success();
    third.failure();
    assert!(lb.stats().iter().all(|s| s.outstanding == 0));
}

/// One slow and two fast instances, 8 callers at a time: the slow one holds its calls longer, so
/// outstanding-aware strategies send it little.
async fn share_of_slow(strategy: Strategy) -> f64 {
    let lb = Arc::new(LoadBalancer::new(
        strategy,
        [("slow", 20u64), ("fast1", 1), ("fast2", 1)],
    ));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let lb = lb.clone();
            tokio::spawn(async move {
                for _ in 0..40 {
                    lb.call(|ms| async move {
                        tokio::time::sleep(Duration::from_millis(*ms)).await;
                        Ok::<_, ToolError>(())
                    })
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let p = picks(&lb);
    p["slow"] as f64 / p.values().sum::<u64>() as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn least_outstanding_and_two_choices_route_around_a_slow_instance() {
    let lo = share_of_slow(Strategy::LeastOutstanding).await;
    assert!(
        lo < 0.2,
        "least outstanding sent {lo} of the calls to the slow instance"
    );
    let p2c = share_of_slow(Strategy::PowerOfTwoChoices).await;
    assert!(
        p2c < 0.25,
        "two choices sent {p2c} of the calls to the slow instance"
    );
}

#[test]
fn power_of_two_choices_takes_the_less_loaded_of_two() {
    let lb = LoadBalancer::new(Strategy::PowerOfTwoChoices, names(2));
    let busy = lb.pick().unwrap();
    for _ in 0..100 {
        let p = lb.pick().unwrap();
        assert_ne!(p.name(), busy.name());
        p.success();
    }
    busy.success();
}

#[test]
fn random_spreads_evenly() {
    let lb = LoadBalancer::new(Strategy::Random, names(4));
    for _ in 0..40_000 {
        lb.pick().unwrap().success();
    }
    for s in lb.stats() {
        assert!((s.picks as f64 / 10_000.0 - 1.0).abs() < 0.06, "{s:?}");
    }
}

async fn fail_on(lb: &LoadBalancer<usize>, name: &str) {
    // Round robin: keep calling until the named instance was hit and failed.
    loop {
        let r: Result<&str, ToolError> = lb
            .call(|i| {
                let hit = format!("i{i}") == name;
                async move {
                    if hit {
                        Err(ToolError::new("down"))
                    } else {
                        Ok("up")
                    }
                }
            })
            .await;
        if r.is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_strategy_skips_an_open_instance_and_traffic_returns_after_recovery() {
    for strategy in Strategy::ALL {
        let mut b = LoadBalancer::builder(strategy).breaker(short_breaker(2));
        for (name, i) in names(3) {
            b = b.instance(name, i);
        }
        let lb = b.build();
        fail_on(&lb, "i1").await;
        fail_on(&lb, "i1").await;
        assert_eq!(
            lb.breaker("i1").unwrap().state(),
            CircuitState::Open,
            "{strategy}"
        );
        let before = picks(&lb);
        for _ in 0..300 {
            let p = lb.pick().unwrap();
            assert_ne!(p.name(), "i1", "{strategy}: picked an open instance");
            p.success();
        }
        let after = picks(&lb);
        assert_eq!(after["i1"], before["i1"]);
        if strategy == Strategy::RoundRobin {
            // i1's turns went to i2: the cycle itself goes on.
            assert_eq!(after["i0"] - before["i0"], 100);
            assert_eq!(after["i2"] - before["i2"], 200);
        } else {
            assert!(after["i0"] - before["i0"] > 100, "{strategy}: {after:?}");
            assert!(after["i2"] - before["i2"] > 100, "{strategy}: {after:?}");
        }

        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(lb.breaker("i1").unwrap().state(), CircuitState::HalfOpen);
        let before = picks(&lb);
        for _ in 0..300 {
            lb.call(|_| async { Ok::<_, ToolError>(()) }).await.unwrap();
        }
        let after = picks(&lb);
        assert_eq!(lb.breaker("i1").unwrap().state(), CircuitState::Closed);
        assert!(
            after["i1"] - before["i1"] > 50,
            "{strategy}: traffic did not return to i1: {after:?}"
        );
    }
}

#[tokio::test]
async fn none_healthy_is_a_clear_error_naming_the_instances() {
    let lb = LoadBalancer::builder(Strategy::RoundRobin)
        .breaker(short_breaker(1))
        .instance("us-east", 0usize)
        .instance("eu-west", 1)
        .build();
    lb.pick().unwrap().failure();
    lb.pick().unwrap().failure();
    let err: NoHealthyInstance = lb.pick().unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("no healthy instance (round_robin): us-east open, retry after 0."),
        "{text}"
    );
    assert!(text.contains("; eu-west open, retry after 0."), "{text}");
    assert!(err.instances.iter().all(|i| i.state == CircuitState::Open));
    let after = err.retry_after().unwrap();
    assert!(after <= Duration::from_millis(200) && after > Duration::ZERO);

    let mut ran = false;
    let e: ToolError = lb
        .call(|_| {
            ran = true;
            async { Ok::<(), ToolError>(()) }
        })
        .await
        .unwrap_err();
    assert!(!ran, "nothing runs when no instance is available");
    assert_eq!(e.kind(), "unavailable");
    assert!(!e.is_retryable());
    assert!(e.retry_after().is_some());
    assert!(e.to_string().contains("us-east open"), "{e}");
    assert_eq!(e.to_json()["error"], "unavailable");

    tokio::time::sleep(Duration::from_millis(250)).await;
    // Half-open: one trial per instance at a time; both trials held, the third pick is refused.
    let t1 = lb.pick().unwrap();
    let t2 = lb.pick().unwrap();
    let text = lb.pick().unwrap_err().to_string();
    assert!(text.contains("half-open"), "{text}");
    t1.success();
    t2.success();
    assert!(lb
        .stats()
        .iter()
        .all(|s| s.state == CircuitState::Closed && s.outstanding == 0));

    let empty = LoadBalancer::<()>::new(Strategy::Random, Vec::<(String, ())>::new());
    assert!(empty
        .pick()
        .unwrap_err()
        .to_string()
        .contains("no instances"));
}

#[tokio::test]
async fn a_panicking_call_counts_as_a_failure_and_a_cancelled_one_as_neither() {
    let lb = Arc::new(
        LoadBalancer::builder(Strategy::RoundRobin)
            .breaker(short_breaker(1))
            .instance("only", ())
            .build(),
    );
    // Cancelled: the call is dropped mid-way.
    let slow = lb.call(|_| async {
        tokio::time::sleep(Duration::from_secs(10)).await;
        Ok::<_, ToolError>(())
    });
    assert!(tokio::time::timeout(Duration::from_millis(10), slow)
        .await
        .is_err());
    let s = &lb.stats()[0];
    assert_eq!(
        (s.outstanding, s.failures, s.state),
        (0, 0, CircuitState::Closed)
    );

    let lb2 = lb.clone();
    let panicked = tokio::spawn(async move {
        lb2.call(|_| async {
            if lb2_panics() {
                panic!("boom");
            }
            Ok::<(), ToolError>(())
        })
        .await
    })
    .await;
    assert!(panicked.is_err());
    let s = &lb.stats()[0];
    assert_eq!(
        (s.outstanding, s.failures, s.state),
        (0, 1, CircuitState::Open)
    );
}

#[test]
fn stats_serialize_for_dashboards() {
    let lb = LoadBalancer::new(Strategy::Weighted, [("a", ())]);
    let p = lb.pick().unwrap();
    let json = serde_json::to_value(lb.stats()).unwrap();
    assert_eq!(json[0]["name"], "a");
    assert_eq!(json[0]["picks"], 1);
    assert_eq!(json[0]["outstanding"], 1);
    assert_eq!(json[0]["state"], "closed");
    assert_eq!(json[0]["weight"], 1);
    p.success();
}

#[test]
#[should_panic(expected = "two instances are named \"a\"")]
fn duplicate_names_are_refused() {
    let _ = LoadBalancer::new(Strategy::Random, [("a", 1), ("b", 2), ("a", 3)]);
}

fn lb2_panics() -> bool {
    true
}
