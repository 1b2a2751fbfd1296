//! What the pipeline knows of the tool call it runs in: who is calling, whether a cache
//! answered, and whether a cache kept the answer per caller. Set by the registry around each
//! call (a task-local).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Who is calling and what happened, for the duration of one tool call.
#[doc(hidden)]
#[derive(Debug)]
pub(crate) struct CallInfo {
    pub client: Arc<str>,
    pub cache_hit: AtomicBool,
    /// A cache consulted during the call keyed its entry by the caller: the answer is the
    /// caller's own (a resource read says `cacheScope: "private"`).
    pub per_caller: AtomicBool,
}

impl CallInfo {
    pub(crate) fn new(client: Arc<str>) -> Self {
        CallInfo {
            client,
            cache_hit: AtomicBool::new(false),
            per_caller: AtomicBool::new(false),
        }
    }
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

/// The current call's client identity, as a cache key part: the call's answer is then marked as
/// the caller's own. What `#[cached]` keys a caller's entries with (generated code).
#[doc(hidden)]
pub fn caller_key() -> String {
    let _ = CALL.try_with(|c| c.per_caller.store(true, Ordering::Relaxed));
    current_client()
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

/// What a call run by [`run_as_call`] came to.
pub(crate) struct Ran<T> {
    pub(crate) outcome: Result<T, crate::error::ToolError>,
    /// A cache keyed an entry by the caller during the call (see [`CallInfo::per_caller`]).
    pub(crate) per_caller: bool,
}

/// Runs `work` as a call of `client`'s (what the resilience attributes read: the client for
/// `key = client`, the cache flags), with a panic caught and returned as an error: how resources
/// and prompts run, as tools do.
pub(crate) async fn run_as_call<T>(
    client: Arc<str>,
    work: impl std::future::Future<Output = Result<T, crate::error::ToolError>>,
) -> Ran<T> {
    use futures_util::FutureExt;
    let info = Arc::new(CallInfo::new(client));
    CALL.scope(info, async {
        let outcome = std::panic::AssertUnwindSafe(work)
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(crate::error::ToolError::from_panic(&*panic)));
        let per_caller = CALL.with(|c| c.per_caller.load(Ordering::Relaxed));
        Ran {
            outcome,
            per_caller,
        }
    })
    .await
}
