//! Rate limiter: at most N calls in any window of time, per key.

use crate::error::ToolError;
use std::collections::hash_map::{Entry, RandomState};
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const SHARDS: usize = 16;

/// Admits at most `limit` calls per key in any interval of length `window` (a sliding log, not
/// fixed windows, so there is no burst of 2·N across a window boundary). A rejected call gets
/// [`ToolError::RateLimited`] with the time until a call would be admitted.
///
/// Memory, bounded in bytes whatever callers do: a key holds one timestamp (8 bytes) per call
/// admitted within the last window (at most `limit`), and its text of at most
/// [`MAX_KEY_BYTES`](Self::MAX_KEY_BYTES) bytes (a longer key is kept as a 128-bit digest of it);
/// at most `max_keys` keys are kept. Keys idle for a whole window hold nothing worth keeping and
/// are dropped; when the table is full of active keys, those with the fewest calls in the window
/// go first (the least used, which lose the least), so a flood of new keys does not reset a
/// client that is at its limit: to push one out, a flood needs as many calls per key.
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
    /// Read on every call: quanta's clock (the TSC where it is stable, calibrated against the
    /// monotonic clock) costs a few nanoseconds where `Instant::now` costs tens on a VM.
    epoch: quanta::Instant,
    /// Hashes every call's key: foldhash, seeded per limiter. Not a cryptographic hash; a client
    /// that could find colliding keys only lengthens probes in a table bounded by `max_keys`,
    /// and keys whose whole 64-bit hashes collide keep their own budgets (`Shard::collided`).
    hasher: foldhash::fast::RandomState,
    /// Seeds the second half of long keys' digests.
    second_hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
    /// Calls refused since creation (counted on the refusal path only: admitted calls touch no
    /// shared counter).
    rejected: AtomicU64,
}

/// The keys of one shard, found by their hash (computed once per call, also choosing the shard).
/// A key whose hash is already taken by another key (a 64-bit collision: practically never, but
/// possible) lives in `collided`, found by the key itself.
#[derive(Debug, Default)]
struct Shard {
    keys: HashMap<u64, (Box<str>, VecDeque<u64>), BuildHasherDefault<PreHashed>>,
    collided: HashMap<Box<str>, VecDeque<u64>>,
    /// New keys since the last sweep of idle ones.
    inserted: usize,
    /// Keys left by the last sweep.
    survivors: usize,
}

/// The hasher of maps keyed by an already computed hash: passes it through.
#[derive(Debug, Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 hashes are hashed")
    }
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// A key's hash, computed once by [`RateLimiter::hash`] and reusable for the same limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub struct KeyHash(u64);

/// A snapshot of a limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RateLimiterStats {
    /// Calls admitted per window and key.
    pub limit: u32,
    /// The window, in milliseconds.
    pub window_ms: u64,
    /// Keys currently tracked.
    pub keys: usize,
    /// Calls refused since creation.
    pub rejected: u64,
}

impl RateLimiter {
    /// Default bound on tracked keys.
    pub const DEFAULT_MAX_KEYS: usize = 100_000;
    /// Longest key kept as written; a longer one is kept as a digest (`#` and 32 hex digits).
    pub const MAX_KEY_BYTES: usize = 64;

    /// At most `limit` calls in any `window`, per key (at most [`RateLimiter::DEFAULT_MAX_KEYS`] keys).
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_max_keys(limit, window, Self::DEFAULT_MAX_KEYS)
    }

    /// [`new`](Self::new) keeping at most `max_keys` keys (the least used go first).
    pub fn with_max_keys(limit: u32, window: Duration, max_keys: usize) -> Self {
        assert!(limit > 0, "a rate limit admits at least 1 call");
        assert!(!window.is_zero(), "a rate-limit window is longer than zero");
        RateLimiter {
            limit,
            window,
            max_keys: max_keys.max(SHARDS),
            epoch: quanta::Instant::now(),
            hasher: foldhash::fast::RandomState::default(),
            second_hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            rejected: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        (quanta::Instant::now() - self.epoch).as_nanos() as u64
    }

    /// Admits one call for `key` or says how long to wait.
    #[inline]
    pub fn check(&self, key: &str) -> Result<(), ToolError> {
        self.check_hashed(key, self.hash(key))
    }

    /// The hash of `key` for [`check_hashed`](Self::check_hashed) on this limiter, so that a key
    /// used on every call (such as one shared by all callers) is hashed once.
    #[inline]
    pub fn hash(&self, key: &str) -> KeyHash {
        KeyHash(self.hasher.hash_one(key))
    }

    /// [`check`](Self::check) with the key's hash from [`hash`](Self::hash) on this limiter.
    pub fn check_hashed(&self, key: &str, hash: KeyHash) -> Result<(), ToolError> {
        let now = self.now();
        let window = self.window.as_nanos() as u64;
        // The shard's map takes the bucket from the low bits and a tag from the top seven: pick
        // the shard with bits that neither uses.
        let index = (hash.0 >> 32) as usize % SHARDS;
        let mut shard = self.shards[index].lock().unwrap_or_else(|p| p.into_inner());
        let shard = &mut *shard;
        // A long key is known by its digest: what a caller sends does not decide how much is kept.
        let digest;
        let key = if key.len() > Self::MAX_KEY_BYTES {
            digest = self.digest(key);
            digest.as_str()
        } else {
            key
        };
        let log = match shard.keys.get_mut(&hash.0) {
            Some((k, log)) if **k == *key => Some(log),
            Some(_) => shard.collided.get_mut(key),
            None if shard.collided.is_empty() => None,
            None => shard.collided.get_mut(key),
        };
        if let Some(log) = log {
            while log.front().is_some_and(|&t| t + window <= now) {
                log.pop_front();
            }
            if log.len() >= self.limit as usize {
                let oldest = *log.front().expect("a full log has entries");
                self.rejected.fetch_add(1, Ordering::Relaxed);
                return Err(ToolError::RateLimited {
                    retry_after: Duration::from_nanos(oldest + window - now),
                });
            }
            log.push_back(now);
            return Ok(());
        }
        let per_shard = self.max_keys / SHARDS;
        // Sweeping once as many keys arrived as survived the last sweep keeps its cost constant
        // per call on average, and idle keys from piling up.
        if shard.inserted >= shard.survivors.max(16) || shard.len() >= per_shard {
            shard.evict(now, window, per_shard);
        }
        let mut log = VecDeque::with_capacity(1);
        log.push_back(now);
        match shard.keys.entry(hash.0) {
            Entry::Vacant(slot) => {
                slot.insert((key.into(), log));
            }
            Entry::Occupied(_) => {
                shard.collided.insert(key.into(), log);
            }
        }
        shard.inserted += 1;
        Ok(())
    }

    /// A 128-bit digest of a long key, from two independently seeded hashes (distinct long keys
    /// collide with odds of 2^-128; this is no cryptographic commitment, only a bounded name).
    #[cold]
    fn digest(&self, key: &str) -> String {
        let second = self.second_hasher.hash_one(key);
        format!("#{:016x}{second:016x}", self.hasher.hash_one(key))
    }

    /// A snapshot of its counters.
    pub fn stats(&self) -> RateLimiterStats {
        RateLimiterStats {
            limit: self.limit,
            window_ms: self.window.as_millis() as u64,
            keys: self
                .shards
                .iter()
                .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).len())
                .sum(),
            rejected: self.rejected.load(Ordering::Relaxed),
        }
    }
}

impl Shard {
    fn len(&self) -> usize {
        self.keys.len() + self.collided.len()
    }

    /// Drops idle keys; if the shard is still full, drops the least used quarter: the keys with
    /// the fewest calls in the window, the least recently active among equals. A key at its
    /// limit (the one a flood would like to reset) is the last to go.
    /// Runs about once per `len` insertions, so its cost is constant per call on average.
    fn evict(&mut self, now: u64, window: u64, per_shard: usize) {
        let in_window = |log: &mut VecDeque<u64>| {
            while log.front().is_some_and(|&t| t + window <= now) {
                log.pop_front();
            }
            !log.is_empty()
        };
        self.keys.retain(|_, (_, log)| in_window(log));
        self.collided.retain(|_, log| in_window(log));
        if self.len() >= per_shard {
            // (calls in the window, last call): the smaller, the less there is to lose.
            let usage = |log: &VecDeque<u64>| (log.len(), log.back().copied().unwrap_or(0));
            let mut all: Vec<(usize, u64)> = self
                .keys
                .values()
                .map(|(_, l)| usage(l))
                .chain(self.collided.values().map(usage))
                .collect();
            if all.is_empty() {
                return;
            }
            let cut = (per_shard / 4).max(1).min(all.len() - 1);
            let (_, &mut threshold, _) = all.select_nth_unstable(cut);
            let keep = |log: &VecDeque<u64>| usage(log) > threshold;
            self.keys.retain(|_, (_, log)| keep(log));
            self.collided.retain(|_, log| keep(log));
        }
        self.inserted = 0;
        self.survivors = self.len();
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn idle_keys_are_swept_while_other_keys_stay_active() {
        let limiter = RateLimiter::with_max_keys(1000, Duration::from_millis(30), 1_000_000);
        for k in 0..2000 {
            limiter.check(&format!("old-{k}")).unwrap();
        }
        std::thread::sleep(Duration::from_millis(40));
        // New keys keep arriving; the old ones, idle for a whole window, must go.
        for k in 0..6000 {
            limiter.check(&format!("new-{k}")).unwrap();
        }
        let keys = limiter.stats().keys;
        assert!(
            keys < 6000 + 500,
            "{keys} keys tracked: idle keys were not swept"
        );
    }

    use super::*;

    #[test]
    fn keys_with_colliding_hashes_keep_their_own_budgets() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let same = KeyHash(0x1234_5678_9abc_def0);
        for key in ["alice", "bob", "carol"] {
            limiter.check_hashed(key, same).unwrap();
            limiter.check_hashed(key, same).unwrap();
        }
        for key in ["alice", "bob", "carol"] {
            assert!(matches!(
                limiter.check_hashed(key, same),
                Err(ToolError::RateLimited { .. })
            ));
        }
        assert_eq!(limiter.stats().keys, 3);
    }

    #[test]
    fn idle_keys_are_dropped_including_colliding_ones() {
        // Four keys per shard.
        let limiter = RateLimiter::with_max_keys(1, Duration::from_millis(20), 4 * SHARDS);
        let same = KeyHash(7);
        limiter.check_hashed("a", same).unwrap();
        limiter.check_hashed("b", same).unwrap();
        std::thread::sleep(Duration::from_millis(40));
        limiter.check_hashed("c", KeyHash(8)).unwrap();
        limiter.check_hashed("d", KeyHash(9)).unwrap();
        assert_eq!(limiter.stats().keys, 4);
        // The shard is full: the idle keys go, from both maps.
        limiter.check_hashed("e", KeyHash(10)).unwrap();
        assert_eq!(limiter.stats().keys, 3);
    }

    #[test]
    fn a_flood_of_new_keys_does_not_reset_a_limited_key() {
        let limiter = RateLimiter::with_max_keys(3, Duration::from_secs(60), 64 * SHARDS);
        for _ in 0..3 {
            limiter.check("limited").unwrap();
        }
        assert!(limiter.check("limited").is_err());
        for k in 0..200_000 {
            let _ = limiter.check(&format!("flood-{k}"));
        }
        assert!(limiter.stats().keys <= 64 * SHARDS);
        assert!(
            limiter.check("limited").is_err(),
            "the flood reset a limited key"
        );
    }

    #[test]
    fn long_keys_are_kept_as_digests_and_stay_distinct() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let a = "a".repeat(1 << 20);
        let mut b = a.clone();
        b.push('b');
        limiter.check(&a).unwrap();
        assert!(limiter.check(&a).is_err(), "the same long key is one key");
        limiter.check(&b).unwrap();
        let kept: usize = limiter
            .shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap();
                s.keys.values().map(|(k, _)| k.len()).sum::<usize>()
                    + s.collided.keys().map(|k| k.len()).sum::<usize>()
            })
            .sum();
        assert!(
            kept <= 2 * RateLimiter::MAX_KEY_BYTES,
            "{kept} bytes of keys"
        );
    }

    #[test]
    fn hash_is_the_one_check_uses() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        limiter.check("global").unwrap();
        assert!(limiter
            .check_hashed("global", limiter.hash("global"))
            .is_err());
    }
}
