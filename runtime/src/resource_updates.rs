//! The announcement that a resource changed, shared by the resource registry (which owns it) and
//! every call's `Context` (so that a tool that changes data can say so). Kept a layer below both.

use std::sync::Arc;
use tokio::sync::broadcast;

/// Announces resource updates to the clients subscribed to them.
///
/// ```
/// use sturdy_runtime::resources::ResourceUpdates;
/// let updates = ResourceUpdates::default();
/// let mut heard = updates.subscribe();
/// updates.announce("config://app");
/// assert_eq!(&*heard.try_recv().unwrap(), "config://app");
/// ```
#[derive(Debug)]
pub struct ResourceUpdates {
    sender: broadcast::Sender<Arc<str>>,
}

impl Default for ResourceUpdates {
    fn default() -> Self {
        // Receivers that fall behind skip what they missed: an update is a hint to read again,
        // and the next one carries the same hint.
        ResourceUpdates {
            sender: broadcast::channel(64).0,
        }
    }
}

// The channel keeps its state consistent across a panic (its lock does not poison): whatever
// holds it stays usable across `catch_unwind`.
impl std::panic::RefUnwindSafe for ResourceUpdates {}

impl ResourceUpdates {
    /// The resource at `uri` changed: clients subscribed to it get
    /// `notifications/resources/updated` and read it again.
    pub fn announce(&self, uri: &str) {
        // No receiver: nobody listens, nothing to tell.
        let _ = self.sender.send(Arc::from(uri));
    }

    /// The announcements from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.sender.subscribe()
    }
}
