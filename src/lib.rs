//! # sturdy
//!
//! Turn plain Rust functions into resilient MCP (Model Context Protocol) servers.
//!
//! ```no_run
//! use sturdy::prelude::*;
//!
//! /// Fetch JSON from a URL.
//! #[tool(read_only)]
//! #[circuit_breaker(threshold = 3, recovery = 30)]
//! #[retry(max = 3, base = "100ms")]
//! #[timeout(10)]
//! async fn fetch(url: String) -> Result<serde_json::Value, ToolError> {
//!     Ok(sturdy::remote::HttpClient::new().get_json(&url).await?)
//! }
//!
//! /// Add two numbers.
//! #[tool(read_only, idempotent)]
//! fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     // Serves every #[tool] of this binary over stdio (`--http ADDR`: Streamable HTTP);
//!     // `--list` prints what it serves.
//!     sturdy::App::new("calculator", "1.0.0").run().await
//! }
//! ```
//!
//! ## What is here
//!
//! - The attributes: [`tool`], [`resource`] and [`prompt`] make functions MCP tools, resources
//!   and prompts; [`circuit_breaker`], [`retry`], [`cached`], [`rate_limited`], [`timeout`] and
//!   [`bulkhead`] wrap them in one fixed pipeline of policies. `use sturdy::prelude::*;`
//!   imports them with the types a function takes and returns.
//! - What a function takes and returns: [`Context`] (client identity, progress, logs,
//!   cancellation, questions to the client), [`State`] (the application's values),
//!   [`ToolError`], [`Content`], [`ToolOutput`].
//! - Serving: [`App`] is the command line every server answers; [`Server`] with
//!   [`transport`] serves a registry another way; [`health`] and [`metrics`] are for operators.
//! - The resilience primitives without macros ([`resilience`]), load balancing ([`balancer`]),
//!   bounded batches ([`batch`]), resilient HTTP calls ([`remote`]), and state shared by replicas
//!   on Redis ([`shared`]).
//!
//! The guide, in chapters, is in the repository's `docs/guide/`.
//!
//! One dependency is enough: the macros' generated code refers to `::sturdy::__private` only,
//! which is not part of the API.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

/// # Example
///
/// ```
/// use sturdy::prelude::*;
///
/// /// Add two integers, and optionally a third.
/// #[tool(read_only, idempotent)]
/// fn add(a: i64, b: i64, #[arg(description = "An optional third addend")] c: Option<i64>) -> i64 {
///     a + b + c.unwrap_or(0)
/// }
///
/// let registry = Registry::from_inventory().unwrap();
/// let info = registry.get("add").expect("registered at link time");
/// assert_eq!(info.description, "Add two integers, and optionally a third.");
/// assert_eq!(add(1, 2, Some(3)), 6); // still a plain function
/// ```
pub use sturdy_macros::tool;

/// # Example
///
/// ```
/// use sturdy::prelude::*;
///
/// /// The application's settings.
/// #[resource(uri = "config://app", mime_type = "application/toml")]
/// fn settings() -> &'static str {
///     "debug = false"
/// }
///
/// /// One user, by numeric id.
/// #[resource(template = "users://{id}/profile")]
/// fn profile(id: u32) -> String {
///     format!("user {id}")
/// }
///
/// assert_eq!(profile(7), "user 7");
/// ```
pub use sturdy_macros::resource;

/// # Example
///
/// ```
/// use sturdy::prelude::*;
///
/// /// Review a piece of code.
/// #[prompt(title = "Code review")]
/// fn review(#[arg(description = "The code to review")] code: String) -> String {
///     format!("Review this code:\n{code}")
/// }
///
/// assert!(review("fn main() {}".into()).starts_with("Review"));
/// ```
pub use sturdy_macros::prompt;

/// # Example
///
/// ```
/// use sturdy::prelude::*;
///
/// /// Fails until the upstream recovers.
/// #[circuit_breaker(threshold = 2, recovery = 30)]
/// async fn upstream(up: bool) -> Result<&'static str, ToolError> {
///     if up { Ok("answer") } else { Err(ToolError::new("down")) }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert!(upstream(false).await.is_err());
/// assert!(upstream(false).await.is_err());
/// // Two failures in a row opened it: the function is not called, the caller learns when to
/// // come back.
/// let open = upstream(true).await.unwrap_err();
/// assert_eq!(open.kind(), "circuit_open");
/// assert!(open.retry_after().is_some());
/// # }
/// ```
pub use sturdy_macros::circuit_breaker;

/// # Example
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use sturdy::prelude::*;
///
/// static CALLS: AtomicU32 = AtomicU32::new(0);
///
/// /// Succeeds on the third attempt.
/// #[retry(max = 3, base = "1ms")]
/// async fn flaky() -> Result<u32, ToolError> {
///     match CALLS.fetch_add(1, Ordering::SeqCst) {
///         0 | 1 => Err(ToolError::new("not yet")),
///         n => Ok(n),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(flaky().await.unwrap(), 2);
/// # }
/// ```
pub use sturdy_macros::retry;

/// # Example
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use sturdy::prelude::*;
///
/// static COMPUTED: AtomicU32 = AtomicU32::new(0);
///
/// /// A slow computation, once per argument for a minute.
/// #[cached(ttl = 60)]
/// fn square(n: u64) -> u64 {
///     COMPUTED.fetch_add(1, Ordering::SeqCst);
///     n * n
/// }
///
/// assert_eq!(square(4), 16);
/// assert_eq!(square(4), 16);
/// assert_eq!(COMPUTED.load(Ordering::SeqCst), 1);
/// ```
pub use sturdy_macros::cached;

/// # Example
///
/// ```
/// use sturdy::prelude::*;
///
/// /// At most two calls a minute for everybody.
/// #[rate_limited(2, 60, key = global)]
/// async fn expensive() -> Result<(), ToolError> {
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert!(expensive().await.is_ok());
/// assert!(expensive().await.is_ok());
/// let refused = expensive().await.unwrap_err();
/// assert_eq!(refused.kind(), "rate_limited");
/// # }
/// ```
pub use sturdy_macros::rate_limited;

/// # Example
///
/// ```
/// use std::time::Duration;
/// use sturdy::prelude::*;
///
/// /// Takes longer than it may.
/// #[timeout("20ms")]
/// async fn slow() -> Result<(), ToolError> {
///     tokio::time::sleep(Duration::from_secs(5)).await;
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(slow().await.unwrap_err().kind(), "timeout");
/// # }
/// ```
pub use sturdy_macros::timeout;

/// # Example
///
/// ```
/// use std::time::Duration;
/// use sturdy::prelude::*;
///
/// /// One at a time; a second caller waits at most 10 ms.
/// #[bulkhead(max_concurrent = 1, max_wait = "10ms")]
/// async fn exclusive() -> Result<(), ToolError> {
///     tokio::time::sleep(Duration::from_millis(200)).await;
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (first, second) = tokio::join!(exclusive(), exclusive());
/// assert!(first.is_ok());
/// assert_eq!(second.unwrap_err().kind(), "rejected");
/// # }
/// ```
pub use sturdy_macros::bulkhead;

pub use sturdy_runtime::{
    App, AppState, Content, Context, ElicitAction, Elicitation, LogLevel, Registry, RegistryError,
    Sampled, Server, ServerInfo, State, ToolError, ToolInfo, ToolOutput,
};

pub use sturdy_runtime::{
    app, balancer, batch, client, health, mcp, metrics, prompts, registry, resilience, resources,
    shared, testing, transport,
};

#[cfg(feature = "remote")]
pub use sturdy_runtime::remote;

#[cfg(feature = "auth")]
pub use sturdy_runtime::auth;

#[cfg(feature = "otel")]
pub use sturdy_runtime::telemetry;

pub use sturdy_runtime::skills;

/// Everything a tool author imports: `use sturdy::prelude::*;`.
pub mod prelude {
    pub use sturdy_macros::{
        bulkhead, cached, circuit_breaker, prompt, rate_limited, resource, retry, timeout, tool,
    };
    pub use sturdy_runtime::prompts::PromptMessage;
    pub use sturdy_runtime::resources::ResourceContents;
    pub use sturdy_runtime::{
        App, Content, Context, ElicitAction, Elicitation, LogLevel, Registry, Server, ServerInfo,
        State, ToolError,
    };
}

#[doc(hidden)]
pub use sturdy_runtime::__private;
