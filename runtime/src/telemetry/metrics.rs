//! Metrics over OTLP: `mcp.server.operation.duration` (the semantic conventions for MCP: a
//! histogram in seconds of every request, by method, tool or prompt and `error.type`) and the
//! resilience policies' counters, read from the policies when the SDK collects (every
//! `OTEL_METRIC_EXPORT_INTERVAL`, 60 s by default, and at shutdown).

use crate::metrics::POLICY_COUNTERS;
use crate::resilience::{self, CircuitState};
use opentelemetry::metrics::{Histogram, Meter, MeterProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::SdkMeterProvider;

/// The histogram's bucket boundaries, in seconds: those the conventions advise for it.
const DURATION_BOUNDARIES: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// A meter provider and the instruments the server records into.
#[derive(Clone, Debug)]
pub(super) struct Meters {
    provider: SdkMeterProvider,
    pub(super) operation_duration: Histogram<f64>,
}

impl Meters {
    /// The instruments, created in `provider`; the policies' counters are observed from then on.
    pub(super) fn new(provider: SdkMeterProvider) -> Meters {
        let meter = provider.meter("sturdy");
        let operation_duration = meter
            .f64_histogram("mcp.server.operation.duration")
            .with_unit("s")
            .with_description(
                "Duration of the MCP request or notification as observed on the receiver",
            )
            .with_boundaries(DURATION_BOUNDARIES.to_vec())
            .build();
        observe_policies(&meter);
        Meters {
            provider,
            operation_duration,
        }
    }

    /// Exports what was recorded (a last collection), and stops.
    pub(super) fn shutdown(&self) {
        let _ = self.provider.shutdown();
    }
}

/// Each policy counter of every function, and each breaker's state, read when collected. The
/// instruments live as long as the provider: the SDK keeps their callbacks.
fn observe_policies(meter: &Meter) {
    for counter in &POLICY_COUNTERS {
        meter
            .u64_observable_counter(counter.otel)
            .with_description(counter.help)
            .with_callback(move |observer| {
                for policy in resilience::policies() {
                    if let Some(n) = counter.read(&policy.stats()) {
                        observer.observe(n, &[KeyValue::new("function", policy.name())]);
                    }
                }
            })
            .build();
    }
    meter
        .u64_observable_gauge("sturdy.circuit_breaker.state")
        .with_description("Circuit breaker state: 0 closed, 1 half-open, 2 open.")
        .with_callback(|observer| {
            for policy in resilience::policies() {
                let Some(breaker) = policy.circuit_breaker() else {
                    continue;
                };
                let state = match breaker.state() {
                    CircuitState::Closed => 0,
                    CircuitState::HalfOpen => 1,
                    CircuitState::Open => 2,
                };
                observer.observe(state, &[KeyValue::new("function", policy.name())]);
            }
        })
        .build();
}
