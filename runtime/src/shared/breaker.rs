//! Opt-in shared circuit breakers (`#[circuit_breaker(…, shared = true)]`). Breakers stay per
//! replica by default, on purpose (as in resilience4j and Polly): one sick replica, or a replica
//! with a bad network path, must not open everyone's breaker. A shared breaker still decides on
//! each replica's own failures, but when one replica's breaker opens it publishes "open" in Redis
//! for the recovery time, and the other replicas then fail fast too (`circuit_open`, with the
//! time left), without calling the failing service.

use super::redis_store::RedisStore;
use redis::AsyncCommands;
use std::time::Duration;

impl RedisStore {
    /// How long `function`'s shared breaker stays open, if another replica (or this one) opened
    /// it; `None` when it is not open or Redis fails (then the local breaker decides alone).
    pub(crate) async fn breaker_open(&self, function: &str) -> Option<Duration> {
        let key = self.key("cb", function, "open");
        let ttl_ms: i64 = self
            .run("circuit_breaker", |mut c| async move { c.pttl(&key).await })
            .await
            .ok()?;
        (ttl_ms > 0).then(|| Duration::from_millis(ttl_ms.unsigned_abs()))
    }

    /// Publishes that `function`'s breaker opened here, for `recovery`.
    pub(crate) async fn open_breaker(&self, function: &str, recovery: Duration) {
        let key = self.key("cb", function, "open");
        let ms = u64::try_from(recovery.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let _ = self
            .run("circuit_breaker", |mut c| async move {
                c.pset_ex::<_, _, ()>(&key, "open", ms).await
            })
            .await;
    }
}
