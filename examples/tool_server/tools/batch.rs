//! Many requests or jobs at once: bounded concurrency, a time limit per item, results in input
//! order with per-item errors.

use super::Status;
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use sturdy::batch::Batch;
use sturdy::prelude::*;
use sturdy::remote::{ByteBudget, HttpClient};

/// More items than this is refused: a batch's report is held in memory.
const MAX_ITEMS: usize = 10_000;

/// The response bodies one batch may hold, all URLs together.
const MAX_BATCH_BYTES: usize = 64 << 20;

fn check_len(what: &str, len: usize) -> Result<(), ToolError> {
    if len > MAX_ITEMS {
        return Err(ToolError::invalid_arguments(format!(
            "`{what}` has {len} items; at most {MAX_ITEMS} per call"
        )));
    }
    Ok(())
}

/// GET many URLs concurrently (at most `concurrency` at a time, each within `timeout_ms`): the
/// bodies of those that answered in `successful` (`{url, data}`), the others in `failed`
/// (`{url, error, kind}`: why, and the error kind such as `upstream` or `timeout`), both in the
/// order of `urls`, with `total` and `status: "completed"`. One URL failing does not fail the
/// batch, and nothing is retried. At most 10,000 URLs, and 64 MiB of response bodies in all: URLs
/// read after that fail with an `upstream` error saying so. A client that declared the tasks
/// extension gets a task to poll instead of waiting (a report over 4 MiB then fails the task).
#[tool(read_only, open_world, task)]
async fn async_batch_requests(
    http: State<HttpClient>,
    #[arg(description = "The http(s) URLs to GET")] urls: Vec<String>,
    #[arg(description = "Requests in flight at once, 1 to 256", default = 10)] concurrency: u32,
    #[arg(
        description = "Time limit of each request, in milliseconds",
        default = 10000
    )]
    timeout_ms: u64,
) -> Result<Fetches, ToolError> {
    check_len("urls", urls.len())?;
    let batch = settings(concurrency, timeout_ms)?;
    // Shared by the jobs, each owning a clone: a job future borrowing a local of this function
    // trips rustc's higher-ranked lifetime inference for the tool's boxed `Send` future.
    let budget = Arc::new(ByteBudget::new(MAX_BATCH_BYTES));
    let report = batch
        .map(urls.clone(), |url| {
            let (budget, http) = (budget.clone(), http.clone());
            async move { http.get_json_within(&url, &budget).await }
        })
        .await;
    let mut fetches = Fetches {
        successful: Vec::with_capacity(report.successful),
        failed: Vec::with_capacity(report.failed),
        total: report.total,
        status: Status::Completed,
    };
    for (item, url) in report.results.into_iter().zip(urls) {
        match item.result {
            Ok(data) => fetches.successful.push(Fetched { url, data }),
            Err(e) => fetches.failed.push(FetchFailed {
                url,
                error: e.to_string(),
                kind: e.kind(),
            }),
        }
    }
    Ok(fetches)
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Fetches {
    /// The URLs that answered with JSON, in input order.
    successful: Vec<Fetched>,
    /// The URLs that did not, in input order.
    failed: Vec<FetchFailed>,
    /// How many URLs were given.
    total: usize,
    /// Always `completed`.
    status: Status,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Fetched {
    url: String,
    /// The response body.
    data: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct FetchFailed {
    url: String,
    /// What went wrong.
    error: String,
    /// The error kind (`upstream`, `timeout`, `invalid_arguments`, ...).
    kind: &'static str,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Processed {
    processed: bool,
    /// `processed_<id>`: the item's `id` (its position in `data` when it has none).
    result: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct ProcessedAll {
    /// One per item, in input order.
    results: Vec<Processed>,
    count: usize,
    /// Always `success`.
    status: Status,
}

/// Process items concurrently (at most `concurrency` at a time): each becomes
/// `{processed: true, result: "processed_<id>"}` with the item's `id` (its position in `data` when
/// it has none), in input order, with `count` and `status: "success"`. `delay_ms` simulates slow
/// work per item (for trying out concurrency: 100 items of 100 ms at concurrency 10 take about a
/// second). At most 10,000 items.
#[tool(read_only, idempotent)]
async fn async_parallel_processing(
    #[arg(description = "The items to process: objects, each with an `id`")] data: Vec<
        serde_json::Map<String, serde_json::Value>,
    >,
    #[arg(description = "Items processed at once, 1 to 256", default = 10)] concurrency: u32,
    #[arg(
        description = "Simulated work per item, in milliseconds (0 to 10000)",
        default = 0
    )]
    delay_ms: u64,
) -> Result<ProcessedAll, ToolError> {
    check_len("data", data.len())?;
    if delay_ms > 10_000 {
        return Err(ToolError::invalid_arguments(
            "`delay_ms` must be at most 10000",
        ));
    }
    let batch = settings(concurrency, 30_000)?;
    let items: Vec<(usize, Option<serde_json::Value>)> = data
        .into_iter()
        .map(|mut item| item.remove("id"))
        .enumerate()
        .collect();
    let report = batch
        .map(items, |(index, id)| async move {
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            let id = match id {
                Some(serde_json::Value::String(s)) => s,
                Some(other) => other.to_string(),
                None => index.to_string(),
            };
            Ok::<_, ToolError>(Processed {
                processed: true,
                result: format!("processed_{id}"),
            })
        })
        .await;
    let results: Vec<Processed> = report
        .results
        .into_iter()
        .map(|item| {
            item.result.unwrap_or_else(|e| Processed {
                processed: false,
                result: e.to_string(),
            })
        })
        .collect();
    Ok(ProcessedAll {
        count: results.len(),
        results,
        status: Status::Success,
    })
}

fn settings(concurrency: u32, timeout_ms: u64) -> Result<Batch, ToolError> {
    if !(1..=256).contains(&concurrency) {
        return Err(ToolError::invalid_arguments(format!(
            "`concurrency` must be from 1 to 256, not {concurrency}"
        )));
    }
    if timeout_ms == 0 {
        return Err(ToolError::invalid_arguments(
            "`timeout_ms` must be positive",
        ));
    }
    Ok(Batch::new(concurrency as usize).timeout(Duration::from_millis(timeout_ms)))
}
