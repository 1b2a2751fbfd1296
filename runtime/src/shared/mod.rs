//! State shared by the replicas of one server: a store chosen at start-up, never in the
//! attributes. In-process by default (each replica keeps its own limits, as it always has);
//! Redis when `STURDY_REDIS_URL` is set (`App` reads it) or a program installs one with
//! [`install`]. What users write above their functions does not change.
//!
//! Every Redis operation has a short timeout ([`RedisOptions::timeout`], 50 ms by default); when
//! Redis is unavailable, slow or answers something unusable, the caller falls back to what a
//! replica does alone, the fallback is logged once per outage and counted
//! ([`SharedStats`], `/metrics`), and sharing resumes by itself when Redis answers again.

//!
//! Without the `redis` feature only [`ValueCodec`] is here (what generated code names).

#[cfg(feature = "redis")]
mod breaker;
#[cfg(feature = "redis")]
mod cache;
mod codec;
#[cfg(feature = "redis")]
mod connection;
#[cfg(feature = "redis")]
mod outage;
#[cfg(feature = "redis")]
mod rate_limit;
#[cfg(feature = "redis")]
mod redis_options;
#[cfg(feature = "redis")]
mod redis_store;
#[cfg(feature = "redis")]
mod task_scripts;
#[cfg(feature = "redis")]
pub(crate) mod tasks;

#[cfg(feature = "redis")]
pub use cache::MAX_SHARED_VALUE_BYTES;
#[doc(hidden)]
pub use codec::{CodecProbe, LocalOnly, Serde, ValueCodec};
#[cfg(feature = "redis")]
pub use outage::SharedStats;
#[cfg(feature = "redis")]
pub use rate_limit::{RateDecision, SLIDING_LOG_SCRIPT};
#[cfg(feature = "redis")]
pub(crate) use redis_options::redacted as redacted_url;
#[cfg(feature = "redis")]
pub use redis_options::{RateLimitFallback, RedisOptions, RedisTls, DEFAULT_TIMEOUT};
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;

#[cfg(feature = "redis")]
use std::sync::{Arc, OnceLock};

#[cfg(feature = "redis")]
/// The store this process shares with its replicas, once installed.
static STORE: OnceLock<Arc<RedisStore>> = OnceLock::new();

#[cfg(feature = "redis")]
/// Makes `store` the one every policy of this process shares. Once per process: a second store
/// is refused (and dropped), the first stays.
pub fn install(store: RedisStore) -> Result<(), AlreadyInstalled> {
    STORE.set(Arc::new(store)).map_err(|_| AlreadyInstalled)
}

#[cfg(feature = "redis")]
/// [`install`] was called before: the process keeps its first store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyInstalled;

#[cfg(feature = "redis")]
impl std::fmt::Display for AlreadyInstalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a shared store is already installed in this process")
    }
}

#[cfg(feature = "redis")]
impl std::error::Error for AlreadyInstalled {}

#[cfg(feature = "redis")]
/// The shared store, if one is installed.
pub fn store() -> Option<&'static Arc<RedisStore>> {
    STORE.get()
}
