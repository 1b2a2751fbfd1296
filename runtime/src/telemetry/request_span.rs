//! The span of one request, by the semantic conventions for MCP: named `{mcp.method.name}
//! {target}` (the tool or prompt), kind server, its parent the caller's trace context; ended with
//! `error.type` (a JSON-RPC error's code, or `tool_error` for a tool result with `isError`) and an
//! error status when the response says so.
//!
//! When the server exports metrics, the same request's duration goes to the
//! `mcp.server.operation.duration` histogram, with the method, the tool or prompt, the revision,
//! the transport and `error.type`, whether or not its span is sampled.
//!
//! Arguments, results, URIs with their queries and tokens are never attributes: they may be
//! large, secret or of unbounded cardinality. A resource's URI is (`mcp.resource.uri`), as the
//! conventions ask, without its query or fragment.

use super::outcome::Outcome;
use super::parent::{parent, remote_span, Carried};
use super::Telemetry;
use crate::protocol::{Method, Version};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::KeyValue;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What a request's span is made of, as dispatch knows it.
pub(crate) struct RequestSpan<'a> {
    pub(crate) method: Method,
    pub(crate) id: &'a Value,
    /// The revision it speaks (unknown for a notification before the handshake).
    pub(crate) version: Option<Version>,
    /// The tool called, the prompt got.
    pub(crate) name: Option<&'a str>,
    /// That tool's or prompt's name when it is served here: only then does the duration name it
    /// (a client may send any name, and a metric's attributes must stay few).
    pub(crate) served: Option<&'static str>,
    /// The resource read or (un)subscribed.
    pub(crate) uri: Option<&'a str>,
    /// `pipe` (stdio) or `tcp` (HTTP).
    pub(crate) transport: &'static str,
    /// The client's network address (HTTP).
    pub(crate) client_address: Option<&'a str>,
    /// What the session is called in traces (HTTP sessions: a digest of its id).
    pub(crate) session: Option<&'a str>,
    pub(crate) carried: Carried<'a>,
}

impl RequestSpan<'_> {
    /// Starts the span, and the clock when the server exports metrics. Only the method is given
    /// to the sampler (as the span's name): the rest is built once the span is known to be
    /// recorded (an unsampled request allocates none of it).
    pub(crate) fn start(self, telemetry: &Telemetry) -> Observed {
        let timing = telemetry.operation_duration().map(|histogram| Timing {
            started: quanta::Instant::now(),
            histogram: histogram.clone(),
            attributes: self.measured_attributes(),
        });
        // Without exported spans, a span only carries a caller's context on (unsampled).
        let spanned = telemetry.traced() || self.carried.traceparent.is_some();
        let cx = spanned.then(|| self.start_span(telemetry));
        let recorded = cx.as_ref().is_some_and(|cx| cx.span().is_recording());
        Observed {
            cx,
            recorded,
            timing,
        }
    }

    fn start_span(self, telemetry: &Telemetry) -> opentelemetry::Context {
        let method = self.method.as_str();
        let tracer = telemetry.tracer();
        // The sampler sees the method as the name; the name with its target and the attributes
        // are built once the span is known to be recorded.
        let caller = remote_span(self.carried);
        if let Some(caller) = caller.as_ref().filter(|c| !c.is_sampled()) {
            if telemetry.follows_parents() {
                // Not recorded whatever it says: the caller's context alone is carried on.
                return parent(Some(caller.clone()));
            }
        }
        let parent = parent(caller);
        let builder = tracer.span_builder(method).with_kind(SpanKind::Server);
        let span = tracer.build_with_context(builder, &parent);
        let cx = parent.with_span(span);
        let span = cx.span();
        if span.is_recording() {
            if let Some(target) = self.name {
                span.update_name(format!("{method} {target}"));
            }
            span.set_attribute(KeyValue::new("mcp.method.name", method));
            span.set_attributes(self.attributes());
        }
        cx
    }

    /// What the duration is recorded with (besides `error.type`): the attributes of bounded
    /// cardinality, all static text (nothing is allocated for them but the list).
    fn measured_attributes(&self) -> Vec<KeyValue> {
        let mut attributes = Vec::with_capacity(5);
        attributes.push(KeyValue::new("mcp.method.name", self.method.as_str()));
        if let Some(version) = self.version {
            attributes.push(KeyValue::new("mcp.protocol.version", version.as_str()));
        }
        attributes.push(KeyValue::new("network.transport", self.transport));
        match (self.method, self.served) {
            (Method::ToolsCall, Some(tool)) => {
                attributes.push(KeyValue::new("gen_ai.tool.name", tool));
            }
            (Method::PromptsGet, Some(prompt)) => {
                attributes.push(KeyValue::new("gen_ai.prompt.name", prompt));
            }
            _ => {}
        }
        attributes
    }

    /// The tool or prompt the request is for, as the conventions name it.
    fn target(&self) -> Vec<KeyValue> {
        match (self.method, self.name) {
            (Method::ToolsCall, Some(tool)) => vec![
                KeyValue::new("gen_ai.tool.name", tool.to_owned()),
                KeyValue::new("gen_ai.operation.name", "execute_tool"),
            ],
            (Method::PromptsGet, Some(prompt)) => {
                vec![KeyValue::new("gen_ai.prompt.name", prompt.to_owned())]
            }
            _ => Vec::new(),
        }
    }

    /// What the span says besides its method.
    fn attributes(&self) -> Vec<KeyValue> {
        let mut attributes = Vec::with_capacity(8);
        if let Some(version) = self.version {
            attributes.push(KeyValue::new("mcp.protocol.version", version.as_str()));
        }
        attributes.push(KeyValue::new("network.transport", self.transport));
        if let Some(address) = self.client_address {
            attributes.push(KeyValue::new("client.address", address.to_owned()));
        }
        if let Some(session) = self.session {
            attributes.push(KeyValue::new("mcp.session.id", session.to_owned()));
        }
        let id = match self.id {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        if let Some(id) = id {
            attributes.push(KeyValue::new("jsonrpc.request.id", id));
        }
        attributes.extend(self.target());
        if let Some(uri) = self.uri {
            let bare = uri.split(['?', '#']).next().unwrap_or(uri);
            attributes.push(KeyValue::new("mcp.resource.uri", bare.to_owned()));
        }
        attributes
    }
}

/// A request being watched: its span, and its clock when durations are exported.
pub(crate) struct Observed {
    /// The span's context (`None`: no span, see [`RequestSpan::start`]).
    cx: Option<opentelemetry::Context>,
    /// Whether that span records (else it only carries the caller's context, and ends unseen).
    recorded: bool,
    timing: Option<Timing>,
}

/// When a request started, and what its duration is recorded with.
struct Timing {
    /// quanta's clock: read twice per request, at a few ns a read where `Instant` costs tens.
    started: quanta::Instant,
    histogram: opentelemetry::metrics::Histogram<f64>,
    attributes: Vec<KeyValue>,
}

impl Observed {
    /// Ends the span, and records the duration, with what `response` says (`None`: no response,
    /// as for a notification).
    pub(crate) fn end(mut self, response: Option<&[u8]>) {
        let recording = self.recorded;
        if !recording && self.timing.is_none() {
            return;
        }
        let span = self.cx.as_ref().map(|cx| cx.span());
        // The response is read only for a span or a duration that records what it says.
        let outcome =
            (recording || self.timing.is_some()).then(|| response.map_or(Outcome::Ok, Outcome::of));
        if let Some(mut timing) = self.timing.take() {
            let seconds = timing.started.elapsed().as_secs_f64();
            match &outcome {
                Some(Outcome::ToolError) => timing
                    .attributes
                    .push(KeyValue::new("error.type", "tool_error")),
                Some(Outcome::Rpc { code, .. }) => timing
                    .attributes
                    .push(KeyValue::new("error.type", code.to_string())),
                _ => {}
            }
            timing.histogram.record(seconds, &timing.attributes);
        }
        // A span that does not record has nothing to end.
        let (true, Some(span)) = (recording, span) else {
            return;
        };
        if let Some(outcome) = outcome {
            match outcome {
                Outcome::Ok => {}
                Outcome::ToolError => {
                    span.set_attribute(KeyValue::new("error.type", "tool_error"));
                    span.set_status(Status::error("the tool returned isError"));
                }
                Outcome::Rpc { code, message } => {
                    span.set_attribute(KeyValue::new("error.type", code.to_string()));
                    span.set_attribute(KeyValue::new("rpc.response.status_code", code.to_string()));
                    span.set_status(Status::error(message));
                }
            }
        }
        span.end();
    }
}

pin_project_lite::pin_project! {
    /// A request's handler, polled within its span's context (so that what the handler starts is
    /// the span's child), and the span ended (and the duration recorded) with what the response
    /// says. Without telemetry, only the handler.
    pub(crate) struct Traced<F> {
        #[pin]
        handler: F,
        observed: Option<Observed>,
    }
}

impl<F> Traced<F> {
    pub(crate) fn new(observed: Option<Observed>, handler: F) -> Self {
        Traced { handler, observed }
    }
}

impl<F: Future<Output = Option<Vec<u8>>>> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(observed) = this.observed.as_mut() else {
            return this.handler.poll(cx);
        };
        let polled = match &observed.cx {
            Some(span_cx) => {
                let _attached = span_cx.clone().attach();
                this.handler.poll(cx)
            }
            None => this.handler.poll(cx),
        };
        let Poll::Ready(response) = polled else {
            return Poll::Pending;
        };
        if let Some(observed) = this.observed.take() {
            observed.end(response.as_deref());
        }
        Poll::Ready(response)
    }
}

#[cfg(test)]
mod tests {
    use crate::mcp::{Server, ServerInfo, Session};
    use crate::telemetry::Telemetry;
    use crate::Registry;
    use opentelemetry::trace::{SpanKind, Status};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    fn attribute(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> Option<String> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
    }

    /// What a receiver that keeps span kinds would show (Phoenix, in the integration tests,
    /// does not): kind server, named by the method, an error's code and status.
    #[tokio::test]
    async fn a_request_is_a_server_span_and_an_error_says_so() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let server = Server::new(Registry::from_defs([]).unwrap(), ServerInfo::new("t", "1"))
            .with_telemetry(Telemetry::with_provider(provider));
        let (tx, _rx) = tokio::sync::mpsc::channel(8);
        let session = Session::new(Some(tx));
        let init = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        server.handle(&session, init).await.unwrap();
        let call = br#"{"jsonrpc":"2.0","id":"c","method":"tools/call","params":{"name":"nope","arguments":{}}}"#;
        server.handle(&session, call).await.unwrap();
        let spans = exporter.get_finished_spans().unwrap();
        assert_eq!(spans.len(), 2, "{spans:#?}");
        let init = &spans[0];
        assert_eq!(init.name, "initialize");
        assert_eq!(init.span_kind, SpanKind::Server);
        assert_eq!(
            attribute(init, "network.transport").as_deref(),
            Some("pipe")
        );
        assert_eq!(init.status, Status::Unset);
        let call = &spans[1];
        assert_eq!(call.name, "tools/call nope");
        assert_eq!(call.span_kind, SpanKind::Server);
        assert_eq!(attribute(call, "jsonrpc.request.id").as_deref(), Some("c"));
        assert_eq!(attribute(call, "error.type").as_deref(), Some("-32602"));
        assert!(
            matches!(&call.status, Status::Error { description } if description.contains("nope"))
        );
    }
}
