//! `cached`: a hit skips everything below it; concurrent misses on one key run the function once,
//! across replicas too when the values are shared (`crate::shared`).

use super::{mark_cache_hit, Fail, Policies};
use std::future::Future;
use std::hash::Hash;

impl<K, V, E> Policies<K, V, E>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Send + Sync + 'static,
{
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
        super::ValueCodec<V>,
        std::time::Duration,
    )> {
        let (codec, ttl) = self.shared_cache?;
        Some((super::shared_store()?, stable_hash(key), codec, ttl))
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
                span_event!("sturdy.cache", "sturdy.function" => self.name, "cache.hit" => true);
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
        let filled = filled.await;
        span_event!("sturdy.cache",
            "sturdy.function" => self.name,
            "cache.hit" => matches!(filled, Ok((_, true))));
        match filled {
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
