//! Rate-limited operations: the reference pattern (keyed by a `client_id` argument) and the
//! production form (keyed by the caller's identity).

use super::Status;
use schemars::JsonSchema;
use serde::Serialize;
use sturdy::prelude::*;

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Processed {
    /// `Processed: <data>`.
    result: String,
    /// Always `success` (a call over the limit is an error result).
    status: Status,
    /// Whose quota the call was counted against.
    client: String,
}

/// Process some data, at most 10 calls per 60 s per `client_id` (the reference pattern: the
/// caller names its own quota, so a caller can dodge the limit by changing `client_id`; see
/// `rate_limited_per_client` for a limit it cannot dodge). Calls beyond the limit fail with
/// `rate_limited` and a `retry_after` (seconds) without running.
#[tool]
#[rate_limited(10, 60, key = client_id)]
async fn rate_limited_operation(
    #[arg(description = "The data to process")] data: String,
    #[arg(
        description = "Whose quota the call counts against",
        default = "default"
    )]
    client_id: String,
) -> Result<Processed, ToolError> {
    Ok(Processed {
        result: format!("Processed: {data}"),
        status: Status::Success,
        client: client_id,
    })
}

/// Process some data, at most 10 calls per 60 s per caller: the authenticated principal over HTTP
/// with bearer tokens, else the session, else the client's name. Calls beyond the limit fail with
/// `rate_limited` and a `retry_after` (seconds) without running.
#[tool]
#[rate_limited(10, 60, key = client)]
async fn rate_limited_per_client(
    ctx: Context,
    #[arg(description = "The data to process")] data: String,
) -> Result<Processed, ToolError> {
    Ok(Processed {
        result: format!("Processed: {data}"),
        status: Status::Success,
        client: ctx.client_id().to_owned(),
    })
}
