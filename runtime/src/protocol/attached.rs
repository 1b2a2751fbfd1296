//! What a transport attaches to a request it read, from outside the message: what the sender's
//! access token grants, and the trace context its HTTP headers carried (`traceparent`,
//! `tracestate`; the message's own `params._meta` comes first).

use crate::grant::Grant;
use std::sync::Arc;

/// See the module docs.
#[derive(Debug, Default, Clone)]
pub(crate) struct Attached {
    pub(crate) grant: Option<Arc<Grant>>,
    pub(crate) trace: Option<Arc<TraceHeaders>>,
}

/// W3C trace context from HTTP headers, as sent (read strictly where it is used: the request's
/// span, with the `otel` feature).
#[derive(Debug)]
#[cfg_attr(not(feature = "otel"), allow(dead_code))]
pub(crate) struct TraceHeaders {
    pub(crate) traceparent: String,
    pub(crate) tracestate: Option<String>,
}
