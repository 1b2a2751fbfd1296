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

use crate::error::ToolError;
use futures_util::{stream, FutureExt, StreamExt};
use serde::ser::SerializeMap;
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

    /// Each job may run for at most `timeout` (counted from when it starts); needs a tokio
    /// runtime with the time driver.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

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
        let timeout = self.timeout;
        let jobs = jobs.into_iter();
        let mut slots: Vec<Option<Result<T, ToolError>>> = Vec::with_capacity(jobs.size_hint().0);
        let mut done = stream::iter(jobs.enumerate().map(|(index, job)| async move {
            let job = AssertUnwindSafe(job).catch_unwind();
            let outcome = match timeout {
                None => job.await,
                Some(limit) => match tokio::time::timeout(limit, job).await {
                    Ok(outcome) => outcome,
                    Err(_) => return (index, Err(ToolError::Timeout(limit))),
                },
            };
            let result = match outcome {
                Ok(result) => result.map_err(Into::into),
                Err(panic) => Err(ToolError::Panicked(panic_message(&*panic))),
            };
            (index, result)
        }))
        .buffer_unordered(self.concurrency);
        while let Some((index, result)) = done.next().await {
            if slots.len() <= index {
                slots.resize_with(index + 1, || None);
            }
            slots[index] = Some(result);
        }
        let mut successful = 0;
        let results: Vec<ItemResult<T>> = slots
            .into_iter()
            .enumerate()
            .map(|(index, result)| {
                let result = result.expect("every job reports once");
                successful += usize::from(result.is_ok());
                ItemResult { index, result }
            })
            .collect();
        BatchReport {
            total: results.len(),
            successful,
            failed: results.len() - successful,
            results,
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the job panicked".to_owned())
}

/// The outcome of a batch: counts, and one result per job in input order.
///
/// Serializes as `{"total": …, "successful": …, "failed": …, "results": [...]}`, each result as
/// `{"index": 0, "ok": true, "value": …}` or
/// `{"index": 1, "ok": false, "error": "<kind>", "message": "…"}` (plus `retry_after` in seconds
/// when the error has one).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BatchReport<T> {
    pub total: usize,
    pub successful: usize,
    pub failed: usize,
    pub results: Vec<ItemResult<T>>,
}

impl<T> BatchReport<T> {
    /// The failed items: `(index, error)`, in input order.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &ToolError)> {
        self.results
            .iter()
            .filter_map(|r| r.result.as_ref().err().map(|e| (r.index, e)))
    }

    /// The successful values: `(index, value)`, in input order.
    pub fn values(&self) -> impl Iterator<Item = (usize, &T)> {
        self.results
            .iter()
            .filter_map(|r| r.result.as_ref().ok().map(|v| (r.index, v)))
    }
}

/// One job's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult<T> {
    /// The job's position in the input.
    pub index: usize,
    pub result: Result<T, ToolError>,
}

impl<T: serde::Serialize> serde::Serialize for ItemResult<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", &self.index)?;
        match &self.result {
            Ok(value) => {
                m.serialize_entry("ok", &true)?;
                m.serialize_entry("value", value)?;
            }
            Err(e) => {
                m.serialize_entry("ok", &false)?;
                m.serialize_entry("error", e.kind())?;
                m.serialize_entry("message", &e.to_string())?;
                if let Some(after) = e.retry_after() {
                    m.serialize_entry("retry_after", &after.as_secs_f64())?;
                }
            }
        }
        m.end()
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
