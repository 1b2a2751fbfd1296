//! The static description of a function's policies, as the attributes wrote them.

use crate::resilience::circuit_breaker::CircuitBreakerConfig;
use crate::resilience::retry::Retry;
use serde_json::{json, Value};
use std::time::Duration;

/// Where a rate limit's key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKey {
    /// The MCP client's identity (`"default"` when unknown).
    Client,
    /// One limit shared by everyone.
    Global,
    /// The value of the named parameter.
    Param(&'static str),
}

impl RateKey {
    /// What the limit is kept per, as telemetry names it: `client`, `global` or `argument`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            RateKey::Client => "client",
            RateKey::Global => "global",
            RateKey::Param(_) => "argument",
        }
    }
}

/// The policies attached to one function, as written in its attributes. `const`-constructible so
/// that the macros can describe a function's policies statically.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicySpec {
    /// `#[rate_limited]`.
    pub rate_limit: Option<RateSpec>,
    /// `#[cached]`.
    pub cache: Option<CacheSpec>,
    /// `#[retry]`.
    pub retry: Option<RetrySpec>,
    /// `#[circuit_breaker]`.
    pub circuit_breaker: Option<CircuitBreakerConfig>,
    /// The breaker has a predicate deciding which errors count as failures.
    pub breaker_when: bool,
    /// The breaker is shared by replicas (`shared = true`; see `crate::shared`).
    pub breaker_shared: bool,
    /// `#[timeout]`.
    pub timeout: Option<Duration>,
    /// `#[bulkhead]`.
    pub bulkhead: Option<BulkheadSpec>,
    /// The function is sync: the pipeline runs on the caller's thread (see
    /// [`Policies::run`](super::Policies::run)), waits with `std::thread::sleep`, and has no timeout.
    pub blocking: bool,
}

/// `#[rate_limited]`: at most `limit` calls in any `window`, per key.
#[derive(Debug, Clone, Copy)]
pub struct RateSpec {
    /// Calls admitted per window.
    pub limit: u32,
    /// The window.
    pub window: Duration,
    /// Whose calls count together.
    pub key: RateKey,
}

impl RateSpec {
    /// The window when only a number of calls is given: one minute.
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);
}

/// `#[cached]`: results kept for `ttl`, at most `capacity` of them.
#[derive(Debug, Clone, Copy)]
pub struct CacheSpec {
    /// How long a result is kept.
    pub ttl: Duration,
    /// How many results are kept.
    pub capacity: u64,
    /// Entries are kept per caller (the caller is part of each key).
    pub per_caller: bool,
}

impl CacheSpec {
    /// What `#[cached]` means without arguments: 5 minutes, 10 000 results.
    pub const DEFAULT: CacheSpec = CacheSpec {
        ttl: Duration::from_secs(300),
        capacity: 10_000,
        per_caller: false,
    };
}

#[derive(Debug, Clone, Copy)]
/// `#[retry]`: the backoff and whether a predicate decides.
pub struct RetrySpec {
    /// The backoff.
    pub retry: Retry,
    /// Decides which errors of the function are retried (all when absent). Type-erased: the
    /// pipeline casts it back to `fn(&E) -> bool`.
    pub when: bool,
}

/// `#[bulkhead]`: at most `max_concurrent` calls at once; others wait up to `max_wait`.
#[derive(Debug, Clone, Copy)]
pub struct BulkheadSpec {
    /// Calls running at once.
    pub max_concurrent: usize,
    /// How long a call waits for a slot.
    pub max_wait: Duration,
}

impl BulkheadSpec {
    /// What `#[bulkhead]` means without arguments: 10 at once, no waiting.
    pub const DEFAULT: BulkheadSpec = BulkheadSpec {
        max_concurrent: 10,
        max_wait: Duration::ZERO,
    };
}

impl PolicySpec {
    /// The policies as JSON, in pipeline order (for `--list-tools`).
    pub fn describe(&self) -> Vec<Value> {
        let secs = |d: Duration| d.as_secs_f64();
        let mut out = Vec::new();
        if let Some(r) = &self.rate_limit {
            let key = match r.key {
                RateKey::Client => "client".to_owned(),
                RateKey::Global => "global".to_owned(),
                RateKey::Param(p) => format!("param:{p}"),
            };
            out.push(json!({"policy": "rate_limited", "limit": r.limit, "window": secs(r.window), "key": key}));
        }
        if let Some(c) = &self.cache {
            let per = if c.per_caller { "caller" } else { "arguments" };
            out.push(
                json!({"policy": "cached", "ttl": secs(c.ttl), "capacity": c.capacity, "per": per}),
            );
        }
        if let Some(r) = &self.retry {
            out.push(
                json!({"policy": "retry", "max": r.retry.max, "base": secs(r.retry.base),
                "max_delay": secs(r.retry.max_delay), "jitter": r.retry.jitter, "when": r.when}),
            );
        }
        if let Some(b) = &self.circuit_breaker {
            let mut breaker = json!({"policy": "circuit_breaker", "recovery": secs(b.recovery),
                "half_open": b.half_open, "when": self.breaker_when});
            if self.breaker_shared {
                breaker["shared"] = json!(true);
            }
            match b.failure_rate {
                Some(r) => {
                    breaker["failure_rate"] = json!(r.rate);
                    breaker["window"] = json!(r.window);
                    breaker["min_calls"] = json!(r.min_calls);
                }
                None => breaker["threshold"] = json!(b.threshold),
            }
            out.push(breaker);
        }
        if let Some(t) = self.timeout {
            out.push(json!({"policy": "timeout", "seconds": secs(t)}));
        }
        if let Some(b) = &self.bulkhead {
            out.push(
                json!({"policy": "bulkhead", "max_concurrent": b.max_concurrent,
                "max_wait": secs(b.max_wait)}),
            );
        }
        out
    }
}
