//! How a call failed inside the pipeline, and the caught panic some failures carry.

use crate::error::ToolError;
use std::any::Any;
use std::sync::Mutex;

/// How a call failed inside the pipeline: the function's own error, a policy's rejection, or a
/// panic (re-raised at the boundary, so a plain function keeps panicking as it would have).
pub enum Fail<E> {
    Inner(E),
    Policy(ToolError),
    Panic(PanicPayload),
}

/// A caught panic, kept to be resumed. `Sync` (via the mutex) so that it can be shared by the
/// callers waiting on one cache computation.
pub struct PanicPayload(pub(super) Mutex<Option<Box<dyn Any + Send>>>);

impl Fail<std::convert::Infallible> {
    /// A function that cannot fail, under policies that reject nothing (`#[cached]`), fails
    /// only by panicking, here or in a concurrent call it waited on: the panic goes on.
    pub fn resume(self) -> ! {
        match self {
            Fail::Inner(never) => match never {},
            Fail::Panic(p) => match p.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
                Some(payload) => std::panic::resume_unwind(payload),
                None => panic!("the function panicked"),
            },
            Fail::Policy(e) => panic!("{e}"),
        }
    }
}

impl<E: 'static> Fail<E> {
    /// The function's error type receives rejections through `From<ToolError>`.
    pub fn into_error(self) -> E
    where
        E: From<ToolError>,
    {
        match self {
            Fail::Inner(e) => e,
            Fail::Policy(t) => E::from(t),
            Fail::Panic(p) => match p.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
                Some(payload) => std::panic::resume_unwind(payload),
                None => E::from(ToolError::Panicked("the function panicked".into())),
            },
        }
    }

    /// What callers that waited on the same cache key are told: the error itself when it is a
    /// `ToolError`, else a summary (the function's error type need not be `Clone`).
    pub(super) fn shareable(&self) -> ToolError {
        match self {
            Fail::Policy(t) => t.clone(),
            Fail::Inner(e) => match (e as &dyn Any).downcast_ref::<ToolError>() {
                Some(t) => t.clone(),
                None => ToolError::new(
                    "the call failed (a concurrent call with the same arguments ran it)",
                ),
            },
            Fail::Panic(_) => {
                ToolError::Panicked("a concurrent call with the same arguments panicked".into())
            }
        }
    }

    /// Whether the breaker counts it as a failure: panics, timeouts and rejections always; the
    /// function's own errors unless the breaker's `when` says otherwise (then it is a success:
    /// the service answered).
    pub(super) fn trips(&self, when: Option<fn(&E) -> bool>) -> bool {
        match (self, when) {
            (Fail::Inner(e), Some(counts)) => counts(e),
            _ => true,
        }
    }

    /// For logs: the error's text when it is a `ToolError`, else its kind of failure.
    pub(super) fn describe(&self) -> String {
        match self {
            Fail::Inner(e) => match (e as &dyn Any).downcast_ref::<ToolError>() {
                Some(t) => t.to_string(),
                None => "the function returned an error".to_owned(),
            },
            Fail::Policy(t) => t.to_string(),
            Fail::Panic(_) => "the function panicked".to_owned(),
        }
    }

    /// Its kind, for telemetry (never its text, which may hold what a span must not).
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Fail::Inner(e) => (e as &dyn Any)
                .downcast_ref::<ToolError>()
                .map_or("error", ToolError::kind),
            Fail::Policy(t) => t.kind(),
            Fail::Panic(_) => "panicked",
        }
    }

    /// Retried: see [`Retry`].
    pub(super) fn retryable(&self, when: Option<fn(&E) -> bool>) -> bool {
        match self {
            // A function returning `ToolError` may itself report an upstream rate limit or an
            // open circuit; those are not retried either.
            Fail::Inner(e) => match (when, (e as &dyn Any).downcast_ref::<ToolError>()) {
                (Some(f), _) => f(e),
                (None, Some(t)) => t.is_retryable(),
                (None, None) => true,
            },
            Fail::Policy(t) => t.is_retryable(),
            Fail::Panic(_) => false,
        }
    }
}
