//! Building a [`LoadBalancer`]: strategy, breaker settings, instances and weights.

use super::instance::{Counters, Instance};
use super::{LoadBalancer, Strategy};
use crate::resilience::{CircuitBreaker, CircuitBreakerConfig};
use std::sync::atomic::{AtomicU32, AtomicUsize};

impl<T> LoadBalancer<T> {
    /// A balancer over `(name, value)` pairs, each of weight 1 and with the default breaker
    /// settings ([`CircuitBreakerConfig::default`]).
    ///
    /// # Panics
    /// When two instances have the same name.
    pub fn new<N: Into<String>>(
        strategy: Strategy,
        instances: impl IntoIterator<Item = (N, T)>,
    ) -> Self {
        instances
            .into_iter()
            .fold(Self::builder(strategy), |b, (name, value)| {
                b.instance(name, value)
            })
            .build()
    }

    /// A builder, to set the breaker settings and weights.
    ///
    /// ```
    /// use sturdy_runtime::balancer::{LoadBalancer, Strategy};
    /// use sturdy_runtime::resilience::CircuitBreakerConfig;
    /// use std::time::Duration;
    ///
    /// let lb = LoadBalancer::builder(Strategy::Weighted)
    ///     .breaker(CircuitBreakerConfig {
    ///         threshold: 3,
    ///         recovery: Duration::from_secs(10),
    ///         ..Default::default()
    ///     })
    ///     .weighted("big", "10.0.0.1", 3)
    ///     .weighted("small", "10.0.0.2", 1)
    ///     .build();
    /// assert_eq!(lb.len(), 2);
    /// ```
    pub fn builder(strategy: Strategy) -> LoadBalancerBuilder<T> {
        LoadBalancerBuilder {
            strategy,
            breaker: CircuitBreakerConfig::default(),
            instances: Vec::new(),
        }
    }
}

/// Builds a [`LoadBalancer`]: `LoadBalancer::builder(strategy).breaker(..).instance(..)..build()`.
#[must_use = "call build()"]
pub struct LoadBalancerBuilder<T> {
    pub(super) strategy: Strategy,
    pub(super) breaker: CircuitBreakerConfig,
    pub(super) instances: Vec<(String, T, u32)>,
}

impl<T> LoadBalancerBuilder<T> {
    /// The breaker settings of every instance (default: [`CircuitBreakerConfig::default`]).
    pub fn breaker(mut self, config: CircuitBreakerConfig) -> Self {
        self.breaker = config;
        self
    }

    /// Adds an instance of weight 1.
    pub fn instance(self, name: impl Into<String>, value: T) -> Self {
        self.weighted(name, value, 1)
    }

    /// Adds an instance with a weight (used by [`Strategy::Weighted`]).
    pub fn weighted(mut self, name: impl Into<String>, value: T, weight: u32) -> Self {
        self.instances.push((name.into(), value, weight));
        self
    }

    /// The balancer.
    ///
    /// # Panics
    /// When two instances have the same name (names address instances in
    /// [`set_weight`](LoadBalancer::set_weight) and in errors), or when the breaker settings are
    /// invalid (a zero threshold or half-open count).
    pub fn build(self) -> LoadBalancer<T> {
        let mut names: Vec<&str> = self.instances.iter().map(|(n, ..)| n.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            panic!("load balancer: two instances are named {:?}", w[0]);
        }
        let breaker = self.breaker;
        LoadBalancer {
            strategy: self.strategy,
            instances: self
                .instances
                .into_iter()
                .map(|(name, value, weight)| Instance {
                    breaker: CircuitBreaker::with_config(breaker).named(format!("instance {name}")),
                    name: name.into_boxed_str(),
                    value,
                    weight: AtomicU32::new(weight),
                    counters: Counters::default(),
                })
                .collect(),
            next: AtomicUsize::new(0),
        }
    }
}
