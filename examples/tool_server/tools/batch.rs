//! Many requests or jobs at once: bounded concurrency, a time limit per item, results in input
//! order with per-item errors.

use super::api::HTTP;
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use sturdy::batch::{Batch, BatchReport};
use sturdy::prelude::*;
use sturdy::remote::ByteBudget;

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

/// GET many URLs concurrently (at most `concurrency` at a time, each within `timeout_ms`) and
/// return every body as JSON, in the order of `urls`. One URL failing does not fail the batch: its
/// result says why (`upstream` with the status, `timeout`, `invalid_arguments` for a bad URL), and
/// `successful` / `failed` / `total` sum it up. Nothing is retried. At most 10,000 URLs, and 64 MiB
/// of response bodies in all: URLs read after that fail with an `upstream` error saying so.
#[tool(read_only, open_world)]
async fn async_batch_requests(
    #[arg(description = "The http(s) URLs to GET")] urls: Vec<String>,
    #[arg(description = "Requests in flight at once, 1 to 256", default = 10)] concurrency: u32,
    #[arg(
        description = "Time limit of each request, in milliseconds",
        default = 10000
    )]
    timeout_ms: u64,
) -> Result<BatchReport<serde_json::Value>, ToolError> {
    check_len("urls", urls.len())?;
    let batch = settings(concurrency, timeout_ms)?;
    // Shared by the jobs, each owning a clone: a job future borrowing a local of this function
    // trips rustc's higher-ranked lifetime inference for the tool's boxed `Send` future.
    let budget = Arc::new(ByteBudget::new(MAX_BATCH_BYTES));
    Ok(batch
        .map(urls, |url| {
            let budget = budget.clone();
            async move { HTTP.get_json_within(&url, &budget).await }
        })
        .await)
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Processed {
    /// The item, as received.
    item: String,
    /// The item in upper case.
    upper: String,
    /// Whitespace-separated words.
    words: usize,
    /// Unicode scalar values.
    chars: usize,
}

/// Process text items concurrently (at most `concurrency` at a time): each item's upper-case form,
/// word and character counts, in input order. An empty item is reported as that item's error
/// without failing the others. `delay_ms` simulates slow work per item (for trying out
/// concurrency: 100 items of 100 ms at concurrency 10 take about a second). At most 10,000 items.
#[tool(read_only, idempotent)]
async fn async_parallel_processing(
    #[arg(description = "The texts to process")] items: Vec<String>,
    #[arg(description = "Items processed at once, 1 to 256", default = 10)] concurrency: u32,
    #[arg(
        description = "Simulated work per item, in milliseconds (0 to 10000)",
        default = 0
    )]
    delay_ms: u64,
) -> Result<BatchReport<Processed>, ToolError> {
    check_len("items", items.len())?;
    if delay_ms > 10_000 {
        return Err(ToolError::invalid_arguments(
            "`delay_ms` must be at most 10000",
        ));
    }
    let batch = settings(concurrency, 30_000)?;
    Ok(batch
        .map(items, |item| async move {
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            if item.trim().is_empty() {
                return Err(ToolError::new("the item is empty"));
            }
            Ok(Processed {
                upper: item.to_uppercase(),
                words: item.split_whitespace().count(),
                chars: item.chars().count(),
                item,
            })
        })
        .await)
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
