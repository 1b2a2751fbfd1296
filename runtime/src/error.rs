//! The error type tools return and the runtime produces (bad arguments, panics, ...).

use serde_json::{json, Value};
use std::fmt;
use std::time::Duration;

/// Why a tool call failed. Every variant becomes a tool result with `isError: true`, a readable text
/// and structured fields (`{"error": <kind>, "message": …, "retry_after": …}` under the result's
/// `_meta["dev.sturdy/error"]`), so that the model calling the tool can see what happened and react.
///
/// ```
/// use sturdy_runtime::ToolError;
/// let err = ToolError::new("upstream returned 503");
/// assert_eq!(err.kind(), "failed");
/// assert_eq!(err.to_string(), "upstream returned 503");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolError {
    /// The tool ran and failed; the message is shown to the caller.
    Failed(String),
    /// The arguments did not match the tool's input schema. Never retried.
    InvalidArguments(String),
    /// The tool panicked; the server caught it and keeps serving.
    Panicked(String),
    /// The call was cancelled by the client. Never retried.
    Cancelled,
    /// The circuit breaker is open: the function was not called. Never retried.
    ///
    /// `last_failure` is set when retries stopped because the breaker opened under them: it says
    /// what the last attempt that ran failed with (such as "connection refused"), so the caller
    /// learns what is wrong, not only that the circuit is open.
    CircuitOpen {
        /// When the circuit lets a trial call through again.
        retry_after: Duration,
        /// What the last attempt failed with, when retries were stopped by the circuit opening.
        last_failure: Option<String>,
    },
    /// Too many calls for this key: the function was not called. Never retried.
    RateLimited {
        /// When the next call would be admitted.
        retry_after: Duration,
    },
    /// The attempt did not finish in time and was dropped.
    Timeout(Duration),
    /// The bulkhead is full: too many calls are running and none finished within `max_wait`.
    Rejected {
        /// The bulkhead's limit.
        max_concurrent: usize,
    },
    /// No upstream instance can take the call (every instance's circuit breaker is open, see
    /// [`crate::balancer`]): nothing was called. The message names the instances and their
    /// states; `retry_after` is the earliest time one of them admits calls again, when known.
    /// Never retried, like [`ToolError::CircuitOpen`].
    Unavailable {
        /// What went wrong, for the model.
        message: String,
        /// When the caller may try again, if known.
        retry_after: Option<Duration>,
    },
    /// A remote service failed (see `sturdy::remote`): `message` says what failed, on which URL
    /// and (behind a balancer) which instance. Sent with `status` (the HTTP status, when the
    /// service answered) and `instance` fields. Retried only when `transient`: server errors,
    /// 408, 429, connection failures and timeouts, not a 404 or a body that is not JSON.
    Upstream {
        /// What went wrong, for the model.
        message: String,
        /// The upstream's HTTP status, if it answered.
        status: Option<u16>,
        /// The upstream instance, when several serve.
        instance: Option<String>,
        /// Whether trying again may succeed (retried by `#[retry]`).
        transient: bool,
    },
    /// A request of the tool's to the MCP client (user input, a model's completion, see
    /// [`Context::elicit`](crate::Context::elicit)) got no result: the client cannot be asked
    /// (no such capability, a stateless request), the connection ended, or the client answered
    /// with an error. `message` names the request. Never retried.
    Client {
        /// The request method the client did not answer.
        method: String,
        /// Why.
        message: String,
    },
    /// A request of the tool's to the MCP client needs a capability the client did not declare
    /// (`sampling` for [`Context::sample`](crate::Context::sample), ...): the client was not
    /// asked. Its kind is `client`, like [`ToolError::Client`]; a stateless (2026-07-28) call
    /// answers it with the JSON-RPC error -32021 naming the capability, as that revision requires.
    /// Never retried.
    MissingClientCapability {
        /// The request method that could not be sent.
        method: String,
        /// The capability it needs (`sampling`, `elicitation`, `roots`).
        capability: String,
    },
}

impl ToolError {
    /// [`ToolError::Panicked`] with the panic's message (`panic!("…")` payloads are `&str` or
    /// `String`; any other payload is named as such).
    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> ToolError {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic payload".to_owned()
        };
        ToolError::Panicked(message)
    }

    /// Any displayable error as a `ToolError`: a `ToolError` as it is (keeping its kind: rate
    /// limited, circuit open, …), anything else as a general error with its text.
    pub fn from_display<E: std::fmt::Display + 'static>(e: E) -> Self {
        match (&e as &dyn std::any::Any).downcast_ref::<ToolError>() {
            Some(t) => t.clone(),
            None => ToolError::new(e.to_string()),
        }
    }

    /// A plain failure with a message.
    pub fn new(message: impl Into<String>) -> Self {
        ToolError::Failed(message.into())
    }

    /// An open circuit that admits calls again after `retry_after`.
    pub fn circuit_open(retry_after: Duration) -> Self {
        ToolError::CircuitOpen {
            retry_after,
            last_failure: None,
        }
    }

    /// Invalid arguments (bad type, missing required argument, unknown argument).
    pub fn invalid_arguments(message: impl Into<String>) -> Self {
        ToolError::InvalidArguments(message.into())
    }

    /// A stable machine-readable name of the error kind, sent as the `error` field.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolError::Failed(_) => "failed",
            ToolError::InvalidArguments(_) => "invalid_arguments",
            ToolError::Panicked(_) => "panicked",
            ToolError::Cancelled => "cancelled",
            ToolError::CircuitOpen { .. } => "circuit_open",
            ToolError::RateLimited { .. } => "rate_limited",
            ToolError::Timeout(_) => "timeout",
            ToolError::Rejected { .. } => "rejected",
            ToolError::Unavailable { .. } => "unavailable",
            ToolError::Upstream { .. } => "upstream",
            ToolError::Client { .. } | ToolError::MissingClientCapability { .. } => "client",
        }
    }

    /// Whether trying again may help: failures, timeouts, bulkhead rejections and transient
    /// upstream failures. Bad arguments, panics, cancellation, an open circuit, a rate limit,
    /// unavailable upstreams and an upstream's definite answer (such as a 404) are not retried.
    pub fn is_retryable(&self) -> bool {
        match self {
            ToolError::Failed(_) | ToolError::Timeout(_) | ToolError::Rejected { .. } => true,
            ToolError::Upstream { transient, .. } => *transient,
            _ => false,
        }
    }

    /// How long the caller should wait before trying again, when the error says so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ToolError::CircuitOpen { retry_after, .. } | ToolError::RateLimited { retry_after } => {
                Some(*retry_after)
            }
            ToolError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The structured fields sent as `_meta["dev.sturdy/error"]` of the error result.
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "error": self.kind(), "message": self.to_string() });
        if let Some(after) = self.retry_after() {
            v["retry_after"] = json!(after.as_secs_f64());
        }
        if let ToolError::CircuitOpen {
            last_failure: Some(failure),
            ..
        } = self
        {
            v["last_failure"] = json!(failure);
        }
        if let ToolError::MissingClientCapability { capability, .. } = self {
            v["required_capability"] = json!(capability);
        }
        if let ToolError::Upstream {
            status, instance, ..
        } = self
        {
            if let Some(status) = status {
                v["status"] = json!(status);
            }
            if let Some(instance) = instance {
                v["instance"] = json!(instance);
            }
        }
        v
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Failed(m) => f.write_str(m),
            ToolError::InvalidArguments(m) => write!(f, "invalid arguments: {m}"),
            ToolError::Panicked(m) => write!(f, "the tool panicked: {m}"),
            ToolError::Cancelled => f.write_str("the call was cancelled"),
            ToolError::CircuitOpen {
                retry_after,
                last_failure: None,
            } => write!(
                f,
                "circuit open: the service is failing, retry after {:.1} s",
                retry_after.as_secs_f64()
            ),
            ToolError::CircuitOpen {
                retry_after,
                last_failure: Some(failure),
            } => write!(
                f,
                "{failure}; the circuit is now open: retry after {:.1} s",
                retry_after.as_secs_f64()
            ),
            ToolError::RateLimited { retry_after } => write!(
                f,
                "rate limited: too many calls, retry after {:.1} s",
                retry_after.as_secs_f64()
            ),
            ToolError::Timeout(after) => {
                write!(f, "timed out after {:.1} s", after.as_secs_f64())
            }
            ToolError::Rejected { max_concurrent } => write!(
                f,
                "rejected: {max_concurrent} calls are already running, try again later"
            ),
            ToolError::Unavailable { message, .. }
            | ToolError::Upstream { message, .. }
            | ToolError::Client { message, .. } => f.write_str(message),
            ToolError::MissingClientCapability { method, capability } => write!(
                f,
                "cannot send {method}: the client did not declare the `{capability}` capability"
            ),
        }
    }
}

impl std::error::Error for ToolError {}

impl From<String> for ToolError {
    fn from(m: String) -> Self {
        ToolError::Failed(m)
    }
}

impl From<&str> for ToolError {
    fn from(m: &str) -> Self {
        ToolError::Failed(m.to_owned())
    }
}

impl From<std::io::Error> for ToolError {
    fn from(e: std::io::Error) -> Self {
        ToolError::Failed(e.to_string())
    }
}

impl From<serde_json::Error> for ToolError {
    fn from(e: serde_json::Error) -> Self {
        ToolError::Failed(e.to_string())
    }
}
