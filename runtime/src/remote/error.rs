//! What can go wrong calling an HTTP upstream, classified so that callers (and the retry and
//! breaker logic of [`Upstreams`](super::Upstreams)) can tell transient failures from answers.

use crate::balancer::NoHealthyInstance;
use crate::error::ToolError;
use std::fmt;
use std::time::Duration;

/// A failed remote call: what failed, on which URL and (behind a balancer) which instance.
///
/// Its message reads like `upstream "b": HTTP 503 Service Unavailable from GET
/// http://10.0.0.2/items/7 (after 3 attempts): <start of the body>`. It converts into a
/// [`ToolError`]: [`ToolError::Unavailable`] when no instance could take the call,
/// [`ToolError::InvalidArguments`] for a bad URL or path, [`ToolError::Upstream`] otherwise
/// (with the status and instance, retryable when [`is_transient`](Self::is_transient)).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteError {
    /// What went wrong.
    pub kind: RemoteErrorKind,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The URL requested (empty when no instance could be picked).
    pub url: String,
    /// The balancer instance that answered (or failed to), when there is a balancer.
    pub instance: Option<String>,
    /// Attempts made, retries included (0 when nothing was sent).
    pub attempts: u32,
}

/// The kinds of [`RemoteError`].
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteErrorKind {
    /// The URL (or the path joined to an instance's base URL) is not an acceptable http(s) URL.
    InvalidUrl(String),
    /// The upstream answered with a non-success status; `body` holds the start of its body.
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// No connection could be made (refused, DNS, TLS).
    Connect(String),
    /// No complete answer within the time limit.
    Timeout(Duration),
    /// The connection broke while sending or receiving.
    Transport(String),
    /// The body is larger than the client's limit.
    TooLarge {
        /// The size limit, in bytes.
        limit: usize,
    },
    /// The body is not JSON.
    NotJson(String),
    /// The bytes shared by several calls ([`ByteBudget`](super::ByteBudget)) are used up.
    OverBudget {
        /// The shared budget, in bytes.
        budget: usize,
    },
    /// No instance could take the call (each one's breaker is open).
    Unavailable(NoHealthyInstance),
}

impl RemoteErrorKind {
    /// The HTTP status, when the upstream answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            RemoteErrorKind::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A short name of the kind, as a client span's `error.type` gives it: the status code for
    /// an error status (as the HTTP conventions ask), else `invalid_url`, `connect`, `timeout`,
    /// `transport`, `too_large`, `not_json`, `over_budget` or `unavailable`.
    pub fn error_type(&self) -> String {
        match self {
            RemoteErrorKind::Status { status, .. } => return status.to_string(),
            RemoteErrorKind::InvalidUrl(_) => "invalid_url",
            RemoteErrorKind::Connect(_) => "connect",
            RemoteErrorKind::Timeout(_) => "timeout",
            RemoteErrorKind::Transport(_) => "transport",
            RemoteErrorKind::TooLarge { .. } => "too_large",
            RemoteErrorKind::NotJson(_) => "not_json",
            RemoteErrorKind::OverBudget { .. } => "over_budget",
            RemoteErrorKind::Unavailable(_) => "unavailable",
        }
        .to_owned()
    }
}

impl RemoteError {
    /// The HTTP status, when the upstream answered with an error status.
    pub fn status(&self) -> Option<u16> {
        self.kind.status()
    }

    /// Whether asking again (possibly another instance) may succeed: server errors (5xx), 408
    /// Request Timeout, 429 Too Many Requests, connection failures, timeouts and broken
    /// connections. Other statuses are the upstream's answer to this request, a body that is not
    /// JSON will not become JSON, and a bad URL stays bad.
    ///
    /// This is the default of both [`UpstreamsBuilder::retry_when`](super::UpstreamsBuilder::retry_when)
    /// and [`UpstreamsBuilder::counts_against_instance`](super::UpstreamsBuilder::counts_against_instance).
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            RemoteErrorKind::Status { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            RemoteErrorKind::Connect(_)
            | RemoteErrorKind::Timeout(_)
            | RemoteErrorKind::Transport(_) => true,
            RemoteErrorKind::InvalidUrl(_)
            | RemoteErrorKind::TooLarge { .. }
            | RemoteErrorKind::NotJson(_)
            | RemoteErrorKind::OverBudget { .. }
            | RemoteErrorKind::Unavailable(_) => false,
        }
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(instance) = &self.instance {
            write!(f, "upstream {instance:?}: ")?;
        }
        let (method, url) = (&self.method, &self.url);
        match &self.kind {
            RemoteErrorKind::Unavailable(e) => write!(f, "{e}")?,
            RemoteErrorKind::InvalidUrl(why) => write!(f, "cannot {method} {url:?}: {why}")?,
            RemoteErrorKind::Status { status, .. } => {
                let reason = reqwest::StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                write!(f, "HTTP {status} {reason} from {method} {url}")?;
            }
            RemoteErrorKind::Connect(why) => write!(f, "{method} {url} could not connect: {why}")?,
            RemoteErrorKind::Timeout(limit) => write!(
                f,
                "{method} {url} timed out after {:.1} s",
                limit.as_secs_f64()
            )?,
            RemoteErrorKind::Transport(why) => write!(f, "{method} {url} failed: {why}")?,
            RemoteErrorKind::TooLarge { limit } => write!(
                f,
                "{method} {url}: the body is larger than the {limit}-byte limit"
            )?,
            RemoteErrorKind::OverBudget { budget } => write!(
                f,
                "{method} {url}: not read, the {budget}-byte budget shared with the other calls is used up"
            )?,
            RemoteErrorKind::NotJson(why) => {
                write!(f, "{method} {url}: the body is not JSON ({why})")?
            }
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        if let RemoteErrorKind::Status { body, .. } = &self.kind {
            if !body.is_empty() {
                write!(f, ": {body}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for RemoteError {}

impl From<RemoteError> for ToolError {
    fn from(e: RemoteError) -> Self {
        match e.kind {
            RemoteErrorKind::Unavailable(ref none) => ToolError::Unavailable {
                retry_after: none.retry_after(),
                message: e.to_string(),
            },
            RemoteErrorKind::InvalidUrl(_) => ToolError::InvalidArguments(e.to_string()),
            _ => ToolError::Upstream {
                message: e.to_string(),
                status: e.status(),
                transient: e.is_transient(),
                instance: e.instance,
            },
        }
    }
}

/// What went wrong, from the error's sources (reqwest's own message is terse and repeats the URL).
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    if causes.is_empty() {
        e.to_string()
    } else {
        causes.join(": ")
    }
}
