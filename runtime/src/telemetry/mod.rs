//! OpenTelemetry: one server span per request, named and attributed by the semantic conventions
//! for MCP, exported over OTLP (HTTP, protobuf) when the standard `OTEL_*` variables say so.
//!
//! [`Telemetry::from_env`] reads them: nothing is set up unless an endpoint is given
//! (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and
//! `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off. The SDK reads the rest
//! itself: `OTEL_SERVICE_NAME` (default: the server's name), `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_TRACES_SAMPLER` / `_ARG` (parent-based by default), `OTEL_BSP_*` (the export queue: a
//! full queue drops spans, never slows a call), `OTEL_EXPORTER_OTLP_HEADERS` and `_TIMEOUT`.
//! Spans are exported from the SDK's own thread; nothing is ever written to stdout.
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

mod events;
mod exporter;
mod outcome;
mod parent;
mod request_span;

pub(crate) use events::add_event;
pub(crate) use parent::Carried;
pub(crate) use request_span::{RequestSpan, Traced};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithHttpConfig as _;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use std::sync::Arc;

/// Where a server's spans go: a tracer provider exporting over OTLP. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Telemetry {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
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
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        if var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim() == "none") {
            return Ok(None);
        }
        if var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none()
            && var("OTEL_EXPORTER_OTLP_ENDPOINT").is_none()
        {
            return Ok(None);
        }
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some(protocol) = var(name) {
                if protocol.trim() != "http/protobuf" {
                    return Err(format!(
                        "{name}={protocol:?}: sturdy exports over OTLP with http/protobuf only"
                    ));
                }
                break;
            }
        }
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(exporter::BlockingClient::new())
            .build()
            .map_err(|e| format!("OpenTelemetry exporter: {e}"))?;
        let named = var("OTEL_SERVICE_NAME").is_some()
            || var("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|a| a.contains("service.name="));
        let resource = if named {
            Resource::builder().build()
        } else {
            Resource::builder()
                .with_service_name(service_name.to_owned())
                .build()
        };
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        Ok(Some(Telemetry::with_provider(provider)))
    }

    /// Spans go to `provider` (a test's in-memory exporter, an application's own set-up).
    pub fn with_provider(provider: SdkTracerProvider) -> Telemetry {
        events::exporting();
        let tracer = provider.tracer("sturdy");
        Telemetry {
            inner: Arc::new(Inner { provider, tracer }),
        }
    }

    pub(crate) fn tracer(&self) -> &SdkTracer {
        &self.inner.tracer
    }

    /// Exports what is still queued and stops. Blocks until done (or the export timeout).
    pub fn shutdown(&self) {
        let _ = self.inner.provider.force_flush();
        let _ = self.inner.provider.shutdown();
    }
}
