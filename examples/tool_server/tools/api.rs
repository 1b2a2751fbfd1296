//! HTTP API calls behind a circuit breaker and retries.

use super::Status;
use schemars::JsonSchema;
use serde::Serialize;
use std::time::Duration;
use sturdy::prelude::*;
use sturdy::remote::HttpClient;

/// The client every API call shares (it pools connections), given to the app once
/// (`App::state`) and received by the tools as a `State<HttpClient>` parameter. Each attempt of
/// `resilient_api_call` also has its own `#[timeout]`; the client's 30 s limit bounds
/// `retry_api_call`'s attempts.
pub fn http_client() -> HttpClient {
    HttpClient::builder()
        .user_agent(concat!("sturdy-tool-server/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(30))
        .max_body(8 << 20)
        .build()
}

/// What opens `resilient_api_call`'s circuit: failures that say the service is unwell (5xx, 408,
/// 429, timeouts, connection failures). A 404 or a body that is not JSON is the service's answer
/// to one request: it counts as a success, so a few bad URLs cannot shut the tool for everyone.
fn is_outage(e: &ToolError) -> bool {
    e.is_retryable()
}

/// What the API tools return (the reference pattern's fields).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Fetched {
    /// The response body.
    data: serde_json::Value,
    /// Always `success` (failures are error results).
    status: Status,
}

impl Fetched {
    fn new(data: serde_json::Value) -> Self {
        Fetched {
            data,
            status: Status::Success,
        }
    }
}

/// Fetch JSON from a URL (HTTP GET), protected by a circuit breaker and retries: server errors
/// (5xx), 408, 429, timeouts and connection failures are retried up to 3 times with jittered
/// exponential backoff; other HTTP errors (such as 404) and bodies that are not JSON are returned
/// at once as an `upstream` error naming the status and the URL. After 3 consecutive failed
/// attempts (of the retried kinds) the circuit opens for 30 s: calls then fail immediately with
/// `circuit_open` and a `retry_after`, without contacting the server. The breaker is shared by all
/// URLs. Each attempt times out after 10 s; bodies over 8 MiB are refused. Returns the body as
/// `data`, with `status: "success"`. A client that declared the tasks extension gets a task to
/// poll while the attempts go on.
#[tool(read_only, idempotent, open_world, task)]
// Shared: with replicas on one Redis (`STURDY_REDIS_URL`), one replica's open breaker makes the
// others fail fast too (the service is down for all of them); alone, it is an ordinary breaker.
#[circuit_breaker(threshold = 3, recovery = 30, when = is_outage, shared = true)]
#[retry(max = 3, base = "100ms", max_delay = "2s")]
#[timeout(10)]
async fn resilient_api_call(
    http: State<HttpClient>,
    #[arg(description = "The http(s) URL to GET; the response body must be JSON")] url: String,
) -> Result<Fetched, ToolError> {
    Ok(Fetched::new(http.get_json(&url).await?))
}

/// Fetch JSON from a URL (HTTP GET), retrying server errors (5xx), 408, 429, timeouts and
/// connection failures up to 3 times with exponential backoff from 1 s (1, 2, 4 s, each times a
/// random factor in [0.5, 1]); other HTTP errors (such as 404) are returned at once. When every
/// attempt fails, the last attempt's error is returned (status code and URL). Returns the body as
/// `data`, with `status: "success"`.
#[tool(read_only, idempotent, open_world)]
#[retry(max = 3, base = 1, jitter = true)]
async fn retry_api_call(
    http: State<HttpClient>,
    #[arg(description = "The http(s) URL to GET; the response body must be JSON")] url: String,
) -> Result<Fetched, ToolError> {
    Ok(Fetched::new(http.get_json(&url).await?))
}
