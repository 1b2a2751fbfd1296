//! The caller's trace a request continues: W3C trace context (`traceparent`, `tracestate`) from
//! `params._meta` (SEP-414). A malformed one (a wrong version, bad lengths, all-zero ids) is
//! ignored: the request starts a new trace, and is answered as any other.

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry_sdk::propagation::TraceContextPropagator;

/// Longest `tracestate` read (W3C allows 32 members of at most 256 bytes; anything longer is not
/// one, and is dropped rather than parsed).
const MAX_TRACESTATE: usize = 8 * 1024;

/// The trace context a request carries, as text.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Carried<'a> {
    pub(crate) traceparent: Option<&'a str>,
    pub(crate) tracestate: Option<&'a str>,
}

impl Extractor for Carried<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.traceparent,
            "tracestate" => self.tracestate.filter(|s| s.len() <= MAX_TRACESTATE),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

/// The context to start the request's span in: the caller's span when `carried` names a valid
/// one, else none (a root span).
pub(crate) fn parent(carried: Carried<'_>) -> opentelemetry::Context {
    match carried.traceparent {
        Some(traceparent) if well_formed(traceparent) => {
            TraceContextPropagator::new().extract(&carried)
        }
        _ => opentelemetry::Context::new(),
    }
}

/// Whether `traceparent` is W3C trace context version `00` to the letter: lowercase hex fields
/// of exactly 2, 32, 16 and 2 digits, ids not all zeros. (The propagator alone lets through ids
/// of the wrong length.)
fn well_formed(traceparent: &str) -> bool {
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    let mut fields = traceparent.split('-');
    match (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) {
        (Some("00"), Some(trace_id), Some(parent_id), Some(flags), None) => {
            hex(trace_id, 32)
                && nonzero(trace_id)
                && hex(parent_id, 16)
                && nonzero(parent_id)
                && hex(flags, 2)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt;

    fn read(traceparent: &str, tracestate: Option<&str>) -> opentelemetry::Context {
        parent(Carried {
            traceparent: Some(traceparent),
            tracestate,
        })
    }

    #[test]
    fn a_valid_traceparent_is_continued() {
        let cx = read(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            Some("vendor=value"),
        );
        let span = cx.span();
        let sc = span.span_context();
        assert!(sc.is_valid() && sc.is_remote() && sc.is_sampled());
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(sc.trace_state().get("vendor"), Some("value"));
    }

    /// Each is ignored: the request's span becomes a root.
    #[test]
    fn malformed_traceparents_are_ignored() {
        for bad in [
            "",
            "garbage",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            &"0".repeat(10_000),
        ] {
            assert!(!read(bad, None).span().span_context().is_valid(), "{bad:?}");
        }
    }

    /// 10 KB of `tracestate` is dropped; the parent still holds.
    #[test]
    fn an_oversized_tracestate_is_dropped() {
        let state = format!("a={}", "b".repeat(10_000));
        let cx = read(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            Some(&state),
        );
        let span = cx.span();
        assert!(span.span_context().is_valid());
        assert_eq!(span.span_context().trace_state().header(), "");
    }
}
