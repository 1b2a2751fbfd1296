//! OpenTelemetry: one server span per request, named and attributed by the semantic conventions
//! for MCP, and the metric `mcp.server.operation.duration` with the policies' counters, exported
//! over OTLP (HTTP with protobuf, or gRPC) when the standard `OTEL_*` variables say so.
//!
//! [`Telemetry::from_env`] reads them: traces are exported when an endpoint is given for them
//! (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), metrics likewise
//! (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`);
//! `OTEL_TRACES_EXPORTER=none` or `OTEL_METRICS_EXPORTER=none` turn one off, and
//! `OTEL_SDK_DISABLED=true` both. `OTEL_EXPORTER_OTLP_PROTOCOL` (or its `_TRACES_`/`_METRICS_`
//! form) is `http/protobuf` (the default) or `grpc`. The SDK reads the rest itself: `OTEL_SERVICE_NAME` (default:
//! the server's name), `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` / `_ARG` (parent-based
//! by default), `OTEL_BSP_*` (the export queue: a full queue drops spans, never slows a call),
//! `OTEL_METRIC_EXPORT_INTERVAL` (60 s by default), `OTEL_EXPORTER_OTLP_HEADERS` and `_TIMEOUT`.
//! Spans and metrics are exported from the SDK's own threads; nothing is ever written to stdout.
//!
//! ```no_run
//! # fn main() -> Result<(), String> {
//! use sturdy_runtime::mcp::{Server, ServerInfo};
//! use sturdy_runtime::telemetry::Telemetry;
//!
//! let server = Server::from_inventory(ServerInfo::new("notes", "1.0")).map_err(|e| e.to_string())?;
//! let telemetry = Telemetry::from_env("notes")?;
//! let server = match &telemetry {
//!     Some(t) => server.with_telemetry(t.clone()),
//!     None => server,
//! };
//! // ... serve; then, so that the last spans are not lost:
//! if let Some(t) = telemetry {
//!     t.shutdown();
//! }
//! # Ok(()) }
//! ```

mod client_span;
mod events;
mod exporter;
mod grpc;
mod metrics;
mod outcome;
mod parent;
mod request_span;
mod span_queue;

pub(crate) use client_span::ClientSpan;
pub(crate) use events::add_event;
pub(crate) use parent::Carried;
pub(crate) use request_span::{Observed, RequestSpan, Traced};

use metrics::Meters;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithHttpConfig as _;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use std::sync::Arc;

/// Where a server's spans and metrics go: a tracer provider and a meter provider exporting over
/// OTLP. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Telemetry {
    inner: Arc<Inner>,
}

#[derive(Clone, Debug)]
struct Inner {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    /// Whether spans are exported: when not (metrics only), a request gets a span only to carry
    /// its caller's trace context to the calls it makes.
    traced: bool,
    /// Whether the sampler follows the caller's decision (the default, parent-based): a request
    /// whose caller did not sample its trace then gets no span of its own, only the caller's
    /// context, carried on (the SDK would make one only to drop it).
    follows_parents: bool,
    meters: Option<Meters>,
}

// A panic while a span is open leaves the SDK's state as consistent as any other moment (its
// shared state is behind locks and atomics), so a `Server` holding this stays usable across
// `catch_unwind`, as it was before it held one.
impl std::panic::UnwindSafe for Telemetry {}
impl std::panic::RefUnwindSafe for Telemetry {}

impl Telemetry {
    /// The exporter the `OTEL_*` variables describe, for a server named `service_name` (the
    /// default `service.name`); `None` when they set none up. An error names a variable whose
    /// value cannot be used.
    pub fn from_env(service_name: &str) -> Result<Option<Telemetry>, String> {
        if var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let traces = exported("TRACES")?;
        let metrics = exported("METRICS")?;
        if traces.is_none() && metrics.is_none() {
            return Ok(None);
        }
        // Made once, when a signal goes over gRPC.
        let mut grpc_runtime = None;
        let mut grpc = || -> Result<Arc<grpc::ExportRuntime>, String> {
            if grpc_runtime.is_none() {
                grpc_runtime = Some(grpc::ExportRuntime::start()?);
            }
            Ok(grpc_runtime.clone().expect("made above"))
        };
        let named = var("OTEL_SERVICE_NAME").is_some()
            || var("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|a| a.contains("service.name="));
        let resource = if named {
            Resource::builder().build()
        } else {
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build()
        };
        let tracer_provider = SdkTracerProvider::builder().with_resource(resource.clone());
        let failed =
            |e: opentelemetry_otlp::ExporterBuildError| format!("OpenTelemetry span exporter: {e}");
        let tracer_provider = if let Some(protocol) = traces {
            let builder = opentelemetry_otlp::SpanExporter::builder();
            match protocol {
                Protocol::HttpProtobuf => batched(
                    tracer_provider,
                    builder
                        .with_http()
                        .with_http_client(exporter::BlockingClient::new())
                        .build()
                        .map_err(failed)?,
                ),
                Protocol::Grpc => {
                    let runtime = grpc()?;
                    let _inside = runtime.handle().enter();
                    let exporter = builder.with_tonic().build().map_err(failed)?;
                    batched(
                        tracer_provider,
                        grpc::OnRuntime {
                            exporter,
                            runtime: runtime.clone(),
                        },
                    )
                }
            }
        } else {
            // Metrics only: spans still carry the caller's context inward, and none is recorded.
            tracer_provider.with_sampler(Sampler::AlwaysOff)
        };
        let mut telemetry = Telemetry::with_provider(tracer_provider.build());
        let mut inner = Arc::unwrap_or_clone(telemetry.inner);
        inner.traced = traces.is_some();
        // Metrics only: nothing is sampled, whatever the caller decided.
        inner.follows_parents = traces.is_none()
            || var("OTEL_TRACES_SAMPLER").is_none_or(|s| s.trim().starts_with("parentbased_"));
        telemetry.inner = Arc::new(inner);
        if let Some(protocol) = metrics {
            let failed = |e: opentelemetry_otlp::ExporterBuildError| {
                format!("OpenTelemetry metric exporter: {e}")
            };
            let builder = opentelemetry_otlp::MetricExporter::builder();
            let meter_provider = SdkMeterProvider::builder().with_resource(resource);
            let meter_provider = match protocol {
                Protocol::HttpProtobuf => meter_provider.with_reader(
                    PeriodicReader::builder(
                        builder
                            .with_http()
                            .with_http_client(exporter::BlockingClient::new())
                            .build()
                            .map_err(failed)?,
                    )
                    .build(),
                ),
                Protocol::Grpc => {
                    let runtime = grpc()?;
                    let _inside = runtime.handle().enter();
                    let exporter = builder.with_tonic().build().map_err(failed)?;
                    meter_provider.with_reader(
                        PeriodicReader::builder(grpc::OnRuntime {
                            exporter,
                            runtime: runtime.clone(),
                        })
                        .build(),
                    )
                }
            }
            .build();
            telemetry = telemetry.with_meter_provider(meter_provider);
        }
        Ok(Some(telemetry))
    }

    /// Spans go to `provider` (a test's in-memory exporter, an application's own set-up).
    pub fn with_provider(provider: SdkTracerProvider) -> Telemetry {
        events::exporting();
        let tracer = provider.tracer("sturdy");
        client_span::trace_with(tracer.clone());
        Telemetry {
            inner: Arc::new(Inner {
                provider,
                tracer,
                traced: true,
                // An application's own provider: its sampler is not known here.
                follows_parents: false,
                meters: None,
            }),
        }
    }

    /// Metrics go to `provider` as well: each request's duration
    /// (`mcp.server.operation.duration`) and the policies' counters.
    ///
    /// ```
    /// use opentelemetry_sdk::metrics::SdkMeterProvider;
    /// use opentelemetry_sdk::trace::SdkTracerProvider;
    /// use sturdy_runtime::telemetry::Telemetry;
    ///
    /// let telemetry = Telemetry::with_provider(SdkTracerProvider::builder().build())
    ///     .with_meter_provider(SdkMeterProvider::builder().build());
    /// # telemetry.shutdown();
    /// ```
    pub fn with_meter_provider(self, provider: SdkMeterProvider) -> Telemetry {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        inner.meters = Some(Meters::new(provider));
        Telemetry {
            inner: Arc::new(inner),
        }
    }

    pub(crate) fn tracer(&self) -> &SdkTracer {
        &self.inner.tracer
    }

    /// Whether spans are exported.
    pub(crate) fn traced(&self) -> bool {
        self.inner.traced
    }

    /// Whether a request whose caller did not sample its trace needs no span of its own.
    pub(crate) fn follows_parents(&self) -> bool {
        self.inner.follows_parents
    }

    /// The histogram of request durations, when metrics are exported.
    pub(crate) fn operation_duration(&self) -> Option<&opentelemetry::metrics::Histogram<f64>> {
        self.inner.meters.as_ref().map(|m| &m.operation_duration)
    }

    /// Exports what is still queued (spans, and the metrics recorded since the last export) and
    /// stops. Blocks until done (or the export timeout).
    pub fn shutdown(&self) {
        let _ = self.inner.provider.force_flush();
        let _ = self.inner.provider.shutdown();
        if let Some(meters) = &self.inner.meters {
            meters.shutdown();
        }
    }
}

/// `provider` exporting spans with `exporter` in batches, behind a bounded queue whose drops are
/// counted (see [`span_queue`]).
fn batched<E: opentelemetry_sdk::trace::SpanExporter + 'static>(
    provider: opentelemetry_sdk::trace::TracerProviderBuilder,
    exporter: E,
) -> opentelemetry_sdk::trace::TracerProviderBuilder {
    let queue = span_queue::SpanQueue::from_env();
    let processor = opentelemetry_sdk::trace::BatchSpanProcessor::builder(span_queue::Counted {
        exporter,
        queue: queue.clone(),
    })
    .build();
    provider.with_span_processor(span_queue::Bounded { processor, queue })
}

/// A variable's value, unless unset or blank.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// How a signal is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// `http/protobuf`, the default.
    HttpProtobuf,
    /// `grpc`.
    Grpc,
}

/// How `signal` (`TRACES`, `METRICS`) is to be exported: `None` unless an endpoint is given for
/// it and its exporter is not `none`. An error names a protocol that is neither `http/protobuf`
/// nor `grpc`.
fn exported(signal: &str) -> Result<Option<Protocol>, String> {
    if var(&format!("OTEL_{signal}_EXPORTER")).is_some_and(|v| v.trim() == "none") {
        return Ok(None);
    }
    if var(&format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")).is_none()
        && var("OTEL_EXPORTER_OTLP_ENDPOINT").is_none()
    {
        return Ok(None);
    }
    for name in [
        format!("OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"),
        "OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(),
    ] {
        if let Some(protocol) = var(&name) {
            return match protocol.trim() {
                "http/protobuf" => Ok(Some(Protocol::HttpProtobuf)),
                "grpc" => Ok(Some(Protocol::Grpc)),
                _ => Err(format!(
                    "{name}={protocol:?}: sturdy exports over OTLP with http/protobuf or grpc"
                )),
            };
        }
    }
    Ok(Some(Protocol::HttpProtobuf))
}
