//! What a user leaves out of a resilience attribute is the runtime's default (`Retry::DEFAULT`
//! and the like), seen through the registry the way `--list-tools` shows it.

use serde_json::{json, Value};
use sturdy::prelude::*;
use sturdy::resilience::{CircuitBreakerConfig, FailureRate, Retry};

#[tool]
#[retry]
#[cached]
#[circuit_breaker]
#[bulkhead]
#[rate_limited(7)]
async fn bare() -> Result<i64, ToolError> {
    Ok(1)
}

#[tool]
#[retry(max = 9)]
#[circuit_breaker(failure_rate = 0.25)]
async fn partly_written() -> Result<i64, ToolError> {
    Ok(2)
}

/// Takes `Context`: cached per caller by default.
#[tool]
#[cached]
async fn mine(ctx: Context) -> String {
    ctx.client_id().to_owned()
}

/// Takes `Context`, but the answer is everyone's.
#[tool]
#[cached(shared)]
async fn everyones(_ctx: Context) -> String {
    "the same".into()
}

fn policies(tool: &str) -> Vec<Value> {
    let registry = Registry::from_inventory().expect("registry");
    registry.get(tool).expect("tool").policies.clone()
}

fn policy<'a>(policies: &'a [Value], name: &str) -> &'a Value {
    policies
        .iter()
        .find(|p| p["policy"] == name)
        .unwrap_or_else(|| panic!("no {name} in {policies:?}"))
}

#[test]
fn bare_attributes_take_every_value_from_the_runtime() {
    let p = policies("bare");
    let retry = Retry::DEFAULT;
    assert_eq!(
        policy(&p, "retry"),
        &json!({"policy": "retry", "max": retry.max, "base": retry.base.as_secs_f64(),
            "max_delay": retry.max_delay.as_secs_f64(), "jitter": retry.jitter, "when": false})
    );
    let breaker = CircuitBreakerConfig::DEFAULT;
    assert_eq!(
        policy(&p, "circuit_breaker"),
        &json!({"policy": "circuit_breaker", "threshold": breaker.threshold,
            "recovery": breaker.recovery.as_secs_f64(), "half_open": breaker.half_open,
            "when": false})
    );
    assert_eq!(
        policy(&p, "cached"),
        &json!({"policy": "cached", "ttl": 300.0, "capacity": 10_000, "per": "arguments"})
    );
    assert_eq!(
        policy(&p, "bulkhead"),
        &json!({"policy": "bulkhead", "max_concurrent": 10, "max_wait": 0.0})
    );
    assert_eq!(
        policy(&p, "rate_limited"),
        &json!({"policy": "rate_limited", "limit": 7, "window": 60.0, "key": "client"})
    );
}

/// The listing says whose entries a cache keeps.
#[test]
fn a_cache_per_caller_says_so() {
    assert_eq!(policy(&policies("mine"), "cached")["per"], "caller");
    assert_eq!(policy(&policies("everyones"), "cached")["per"], "arguments");
}

#[test]
fn written_arguments_replace_only_themselves() {
    let p = policies("partly_written");
    let retry = policy(&p, "retry");
    assert_eq!(retry["max"], 9);
    assert_eq!(retry["base"], Retry::DEFAULT.base.as_secs_f64());
    let breaker = policy(&p, "circuit_breaker");
    let rule = FailureRate::new(0.25, None, None);
    assert_eq!(breaker["failure_rate"], 0.25);
    assert_eq!(breaker["window"], rule.window);
    assert_eq!(breaker["min_calls"], rule.min_calls);
    assert_eq!(
        breaker["recovery"],
        CircuitBreakerConfig::DEFAULT.recovery.as_secs_f64()
    );
    assert_eq!(
        (rule.window, rule.min_calls),
        (
            FailureRate::DEFAULT_WINDOW,
            FailureRate::DEFAULT_WINDOW.div_ceil(2)
        )
    );
}
