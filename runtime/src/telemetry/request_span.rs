//! The span of one request, by the semantic conventions for MCP: named `{mcp.method.name}
//! {target}` (the tool or prompt), kind server, its parent the caller's trace context; ended with
//! `error.type` (a JSON-RPC error's code, or `tool_error` for a tool result with `isError`) and an
//! error status when the response says so.
//!
//! Arguments, results, URIs with their queries and tokens are never attributes: they may be
//! large, secret or of unbounded cardinality. A resource's URI is (`mcp.resource.uri`), as the
//! conventions ask, without its query or fragment.

use super::outcome::Outcome;
use super::parent::{parent, Carried};
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
    pub(crate) version: Version,
    /// The tool called, the prompt got.
    pub(crate) name: Option<&'a str>,
    /// The resource read or (un)subscribed.
    pub(crate) uri: Option<&'a str>,
    /// `pipe` (stdio) or `tcp` (HTTP).
    pub(crate) transport: &'static str,
    /// The client's network address (HTTP).
    pub(crate) client_address: Option<&'a str>,
    pub(crate) carried: Carried<'a>,
}

impl RequestSpan<'_> {
    /// Starts the span; the returned context holds it.
    pub(crate) fn start(self, telemetry: &Telemetry) -> opentelemetry::Context {
        let method = self.method.as_str();
        let span_name = match self.name {
            Some(target) => format!("{method} {target}"),
            None => method.to_owned(),
        };
        let mut attributes = Vec::with_capacity(8);
        attributes.push(KeyValue::new("mcp.method.name", method));
        attributes.push(KeyValue::new("mcp.protocol.version", self.version.as_str()));
        attributes.push(KeyValue::new("network.transport", self.transport));
        if let Some(address) = self.client_address {
            attributes.push(KeyValue::new("client.address", address.to_owned()));
        }
        let id = match self.id {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        if let Some(id) = id {
            attributes.push(KeyValue::new("jsonrpc.request.id", id));
        }
        match (self.method, self.name) {
            (Method::ToolsCall, Some(tool)) => {
                attributes.push(KeyValue::new("gen_ai.tool.name", tool.to_owned()));
                attributes.push(KeyValue::new("gen_ai.operation.name", "execute_tool"));
            }
            (Method::PromptsGet, Some(prompt)) => {
                attributes.push(KeyValue::new("gen_ai.prompt.name", prompt.to_owned()));
            }
            _ => {}
        }
        if let Some(uri) = self.uri {
            let bare = uri.split(['?', '#']).next().unwrap_or(uri);
            attributes.push(KeyValue::new("mcp.resource.uri", bare.to_owned()));
        }
        let tracer = telemetry.tracer();
        let builder = tracer
            .span_builder(span_name)
            .with_kind(SpanKind::Server)
            .with_attributes(attributes);
        let parent = parent(self.carried);
        let span = tracer.build_with_context(builder, &parent);
        parent.with_span(span)
    }
}

pin_project_lite::pin_project! {
    /// A request's handler, polled within its span's context (so that what the handler starts is
    /// the span's child), and the span ended with what the response says. Without a span
    /// (telemetry off), only the handler.
    pub(crate) struct Traced<F> {
        #[pin]
        handler: F,
        cx: Option<opentelemetry::Context>,
    }
}

impl<F> Traced<F> {
    pub(crate) fn new(cx: Option<opentelemetry::Context>, handler: F) -> Self {
        Traced { handler, cx }
    }
}

impl<F: Future<Output = Option<Vec<u8>>>> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(span_cx) = this.cx.as_ref() else {
            return this.handler.poll(cx);
        };
        let polled = {
            let _attached = span_cx.clone().attach();
            this.handler.poll(cx)
        };
        let Poll::Ready(response) = polled else {
            return Poll::Pending;
        };
        let span = span_cx.span();
        if span.is_recording() {
            let outcome = response.as_deref().map_or(Outcome::Ok, Outcome::of);
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
        Poll::Ready(response)
    }
}
