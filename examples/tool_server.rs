//! An example MCP tool server: run it with `cargo run --example tool_server` and connect any MCP
//! client over stdio, or print its tools with `cargo run --example tool_server -- --list-tools`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sturdy::health::HealthChecker;
use sturdy::prelude::*;

/// Add two integers, and optionally a third.
#[tool(read_only, idempotent)]
async fn add(
    a: i64,
    b: i64,
    #[arg(description = "An optional third addend")] c: Option<i64>,
) -> i64 {
    a + b + c.unwrap_or(0)
}

/// Greet someone by name.
#[tool(title = "Greeter", read_only)]
fn greet(
    #[arg(description = "Who to greet")] name: String,
    #[arg(description = "Greeting word", default = "Hello")] greeting: String,
) -> String {
    format!("{greeting}, {name}!")
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Stats {
    /// Number of points.
    count: usize,
    /// Mean of the points.
    centroid: Option<(f64, f64)>,
    /// Largest distance from the centroid.
    spread: f64,
}

/// Summary statistics of a set of 2-D points.
#[tool(read_only, idempotent)]
fn point_stats(points: Vec<Point>) -> Stats {
    if points.is_empty() {
        return Stats {
            count: 0,
            centroid: None,
            spread: 0.0,
        };
    }
    let n = points.len() as f64;
    let (cx, cy) = (
        points.iter().map(|p| p.x).sum::<f64>() / n,
        points.iter().map(|p| p.y).sum::<f64>() / n,
    );
    let spread = points
        .iter()
        .map(|p| ((p.x - cx).powi(2) + (p.y - cy).powi(2)).sqrt())
        .fold(0.0, f64::max);
    Stats {
        count: points.len(),
        centroid: Some((cx, cy)),
        spread,
    }
}

/// Divide a by b; dividing by zero is a tool error the model can read.
#[tool(read_only, idempotent)]
fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("cannot divide by zero"));
    }
    Ok(a / b)
}

/// Count to n, reporting progress to the client as it goes.
#[tool]
async fn count_slowly(ctx: Context, n: u32) -> String {
    for i in 1..=n {
        ctx.progress(f64::from(i), Some(f64::from(n)), Some("counting"))
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    format!("counted to {n}")
}

/// Always panics: shows that a panicking tool becomes an error result and the server keeps going.
#[tool(name = "panic_demo")]
fn panics() -> String {
    panic!("this tool always panics")
}

// ---------------------------------------------------------------- resilient API calls

/// Bodies larger than this are refused rather than buffered.
const MAX_BODY: usize = 8 << 20;

/// One HTTP client for every call (it pools connections). Each attempt of `resilient_api_call` has
/// its own `#[timeout]`; the client's timeouts are a backstop for `retry_api_call`.
static HTTP: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
    reqwest::Client::builder()
        .user_agent(concat!("sturdy-tool-server/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("the HTTP client builds")
});

/// GETs `url` and parses the body as JSON. Every failure that got an answer from the server reads
/// `HTTP <status> from GET <url>…`, which is what [`is_transient`] looks at.
async fn get_json(url: &str) -> Result<serde_json::Value, ToolError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ToolError::invalid_arguments(format!("`url` is not a valid URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ToolError::invalid_arguments(format!(
            "`url` must be an http or https URL, not {:?}",
            parsed.scheme()
        )));
    }
    let mut response = HTTP.get(parsed).send().await.map_err(|e| {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "failed"
        };
        ToolError::new(format!("GET {url} {what}: {}", error_chain(&e)))
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(ToolError::new(format!("HTTP {status} from GET {url}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        ToolError::new(format!(
            "GET {url} failed while reading the body: {}",
            error_chain(&e)
        ))
    })? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ToolError::new(format!(
                "HTTP {status} from GET {url}: the body is larger than {} MiB",
                MAX_BODY >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| {
        ToolError::new(format!(
            "HTTP {status} from GET {url}: the body is not JSON ({e})"
        ))
    })
}

/// What went wrong, from the error's sources (reqwest's own message is terse and repeats the URL).
fn error_chain(e: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    if causes.is_empty() {
        e.to_string()
    } else {
        causes.join(": ")
    }
}

/// `#[retry(when = …)]` of the API tools: retry what may go away by itself — server errors (5xx),
/// 408 Request Timeout, connection failures and timeouts. Any other status is the server's answer to
/// this request (asking again gets the same answer), and a body that is not JSON will not become
/// JSON; bad arguments, open circuits and rate limits are never retried.
fn is_transient(e: &ToolError) -> bool {
    match e {
        ToolError::Failed(message) => match http_status(message) {
            Some(status) => status >= 500 || status == 408,
            None => true,
        },
        other => other.is_retryable(),
    }
}

/// The status of a `HTTP <status> from GET …` message.
fn http_status(message: &str) -> Option<u16> {
    message.strip_prefix("HTTP ")?.get(..3)?.parse().ok()
}

/// Fetch JSON from a URL (HTTP GET), protected by a circuit breaker and retries: server errors
/// (5xx), timeouts and connection failures are retried up to 3 times with jittered exponential
/// backoff; other HTTP errors (such as 404) are returned at once, naming the status and the URL.
/// After 3 consecutive failed attempts the circuit opens for 30 s: calls then fail immediately with
/// `circuit_open` and a `retry_after`, without contacting the server. The breaker is shared by all
/// URLs. Each attempt times out after 10 s; bodies over 8 MiB are refused.
#[tool(read_only, idempotent, open_world)]
#[circuit_breaker(threshold = 3, recovery = 30)]
#[retry(max = 3, base = "100ms", max_delay = "2s", when = is_transient)]
#[timeout(10)]
async fn resilient_api_call(
    #[arg(description = "The http(s) URL to GET; the response body must be JSON")] url: String,
) -> Result<serde_json::Value, ToolError> {
    get_json(&url).await
}

/// Fetch JSON from a URL (HTTP GET), retrying server errors (5xx), timeouts and connection failures
/// up to 3 times with jittered exponential backoff; other HTTP errors (such as 404) are returned at
/// once. When every attempt fails, the last attempt's error is returned (status code and URL).
#[tool(read_only, idempotent, open_world)]
#[retry(max = 3, base = "100ms", max_delay = "2s", when = is_transient)]
async fn retry_api_call(
    #[arg(description = "The http(s) URL to GET; the response body must be JSON")] url: String,
) -> Result<serde_json::Value, ToolError> {
    get_json(&url).await
}

// ---------------------------------------------------------------- cached computations

/// The largest `n` whose Fibonacci number fits in 128 bits.
const MAX_FIBONACCI: u64 = 186;

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Fibonacci {
    n: u64,
    /// F(n) in decimal: a string, because it exceeds the integers JSON numbers carry exactly.
    value: String,
}

/// The n-th Fibonacci number (F(0) = 0, F(1) = 1), for n up to 186. Results are cached for 5
/// minutes per n: a repeated call is answered from the cache (`_meta["dev.sturdy/cache"]: "hit"`).
#[tool(read_only, idempotent)]
#[cached(ttl = 300)]
async fn fibonacci(
    #[arg(description = "Which Fibonacci number, from 0 to 186")] n: u64,
) -> Result<Fibonacci, ToolError> {
    if n > MAX_FIBONACCI {
        return Err(ToolError::invalid_arguments(format!(
            "n = {n} is too large: F(n) fits in 128 bits up to n = {MAX_FIBONACCI}"
        )));
    }
    // b runs one ahead: it only saturates at F(187), which is never returned.
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..n {
        (a, b) = (b, a.saturating_add(b));
    }
    Ok(Fibonacci {
        n,
        value: a.to_string(),
    })
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Primality {
    n: u64,
    is_prime: bool,
}

/// Whether n is a prime number (exact for every 64-bit n: deterministic Miller–Rabin). Results are
/// cached for 5 minutes per n: a repeated call is answered from the cache
/// (`_meta["dev.sturdy/cache"]: "hit"`).
#[tool(read_only, idempotent)]
#[cached(ttl = 300)]
async fn prime_check(
    #[arg(description = "The number to test, from 0 to 2^64 - 1")] n: u64,
) -> Result<Primality, ToolError> {
    Ok(Primality {
        n,
        is_prime: is_prime(n),
    })
}

fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n % p == 0 {
            return n == p;
        }
    }
    let mul = |a: u64, b: u64| (u128::from(a) * u128::from(b) % u128::from(n)) as u64;
    let pow = |mut base: u64, mut exp: u64| {
        let mut acc = 1;
        while exp > 0 {
            if exp & 1 == 1 {
                acc = mul(acc, base);
            }
            base = mul(base, base);
            exp >>= 1;
        }
        acc
    };
    // n - 1 = d · 2^s with d odd; these bases decide every n < 2^64.
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    BASES.iter().all(|&a| {
        let mut x = pow(a, d);
        if x == 1 || x == n - 1 {
            return true;
        }
        for _ in 1..s {
            x = mul(x, x);
            if x == n - 1 {
                return true;
            }
        }
        false
    })
}

// ---------------------------------------------------------------- rate limiting

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

#[tokio::main]
async fn main() -> std::process::ExitCode {
    sturdy::App::new("sturdy-tool-server", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Arithmetic and geometry helpers, resilient HTTP API calls, cached computations and a \
             rate-limited operation, built with sturdy.",
        )
        // The built-in `health_check` / `simple_health` tools, and `GET /ready` over HTTP.
        .health(
            HealthChecker::new()
                .circuit_breakers()
                .system_resources(0.95, 0.95),
        )
        .run()
        .await
}
