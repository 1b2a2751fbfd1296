//! Attribute macros of [sturdy](https://docs.rs/sturdy). Use them through the `sturdy` facade
//! (`use sturdy::prelude::*`); the generated code refers to `::sturdy::__private` only.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use proc_macro::TokenStream;

mod function;
mod item;
mod prompt;
mod resilience;
mod resource;
mod state;
mod syntax;
mod tool;

/// Turns a free function (sync or async) into an MCP tool registered at link time.
///
/// Options: `name = "…"`, `description = "…"` (default: the doc comment), `title = "…"`, and the
/// annotation flags `read_only`, `destructive`, `idempotent`, `open_world` (or `flag = bool`).
/// `blocking` keeps a sync tool's calls on tokio's blocking pool (otherwise they run inline once
/// seen quick). `def = NAME` emits the definition as `static NAME: ToolDef` instead of registering it, for
/// tools a program adds itself (`Registry::from_inventory_and([&NAME])`); `crate = path` names
/// the `sturdy` crate when it is not `::sturdy` (the runtime's own tools use `crate = crate`).
/// Parameters may carry `#[arg(description = "…", default = <expr>, rename = "…")]`; a parameter of
/// type `Context` is injected and does not appear in the schema.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}

/// Turns a free function (sync or async) into an MCP resource registered at link time: one URI
/// (`#[resource(uri = "config://app")]`) or every URI of a template (`#[resource(template =
/// "file:///{+path}")]`, RFC 6570: `{var}` holds no `/`, `{+var}` may), whose variables are the
/// function's parameters (parsed with `FromStr`). Options: `name` (default: the function's),
/// `title`, `description` (default: the doc comment), `mime_type`, `blocking` (a sync function's
/// reads always on the blocking pool), `crate = path`. A parameter
/// of type `Context` is injected. Return text, bytes, JSON, `ResourceContents` or several, or a
/// `Result` of one; the resilience attributes apply as on tools.
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    resource::expand(attr.into(), item.into()).into()
}

/// Turns a free function (sync or async) into an MCP prompt registered at link time. Its
/// parameters are the prompt's arguments (`T` required, `Option<T>` optional, parsed from the
/// strings MCP sends with `FromStr`; `#[arg(description = "…", rename = "…")]`); a `Context`
/// parameter is injected. Options: `name` (default: the function's), `title`, `description`
/// (default: the doc comment), `blocking` (a sync function's calls always on the blocking pool),
/// `crate = path`. Return text (one user message), `PromptMessage`,
/// `Vec<PromptMessage>`, or a `Result` of one; the resilience attributes apply as on tools.
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    prompt::expand(attr.into(), item.into()).into()
}

fn resilience(kind: resilience::Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    resilience::expand(kind, attr.into(), item.into()).into()
}

/// Opens after `threshold` consecutive failures, rejects while open, lets `half_open` trial calls
/// through after `recovery`: `#[circuit_breaker(threshold = 5, recovery = 60, half_open = 1)]`.
///
/// The resilience attributes compose in a fixed order whatever their order in the source:
/// `rate_limited → cached → retry → circuit_breaker → timeout → bulkhead → function`. They take
/// a function, sync or async (`#[timeout]`: async only), returning `Result<T, E>` with
/// `E: From<sturdy::ToolError>`, through which rejections come back; `#[cached]` alone, which
/// rejects nothing, also takes a function returning a plain value.
#[proc_macro_attribute]
pub fn circuit_breaker(attr: TokenStream, item: TokenStream) -> TokenStream {
    resilience(resilience::Kind::CircuitBreaker, attr, item)
}

/// Retries failures with exponential backoff and jitter:
/// `#[retry(max = 3, base = 1, max_delay = 60, jitter = true, when = path::to_fn)]`.
#[proc_macro_attribute]
pub fn retry(attr: TokenStream, item: TokenStream) -> TokenStream {
    resilience(resilience::Kind::Retry, attr, item)
}

/// Caches successful results by all arguments: `#[cached(ttl = 300, capacity = 10_000)]`.
#[proc_macro_attribute]
pub fn cached(attr: TokenStream, item: TokenStream) -> TokenStream {
    resilience(resilience::Kind::Cached, attr, item)
}

/// At most N calls per window per key: `#[rate_limited(100, 60, key = client)]`; keys are
/// `client`, `global` or a parameter name.
#[proc_macro_attribute]
pub fn rate_limited(attr: TokenStream, item: TokenStream) -> TokenStream {
    resilience(resilience::Kind::RateLimited, attr, item)
}

/// Drops an attempt that runs longer than the limit: `#[timeout(30)]`, `#[timeout("500ms")]`.
#[proc_macro_attribute]
pub fn timeout(attr: TokenStream, item: TokenStream) -> TokenStream {
    resilience(resilience::Kind::Timeout, attr, item)
}

/// At most N calls running at once, others wait up to `max_wait`:
/// `#[bulkhead(max_concurrent = 10, max_wait = 0)]`.
#[proc_macro_attribute]
pub fn bulkhead(attr: TokenStream, item: TokenStream) -> TokenStream {
    resilience(resilience::Kind::Bulkhead, attr, item)
}
