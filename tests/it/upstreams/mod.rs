//! Calls to HTTP upstreams that fail, hang and recover, through `sturdy::remote::Upstreams` and
//! through the example server's `load_balanced_request`, `async_batch_requests` and
//! `async_parallel_processing` tools (the built binary over stdio).

use crate::{common, example_client, support};
mod upstream;

mod example_balanced;
mod example_batch;
mod failover;

use example_client::{is_error, ToolServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use sturdy::balancer::Strategy;
use sturdy::remote::{ByteBudget, HttpClient, RemoteErrorKind, Upstreams};
use sturdy::resilience::{CircuitBreakerConfig, CircuitState, Retry};
use sturdy::ToolError;
use upstream::{Mode, Upstream};

async fn three() -> [Upstream; 3] {
    [
        Upstream::start("a").await,
        Upstream::start("b").await,
        Upstream::start("c").await,
    ]
}

/// The breaker, timeout and retry settings of a test's [`Upstreams`].
struct Settings {
    threshold: u32,
    recovery: Duration,
    timeout: Duration,
    retries: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold: 3,
            recovery: Duration::from_secs(60),
            timeout: Duration::from_secs(5),
            retries: 2,
        }
    }
}

/// Round robin over `instances`, retrying at once (1 ms).
fn upstreams(instances: &[Upstream], settings: Settings) -> Upstreams {
    instances
        .iter()
        .fold(Upstreams::builder(Strategy::RoundRobin), |b, u| {
            b.instance(&u.name, &u.base)
        })
        .breaker(CircuitBreakerConfig {
            threshold: settings.threshold,
            recovery: settings.recovery,
            ..Default::default()
        })
        .retry(Retry {
            max: settings.retries,
            base: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            jitter: false,
        })
        .client(HttpClient::builder().timeout(settings.timeout).build())
        .build()
        .unwrap()
}

fn totals(instances: &[Upstream]) -> Vec<u32> {
    instances.iter().map(Upstream::total).collect()
}

fn delta(after: &[u32], before: &[u32]) -> Vec<u32> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}

fn state(up: &Upstreams, name: &str) -> CircuitState {
    up.balancer().breaker(name).unwrap().state()
}

fn structured(r: &Value) -> &Value {
    &r["structuredContent"]
}

/// An error result's structured fields.
fn error_fields(r: &Value) -> &Value {
    &r["_meta"]["dev.sturdy/error"]
}
