//! A rate limit shared by replicas: the same semantics as the in-process
//! [`RateLimiter`](crate::resilience::RateLimiter) (at most N calls per key in any window of the
//! stated length: a sliding log, exact, no burst at window edges), kept in Redis as one sorted
//! set per key of the admitted calls' times, read and written by one Lua script: one round trip
//! per call, Redis's clock (`TIME`) for every replica, keys expiring a window after their last
//! admitted call. Memory in Redis: at most N entries per key (about 50 bytes each).

use super::redis_store::{RedisStore, StoreFailure};
use std::time::Duration;

/// What a shared rate limit decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Admitted (and counted).
    Admitted,
    /// Refused: the next call would be admitted after this long (by Redis's clock).
    Refused(Duration),
}

/// The shared limit's Lua script (public for inspection and for benchmarks that run it raw).
/// `KEYS[1]`: the key's log (admission times in ms, by Redis's clock).
/// `ARGV`: limit, window in ms, this call's unique member.
/// Returns `{1, 0}` when admitted, `{0, ms until the oldest entry leaves the window}` when not.
pub const SLIDING_LOG_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
";

impl RedisStore {
    /// Checks and counts one call of `function` under `key` against `limit` per `window`.
    pub(crate) async fn rate_limit(
        &self,
        function: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateDecision, StoreFailure> {
        // Prepared once: `invoke_async` sends EVALSHA, and the script itself only when Redis
        // does not know it yet (after a restart, for example).
        static PREPARED: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
        let script = PREPARED.get_or_init(|| redis::Script::new(SLIDING_LOG_SCRIPT));
        let redis_key = self.key("rl", function, key);
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let member = self.unique();
        let (admitted, wait_ms): (i64, i64) = self
            .run("rate_limit", |mut connection| async move {
                script
                    .key(redis_key)
                    .arg(limit)
                    .arg(window_ms)
                    .arg(member)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(if admitted == 1 {
            RateDecision::Admitted
        } else {
            RateDecision::Refused(Duration::from_millis(wait_ms.max(1).unsigned_abs()))
        })
    }
}
