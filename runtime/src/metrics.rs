//! Counters for monitoring, in the Prometheus text format: calls, errors by kind and time per
//! tool, and each resilience policy's state. Served over HTTP at `GET /metrics`; [`render`] gives
//! the same text to serve any other way.
//!
//! Hand-written rather than a metrics crate: the counters are a few relaxed atomics per tool,
//! updated where the call ends, and the policies already keep their own state; what remains is
//! formatting text.

use crate::balancer::InstanceStats;
use crate::registry::{Registry, ToolMetrics, BUCKETS, KINDS};
use crate::resilience::{self, CircuitState};
use serde_json::Value;
use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

type InstancesFn = Arc<dyn Fn() -> Vec<InstanceStats> + Send + Sync>;

/// The balanced instances [`render`] reports, by balancer name.
static INSTANCES: Mutex<Vec<(String, InstancesFn)>> = Mutex::new(Vec::new());

/// Adds a load balancer's (or [`Upstreams`](crate::remote::Upstreams)') instances to [`render`]:
/// per instance, breaker state, calls in progress, picks, successes and failures. Watching a name
/// again replaces the earlier one, so the list stays as long as the number of balancers.
///
/// ```
/// use sturdy_runtime::balancer::{LoadBalancer, Strategy};
/// use sturdy_runtime::{metrics, Registry};
/// use std::sync::Arc;
///
/// let lb = Arc::new(LoadBalancer::new(Strategy::RoundRobin, [("a", ())]));
/// let stats = lb.clone();
/// metrics::watch_instances("backends", move || stats.stats());
/// lb.pick().unwrap().success();
/// let text = metrics::render(&Registry::from_defs([]).unwrap());
/// assert!(text.contains(r#"sturdy_instance_picks_total{balancer="backends",instance="a"} 1"#));
/// ```
pub fn watch_instances(
    balancer: impl Into<String>,
    stats: impl Fn() -> Vec<InstanceStats> + Send + Sync + 'static,
) {
    let balancer = balancer.into();
    let mut watched = INSTANCES.lock().unwrap_or_else(|p| p.into_inner());
    watched.retain(|(name, _)| *name != balancer);
    watched.push((balancer, Arc::new(stats)));
}

/// The metrics of every tool of `registry` and of every function's resilience policies, in the
/// Prometheus text exposition format (version 0.0.4).
///
/// ```
/// use sturdy_runtime::{metrics, Registry};
///
/// let registry = Registry::from_defs([]).unwrap();
/// let text = metrics::render(&registry);
/// assert!(text.contains("# TYPE sturdy_tool_calls_total counter"));
/// ```
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    render_tools(&mut out, registry);
    render_policies(&mut out);
    render_instances(&mut out);
    #[cfg(feature = "redis")]
    render_shared(&mut out);
    render_span_exports(&mut out);
    out
}

/// What became of the spans a process exported over OTLP (kept by [`crate::telemetry`]): shown
/// once it exports spans.
pub(crate) struct SpanExports {
    pub(crate) active: std::sync::atomic::AtomicBool,
    /// Sent to the collector, which accepted them.
    pub(crate) exported: std::sync::atomic::AtomicU64,
    /// Sent, and refused or never answered: lost.
    pub(crate) failed: std::sync::atomic::AtomicU64,
    /// Not sent: the export queue was full (a slow or unreachable collector).
    pub(crate) dropped: std::sync::atomic::AtomicU64,
}

pub(crate) static SPAN_EXPORTS: SpanExports = SpanExports {
    active: std::sync::atomic::AtomicBool::new(false),
    exported: std::sync::atomic::AtomicU64::new(0),
    failed: std::sync::atomic::AtomicU64::new(0),
    dropped: std::sync::atomic::AtomicU64::new(0),
};

fn render_span_exports(out: &mut String) {
    use std::sync::atomic::Ordering::Relaxed;
    let spans = &SPAN_EXPORTS;
    if !spans.active.load(Relaxed) {
        return;
    }
    for (name, help, value) in [
        (
            "sturdy_otel_spans_exported_total",
            "Spans the OTLP collector accepted.",
            &spans.exported,
        ),
        (
            "sturdy_otel_spans_failed_total",
            "Spans sent to the OTLP collector and lost (refused, or no answer in time).",
            &spans.failed,
        ),
        (
            "sturdy_otel_spans_dropped_total",
            "Spans not sent: the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE).",
            &spans.dropped,
        ),
    ] {
        family(out, name, "counter", help);
        sample(out, name, &[], value.load(Relaxed));
    }
}

/// Per tool: calls, errors by kind, time spent.
fn render_tools(out: &mut String, registry: &Registry) {
    let tools: Vec<(&str, &ToolMetrics)> = registry.metrics().collect();
    family(
        out,
        "sturdy_tool_calls_total",
        "counter",
        "Tool calls that ended.",
    );
    for (tool, m) in &tools {
        sample(
            out,
            "sturdy_tool_calls_total",
            &[("tool", tool)],
            m.calls.load(Ordering::Relaxed),
        );
    }
    family(
        out,
        "sturdy_tool_errors_total",
        "counter",
        "Tool calls that ended in an error, by kind.",
    );
    for (tool, m) in &tools {
        for (kind, n) in KINDS.iter().zip(&m.errors) {
            let n = n.load(Ordering::Relaxed);
            if n > 0 {
                sample(
                    out,
                    "sturdy_tool_errors_total",
                    &[("tool", tool), ("kind", kind)],
                    n,
                );
            }
        }
    }
    family(
        out,
        "sturdy_tool_call_seconds_total",
        "counter",
        "Time spent in tool calls.",
    );
    for (tool, m) in &tools {
        let seconds = m.micros.load(Ordering::Relaxed) as f64 / 1e6;
        sample(
            out,
            "sturdy_tool_call_seconds_total",
            &[("tool", tool)],
            seconds,
        );
    }
    render_durations(out, &tools);
}

/// Per tool: the histogram of call durations. Read bucket by bucket while calls go on, so a
/// scrape may see a call in `_count` before its bucket; each series is monotonic all the same.
fn render_durations(out: &mut String, tools: &[(&str, &ToolMetrics)]) {
    const NAME: &str = "sturdy_tool_call_duration_seconds";
    family(out, NAME, "histogram", "Tool calls by duration.");
    for (tool, m) in tools {
        let mut cumulative = 0;
        let bounds = BUCKETS
            .iter()
            .map(|b| b.to_string())
            .chain(["+Inf".to_owned()]);
        for (le, count) in bounds.zip(&m.durations) {
            cumulative += count.load(Ordering::Relaxed);
            sample(
                out,
                &format!("{NAME}_bucket"),
                &[("tool", tool), ("le", &le)],
                cumulative,
            );
        }
        let seconds = m.micros.load(Ordering::Relaxed) as f64 / 1e6;
        sample(out, &format!("{NAME}_sum"), &[("tool", tool)], seconds);
        sample(out, &format!("{NAME}_count"), &[("tool", tool)], cumulative);
    }
}

/// Per function with resilience attributes: the breaker's state and the policies' counters.
fn render_policies(out: &mut String) {
    // Policies exist once their function has run.
    let policies = resilience::policies();
    family(
        out,
        "sturdy_circuit_state",
        "gauge",
        "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
    );
    for p in &policies {
        if let Some(b) = p.circuit_breaker() {
            let state = match b.state() {
                CircuitState::Closed => 0,
                CircuitState::HalfOpen => 1,
                CircuitState::Open => 2,
            };
            sample(
                out,
                "sturdy_circuit_state",
                &[("function", p.name())],
                state,
            );
        }
    }
    let stats: Vec<(&str, Value)> = policies.iter().map(|p| (p.name(), p.stats())).collect();
    for counter in &POLICY_COUNTERS {
        family(out, counter.prometheus, "counter", counter.help);
        for (function, s) in &stats {
            if let Some(n) = counter.read(s) {
                sample(out, counter.prometheus, &[("function", function)], n);
            }
        }
    }
}

/// A counter every function's policies keep, as `/metrics` and OTLP both report it.
pub(crate) struct PolicyCounter {
    /// Its Prometheus name.
    pub(crate) prometheus: &'static str,
    /// Its OpenTelemetry name.
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    pub(crate) otel: &'static str,
    pub(crate) help: &'static str,
    /// Where it is in a policy's stats.
    path: [&'static str; 2],
}

impl PolicyCounter {
    /// Its value in `stats` (a policy's [`stats`](crate::resilience::PolicyView::stats)), when
    /// the function has that policy.
    pub(crate) fn read(&self, stats: &Value) -> Option<u64> {
        self.path
            .iter()
            .try_fold(stats, |v, k| v.get(k))
            .and_then(Value::as_u64)
    }
}

/// The policies' counters.
pub(crate) const POLICY_COUNTERS: [PolicyCounter; 5] = [
    PolicyCounter {
        prometheus: "sturdy_circuit_rejected_total",
        otel: "sturdy.circuit_breaker.rejected",
        help: "Calls refused by an open circuit.",
        path: ["circuit_breaker", "rejected"],
    },
    PolicyCounter {
        prometheus: "sturdy_retries_total",
        otel: "sturdy.retries",
        help: "Attempts after the first.",
        path: ["retry", "retries"],
    },
    PolicyCounter {
        prometheus: "sturdy_rate_limited_total",
        otel: "sturdy.rate_limited",
        help: "Calls refused by a rate limit.",
        path: ["rate_limited", "rejected"],
    },
    PolicyCounter {
        prometheus: "sturdy_cache_hits_total",
        otel: "sturdy.cache.hits",
        help: "Calls answered from a cache.",
        path: ["cached", "hits"],
    },
    PolicyCounter {
        prometheus: "sturdy_cache_misses_total",
        otel: "sturdy.cache.misses",
        help: "Calls that ran for a cache.",
        path: ["cached", "misses"],
    },
];

/// The tasks this replica runs (see [`crate::tasks`]).
pub(crate) fn render_tasks(out: &mut String, running: usize) {
    let name = "sturdy_tasks_running";
    family(
        out,
        name,
        "gauge",
        "Calls running as tasks on this replica (cancelled ones stop at once).",
    );
    sample(out, name, &[], running);
}

/// The shared store's state, when one is installed (`crate::shared`).
#[cfg(feature = "redis")]
fn render_shared(out: &mut String) {
    let Some(store) = crate::shared::store() else {
        return;
    };
    let s = store.stats();
    for (name, kind, help, value) in [
        (
            "sturdy_shared_store_down",
            "gauge",
            "1 while the shared store (Redis) fails: each replica decides alone.",
            u64::from(s.down),
        ),
        (
            "sturdy_shared_store_outages_total",
            "counter",
            "Times the shared store went from answering to failing.",
            s.outages,
        ),
        (
            "sturdy_shared_store_fallbacks_total",
            "counter",
            "Operations that fell back to this replica's own state.",
            s.fallbacks,
        ),
        (
            "sturdy_shared_store_bad_answers_total",
            "counter",
            "Of those, answers that could not be used (wrong key type, undecodable value).",
            s.bad_answers,
        ),
    ] {
        family(out, name, kind, help);
        sample(out, name, &[], value);
    }
}

/// A metric family of balanced instances: name, type, help, and the value of one instance.
type InstanceFamily = (
    &'static str,
    &'static str,
    &'static str,
    fn(&InstanceStats) -> u64,
);

/// Every watched balancer's instances, as they stand (see [`watch_instances`]).
pub(crate) fn watched_instances() -> Vec<(String, Vec<InstanceStats>)> {
    // The stats functions run outside the lock.
    let watched: Vec<(String, InstancesFn)> =
        INSTANCES.lock().unwrap_or_else(|p| p.into_inner()).clone();
    watched
        .into_iter()
        .map(|(name, stats)| (name, stats()))
        .collect()
}

fn render_instances(out: &mut String) {
    let all = watched_instances();
    let gauges: [InstanceFamily; 5] = [
        (
            "sturdy_instance_state",
            "gauge",
            "Instance breaker state: 0 closed, 1 half-open, 2 open.",
            |i| match i.state {
                CircuitState::Closed => 0,
                CircuitState::HalfOpen => 1,
                CircuitState::Open => 2,
            },
        ),
        (
            "sturdy_instance_outstanding",
            "gauge",
            "Calls in progress on the instance.",
            |i| i.outstanding as u64,
        ),
        (
            "sturdy_instance_picks_total",
            "counter",
            "Times the instance was picked.",
            |i| i.picks,
        ),
        (
            "sturdy_instance_successes_total",
            "counter",
            "Outcomes reported as successes.",
            |i| i.successes,
        ),
        (
            "sturdy_instance_failures_total",
            "counter",
            "Outcomes reported as failures.",
            |i| i.failures,
        ),
    ];
    for (name, kind, help, value) in gauges {
        family(out, name, kind, help);
        for (balancer, instances) in &all {
            for i in instances {
                sample(
                    out,
                    name,
                    &[("balancer", balancer), ("instance", &i.name)],
                    value(i),
                );
            }
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"");
            escape(out, v);
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the text format wants it: `\`, `"` and line feeds escaped.
fn escape(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let mut out = String::new();
        sample(&mut out, "m", &[("tool", "a\"b\\c\nd")], 1);
        assert_eq!(out, "m{tool=\"a\\\"b\\\\c\\nd\"} 1\n");
    }
}
