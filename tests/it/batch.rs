//! `sturdy::batch` driven the way a user would: many jobs doing real async work on a multi-thread
//! runtime, some failing, some hanging.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sturdy::batch::Batch;
use sturdy::ToolError;

/// Counts jobs in flight and remembers the peak.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InFlight {
    fn enter(self: &Arc<Self>) -> impl Drop {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        struct Leave(Arc<InFlight>);
        impl Drop for Leave {
            fn drop(&mut self) {
                self.0.now.fetch_sub(1, Ordering::SeqCst);
            }
        }
        Leave(self.clone())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_jobs_with_ten_percent_failing_report_exactly_those_in_order() {
    const N: usize = 1_000;
    const CONCURRENCY: usize = 16;
    let in_flight = Arc::new(InFlight::default());
    let started = Arc::new(Mutex::new(Vec::new()));
    let fails = |i: usize| i % 10 == 7;

    let report = Batch::new(CONCURRENCY)
        .timeout(Duration::from_secs(10))
        .map(0..N, |i| {
            // The future is created when the batch starts the job.
            let guard = in_flight.enter();
            let started = started.clone();
            async move {
                started.lock().unwrap().push(i);
                // Real work elsewhere: a task on another worker thread, finishing out of order.
                let delay = Duration::from_micros((i as u64 * 7919) % 3000);
                let value = tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    i * 2
                })
                .await
                .unwrap();
                drop(guard);
                if fails(i) {
                    Err(format!("job {i} failed"))
                } else {
                    Ok(value)
                }
            }
        })
        .await;

    assert_eq!(report.total, N);
    assert_eq!(report.failed, N / 10);
    assert_eq!(report.successful, N - N / 10);
    assert_eq!(report.results.len(), N);
    for (k, r) in report.results.iter().enumerate() {
        assert_eq!(r.index, k, "results are in input order");
        if fails(k) {
            assert_eq!(r.result, Err(ToolError::new(format!("job {k} failed"))));
        } else {
            assert_eq!(r.result, Ok(k * 2));
        }
    }
    let failed: Vec<usize> = report.failures().map(|(i, _)| i).collect();
    assert_eq!(failed, (0..N).filter(|&i| fails(i)).collect::<Vec<_>>());
    assert_eq!(report.values().count(), N - N / 10);

    let peak = in_flight.peak.load(Ordering::SeqCst);
    assert!(peak <= CONCURRENCY, "{peak} jobs ran at once");
    assert_eq!(peak, CONCURRENCY, "the bound was used");
    assert_eq!(in_flight.now.load(Ordering::SeqCst), 0);

    let started = started.lock().unwrap().clone();
    assert_eq!(started.len(), N, "every job ran once");
    let distinct: BTreeSet<usize> = started.iter().copied().collect();
    assert_eq!(distinct.len(), N, "no job ran twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_items_time_out_without_holding_up_the_others() {
    let limit = Duration::from_millis(100);
    let t0 = Instant::now();
    let report = Batch::new(10)
        .timeout(limit)
        .map(0..50u64, |i| async move {
            if i % 5 == 0 {
                tokio::time::sleep(Duration::from_secs(30)).await;
            } else {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Ok::<_, ToolError>(i)
        })
        .await;
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "hanging jobs were dropped at their deadline: {:?}",
        t0.elapsed()
    );
    assert_eq!(
        (report.total, report.successful, report.failed),
        (50, 40, 10)
    );
    for r in &report.results {
        if r.index % 5 == 0 {
            assert_eq!(r.result, Err(ToolError::Timeout(limit)));
        } else {
            assert_eq!(r.result, Ok(r.index as u64));
        }
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["failed"], 10);
    assert_eq!(json["results"][0]["error"], "timeout");
    assert_eq!(
        json["results"][1],
        serde_json::json!({"index": 1, "ok": true, "value": 1})
    );
}

#[tokio::test]
async fn jobs_are_started_lazily_within_the_bound() {
    let created = AtomicUsize::new(0);
    let finished = Arc::new(AtomicUsize::new(0));
    let report = Batch::new(3)
        .map(0..100, |_| {
            let c = created.fetch_add(1, Ordering::SeqCst) + 1;
            let f = finished.load(Ordering::SeqCst);
            assert!(c <= f + 3, "job {c} created with only {f} finished");
            let finished = finished.clone();
            async move {
                tokio::task::yield_now().await;
                finished.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ToolError>(())
            }
        })
        .await;
    assert_eq!(report.successful, 100);
}

#[test]
#[should_panic(expected = "at least 1 job")]
fn zero_concurrency_is_refused() {
    let _ = Batch::new(0);
}
