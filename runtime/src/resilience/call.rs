//! What the pipeline knows of the tool call it runs in: who is calling, and whether a cache
//! answered. Set by the registry around each call (a task-local).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Who is calling and what happened, for the duration of one tool call.
#[doc(hidden)]
#[derive(Debug)]
pub(crate) struct CallInfo {
    pub client: Arc<str>,
    pub cache_hit: AtomicBool,
}

tokio::task_local! {
    #[doc(hidden)]
    /// Set by the registry around each tool call (and carried onto the blocking pool for sync
    /// tools).
    pub static CALL: Arc<CallInfo>;
}

/// The current call's client identity, `"default"` outside a tool call.
pub fn current_client() -> String {
    with_client(str::to_owned)
}

/// `f` of the current call's client identity (`"default"` outside a tool call), without copying
/// it.
pub(crate) fn with_client<R>(f: impl FnOnce(&str) -> R) -> R {
    let mut f = Some(f);
    if let Ok(r) = CALL.try_with(|c| f.take().expect("called once")(&c.client)) {
        return r;
    }
    // Outside a call `try_with` did not run its closure.
    f.take().expect("not called yet")("default")
}

/// Whether a `#[cached]` function called during the current tool call has so far been answered
/// from its cache (`false` outside a tool call). A tool that caches an inner computation tells its
/// caller with it:
///
/// ```
/// use sturdy_runtime::resilience::served_from_cache;
/// assert!(!served_from_cache());
/// ```
pub fn served_from_cache() -> bool {
    CALL.try_with(|c| c.cache_hit.load(Ordering::Relaxed))
        .unwrap_or(false)
}

pub(crate) fn mark_cache_hit() {
    let _ = CALL.try_with(|c| c.cache_hit.store(true, Ordering::Relaxed));
}

/// Runs `work` as a call of `client`'s (what the resilience attributes read: the client for
/// `key = client`, the cache flag), with a panic caught and returned as an error: how resources
/// and prompts run, as tools do.
pub(crate) async fn run_as_call<T>(
    client: Arc<str>,
    work: impl std::future::Future<Output = Result<T, crate::error::ToolError>>,
) -> Result<T, crate::error::ToolError> {
    use futures_util::FutureExt;
    let info = Arc::new(CallInfo {
        client,
        cache_hit: AtomicBool::new(false),
    });
    CALL.scope(info, std::panic::AssertUnwindSafe(work).catch_unwind())
        .await
        .unwrap_or_else(|panic| Err(crate::error::ToolError::from_panic(&*panic)))
}
