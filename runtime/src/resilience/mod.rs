//! Resilience primitives, usable on their own or through the attributes (`#[circuit_breaker]`,
//! `#[retry]`, `#[cached]`, `#[rate_limited]`, `#[timeout]`, `#[bulkhead]`), which compose them
//! in a fixed order: `rate_limited → cached → retry → circuit_breaker → timeout → bulkhead →
//! function`.

mod bulkhead;
mod cache;
mod cache_probes;
mod call;
mod circuit_breaker;
pub(crate) mod macro_support;
mod pipeline;
mod rate_limiter;
mod retry;
mod view;

pub use bulkhead::{Bulkhead, BulkheadStats};
pub use cache::{Cache, CacheStats};
pub use call::{current_client, served_from_cache};
pub(crate) use call::{run_as_call, CallInfo, CALL};
pub use circuit_breaker::{
    BreakerPermit, CircuitBreaker, CircuitBreakerConfig, CircuitState, CircuitStats, FailureRate,
};
#[doc(hidden)]
pub use rate_limiter::KeyHash;
pub use rate_limiter::{RateLimiter, RateLimiterStats};
pub use retry::Retry;
#[cfg_attr(not(feature = "remote"), allow(unused_imports))]
pub(crate) use retry::Wait;
pub use view::{policies, policies_for, PolicyView};
