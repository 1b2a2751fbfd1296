//! OTLP over gRPC (`OTEL_EXPORTER_OTLP_PROTOCOL=grpc`). opentelemetry-otlp's gRPC exporters
//! (tonic) need a tokio runtime for their connection, while the SDK exports from threads of its
//! own, outside any runtime. So they get a small runtime of their own (one worker thread, made
//! only when gRPC is chosen), and each export blocks the SDK's thread on it, as an HTTP export
//! blocks on the blocking client: the server's runtime never carries an export, and a call never
//! waits on one.

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The exporters' runtime: shut down without waiting when the last exporter goes (a runtime
/// dropped the ordinary way blocks, which is not allowed on a runtime's own threads).
#[derive(Debug)]
pub(super) struct ExportRuntime(Option<tokio::runtime::Runtime>);

impl ExportRuntime {
    pub(super) fn start() -> Result<Arc<ExportRuntime>, String> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sturdy-otlp-grpc")
            .enable_all()
            .build()
            .map(|runtime| Arc::new(ExportRuntime(Some(runtime))))
            .map_err(|e| format!("OpenTelemetry gRPC exporter's runtime: {e}"))
    }

    pub(super) fn handle(&self) -> &tokio::runtime::Handle {
        self.0.as_ref().expect("running until dropped").handle()
    }

    /// Runs `work` to its end on this runtime, from any thread.
    fn run<F>(&self, work: F) -> OTelSdkResult
    where
        F: Future<Output = OTelSdkResult> + Send,
    {
        let handle = self.handle();
        if tokio::runtime::Handle::try_current().is_err() {
            return handle.block_on(work);
        }
        // On a runtime's thread (an application flushing from async code), blocking is not
        // allowed: a scoped thread of its own waits instead.
        std::thread::scope(|scope| {
            scope
                .spawn(|| handle.block_on(work))
                .join()
                .unwrap_or_else(|_| {
                    Err(opentelemetry_sdk::error::OTelSdkError::InternalFailure(
                        "the gRPC export panicked".into(),
                    ))
                })
        })
    }
}

impl Drop for ExportRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A gRPC exporter that runs on the [`ExportRuntime`].
#[derive(Debug)]
pub(super) struct OnRuntime<E> {
    pub(super) exporter: E,
    pub(super) runtime: Arc<ExportRuntime>,
}

impl<E: SpanExporter> SpanExporter for OnRuntime<E> {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.runtime.run(self.exporter.export(batch)))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let _inside = self.runtime.handle().enter();
        self.exporter.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        let _inside = self.runtime.handle().enter();
        self.exporter.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.exporter.set_resource(resource);
    }
}

impl<E: PushMetricExporter> PushMetricExporter for OnRuntime<E> {
    fn export(&self, metrics: &ResourceMetrics) -> impl Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.runtime.run(self.exporter.export(metrics)))
    }

    fn force_flush(&self) -> OTelSdkResult {
        let _inside = self.runtime.handle().enter();
        self.exporter.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let _inside = self.runtime.handle().enter();
        self.exporter.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.exporter.temporality()
    }
}
