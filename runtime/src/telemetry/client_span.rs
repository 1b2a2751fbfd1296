//! The span of one outgoing HTTP request (`sturdy::remote`): kind client, a child of the request
//! being handled, named and attributed by the HTTP client conventions; and the W3C trace context
//! sent with it (`traceparent`, `tracestate`), so that the upstream's own trace continues the
//! caller's. A request whose span is sampled out still passes its context on (unsampled), and
//! gets no span of its own.
//!
//! The URL's query and fragment are never recorded: they may hold tokens.

use super::events;
use opentelemetry::propagation::{Injector, TextMapPropagator as _};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracer;
use std::sync::RwLock;

/// The tracer client spans are made with: the last server's that started exporting (a process
/// normally has one). The server span in the context cannot name its tracer.
static TRACER: RwLock<Option<SdkTracer>> = RwLock::new(None);

pub(super) fn trace_with(tracer: SdkTracer) {
    *TRACER.write().unwrap_or_else(|p| p.into_inner()) = Some(tracer);
}

/// An outgoing request's place in the trace.
pub(crate) struct ClientSpan {
    cx: opentelemetry::Context,
    /// Whether `cx` holds a span of this request's own (to end), not only its caller's.
    own: bool,
}

impl ClientSpan {
    /// Starts the span of `method url` in the request being handled on this thread; `None`
    /// when none is traced.
    pub(crate) fn start(method: &str, url: &reqwest::Url) -> Option<ClientSpan> {
        if !events::is_exporting() {
            return None;
        }
        let parent = opentelemetry::Context::current();
        if !parent.has_active_span() {
            return None;
        }
        if !parent.span().is_recording() {
            return Some(ClientSpan {
                cx: parent,
                own: false,
            });
        }
        let tracer = TRACER.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        let mut attributes = vec![
            KeyValue::new("http.request.method", method.to_owned()),
            KeyValue::new("url.full", bare(url)),
        ];
        if let Some(host) = url.host_str() {
            attributes.push(KeyValue::new("server.address", host.to_owned()));
        }
        if let Some(port) = url.port_or_known_default() {
            attributes.push(KeyValue::new("server.port", i64::from(port)));
        }
        let builder = tracer
            .span_builder(method.to_owned())
            .with_kind(SpanKind::Client)
            .with_attributes(attributes);
        let span = tracer.build_with_context(builder, &parent);
        Some(ClientSpan {
            cx: parent.with_span(span),
            own: true,
        })
    }

    /// The trace context headers to send with the request.
    pub(crate) fn headers(&self) -> Vec<(String, String)> {
        let mut headers = Headers(Vec::with_capacity(2));
        TraceContextPropagator::new().inject_context(&self.cx, &mut headers);
        headers.0
    }

    /// Ends the span with the response's status, or with the failure's kind (`error.type`).
    pub(crate) fn end(self, status: Option<u16>, error_type: Option<String>) {
        if !self.own {
            return;
        }
        let span = self.cx.span();
        if let Some(status) = status {
            span.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
        }
        if let Some(error_type) = error_type {
            span.set_status(Status::error(error_type.clone()));
            span.set_attribute(KeyValue::new("error.type", error_type));
        }
        span.end();
    }
}

/// The URL without its query, fragment or credentials.
fn bare(url: &reqwest::Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.to_string()
}

/// Headers collected from the propagator.
struct Headers(Vec<(String, String)>);

impl Injector for Headers {
    fn set(&mut self, key: &str, value: String) {
        self.0.push((key.to_owned(), value));
    }
}
