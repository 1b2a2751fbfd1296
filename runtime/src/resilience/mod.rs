//! Resilience primitives, usable on their own or through the attributes (`#[circuit_breaker]`,
//! `#[retry]`, `#[cached]`, `#[rate_limited]`, `#[timeout]`, `#[bulkhead]`), which compose them
//! in a fixed order (see [`pipeline`]).

mod bulkhead;
mod cache;
mod circuit_breaker;
#[doc(hidden)]
pub mod macro_support;
pub mod pipeline;
mod rate_limiter;
mod retry;

pub use bulkhead::{Bulkhead, BulkheadStats};
pub use cache::{Cache, CacheStats};
pub use circuit_breaker::{
    BreakerPermit, CircuitBreaker, CircuitBreakerConfig, CircuitState, CircuitStats, FailureRate,
};
pub use pipeline::{Fail, Policies, PolicySpec, Predicates, RateKey};
pub use rate_limiter::{KeyHash, RateLimiter, RateLimiterStats};
pub use retry::Retry;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Who is calling and what happened, for the duration of one tool call.
#[derive(Debug)]
pub struct CallInfo {
    pub client: Arc<str>,
    pub cache_hit: AtomicBool,
}

tokio::task_local! {
    /// Set by the registry around each tool call (and carried onto the blocking pool for sync
    /// tools).
    pub static CALL: Arc<CallInfo>;
}

/// The current call's client identity, `"default"` outside a tool call.
pub fn current_client() -> String {
    with_client(str::to_owned)
}

/// `f` of the current call's client identity (`"default"` outside a tool call), without copying
/// it.
fn with_client<R>(f: impl FnOnce(&str) -> R) -> R {
    let mut f = Some(f);
    if let Ok(r) = CALL.try_with(|c| f.take().expect("called once")(&c.client)) {
        return r;
    }
    // Outside a call `try_with` did not run its closure.
    f.take().expect("not called yet")("default")
}

/// Whether a `#[cached]` function called during the current tool call has so far been answered
/// from its cache (`false` outside a tool call). A tool that caches an inner computation tells its
/// caller with it:
///
/// ```
/// use sturdy_runtime::resilience::served_from_cache;
/// assert!(!served_from_cache());
/// ```
pub fn served_from_cache() -> bool {
    CALL.try_with(|c| c.cache_hit.load(Ordering::Relaxed))
        .unwrap_or(false)
}

fn mark_cache_hit() {
    let _ = CALL.try_with(|c| c.cache_hit.store(true, Ordering::Relaxed));
}

/// The live policies of one function, seen without their types.
pub trait PolicyView: Send + Sync {
    /// `module::path::function`.
    fn name(&self) -> &'static str;
    /// State of each policy as JSON (`{"circuit_breaker": {...}, "cached": {...}, ...}`).
    fn stats(&self) -> serde_json::Value;
    fn circuit_breaker(&self) -> Option<&CircuitBreaker>;
    /// Applies pending cache evictions (cache counts are otherwise updated lazily).
    fn sync(&self) -> futures_util::future::BoxFuture<'_, ()>;
}

impl<K, V, E> PolicyView for Policies<K, V, E>
where
    K: Send + Sync + 'static,
    V: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        Policies::name(self)
    }
    fn stats(&self) -> serde_json::Value {
        Policies::stats(self)
    }
    fn circuit_breaker(&self) -> Option<&CircuitBreaker> {
        Policies::circuit_breaker(self)
    }
    fn sync(&self) -> futures_util::future::BoxFuture<'_, ()> {
        Policies::sync_cache(self)
    }
}

static POLICIES: Mutex<Vec<Arc<dyn PolicyView>>> = Mutex::new(Vec::new());

fn register(_name: &'static str, policies: Arc<dyn PolicyView>) {
    POLICIES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(policies);
}

/// The policies of every function whose resilience attributes have run at least once (state is
/// created on first call), for health checks, dashboards and tests.
pub fn policies() -> Vec<Arc<dyn PolicyView>> {
    POLICIES.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The live policies of the function whose path ends with `suffix` (e.g. `"::fetch_user"`).
pub fn policies_for(suffix: &str) -> Option<Arc<dyn PolicyView>> {
    policies().into_iter().find(|p| p.name().ends_with(suffix))
}
