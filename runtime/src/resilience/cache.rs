//! Result cache with a time to live and a capacity, on `moka`.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Caches successful results by key for `ttl`, holding at most `capacity` entries (least recently
/// used go first). Concurrent misses on one key run the computation once and share its result.
/// Failures are not cached. Expired entries are never served and their memory is reclaimed.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use sturdy_runtime::resilience::Cache;
/// use std::time::Duration;
///
/// let cache: Cache<u64, u64> = Cache::new(Duration::from_secs(60), 1000);
/// let (v, hit) = cache.get_or_try_insert(7, async { Ok::<_, String>(0) }).await.unwrap();
/// assert_eq!((v, hit), (0, false));
/// // 0 is a value like any other: the second call is a hit.
/// let (v, hit) = cache.get_or_try_insert(7, async { Ok::<_, String>(1) }).await.unwrap();
/// assert_eq!((v, hit), (0, true));
/// # });
/// ```
pub struct Cache<K, V> {
    inner: moka::future::Cache<K, Held<V>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// A snapshot of a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    /// Entries held (moka updates this count lazily).
    pub entries: u64,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that computed the value.
    pub misses: u64,
}

/// A cached value, and until when it may be served if that is sooner than the cache's TTL: a
/// value another replica stored in the shared cache is kept only for what is left of its TTL
/// there. (A deadline checked on read rather than moka's per-entry expiry, which costs every hit
/// its bookkeeping; values with the cache's own TTL pay nothing.)
#[derive(Clone)]
pub(crate) struct Held<V> {
    pub(crate) value: V,
    until: Option<quanta::Instant>,
}

impl<V> Held<V> {
    pub(crate) fn expired(&self) -> bool {
        self.until
            .is_some_and(|until| quanta::Instant::now() >= until)
    }
}

impl<K, V> Cache<K, V> {
    /// A snapshot of its counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.inner.entry_count(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

impl<K, V> Cache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Values kept `ttl`, at most `capacity` of them.
    pub fn new(ttl: Duration, capacity: u64) -> Self {
        Cache {
            inner: moka::future::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The cached value for `key`, or the result of `init` (cached only when `Ok`). The flag is
    /// true when the value came from the cache (including from a concurrent caller's computation).
    pub async fn get_or_try_insert<E, F>(&self, key: K, init: F) -> Result<(V, bool), Arc<E>>
    where
        E: Send + Sync + 'static,
        F: Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.fresh(&key, self.lookup(&key).await).await {
            self.count_hit();
            return Ok((v, true));
        }
        // Boxed: the miss's future is large and every hit would otherwise move it around.
        Box::pin(self.try_insert(key, init)).await
    }

    /// The first half of [`get_or_try_insert`](Self::get_or_try_insert): what is held for `key`,
    /// to be passed through [`fresh`](Self::fresh) (then [`count_hit`](Self::count_hit) on a
    /// value), or, on `None`, followed by [`try_insert`](Self::try_insert). A hit this way costs
    /// no allocation (`moka`'s `try_get_with` allocates the key first), and the future is
    /// `moka`'s own, not a wrapper (every level of futures costs each call a copy of it).
    pub(crate) fn lookup<'a>(&'a self, key: &'a K) -> impl Future<Output = Option<Held<V>>> + 'a {
        self.inner.get(key)
    }

    /// The value of what [`lookup`](Self::lookup) found, unless it outlived a shorter life than
    /// the cache's TTL (then it is dropped, so that the insert that follows computes afresh).
    pub(crate) async fn fresh(&self, key: &K, held: Option<Held<V>>) -> Option<V> {
        let held = held?;
        if held.expired() {
            self.inner.invalidate(key).await;
            return None;
        }
        Some(held.value)
    }

    pub(crate) fn count_hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The second half of [`get_or_try_insert`](Self::get_or_try_insert), after a miss: another
    /// caller may have filled the entry meanwhile (then it is a hit), or be computing it (then this
    /// waits for its result).
    pub(crate) async fn try_insert<E, F>(&self, key: K, init: F) -> Result<(V, bool), Arc<E>>
    where
        E: Send + Sync + 'static,
        F: Future<Output = Result<V, E>>,
    {
        self.try_insert_for(key, async { init.await.map(|v| (v, None)) })
            .await
    }

    /// [`try_insert`](Self::try_insert) where `init` may also say the value lives less than the
    /// cache's TTL (`Some(life)`; zero: not kept at all).
    pub(crate) async fn try_insert_for<E, F>(&self, key: K, init: F) -> Result<(V, bool), Arc<E>>
    where
        E: Send + Sync + 'static,
        F: Future<Output = Result<(V, Option<Duration>), E>>,
    {
        let computed = AtomicBool::new(false);
        let result = self
            .inner
            .try_get_with(key, async {
                computed.store(true, Ordering::Relaxed);
                init.await.map(|(value, shorter_life)| Held {
                    value,
                    until: shorter_life.map(|life| quanta::Instant::now() + life),
                })
            })
            .await;
        let hit = !computed.load(Ordering::Relaxed);
        if hit {
            self.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        result.map(|held| (held.value, hit))
    }

    /// The cached value, if present and not expired.
    pub async fn get(&self, key: &K) -> Option<V> {
        self.fresh(key, self.lookup(key).await).await
    }

    /// Drops every value.
    pub fn invalidate_all(&self) {
        self.inner.invalidate_all()
    }

    /// Applies pending evictions now (moka otherwise does it in the background of later calls).
    pub async fn run_pending_tasks(&self) {
        self.inner.run_pending_tasks().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_with_a_shorter_life_expires_by_it_and_the_others_by_the_ttl() {
        let cache: Cache<u8, u8> = Cache::new(Duration::from_secs(60), 100);
        let ok = |v: u8, life: Option<Duration>| async move { Ok::<_, ()>((v, life)) };
        cache.try_insert_for(1, ok(1, None)).await.unwrap();
        cache
            .try_insert_for(2, ok(2, Some(Duration::from_millis(30))))
            .await
            .unwrap();
        cache
            .try_insert_for(3, ok(3, Some(Duration::ZERO)))
            .await
            .unwrap();
        assert_eq!(cache.get(&3).await, None, "a zero life is not kept");
        assert_eq!(cache.get(&2).await, Some(2));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(cache.get(&2).await, None, "gone after its own life");
        assert_eq!(cache.get(&1).await, Some(1), "kept for the cache's TTL");
    }
}
