//! Calls spread over several instances of one upstream API.

use super::Status;
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Arc;
use sturdy::balancer::Strategy;
use sturdy::prelude::*;
use sturdy::remote::Upstreams;

/// The environment variable listing the upstream instances: `name=url,name=url`.
pub const UPSTREAMS_ENV: &str = "STURDY_UPSTREAMS";

/// The environment variable naming the balancing strategy (default `round_robin`).
pub const STRATEGY_ENV: &str = "STURDY_UPSTREAM_STRATEGY";

/// The upstream instances `load_balanced_request` spreads calls over, given to the app once
/// (`App::state`) and received by the tool as a `State<LoadBalancer>`. Empty when none are
/// configured: the tool then says how to configure them.
#[derive(Clone, Default)]
pub struct LoadBalancer {
    upstreams: Option<Arc<Upstreams>>,
}

impl LoadBalancer {
    /// Calls spread over `upstreams`.
    pub fn new(upstreams: Upstreams) -> Self {
        LoadBalancer {
            upstreams: Some(Arc::new(upstreams)),
        }
    }

    #[allow(dead_code)] // used by the server, not the demo
    /// The instances of `STURDY_UPSTREAMS`, balanced by `STURDY_UPSTREAM_STRATEGY`; empty when
    /// the variable is not set.
    pub fn from_env() -> Result<Self, String> {
        let Ok(list) = std::env::var(UPSTREAMS_ENV) else {
            return Ok(LoadBalancer::default());
        };
        let strategy: Strategy = match std::env::var(STRATEGY_ENV) {
            Ok(name) => name.parse().map_err(|e| format!("{STRATEGY_ENV}: {e}"))?,
            Err(_) => Strategy::RoundRobin,
        };
        let upstreams = Upstreams::builder(strategy)
            .instances_from_list(&list)
            .and_then(|b| b.build())
            .map_err(|e| format!("{UPSTREAMS_ENV}: {e}"))?;
        Ok(LoadBalancer::new(upstreams))
    }

    /// The configured instances, for health checks and dashboards.
    pub fn upstreams(&self) -> Option<&Arc<Upstreams>> {
        self.upstreams.as_ref()
    }
}

/// GET an endpoint from one of the configured upstream instances (round robin unless configured
/// otherwise), returning its JSON body as `data`, which `instance` answered, and
/// `status: "success"`. Each instance has its own circuit breaker: after 5 consecutive
/// failures it is skipped for 30 s, so traffic moves to the healthy ones and comes back after
/// recovery. Server errors, timeouts and connection failures are retried twice on the next
/// instance; other HTTP errors (such as 404) are returned at once as an `upstream` error with the
/// status and instance. When every instance's breaker is open the call fails with `unavailable`.
#[tool(read_only, idempotent, open_world)]
async fn load_balanced_request(
    balancer: State<LoadBalancer>,
    #[arg(description = "The path to GET, starting with `/` (e.g. `/users/7?full=true`)")]
    endpoint: String,
) -> Result<Balanced, ToolError> {
    let upstreams = balancer.upstreams().ok_or_else(|| {
        ToolError::new(format!(
            "no upstreams are configured: start the server with {UPSTREAMS_ENV}=name=url,name=url"
        ))
    })?;
    let response = upstreams.get_json(&endpoint).await?;
    Ok(Balanced {
        data: response.body,
        instance: response.instance,
        status: Status::Success,
        url: response.url,
        attempts: response.attempts,
    })
}

/// What `load_balanced_request` returns (the reference pattern's fields, and where it went).
#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Balanced {
    /// The response body.
    data: serde_json::Value,
    /// The instance that answered.
    instance: String,
    /// Always `success` (failures are error results).
    status: Status,
    /// The URL requested.
    url: String,
    /// Attempts made, the successful one included.
    attempts: u32,
}
