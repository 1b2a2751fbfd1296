//! Run many async jobs with bounded concurrency and a per-item timeout, and report every item's
//! outcome in input order.
//!
//! ```
//! use sturdy_runtime::batch::Batch;
//! use sturdy_runtime::ToolError;
//! use std::time::Duration;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let report = Batch::new(10)
//!     .timeout(Duration::from_secs(5))
//!     .map(1..=4u32, |n| async move {
//!         if n == 3 {
//!             Err(ToolError::new("three is unlucky"))
//!         } else {
//!             Ok(n * 10)
//!         }
//!     })
//!     .await;
//! assert_eq!((report.total, report.successful, report.failed), (4, 3, 1));
//! assert_eq!(report.results[1].result, Ok(20));
//! assert_eq!(report.results[2].result, Err(ToolError::new("three is unlucky")));
//! # });
//! ```

mod lazy_timeout;
mod report;

pub use report::{BatchReport, ItemResult};

use crate::error::ToolError;
use futures_util::{stream, FutureExt, Stream, StreamExt};
use lazy_timeout::LazyTimeout;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// Settings of a batch run: how many jobs at most run at once, and how long each may take.
///
/// Jobs are started lazily, in input order, as earlier ones finish: at most `concurrency` are in
/// flight at any time, and the job iterator is not consumed ahead. A job that panics is reported as
/// [`ToolError::Panicked`], one that outlives the timeout is dropped and reported as
/// [`ToolError::Timeout`]; the others still run. Dropping the batch's future drops the jobs in
/// flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    concurrency: usize,
    timeout: Option<Duration>,
}

impl Batch {
    /// At most `concurrency` jobs at once, without a timeout.
    ///
    /// # Panics
    /// When `concurrency` is 0.
    pub fn new(concurrency: usize) -> Self {
        assert!(concurrency > 0, "a batch runs at least 1 job at a time");
        Batch {
            concurrency,
            timeout: None,
        }
    }

    /// Each job may run for at most `timeout`, counted from when its first poll returns (a job
    /// that completes at once never starts a timer); needs a tokio runtime with the time driver.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many items run at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Runs `f(item)` for every item. See [`run`](Self::run).
    pub async fn map<I, F, Fut, T, E>(&self, items: I, f: F) -> BatchReport<T>
    where
        I: IntoIterator,
        F: FnMut(I::Item) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: Into<ToolError>,
    {
        self.run(items.into_iter().map(f)).await
    }

    /// Runs every job (a future, created when the iterator yields it) and reports each outcome, in
    /// the order of the jobs.
    pub async fn run<I, Fut, T, E>(&self, jobs: I) -> BatchReport<T>
    where
        I: IntoIterator<Item = Fut>,
        Fut: Future<Output = Result<T, E>>,
        E: Into<ToolError>,
    {
        let jobs = jobs.into_iter().enumerate();
        // Two loops rather than one future type with an optional timer: the futures stay small
        // when there is no timeout.
        match self.timeout {
            None => {
                let jobs = jobs.map(|(index, job)| async move {
                    (index, settle(AssertUnwindSafe(job).catch_unwind().await))
                });
                collect(stream::iter(jobs).buffer_unordered(self.concurrency)).await
            }
            Some(limit) => {
                let jobs = jobs.map(move |(index, job)| async move {
                    let job = LazyTimeout::new(AssertUnwindSafe(job).catch_unwind(), limit);
                    match job.await {
                        Some(outcome) => (index, settle(outcome)),
                        None => (index, Err(ToolError::Timeout(limit))),
                    }
                });
                collect(stream::iter(jobs).buffer_unordered(self.concurrency)).await
            }
        }
    }
}

/// A job's result, or its panic as [`ToolError::Panicked`].
fn settle<T, E: Into<ToolError>>(
    outcome: Result<Result<T, E>, Box<dyn std::any::Any + Send>>,
) -> Result<T, ToolError> {
    match outcome {
        Ok(result) => result.map_err(Into::into),
        Err(panic) => Err(ToolError::from_panic(&*panic)),
    }
}

/// The report of results arriving in completion order.
async fn collect<T>(
    mut done: impl Stream<Item = (usize, Result<T, ToolError>)> + Unpin,
) -> BatchReport<T> {
    let mut results: Vec<ItemResult<T>> = Vec::with_capacity(done.size_hint().0);
    let mut successful = 0;
    let mut in_order = true;
    while let Some((index, result)) = done.next().await {
        successful += usize::from(result.is_ok());
        in_order &= index == results.len();
        results.push(ItemResult { index, result });
    }
    if !in_order {
        results.sort_unstable_by_key(|r| r.index);
    }
    BatchReport {
        total: results.len(),
        successful,
        failed: results.len() - successful,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn panics_become_item_errors_and_serialization_is_flat() {
        let report = Batch::new(2)
            .map(0..3, |i| async move {
                if i == 1 {
                    panic!("boom {i}");
                }
                Ok::<_, ToolError>(i)
            })
            .await;
        assert_eq!(report.failed, 1);
        assert_eq!(
            report.results[1].result,
            Err(ToolError::Panicked("boom 1".into()))
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "total": 3, "successful": 2, "failed": 1,
                "results": [
                    {"index": 0, "ok": true, "value": 0},
                    {"index": 1, "ok": false, "error": "panicked", "message": "the tool panicked: boom 1"},
                    {"index": 2, "ok": true, "value": 2},
                ]
            })
        );
    }

    #[tokio::test]
    async fn an_empty_batch_reports_nothing() {
        let report = Batch::new(1)
            .run(std::iter::empty::<std::future::Ready<Result<(), ToolError>>>())
            .await;
        assert_eq!((report.total, report.successful, report.failed), (0, 0, 0));
    }
}
