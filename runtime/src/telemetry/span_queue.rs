//! The bound on spans waiting for export, and the count of what became of them
//! ([`crate::metrics`]: `sturdy_otel_spans_*`).
//!
//! The SDK's batch processor already drops spans when its queue is full, but only logs how many
//! at shutdown. So a span enters the queue here only while fewer than `OTEL_BSP_MAX_QUEUE_SIZE`
//! (2048 by default) are between their end and the end of their export; the others are dropped
//! and counted. As spans stay counted until their export is over, the processor's own queue (of
//! the same size) never fills, and every span is either exported, failed or dropped, counted.

use crate::metrics::SPAN_EXPORTS;
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// Spans ended and not yet through their export.
#[derive(Debug)]
pub(super) struct SpanQueue {
    waiting: AtomicUsize,
    capacity: usize,
}

impl SpanQueue {
    /// A queue of `OTEL_BSP_MAX_QUEUE_SIZE` spans (as the SDK reads it).
    pub(super) fn from_env() -> Arc<SpanQueue> {
        SPAN_EXPORTS.active.store(true, Relaxed);
        let capacity = std::env::var("OTEL_BSP_MAX_QUEUE_SIZE")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(opentelemetry_sdk::trace::OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT);
        Arc::new(SpanQueue {
            waiting: AtomicUsize::new(0),
            capacity,
        })
    }

    /// Takes a place for one span: `false` when the queue is full.
    fn enter(&self) -> bool {
        self.waiting
            .fetch_update(Relaxed, Relaxed, |n| (n < self.capacity).then_some(n + 1))
            .is_ok()
    }

    fn leave(&self, spans: usize) {
        let _ = self
            .waiting
            .fetch_update(Relaxed, Relaxed, |n| Some(n.saturating_sub(spans)));
    }
}

/// A span processor (the SDK's batch processor) behind the [`SpanQueue`].
#[derive(Debug)]
pub(super) struct Bounded<P> {
    pub(super) processor: P,
    pub(super) queue: Arc<SpanQueue>,
}

impl<P: SpanProcessor> SpanProcessor for Bounded<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.processor.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        // Spans not sampled are not exported: they take no place.
        if !span.span_context.is_sampled() {
            return;
        }
        if self.queue.enter() {
            self.processor.on_end(span);
        } else {
            SPAN_EXPORTS.dropped.fetch_add(1, Relaxed);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.processor.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.processor.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.processor.set_resource(resource);
    }
}

/// A span exporter that frees the spans' places once their export is over, and counts them.
#[derive(Debug)]
pub(super) struct Counted<E> {
    pub(super) exporter: E,
    pub(super) queue: Arc<SpanQueue>,
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let spans = batch.len();
        let export = self.exporter.export(batch);
        async move {
            let result = export.await;
            self.queue.leave(spans);
            let counter = match result {
                Ok(()) => &SPAN_EXPORTS.exported,
                Err(_) => &SPAN_EXPORTS.failed,
            };
            counter.fetch_add(spans as u64, Relaxed);
            result
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.exporter.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.exporter.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.exporter.set_resource(resource);
    }
}
