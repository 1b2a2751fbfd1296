//! A rate-limited operation.

use schemars::JsonSchema;
use serde::Serialize;
use sturdy::prelude::*;

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Accepted {
    /// The task, as received.
    task: String,
    /// Who the call was counted against.
    client: String,
}

/// Accept a task for processing, at most 5 calls per minute per client. Calls beyond the limit fail
/// with `rate_limited` and a `retry_after` (seconds) without running.
#[tool]
#[rate_limited(5, 60, key = client)]
async fn rate_limited_operation(
    ctx: Context,
    #[arg(description = "What to do")] task: String,
) -> Result<Accepted, ToolError> {
    Ok(Accepted {
        task,
        client: ctx.client_id().to_owned(),
    })
}
