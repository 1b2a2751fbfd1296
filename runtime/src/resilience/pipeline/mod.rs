//! The canonical pipeline the resilience attributes build:
//! `rate_limited → cached → retry → circuit_breaker → timeout → bulkhead → function`.
//!
//! A rejected client costs nothing; a cache hit skips everything below it; every retry attempt
//! passes the breaker and has its own timeout.

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
use crate::error::ToolError;
use crate::shared::ValueCodec;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::{json, Value};
use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

    /// The shared store, `key`'s stable hash, the codec and the TTL, when this call's value is
    /// shared by the replicas.
    #[cfg(feature = "redis")]
    #[allow(clippy::type_complexity)]
    fn shared_cache(
        &self,
        key: &K,
    ) -> Option<(
        &'static crate::shared::RedisStore,
        u128,
        ValueCodec<V>,
        Duration,
    )> {
        let (codec, ttl) = self.shared_cache?;
        Some((shared_store()?, stable_hash(key), codec, ttl))
    }

    #[cfg(not(feature = "redis"))]
    fn shared_cache(&self, _key: &K) -> Option<std::convert::Infallible> {
        None
    }

    /// Runs one call through the pipeline. `cache_key` is the call's arguments; `attempt` makes
    /// one attempt. A rate limit keyed by a parameter is checked by
    /// [`admit_param`](Self::admit_param) first, which hands over `deferred`.
    pub async fn run<F, Fut>(
        &self,
        deferred: Option<String>,
        cache_key: K,
        mut attempt: F,
    ) -> Result<V, Fail<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if let Some(key) = self.admit(deferred)? {
            self.admit_shared(key).await?;
        }
        let Some(cache) = &self.cache else {
            return self.retrying(&mut attempt).await;
        };
        match cache.lookup(&cache_key).await {
            Some(held) if !held.expired() => {
                cache.count_hit();
                mark_cache_hit();
                return Ok(held.value);
            }
            // Outlived its life in the shared store: dropped, computed afresh below.
            stale @ Some(_) => {
                let _ = Box::pin(cache.fresh(&cache_key, stale)).await;
            }
            None => {}
        }
        // A miss runs the function. The caller that runs it keeps its own error whole (moka
        // keeps a shared copy of an error, so it could never be taken back); callers that waited
        // on the same key get the error's shareable form.
        let own = std::sync::Mutex::new(None);
        let shared = self.shared_cache(&cache_key);
        let computing = async {
            let computed = match shared {
                #[cfg(feature = "redis")]
                Some((store, key, codec, ttl)) => store
                    .cached(self.name, key, ttl, codec, || self.retrying(&mut attempt))
                    .await
                    .inspect(|(_, life_in_redis)| {
                        // Computed by another replica: a hit for this call too.
                        if life_in_redis.is_some() {
                            cache.count_hit();
                            mark_cache_hit();
                        }
                    }),
                _ => self.retrying(&mut attempt).await.map(|v| (v, None)),
            };
            match computed {
                Ok(found) => Ok(found),
                Err(fail) => {
                    let shared = fail.shareable();
                    *own.lock().unwrap_or_else(|p| p.into_inner()) = Some(fail);
                    Err(shared)
                }
            }
        };
        // Its future (moka's, holding the retries, holding the attempts) is large: boxed, it
        // stays off this future, which every call moves around.
        let filled = Box::pin(cache.try_insert_for(cache_key, Box::pin(computing)));
        match filled.await {
            Ok((v, hit)) => {
                if hit {
                    mark_cache_hit();
                }
                Ok(v)
            }
            Err(shared) => {
                let own = own.lock().unwrap_or_else(|p| p.into_inner()).take();
                Err(own.unwrap_or_else(|| Fail::Policy((*shared).clone())))
            }
        }
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

    /// The rate limit: admits the call or rejects it here (in-process), or names the key the
    /// shared store decides on (`Some`: then [`admit_shared`](Self::admit_shared)). `deferred`
    /// is a parameter key [`admit_param`](Self::admit_param) left to the shared store.
    fn admit(&self, deferred: Option<String>) -> Result<Option<String>, Fail<E>> {
        let Some(rate) = &self.rate else {
            return Ok(None);
        };
        if shared_limits() {
            return Ok(match rate.key {
                RateKey::Global => Some(GLOBAL.to_owned()),
                RateKey::Client => Some(with_client(str::to_owned)),
                RateKey::Param(_) => deferred,
            });
        }
        let admitted = match rate.key {
            RateKey::Global => rate.limiter.check_hashed(GLOBAL, rate.global),
            RateKey::Client => with_client(|client| rate.limiter.check(client)),
            // Checked by `admit_param` before the pipeline starts.
            RateKey::Param(_) => Ok(()),
        };
        admitted.map(|()| None).map_err(|e| self.rejected(e))
    }

    /// The rate limit keyed by a parameter, whose value is `key`: admits the call or rejects it,
    /// or, when the limit is shared, hands the key over (`Some`) for [`run`](Self::run) to ask
    /// the store. Separate from `run` so that the key can be borrowed from the arguments (the
    /// pipeline's future outlives them) instead of copied for every call.
    pub fn admit_param(&self, key: &str) -> Result<Option<String>, Fail<E>> {
        match &self.rate {
            Some(_) if shared_limits() => Ok(Some(key.to_owned())),
            Some(rate) => rate
                .limiter
                .check(key)
                .map(|()| None)
                .map_err(|e| self.rejected(e)),
            None => Ok(None),
        }
    }

    /// The shared rate limit decides on `key`; while the store is unavailable, the configured
    /// fallback does (by default this replica's own limiter). Boxed: only calls with a shared
    /// limit pay for its future.
    fn admit_shared(&self, key: String) -> BoxFuture<'_, Result<(), Fail<E>>> {
        Box::pin(async move {
            let Some(rate) = &self.rate else {
                return Ok(());
            };
            #[cfg(feature = "redis")]
            if let Some(store) = crate::shared::store() {
                use crate::shared::{RateDecision, RateLimitFallback};
                let decided = store
                    .rate_limit(self.name, &key, rate.limit, rate.window)
                    .await;
                return match decided {
                    Ok(RateDecision::Admitted) => Ok(()),
                    Ok(RateDecision::Refused(retry_after)) => {
                        Err(self.rejected(ToolError::RateLimited { retry_after }))
                    }
                    Err(_) => match store.options().rate_limit_fallback {
                        RateLimitFallback::Local => {
                            rate.limiter.check(&key).map_err(|e| self.rejected(e))
                        }
                        RateLimitFallback::Closed => Err(self.rejected(ToolError::RateLimited {
                            retry_after: Duration::from_secs(1),
                        })),
                    },
                };
            }
            rate.limiter.check(&key).map_err(|e| self.rejected(e))
        })
    }

    #[cold]
    fn rejected(&self, e: ToolError) -> Fail<E> {
        tracing::debug!(target: "sturdy::rate_limit", function = self.name, "{e}");
        Fail::Policy(e)
    }

    /// `retry → circuit_breaker → timeout`, around [`isolated`](Self::isolated), in the crate's
    /// one retry loop ([`Retry::drive`]) whatever the policies (without `#[retry]`, one attempt).
    async fn retrying<F, Fut>(&self, attempt: &mut F) -> Result<V, Fail<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        // What the last attempt that ran failed with: said again if the breaker opens under the
        // retries, so the caller learns what is wrong and not only that the circuit is open.
        let mut last_failure: Option<String> = None;
        let mut retried = 0;
        let retry = self.retry.unwrap_or(Retry::NEVER);
        let wait = if self.blocking {
            Wait::Thread
        } else {
            Wait::Timer
        };
        let result = retry
            .drive(
                |_| self.guarded(attempt()),
                |fail, delay| {
                    if !fail.retryable(self.when.retry) {
                        return false;
                    }
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    retried += 1;
                    let failure = fail.describe();
                    tracing::debug!(target: "sturdy::retry", function = self.name,
                        retry = retried, delay_ms = delay.as_secs_f64() * 1000.0,
                        "retrying: {failure}");
                    last_failure = Some(failure);
                    true
                },
                wait,
            )
            .await;
        match result {
            Err(Fail::Policy(ToolError::CircuitOpen {
                retry_after,
                last_failure: None,
            })) if last_failure.is_some() => Err(Fail::Policy(ToolError::CircuitOpen {
                retry_after,
                last_failure,
            })),
            result => result,
        }
    }

    /// One attempt: `circuit_breaker → timeout → bulkhead → function`.
    async fn guarded<Fut>(&self, call: Fut) -> Result<V, Fail<E>>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        if self.breaker_shared {
            if let Some(open) = self.shared_breaker_open().await {
                return Err(Fail::Policy(open));
            }
        }
        let permit = match self.breaker.as_deref().map(CircuitBreaker::try_acquire) {
            Some(Err(open)) => return Err(Fail::Policy(open)),
            Some(Ok(permit)) => Some(permit),
            None => None,
        };
        let result = match self.timeout {
            Some(limit) => tokio::time::timeout(limit, self.isolated(call))
                .await
                .unwrap_or(Err(Fail::Policy(ToolError::Timeout(limit)))),
            None => self.isolated(call).await,
        };
        if let Some(p) = permit {
            match &result {
                Err(fail) if fail.trips(self.when.failure) => {
                    p.failure();
                    if self.breaker_shared {
                        self.publish_if_open().await;
                    }
                }
                _ => p.success(),
            }
        }
        result
    }

    /// A shared breaker another replica (or this one) opened: the rejection, with the time
    /// left. Boxed: only shared breakers pay for this future.
    fn shared_breaker_open(&self) -> BoxFuture<'_, Option<ToolError>> {
        Box::pin(async move {
            #[cfg(feature = "redis")]
            if let Some(store) = shared_store() {
                let retry_after = store.breaker_open(self.name).await?;
                return Some(ToolError::CircuitOpen {
                    retry_after,
                    last_failure: None,
                });
            }
            None
        })
    }

    /// After a failure: if this replica's breaker is now open, tells the others for its
    /// recovery time.
    fn publish_if_open(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            #[cfg(feature = "redis")]
            if let (Some(store), Some(b)) = (shared_store(), self.breaker.as_deref()) {
                if b.state() == CircuitState::Open {
                    store.open_breaker(self.name, b.config().recovery).await;
                }
            }
        })
    }

    async fn isolated<Fut>(&self, call: Fut) -> Result<V, Fail<E>>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let _slot = match &self.bulkhead {
            Some(b) => Some(match b.try_acquire() {
                Some(slot) => slot,
                None if self.blocking => b.acquire_blocking().map_err(Fail::Policy)?,
                // Full: wait (boxed, as the waiting future is large and rarely needed).
                None => Box::pin(b.acquire()).await.map_err(Fail::Policy)?,
            }),
            None => None,
        };
        match AssertUnwindSafe(call).catch_unwind().await {
            Ok(r) => r.map_err(Fail::Inner),
            Err(payload) => Err(Fail::Panic(PanicPayload(Mutex::new(Some(payload))))),
        }
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

/// Whether rate limits are decided by the shared store: one is installed, and this call runs
/// within a tokio runtime (its timeouts need one; a sync function called from plain code keeps
/// the in-process limit).
fn shared_limits() -> bool {
    #[cfg(feature = "redis")]
    {
        shared_store().is_some()
    }
    #[cfg(not(feature = "redis"))]
    {
        false
    }
}

/// The shared store, when one is installed and this call runs within a tokio runtime.
#[cfg(feature = "redis")]
fn shared_store() -> Option<&'static crate::shared::RedisStore> {
    let store = crate::shared::store()?;
    tokio::runtime::Handle::try_current().ok()?;
    Some(store)
}

/// A hash of a cache key that every replica computes alike (the same binary, a hasher with fixed
/// keys, 128 bits: two runs of SipHash with different salts), naming the value in the store.
#[cfg(feature = "redis")]
fn stable_hash<K: Hash>(key: &K) -> u128 {
    use std::hash::{DefaultHasher, Hasher};
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        h.write_u8(salt);
        key.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}
