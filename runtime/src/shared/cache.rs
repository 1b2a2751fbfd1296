//! A `#[cached]` function's results shared by replicas: values serialised (JSON) in Redis with
//! the cache's TTL, and a single flight across replicas: on a miss, one replica takes a lock key
//! (with a TTL, so a replica that dies does not hold it), computes and stores the value; the
//! others poll for the value meanwhile, and compute themselves only if the lock goes away without
//! one (the computation failed, or the value was too large to store) or the wait outlasts the
//! lock. Each replica keeps its in-process cache in front (so a hit there costs no round trip).

use super::codec::ValueCodec;
use super::redis_store::{RedisStore, StoreFailure};
use redis::AsyncCommands;
use std::future::Future;
use std::time::{Duration, Instant};

/// Values whose JSON is larger than this are not stored in Redis (each replica still caches them
/// in-process): a store shared by every replica is no place for one call's megabytes.
pub const MAX_SHARED_VALUE_BYTES: usize = 512 * 1024;

/// How long a replica computing a value holds the lock: the longest the others wait for it.
const LOCK_TTL: Duration = Duration::from_secs(30);

/// How often a waiting replica looks for the value.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// Deletes the lock only if it is still ours (it may have expired and been taken by another).
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

impl RedisStore {
    /// The value of `function` for the arguments hashed as `key`: from Redis (a hit, with the
    /// life it has left there: a front cache keeps it no longer), or computed (here, or by the
    /// replica holding the lock: `None`) and stored for `ttl`. Whenever Redis fails, the value is
    /// computed here, as without a shared store.
    pub(crate) async fn cached<V, E, F, Fut>(
        &self,
        function: &str,
        key: u128,
        ttl: Duration,
        codec: ValueCodec<V>,
        compute: F,
    ) -> Result<(V, Option<Duration>), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let id = format!("{key:032x}");
        let value_key = self.key("cv", function, &id);
        let lock_key = self.key("cl", function, &id);
        match self.lookup(&value_key, ttl, codec).await {
            Ok(Some(found)) => return Ok(found),
            Ok(None) => {}
            Err(()) => return compute().await.map(|v| (v, None)),
        }
        let token = self.unique();
        let lock_ms = u64::try_from(LOCK_TTL.as_millis()).unwrap_or(u64::MAX);
        let locked: Result<bool, StoreFailure> = self
            .run("cache", |mut c| {
                let (lock_key, token) = (lock_key.clone(), token.clone());
                async move {
                    let set: Option<String> = redis::cmd("SET")
                        .arg(&lock_key)
                        .arg(&token)
                        .arg("NX")
                        .arg("PX")
                        .arg(lock_ms)
                        .query_async(&mut c)
                        .await?;
                    Ok(set.is_some())
                }
            })
            .await;
        match locked {
            Ok(true) => {
                let computed = compute().await;
                if let Ok(v) = &computed {
                    self.store_value(&value_key, v, ttl, codec).await;
                }
                self.unlock(&lock_key, &token).await;
                computed.map(|v| (v, None))
            }
            Ok(false) => {
                // Another replica computes it: wait for its value while it holds the lock.
                let deadline = Instant::now() + LOCK_TTL;
                while Instant::now() < deadline {
                    tokio::time::sleep(POLL_EVERY).await;
                    match self.lookup(&value_key, ttl, codec).await {
                        Ok(Some(found)) => return Ok(found),
                        Ok(None) => {}
                        Err(()) => break,
                    }
                    let held = self
                        .run("cache", |mut c| {
                            let lock_key = lock_key.clone();
                            async move { c.exists::<_, bool>(&lock_key).await }
                        })
                        .await;
                    if !matches!(held, Ok(true)) {
                        break;
                    }
                }
                let computed = compute().await;
                if let Ok(v) = &computed {
                    self.store_value(&value_key, v, ttl, codec).await;
                }
                computed.map(|v| (v, None))
            }
            Err(_) => compute().await.map(|v| (v, None)),
        }
    }

    /// The stored value and the life it has left (read in the same round trip): `Ok(None)` when
    /// there is none (or it does not decode: someone else's data, or another version's, counted
    /// as a bad answer); `Err` when Redis failed.
    async fn lookup<V>(
        &self,
        value_key: &str,
        ttl: Duration,
        codec: ValueCodec<V>,
    ) -> Result<Option<(V, Option<Duration>)>, ()> {
        let (bytes, life_ms): (Option<Vec<u8>>, i64) = self
            .run("cache", |mut c| {
                let value_key = value_key.to_owned();
                async move {
                    redis::pipe()
                        .get(&value_key)
                        .pttl(&value_key)
                        .query_async(&mut c)
                        .await
                }
            })
            .await
            .map_err(|_| ())?;
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        // PTTL: -1 the key has no expiry (not set by us: keep it for the cache's own TTL), -2
        // it expired between the two commands (use it once, keep it no longer). Never longer
        // than this replica's TTL.
        let life = match life_ms {
            -1 => ttl,
            ms => Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(ttl),
        };
        match codec.decode(&bytes) {
            Some(v) => Ok(Some((v, Some(life)))),
            None => {
                self.outage
                    .failed("cache", &"a stored value does not deserialise", true);
                Ok(None)
            }
        }
    }

    /// Stores `value` for `ttl`, unless it does not serialise or is too large.
    async fn store_value<V>(
        &self,
        value_key: &str,
        value: &V,
        ttl: Duration,
        codec: ValueCodec<V>,
    ) {
        let Some(bytes) = codec
            .encode(value)
            .filter(|b| b.len() <= MAX_SHARED_VALUE_BYTES)
        else {
            return;
        };
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let _ = self
            .run("cache", |mut c| {
                let value_key = value_key.to_owned();
                async move { c.pset_ex::<_, _, ()>(&value_key, bytes, ttl_ms).await }
            })
            .await;
    }

    async fn unlock(&self, lock_key: &str, token: &str) {
        static PREPARED: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
        let script = PREPARED.get_or_init(|| redis::Script::new(UNLOCK));
        let _ = self
            .run("cache", |mut c| {
                let (lock_key, token) = (lock_key.to_owned(), token.to_owned());
                async move {
                    script
                        .key(lock_key)
                        .arg(token)
                        .invoke_async::<i64>(&mut c)
                        .await
                }
            })
            .await;
    }
}
