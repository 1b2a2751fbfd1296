//! What the status page reads each second: the server's counters as they stand.

use crate::mcp::Server;
use crate::registry::{BUCKETS, KINDS};
use crate::resilience;
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;

/// The server's counters now, as JSON: its tools (policies, calls, errors by kind, time spent,
/// calls by duration bucket), the functions with resilience attributes (each policy's state and
/// counters), balanced instances, and the shared store when one is installed.
pub fn snapshot(server: &Server) -> Value {
    let registry = server.registry();
    let tools: Vec<Value> = registry
        .tools()
        .zip(registry.metrics())
        .map(|(info, (_, m))| {
            let errors: Map<String, Value> = KINDS
                .iter()
                .zip(&m.errors)
                .map(|(kind, n)| (kind.to_string(), json!(n.load(Ordering::Relaxed))))
                .filter(|(_, n)| n != &json!(0))
                .collect();
            let durations: Vec<u64> = m
                .durations
                .iter()
                .map(|n| n.load(Ordering::Relaxed))
                .collect();
            json!({
                "name": info.name,
                "policies": info.policies,
                "calls": m.calls.load(Ordering::Relaxed),
                "errors": errors,
                "seconds": m.micros.load(Ordering::Relaxed) as f64 / 1e6,
                "durations": durations,
            })
        })
        .collect();
    let functions: Vec<Value> = resilience::policies()
        .iter()
        .map(|p| json!({ "name": p.name(), "stats": p.stats() }))
        .collect();
    let instances: Vec<Value> = crate::metrics::watched_instances()
        .into_iter()
        .map(|(group, stats)| json!({ "group": group, "instances": stats }))
        .collect();
    json!({
        "server": { "name": server.info().name, "version": server.info().version },
        "bounds": BUCKETS,
        "tools": tools,
        "functions": functions,
        "instances": instances,
        "shared": shared_store(),
    })
}

/// The shared store's state, `null` without one.
fn shared_store() -> Value {
    #[cfg(feature = "redis")]
    if let Some(store) = crate::shared::store() {
        let s = store.stats();
        return json!({
            "down": s.down, "outages": s.outages, "fallbacks": s.fallbacks,
        });
    }
    Value::Null
}
