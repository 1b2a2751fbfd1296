//! Load balancing across named upstream instances, each behind its own circuit breaker.
//!
//! A [`LoadBalancer`] holds a fixed set of instances (clients, URLs, connection pools, ...). Each
//! [`pick`](LoadBalancer::pick) chooses one by its [`Strategy`], skipping instances whose breaker
//! is open, and returns a [`Pick`]: the instance, its name, and the means to report the call's
//! outcome to that instance's breaker. [`call`](LoadBalancer::call) does all of it around an
//! async closure.
//!
//! ```
//! use sturdy_runtime::balancer::{LoadBalancer, Strategy};
//! use sturdy_runtime::ToolError;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let upstreams = LoadBalancer::new(
//!     Strategy::RoundRobin,
//!     [("a", "http://10.0.0.1"), ("b", "http://10.0.0.2")],
//! );
//! let first = upstreams
//!     .call(|url| async move { Ok::<_, ToolError>(format!("GET {url}/items")) })
//!     .await
//!     .unwrap();
//! assert_eq!(first, "GET http://10.0.0.1/items");
//! assert_eq!(upstreams.pick().unwrap().name(), "b");
//! # });
//! ```
//!
//! Everything is lock-free on the pick path (atomics only; a breaker takes its lock only while it
//! is not closed), and nothing is locked across an `.await`.

mod builder;
mod error;
mod instance;
mod pick;
mod strategy;

pub use builder::LoadBalancerBuilder;
pub use error::{InstanceStatus, NoHealthyInstance};
pub use instance::InstanceStats;
pub use pick::Pick;
pub use strategy::Strategy;

use crate::resilience::CircuitBreaker;
use futures_util::FutureExt;
use instance::Instance;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
/// A set of named instances of `T` with a [`Strategy`] and one [`CircuitBreaker`] per instance.
/// `Send + Sync` when `T` is: share it with an `Arc` or a `static`.
///
/// Built with [`new`](Self::new) (default breaker settings, weight 1 each) or
/// [`builder`](Self::builder).
pub struct LoadBalancer<T> {
    strategy: Strategy,
    instances: Box<[Instance<T>]>,
    /// Round robin's turn counter.
    next: AtomicUsize,
}

impl<T> fmt::Debug for LoadBalancer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadBalancer")
            .field("strategy", &self.strategy)
            .field("instances", &self.stats())
            .finish()
    }
}

/// Instances already tried during one pick (their breaker refused). Allocates only beyond 64
/// instances.
#[derive(Default)]
struct Skipped {
    low: u64,
    high: Vec<u64>,
}

impl Skipped {
    #[inline]
    fn contains(&self, i: usize) -> bool {
        if i < 64 {
            self.low & (1 << i) != 0
        } else {
            self.high
                .get(i / 64 - 1)
                .is_some_and(|w| w & (1 << (i % 64)) != 0)
        }
    }

    fn insert(&mut self, i: usize) {
        if i < 64 {
            self.low |= 1 << i;
        } else {
            let w = i / 64 - 1;
            if self.high.len() <= w {
                self.high.resize(w + 1, 0);
            }
            self.high[w] |= 1 << (i % 64);
        }
    }
}

impl<T> LoadBalancer<T> {
    /// How instances are picked.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The number of instances (healthy or not).
    pub fn len(&self) -> usize {
        self.instances.len()
    }

    /// Whether the balancer has no instance at all.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }

    /// The instances' names, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.instances.iter().map(|i| &*i.name)
    }

    fn find(&self, name: &str) -> Option<&Instance<T>> {
        self.instances.iter().find(|i| &*i.name == name)
    }

    /// The breaker of the instance named `name`.
    pub fn breaker(&self, name: &str) -> Option<&CircuitBreaker> {
        self.find(name).map(|i| &i.breaker)
    }

    /// Sets an instance's weight while the balancer serves (an atomic store: pickers are never
    /// blocked). Returns the previous weight, or `None` when no instance has that name. Weight 0
    /// takes the instance out of [`Strategy::Weighted`] rotation.
    pub fn set_weight(&self, name: &str, weight: u32) -> Option<u32> {
        self.find(name)
            .map(|i| i.weight.swap(weight, Ordering::Relaxed))
    }

    /// The instance's current weight.
    pub fn weight(&self, name: &str) -> Option<u32> {
        self.find(name).map(|i| i.weight.load(Ordering::Relaxed))
    }

    /// Chooses an instance whose breaker admits a call, by the strategy. The returned [`Pick`]
    /// counts as one call in progress on that instance until it is dropped; report the call's
    /// outcome on it ([`Pick::success`] / [`Pick::failure`]) so that the breaker sees it.
    ///
    /// Fails with [`NoHealthyInstance`] (which converts into [`ToolError::Unavailable`](crate::ToolError::Unavailable)) when
    /// every instance refuses: breaker open, half-open with its trial slots taken, or (weighted)
    /// weight 0.
    pub fn pick(&self) -> Result<Pick<'_, T>, NoHealthyInstance> {
        let n = self.instances.len();
        let start = match self.strategy {
            Strategy::RoundRobin => self.next.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        let mut skipped = Skipped::default();
        let mut refusals = 0;
        // (instance, how long its breaker stays open), for the error.
        let mut waits: Vec<(usize, Duration)> = Vec::new();
        while refusals < n {
            let Some(i) = self.choose(start, &skipped, refusals) else {
                break;
            };
            let instance = &self.instances[i];
            match instance.breaker.try_acquire() {
                Ok(permit) => {
                    instance
                        .counters
                        .outstanding
                        .fetch_add(1, Ordering::Relaxed);
                    instance.counters.picks.fetch_add(1, Ordering::Relaxed);
                    span_event!("sturdy.balancer.pick",
                        "instance" => instance.name.to_string(),
                        "skipped" => refusals as i64);
                    return Ok(Pick {
                        instance,
                        index: i,
                        permit: Some(permit),
                    });
                }
                Err(e) => {
                    if let Some(after) = e.retry_after().filter(|d| !d.is_zero()) {
                        waits.push((i, after));
                    }
                    skipped.insert(i);
                    refusals += 1;
                }
            }
        }
        span_event!("sturdy.balancer.unavailable", "skipped" => refusals as i64);
        Err(self.no_healthy(&waits))
    }

    /// The index of the next candidate, not in `skipped`; `None` when there is none.
    #[inline]
    fn choose(&self, start: usize, skipped: &Skipped, refusals: usize) -> Option<usize> {
        let n = self.instances.len();
        let left = n - refusals;
        if left == 0 {
            return None;
        }
        // The `k`-th (from 0) instance not skipped.
        let nth = |mut k: usize| {
            (0..n).find(|&i| {
                if skipped.contains(i) {
                    return false;
                }
                if k == 0 {
                    return true;
                }
                k -= 1;
                false
            })
        };
        match self.strategy {
            Strategy::RoundRobin => {
                let s = start % n;
                (0..n).map(|k| (s + k) % n).find(|&i| !skipped.contains(i))
            }
            Strategy::Random if refusals == 0 => Some(fastrand::usize(..n)),
            Strategy::Random => nth(fastrand::usize(..left)),
            Strategy::Weighted => {
                let weight = |i: usize| {
                    if skipped.contains(i) {
                        0
                    } else {
                        u64::from(self.instances[i].weight.load(Ordering::Relaxed))
                    }
                };
                let total: u64 = (0..n).map(weight).sum();
                if total == 0 {
                    return None;
                }
                // Weights may change between the two passes: fall back to the last candidate
                // with a weight.
                let mut r = fastrand::u64(..total);
                let mut last = None;
                for i in 0..n {
                    let w = weight(i);
                    if w == 0 {
                        continue;
                    }
                    if r < w {
                        return Some(i);
                    }
                    r -= w;
                    last = Some(i);
                }
                last
            }
            Strategy::LeastOutstanding => {
                let s = fastrand::usize(..n);
                (0..n)
                    .map(|k| (s + k) % n)
                    .filter(|&i| !skipped.contains(i))
                    .min_by_key(|&i| {
                        self.instances[i]
                            .counters
                            .outstanding
                            .load(Ordering::Relaxed)
                    })
            }
            Strategy::PowerOfTwoChoices => {
                if left == 1 {
                    return nth(0);
                }
                let a = fastrand::usize(..left);
                let mut b = fastrand::usize(..left - 1);
                if b >= a {
                    b += 1;
                }
                let (a, b) = if refusals == 0 {
                    (a, b)
                } else {
                    (nth(a)?, nth(b)?)
                };
                let load = |i: usize| {
                    self.instances[i]
                        .counters
                        .outstanding
                        .load(Ordering::Relaxed)
                };
                Some(if load(b) < load(a) { b } else { a })
            }
        }
    }

    #[cold]
    fn no_healthy(&self, waits: &[(usize, Duration)]) -> NoHealthyInstance {
        NoHealthyInstance {
            strategy: self.strategy,
            instances: self
                .instances
                .iter()
                .enumerate()
                .map(|(k, i)| InstanceStatus {
                    name: i.name.to_string(),
                    state: i.breaker.state(),
                    retry_after: waits.iter().find(|w| w.0 == k).map(|w| w.1),
                    weight: i.weight.load(Ordering::Relaxed),
                })
                .collect(),
        }
    }

    /// Picks an instance, runs `f` on it and reports the outcome to its breaker: `Ok` is a
    /// success, `Err` a failure; a panic counts as a failure, and a call dropped before it ends
    /// (cancelled) as neither. When no instance is available `f` does not run and the error is
    /// `E::from(NoHealthyInstance)` (for example [`ToolError::Unavailable`](crate::ToolError::Unavailable)).
    ///
    /// To decide which errors count against an instance (say, not an HTTP 404), use
    /// [`pick`](Self::pick) and report on the [`Pick`].
    pub async fn call<'a, F, Fut, R, E>(&'a self, f: F) -> Result<R, E>
    where
        F: FnOnce(&'a T) -> Fut,
        Fut: Future<Output = Result<R, E>>,
        E: From<NoHealthyInstance>,
    {
        let pick = self.pick()?;
        // A panic while polling does not drop the future (the executor drops it later, no longer
        // panicking), so catch it here to count it.
        match AssertUnwindSafe(f(pick.value())).catch_unwind().await {
            Ok(result) => {
                match result {
                    Ok(_) => pick.success(),
                    Err(_) => pick.failure(),
                }
                result
            }
            Err(panic) => {
                pick.failure();
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Per instance, in the order they were added: picks, calls in progress, outcomes reported,
    /// breaker state and weight.
    pub fn stats(&self) -> Vec<InstanceStats> {
        self.instances
            .iter()
            .map(|i| InstanceStats {
                name: i.name.to_string(),
                picks: i.counters.picks.load(Ordering::Relaxed),
                outstanding: i.counters.outstanding.load(Ordering::Relaxed),
                successes: i.counters.successes.load(Ordering::Relaxed),
                failures: i.counters.failures.load(Ordering::Relaxed),
                state: i.breaker.state(),
                breaker: i.breaker.stats(),
                weight: i.weight.load(Ordering::Relaxed),
            })
            .collect()
    }
}
