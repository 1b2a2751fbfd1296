//! `#[timeout]` and `#[bulkhead]`: deadlines per attempt, width and queueing.

use super::*;

static DROPPED: AtomicBool = AtomicBool::new(false);

struct SetOnDrop;
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        DROPPED.store(true, SeqCst);
    }
}

#[timeout("100ms")]
async fn hangs() -> Result<(), ToolError> {
    let _guard = SetOnDrop;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn timeout_drops_the_call_at_the_deadline() {
    let e = hangs().await.unwrap_err();
    assert_eq!(e, ToolError::Timeout(Duration::from_millis(100)));
    assert!(DROPPED.load(SeqCst), "the attempt's future was dropped");
}

static TIMED_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[timeout("50ms")]
#[retry(max = 2, base = "1ms")]
async fn each_attempt_times_out() -> Result<(), ToolError> {
    TIMED_ATTEMPTS.fetch_add(1, SeqCst);
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn every_retry_attempt_has_its_own_timeout() {
    let start = tokio::time::Instant::now();
    let e = each_attempt_times_out().await.unwrap_err();
    assert!(matches!(e, ToolError::Timeout(_)));
    assert_eq!(TIMED_ATTEMPTS.load(SeqCst), 3);
    assert!(start.elapsed() < Duration::from_secs(1));
}

static BULK_RUNNING: AtomicU32 = AtomicU32::new(0);
static BULK_PEAK: AtomicU32 = AtomicU32::new(0);

#[bulkhead(max_concurrent = 2)]
async fn narrow() -> Result<(), ToolError> {
    let now = BULK_RUNNING.fetch_add(1, SeqCst) + 1;
    BULK_PEAK.fetch_max(now, SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    BULK_RUNNING.fetch_sub(1, SeqCst);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bulkhead_rejects_beyond_its_width() {
    let results = run_concurrently(10, narrow).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let rejected = results
        .iter()
        .filter(|r| matches!(r, Err(ToolError::Rejected { max_concurrent: 2 })))
        .count();
    assert_eq!((ok, rejected), (2, 8));
    assert_eq!(BULK_PEAK.load(SeqCst), 2);
}

static WAIT_PEAK: AtomicU32 = AtomicU32::new(0);
static WAIT_RUNNING: AtomicU32 = AtomicU32::new(0);

#[bulkhead(max_concurrent = 2, max_wait = 5)]
async fn queued() -> Result<(), ToolError> {
    let now = WAIT_RUNNING.fetch_add(1, SeqCst) + 1;
    WAIT_PEAK.fetch_max(now, SeqCst);
    tokio::time::sleep(Duration::from_millis(20)).await;
    WAIT_RUNNING.fetch_sub(1, SeqCst);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bulkhead_queues_up_to_max_wait() {
    let results = run_concurrently(10, queued).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(WAIT_PEAK.load(SeqCst), 2);
}
