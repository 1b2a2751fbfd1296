//! Events on the current request's span: what the policies did inside a call (see
//! `span_event!`).

use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::KeyValue;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether any server in this process exports spans: until one does, an event costs this load.
static EXPORTING: AtomicBool = AtomicBool::new(false);

pub(super) fn exporting() {
    EXPORTING.store(true, Ordering::Relaxed);
}

pub(super) fn is_exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Adds the event `name` to the span of the request being handled on this thread, when there is
/// one and it is recorded; `attributes` are built only then.
pub(crate) fn add_event(name: &'static str, attributes: impl FnOnce() -> Vec<KeyValue>) {
    if !EXPORTING.load(Ordering::Relaxed) {
        return;
    }
    opentelemetry::Context::map_current(|cx| {
        let span = cx.span();
        if span.is_recording() {
            span.add_event(name, attributes());
        }
    });
}
