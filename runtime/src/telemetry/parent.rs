//! The caller's trace a request continues: W3C trace context (`traceparent`, `tracestate`) from
//! `params._meta` (SEP-414). A malformed one (a wrong version, bad lengths, all-zero ids) is
//! ignored: the request starts a new trace, and is answered as any other.

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};

/// Longest `tracestate` read (W3C allows 32 members of at most 256 bytes; anything longer is not
/// one, and is dropped rather than parsed).
const MAX_TRACESTATE: usize = 8 * 1024;

/// The trace context a request carries, as text.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Carried<'a> {
    pub(crate) traceparent: Option<&'a str>,
    pub(crate) tracestate: Option<&'a str>,
}

/// The context to start the request's span in: the caller's span (see [`remote_span`]), else
/// none (a root span).
pub(crate) fn parent(caller: Option<SpanContext>) -> opentelemetry::Context {
    match caller {
        Some(caller) => opentelemetry::Context::new().with_remote_span_context(caller),
        None => opentelemetry::Context::new(),
    }
}

/// The caller's span, when `carried` names a valid one: W3C trace context version `00` to the
/// letter (lowercase hex fields of exactly 2, 32, 16 and 2 digits, ids not all zeros), its
/// `tracestate` when that parses. Read here rather than by the SDK's propagator: it is on every
/// traced request's path, and the propagator (splitting, then parsing with `from_str_radix`)
/// costs several times as much, and lets through ids of the wrong length.
pub(crate) fn remote_span(carried: Carried<'_>) -> Option<SpanContext> {
    let text = carried.traceparent?.as_bytes();
    if text.len() != 55 || !text.starts_with(b"00-") || text[35] != b'-' || text[52] != b'-' {
        return None;
    }
    let trace_id = u128::from(hex16(&text[3..19])?) << 64 | u128::from(hex16(&text[19..35])?);
    let span_id = hex16(&text[36..52])?;
    let flags = hex2(text[53], text[54])?;
    if trace_id == 0 || span_id == 0 {
        return None;
    }
    let state = carried
        .tracestate
        .filter(|s| s.len() <= MAX_TRACESTATE)
        .and_then(|s| s.parse::<TraceState>().ok())
        .unwrap_or_default();
    Some(SpanContext::new(
        TraceId::from_bytes(trace_id.to_be_bytes()),
        SpanId::from_bytes(span_id.to_be_bytes()),
        TraceFlags::new(flags) & TraceFlags::SAMPLED,
        true,
        state,
    ))
}

/// The value of 16 lowercase hex digits.
fn hex16(digits: &[u8]) -> Option<u64> {
    let high = hex8(digits[..8].try_into().ok()?)?;
    let low = hex8(digits[8..16].try_into().ok()?)?;
    Some(u64::from(high) << 32 | u64::from(low))
}

/// The value of 8 lowercase hex digits, read at once as one 64-bit word (SWAR) rather than
/// digit by digit: a traced request reads 48 of them, and this is several times cheaper.
fn hex8(digits: [u8; 8]) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_be_bytes(digits);
    if x & HIGH != 0 {
        return None; // not ASCII
    }
    // Each byte is below 0x80 and each addend at most 0x50: no sum carries into the next byte.
    // A byte's high bit says whether it is at least (or above) a bound.
    let at_least = |bound: u8| (x + u64::from(0x80 - bound) * ONES) & HIGH;
    let above = |bound: u8| (x + u64::from(0x7F - bound) * ONES) & HIGH;
    let digit = at_least(b'0') & !above(b'9');
    let letter = at_least(b'a') & !above(b'f');
    if digit | letter != HIGH {
        return None;
    }
    // '0'..='9' are 0x30..0x39, 'a'..='f' 0x61..0x66: the low nibble, plus 9 for a letter.
    let nibbles = (x & (0x0F * ONES)) + (letter >> 7) * 9;
    // Packs the eight nibbles (one per byte, most significant first) into 32 bits.
    let packed = (nibbles | nibbles >> 4) & 0x00FF_00FF_00FF_00FF;
    let packed = (packed | packed >> 8) & 0x0000_FFFF_0000_FFFF;
    let packed = (packed | packed >> 16) & 0x0000_0000_FFFF_FFFF;
    u32::try_from(packed).ok()
}

/// The value of two lowercase hex digits.
fn hex2(high: u8, low: u8) -> Option<u8> {
    let nibble = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    };
    Some(nibble(high)? << 4 | nibble(low)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt;

    fn read(traceparent: &str, tracestate: Option<&str>) -> opentelemetry::Context {
        parent(remote_span(Carried {
            traceparent: Some(traceparent),
            tracestate,
        }))
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
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
        // Only the sampled flag is kept; unsampled is read as such.
        let other_bits = read(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03",
            None,
        );
        assert_eq!(
            other_bits.span().span_context().trace_flags(),
            TraceFlags::SAMPLED
        );
        let unsampled = read(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            None,
        );
        assert!(!unsampled.span().span_context().is_sampled());
        assert!(unsampled.span().span_context().is_valid());
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

    /// The word-at-a-time reading agrees with reading digit by digit, for every byte in every
    /// place.
    #[test]
    fn hex_words_read_as_digits_do() {
        let reference = |digits: &[u8; 8]| -> Option<u32> {
            let text = std::str::from_utf8(digits).ok()?;
            let lowercase = text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            lowercase
                .then(|| u32::from_str_radix(text, 16).ok())
                .flatten()
        };
        for base in [
            *b"00f067aa",
            *b"ffffffff",
            *b"01234567",
            *b"89abcdef",
            *b"00000000",
        ] {
            assert_eq!(hex8(base), reference(&base));
            for place in 0..8 {
                for byte in 0..=255u8 {
                    let mut digits = base;
                    digits[place] = byte;
                    assert_eq!(hex8(digits), reference(&digits), "{digits:?}");
                }
            }
        }
        assert_eq!(hex16(b"4bf92f3577b34da6"), Some(0x4bf9_2f35_77b3_4da6));
        assert_eq!(hex2(b'0', b'1'), Some(1));
        assert_eq!(hex2(b'f', b'F'), None);
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
