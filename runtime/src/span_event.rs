//! `span_event!`: what a policy did, as an event on the current request's span (see
//! [`crate::telemetry`]), when one is recorded. Without the `otel` feature, or while nothing is
//! exported, it costs one relaxed load at most and evaluates none of its attributes.
//!
//! ```ignore
//! span_event!("sturdy.retry", "retry.attempt" => attempt as i64, "error.type" => fail.kind());
//! ```

macro_rules! span_event {
    ($name:literal $(, $key:literal => $value:expr)* $(,)?) => {{
        #[cfg(feature = "otel")]
        $crate::telemetry::add_event($name, || {
            vec![$(::opentelemetry::KeyValue::new($key, $value)),*]
        });
        // Named, never run: what the attributes read counts as used without the feature.
        #[cfg(not(feature = "otel"))]
        let _ = || { $(let _ = &$value;)* };
    }};
}
