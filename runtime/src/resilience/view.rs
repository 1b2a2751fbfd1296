//! Every function's live policies, seen without their types: for health checks, metrics,
//! dashboards and tests.

use super::circuit_breaker::CircuitBreaker;
use std::sync::{Arc, Mutex};

/// The live policies of one function, seen without their types.
pub trait PolicyView: Send + Sync {
    /// `module::path::function`.
    fn name(&self) -> &'static str;
    /// State of each policy as JSON (`{"circuit_breaker": {...}, "cached": {...}, ...}`).
    fn stats(&self) -> serde_json::Value;
    /// Its breaker, if it has one.
    fn circuit_breaker(&self) -> Option<&CircuitBreaker>;
    /// Applies pending cache evictions (cache counts are otherwise updated lazily).
    fn sync(&self) -> futures_util::future::BoxFuture<'_, ()>;
}

static POLICIES: Mutex<Vec<Arc<dyn PolicyView>>> = Mutex::new(Vec::new());

pub(crate) fn register(_name: &'static str, policies: Arc<dyn PolicyView>) {
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
