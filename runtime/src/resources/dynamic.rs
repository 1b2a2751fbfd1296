//! Resources defined at run time rather than by `#[resource]`: a gateway's upstream resources.
//! Each is its listing as clients see it (with `uri`, or `uriTemplate` for a family) and the
//! function its reads go to, given the URI read.

use super::{ReadError, ResourceContents};
use crate::completion::DynamicCompleter;
use crate::context::Context;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a dynamic resource's read yields: its contents, or why there are none.
pub type DynamicReadOutcome = Result<Vec<ResourceContents>, ReadError>;

type ReadFn = dyn Fn(Context, String) -> Pin<Box<dyn Future<Output = DynamicReadOutcome> + Send>>
    + Send
    + Sync;

/// A resource (or resource template) defined at run time, for
/// [`Resources::from_parts`](super::Resources::from_parts).
///
/// ```
/// use serde_json::json;
/// use sturdy_runtime::resources::{DynamicResource, ResourceContents, Resources};
///
/// let motd = DynamicResource::new(
///     json!({"uri": "motd://today", "name": "motd", "mimeType": "text/plain"}),
///     |_ctx, _uri| async { Ok(vec![ResourceContents::text("Stay sturdy.")]) },
/// );
/// let resources = Resources::from_parts([], [motd]).unwrap();
/// assert!(resources.resolves("motd://today"));
/// ```
#[derive(Clone)]
pub struct DynamicResource {
    pub(super) listing: Value,
    pub(super) scopes: &'static [&'static str],
    pub(super) read: Arc<ReadFn>,
    pub(super) completer: Option<DynamicCompleter>,
}

// A panic in a call is caught and becomes that call's error, as for the macros' functions: the
// server never reads what the function holds, it only calls it again, so it stays unwind safe
// whatever the function captures (a client, a pool).
impl std::panic::UnwindSafe for DynamicResource {}
impl std::panic::RefUnwindSafe for DynamicResource {}

impl std::fmt::Debug for DynamicResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicResource")
            .field("listing", &self.listing)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl DynamicResource {
    /// A resource listed as `listing` (an object with `name` and either `uri` or `uriTemplate`,
    /// and whatever else its list entry shows: `title`, `description`, `mimeType`, …), whose
    /// reads run `read` with the URI read. A listing without them is refused when the resources
    /// are put together.
    pub fn new<F, Fut>(listing: Value, read: F) -> DynamicResource
    where
        F: Fn(Context, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = DynamicReadOutcome> + Send + 'static,
    {
        DynamicResource {
            listing,
            scopes: &[],
            read: Arc::new(move |ctx, uri| Box::pin(read(ctx, uri))),
            completer: None,
        }
    }

    /// What a caller's access token must grant to see and read it (HTTP with an authorization
    /// server only).
    pub fn scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> DynamicResource {
        self.scopes = crate::scope_lists::intern_all(scopes);
        self
    }

    /// The completions of its template's variables.
    pub fn completions(mut self, completer: DynamicCompleter) -> DynamicResource {
        self.completer = Some(completer);
        self
    }

    /// Its list entry.
    pub fn listing(&self) -> &Value {
        &self.listing
    }
}
