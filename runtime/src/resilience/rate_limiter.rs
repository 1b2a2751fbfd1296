//! Rate limiter: at most N calls in any window of time, per key.

use crate::error::ToolError;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SHARDS: usize = 16;

/// Admits at most `limit` calls per key in any interval of length `window` (a sliding log, not
/// fixed windows, so there is no burst of 2·N across a window boundary). A rejected call gets
/// [`ToolError::RateLimited`] with the time until a call would be admitted.
///
/// Memory: a key holds one timestamp per call admitted within the last window (at most `limit`).
/// Keys idle for a whole window hold nothing worth keeping and are dropped; beyond `max_keys`
/// the least recently active keys are dropped too, so memory stays bounded whatever callers do.
///
/// ```
/// use sturdy_runtime::resilience::RateLimiter;
/// use std::time::Duration;
///
/// let limiter = RateLimiter::new(2, Duration::from_secs(60));
/// assert!(limiter.check("alice").is_ok());
/// assert!(limiter.check("alice").is_ok());
/// assert!(limiter.check("alice").is_err());
/// assert!(limiter.check("bob").is_ok()); // keys are independent
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    max_keys: usize,
    epoch: Instant,
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Debug, Default)]
struct Shard {
    keys: HashMap<Box<str>, VecDeque<u64>>,
    /// New keys since the last sweep of idle ones.
    inserted: usize,
}

/// A snapshot of a limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RateLimiterStats {
    pub limit: u32,
    pub window_ms: u64,
    /// Keys currently tracked.
    pub keys: usize,
}

impl RateLimiter {
    /// Default bound on tracked keys.
    pub const DEFAULT_MAX_KEYS: usize = 100_000;

    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_max_keys(limit, window, Self::DEFAULT_MAX_KEYS)
    }

    pub fn with_max_keys(limit: u32, window: Duration, max_keys: usize) -> Self {
        assert!(limit > 0, "a rate limit admits at least 1 call");
        assert!(!window.is_zero(), "a rate-limit window is longer than zero");
        RateLimiter {
            limit,
            window,
            max_keys: max_keys.max(SHARDS),
            epoch: Instant::now(),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Admits one call for `key` or says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), ToolError> {
        let now = self.now();
        let window = self.window.as_nanos() as u64;
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        let mut shard = self.shards[index].lock().unwrap_or_else(|p| p.into_inner());
        if let Some(log) = shard.keys.get_mut(key) {
            while log.front().is_some_and(|&t| t + window <= now) {
                log.pop_front();
            }
            if log.len() >= self.limit as usize {
                let oldest = *log.front().expect("a full log has entries");
                return Err(ToolError::RateLimited {
                    retry_after: Duration::from_nanos(oldest + window - now),
                });
            }
            log.push_back(now);
            return Ok(());
        }
        let per_shard = self.max_keys / SHARDS;
        if shard.inserted >= shard.keys.len().max(1) || shard.keys.len() >= per_shard {
            shard.evict(now, window, per_shard);
        }
        let mut log = VecDeque::with_capacity(1);
        log.push_back(now);
        shard.keys.insert(key.into(), log);
        shard.inserted += 1;
        Ok(())
    }

    pub fn stats(&self) -> RateLimiterStats {
        RateLimiterStats {
            limit: self.limit,
            window_ms: self.window.as_millis() as u64,
            keys: self
                .shards
                .iter()
                .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).keys.len())
                .sum(),
        }
    }
}

impl Shard {
    /// Drops idle keys; if the shard is still full, drops the least recently active quarter.
    /// Runs about once per `len` insertions, so its cost is constant per call on average.
    fn evict(&mut self, now: u64, window: u64, per_shard: usize) {
        self.keys
            .retain(|_, log| log.back().is_some_and(|&t| t + window > now));
        if self.keys.len() >= per_shard {
            let mut last: Vec<u64> = self
                .keys
                .values()
                .filter_map(|l| l.back().copied())
                .collect();
            if last.is_empty() {
                return;
            }
            let cut = (per_shard / 4).max(1).min(last.len() - 1);
            let (_, &mut threshold, _) = last.select_nth_unstable(cut);
            self.keys
                .retain(|_, log| log.back().is_some_and(|&t| t > threshold));
        }
        self.inserted = 0;
    }
}
