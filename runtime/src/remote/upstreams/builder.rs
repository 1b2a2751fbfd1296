//! Building [`Upstreams`]: instances, strategy, breaker, retries, HTTP client.

use super::{Upstreams, UpstreamsError};
use crate::balancer::{LoadBalancer, Strategy};
use crate::remote::client::{parse_url, HttpClient};
use crate::remote::error::RemoteError;
use crate::resilience::{CircuitBreakerConfig, Retry};
use std::time::Duration;

impl Upstreams {
    /// A builder; see [`Upstreams`] for the defaults.
    pub fn builder(strategy: Strategy) -> UpstreamsBuilder {
        UpstreamsBuilder {
            strategy,
            breaker: CircuitBreakerConfig {
                threshold: 5,
                recovery: Duration::from_secs(30),
                half_open: 1,
                failure_rate: None,
            },
            instances: Vec::new(),
            client: None,
            retry: Retry {
                max: 2,
                base: Duration::from_millis(100),
                max_delay: Duration::from_secs(2),
                jitter: true,
            },
            retry_when: RemoteError::is_transient,
            counts_against: RemoteError::is_transient,
        }
    }
}

/// Builds [`Upstreams`]: `Upstreams::builder(strategy).instance(..)...build()`.
#[must_use = "call build()"]
pub struct UpstreamsBuilder {
    pub(super) strategy: Strategy,
    pub(super) breaker: CircuitBreakerConfig,
    pub(super) instances: Vec<(String, String, u32)>,
    pub(super) client: Option<HttpClient>,
    pub(super) retry: Retry,
    pub(super) retry_when: fn(&RemoteError) -> bool,
    pub(super) counts_against: fn(&RemoteError) -> bool,
}

impl UpstreamsBuilder {
    /// Adds an instance by name and base URL (`http://host:port` or with a path prefix,
    /// `http://host:port/api/v1`), of weight 1.
    pub fn instance(self, name: impl Into<String>, base_url: impl Into<String>) -> Self {
        self.weighted(name, base_url, 1)
    }

    /// Adds an instance with a weight (used by [`Strategy::Weighted`]).
    pub fn weighted(
        mut self,
        name: impl Into<String>,
        base_url: impl Into<String>,
        weight: u32,
    ) -> Self {
        self.instances.push((name.into(), base_url.into(), weight));
        self
    }

    /// Adds the instances of a `name=url,name=url` list (as found in an environment variable);
    /// a bare `url` is named after its host and port.
    pub fn instances_from_list(mut self, list: &str) -> Result<Self, UpstreamsError> {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, url) = match entry.split_once('=') {
                Some((name, url)) => (name.trim().to_owned(), url.trim()),
                None => {
                    let parsed = parse_url(entry).map_err(|why| UpstreamsError::BadUrl {
                        name: entry.to_owned(),
                        url: entry.to_owned(),
                        why,
                    })?;
                    let host = parsed.host_str().unwrap_or_default();
                    let name = match parsed.port() {
                        Some(port) => format!("{host}:{port}"),
                        None => host.to_owned(),
                    };
                    (name, entry)
                }
            };
            self = self.instance(name, url);
        }
        Ok(self)
    }

    /// The breaker settings of every instance (default: 5 consecutive failures open it for 30 s,
    /// then 1 trial call).
    pub fn breaker(mut self, config: CircuitBreakerConfig) -> Self {
        self.breaker = config;
        self
    }

    /// The client, and with it the time limit of each attempt (default: [`HttpClient::new`]).
    pub fn client(mut self, client: HttpClient) -> Self {
        self.client = Some(client);
        self
    }

    /// The retries (default: up to 2 after the first attempt, 100 ms then 200 ms, jittered).
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Which failures are retried (default [`RemoteError::is_transient`]).
    pub fn retry_when(mut self, when: fn(&RemoteError) -> bool) -> Self {
        self.retry_when = when;
        self
    }

    /// Which failures count against the instance's breaker (default
    /// [`RemoteError::is_transient`]); the others count as a success.
    pub fn counts_against_instance(mut self, counts: fn(&RemoteError) -> bool) -> Self {
        self.counts_against = counts;
        self
    }

    /// The upstreams, or the first problem with their names and URLs.
    pub fn build(self) -> Result<Upstreams, UpstreamsError> {
        if self.instances.is_empty() {
            return Err(UpstreamsError::NoInstances);
        }
        if self.breaker.threshold == 0 || self.breaker.half_open == 0 {
            return Err(UpstreamsError::BadBreaker);
        }
        let mut balancer = LoadBalancer::builder(self.strategy).breaker(self.breaker);
        let mut names: Vec<&str> = Vec::new();
        for (name, url, weight) in &self.instances {
            if name.is_empty() {
                return Err(UpstreamsError::BadName(url.clone()));
            }
            if names.contains(&name.as_str()) {
                return Err(UpstreamsError::DuplicateName(name.clone()));
            }
            names.push(name);
            let base = parse_url(url).map_err(|why| UpstreamsError::BadUrl {
                name: name.clone(),
                url: url.clone(),
                why,
            })?;
            if base.query().is_some() || base.fragment().is_some() {
                return Err(UpstreamsError::BadUrl {
                    name: name.clone(),
                    url: url.clone(),
                    why: "a base URL has no query or fragment".into(),
                });
            }
            balancer = balancer.weighted(name.clone(), base, *weight);
        }
        Ok(Upstreams {
            balancer: balancer.build(),
            client: self.client.unwrap_or_default(),
            retry: self.retry,
            retry_when: self.retry_when,
            counts_against: self.counts_against,
        })
    }
}
