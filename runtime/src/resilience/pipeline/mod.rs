//! The canonical pipeline the resilience attributes build:
//! `rate_limited → cached → retry → circuit_breaker → timeout → bulkhead → function`.
//!
//! A rejected client costs nothing; a cache hit skips everything below it; every retry attempt
//! passes the breaker and has its own timeout.

mod admission;
mod attempt;
mod cached;
mod fail;
mod spec;

pub(super) use fail::{Fail, PanicPayload};
pub use spec::{BulkheadSpec, CacheSpec, PolicySpec, RateKey, RateSpec, RetrySpec};

use super::bulkhead::Bulkhead;
use super::cache::Cache;
use super::call::{mark_cache_hit, with_client};
use super::circuit_breaker::CircuitBreaker;
#[cfg(feature = "redis")]
use super::circuit_breaker::CircuitState;
use super::rate_limiter::{KeyHash, RateLimiter};
use super::retry::{Retry, Wait};
use super::view::{register, PolicyView};
use crate::shared::ValueCodec;
use futures_util::future::BoxFuture;
use serde_json::{json, Value};
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The live state of one function's policies. Built once per function (on first call) by
/// [`Policies::new`], which also registers the breaker for health reporting.
pub struct Policies<K, V, E> {
    name: &'static str,
    rate: Option<Rate>,
    cache: Option<Cache<K, V>>,
    /// How its values travel to the other replicas, and for how long they are kept, when they
    /// serialise.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    shared_cache: Option<(ValueCodec<V>, Duration)>,
    retry: Option<Retry>,
    /// Retries made (attempts after the first), for [`stats`](Self::stats).
    retries: AtomicU64,
    when: Predicates<E>,
    breaker: Option<Arc<CircuitBreaker>>,
    /// The breaker's open state is shared with the other replicas (`shared = true`).
    breaker_shared: bool,
    timeout: Option<Duration>,
    bulkhead: Option<Bulkhead>,
    blocking: bool,
    /// Applies the cache's pending evictions. A function pointer made where `V: Clone` is known
    /// (in [`Policies::new_cached`]), so that the rest of the pipeline does not require it.
    cache_sync: Option<for<'a> fn(&'a Self) -> BoxFuture<'a, ()>>,
}

/// The functions of `#[retry(when = …)]` and `#[circuit_breaker(when = …)]`.
pub struct Predicates<E> {
    /// Which of the function's errors are retried (default: see [`Retry`]).
    pub retry: Option<fn(&E) -> bool>,
    /// Which of the function's errors count as breaker failures (default: all).
    pub failure: Option<fn(&E) -> bool>,
}

impl<E> Clone for Predicates<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Predicates<E> {}

impl<E> Default for Predicates<E> {
    fn default() -> Self {
        Predicates {
            retry: None,
            failure: None,
        }
    }
}

/// A function's cache, how its values travel to other replicas, and their TTL.
type CacheParts<K, V> = (Cache<K, V>, Option<ValueCodec<V>>, Duration);

/// A rate limit and where its key comes from.
struct Rate {
    limiter: RateLimiter,
    key: RateKey,
    /// What the limiter was made with, for the shared limit (`crate::shared`).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    limit: u32,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    window: Duration,
    /// The hash of [`GLOBAL`], the key of `key = global`, computed once.
    global: KeyHash,
}

/// The key every caller shares under `key = global`.
const GLOBAL: &str = "global";

impl<K, V, E> Policies<K, V, E>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    /// [`new`](Policies::new) for a function with `#[cached]` (whose values must be `Clone`);
    /// `codec`, when its values serialise, lets replicas share them (`crate::shared`).
    pub fn new_cached(
        name: &'static str,
        spec: &PolicySpec,
        when: Predicates<E>,
        codec: Option<ValueCodec<V>>,
    ) -> Arc<Self> {
        Self::build(
            name,
            spec,
            when,
            spec.cache
                .map(|c| (Cache::new(c.ttl, c.capacity), codec, c.ttl)),
            Some(|p| {
                Box::pin(async move {
                    if let Some(c) = &p.cache {
                        c.run_pending_tasks().await;
                    }
                })
            }),
        )
    }
}

impl<K, V, E> Policies<K, V, E>
where
    K: Send + Sync + 'static,
    V: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    /// Builds the state of a function without a cache and registers it (see
    /// [`super::policies`]); a `cache` in `spec` is ignored (see [`new_cached`](Self::new_cached)).
    pub fn new(name: &'static str, spec: &PolicySpec, when: Predicates<E>) -> Arc<Self> {
        Self::build(name, spec, when, None, None)
    }

    fn build(
        name: &'static str,
        spec: &PolicySpec,
        when: Predicates<E>,
        cache: Option<CacheParts<K, V>>,
        cache_sync: Option<for<'a> fn(&'a Self) -> BoxFuture<'a, ()>>,
    ) -> Arc<Self> {
        let breaker = spec
            .circuit_breaker
            .map(|c| Arc::new(CircuitBreaker::with_config(c).named(name)));
        let policies = Arc::new(Policies {
            name,
            rate: spec.rate_limit.map(|r| {
                let limiter = RateLimiter::new(r.limit, r.window);
                let global = limiter.hash(GLOBAL);
                Rate {
                    limiter,
                    key: r.key,
                    limit: r.limit,
                    window: r.window,
                    global,
                }
            }),
            shared_cache: cache
                .as_ref()
                .and_then(|(_, codec, ttl)| codec.map(|c| (c, *ttl))),
            cache: cache.map(|(c, _, _)| c),
            retry: spec.retry.map(|r| r.retry),
            retries: AtomicU64::new(0),
            when,
            breaker,
            breaker_shared: spec.breaker_shared && spec.circuit_breaker.is_some(),
            timeout: spec.timeout,
            bulkhead: spec
                .bulkhead
                .map(|b| Bulkhead::new(b.max_concurrent, b.max_wait)),
            blocking: spec.blocking,
            cache_sync,
        });
        register(name, policies.clone());
        policies
    }

    /// The function's path.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its breaker, if it has one. (Shared or not: see `breaker_shared`.)
    pub fn circuit_breaker(&self) -> Option<&CircuitBreaker> {
        self.breaker.as_deref()
    }

    /// Its rate limiter, if it has one.
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.rate.as_ref().map(|r| &r.limiter)
    }

    /// Its cache, if it has one.
    pub fn cache(&self) -> Option<&Cache<K, V>> {
        self.cache.as_ref()
    }

    /// Its bulkhead, if it has one.
    pub fn bulkhead(&self) -> Option<&Bulkhead> {
        self.bulkhead.as_ref()
    }

    /// Applies the cache's pending evictions (a no-op without a cache).
    pub fn sync_cache(&self) -> BoxFuture<'_, ()> {
        match self.cache_sync {
            Some(f) => f(self),
            None => Box::pin(std::future::ready(())),
        }
    }

    /// A snapshot of every policy's state, as JSON.
    pub fn stats(&self) -> Value {
        let mut v = serde_json::Map::new();
        if let Some(r) = &self.rate {
            v.insert("rate_limited".into(), json!(r.limiter.stats()));
        }
        if let Some(c) = &self.cache {
            v.insert("cached".into(), json!(c.stats()));
        }
        if self.retry.is_some() {
            let retries = self.retries.load(Ordering::Relaxed);
            v.insert("retry".into(), json!({ "retries": retries }));
        }
        if let Some(b) = &self.breaker {
            v.insert("circuit_breaker".into(), json!(b.stats()));
        }
        if let Some(b) = &self.bulkhead {
            v.insert("bulkhead".into(), json!(b.stats()));
        }
        Value::Object(v)
    }

    /// The rate-limit key kind, so generated code knows what to pass to [`run`](Self::run).
    pub fn rate_key(&self) -> Option<RateKey> {
        self.rate.as_ref().map(|r| r.key)
    }

    /// [`run`](Self::run) for a function without a cache (the attributes know statically): the
    /// same pipeline as a much smaller future, since it leaves out the cache's, and every call
    /// moves the future it awaits. A cache, if there is one, is not consulted.
    pub async fn run_uncached<F, Fut>(
        &self,
        deferred: Option<String>,
        mut attempt: F,
    ) -> Result<V, Fail<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        debug_assert!(self.cache.is_none(), "`run_uncached` with a cache");
        if let Some(key) = self.admit(deferred)? {
            self.admit_shared(key).await?;
        }
        self.retrying(&mut attempt).await
    }
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

/// The shared store, when one is installed and this call runs within a tokio runtime.
#[cfg(feature = "redis")]
pub(super) fn shared_store() -> Option<&'static crate::shared::RedisStore> {
    let store = crate::shared::store()?;
    tokio::runtime::Handle::try_current().ok()?;
    Some(store)
}
