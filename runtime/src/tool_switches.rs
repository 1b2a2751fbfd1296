//! Which tools are on, changed at run time, and the announcement that the tool list changed.
//!
//! The registry is fixed at link time, but what a server offers need not be: a tool can start
//! off (`#[tool(disabled)]`) and be turned on once its backend is ready, or turned off while it
//! is down. Each change is announced to the clients that asked to hear of it: 2025 sessions get
//! `notifications/tools/list_changed`, 2026-07-28 clients on their `subscriptions/listen` stream.
//! Kept a layer below the registry so that a tool's `Context` can reach it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::broadcast;

/// The on/off switch of every tool of a registry, and the tool-list announcements.
///
/// ```
/// # // Through the facade: `use sturdy::prelude::*;`.
/// use sturdy_runtime::registry::ToolSwitches;
/// let switches = ToolSwitches::new([("search", true), ("reindex", false)]);
/// let mut changes = switches.subscribe();
/// assert!(!switches.is_enabled("reindex"));
/// assert!(switches.enable("reindex"));            // changed: announced
/// assert!(changes.try_recv().is_ok());
/// assert!(!switches.enable("reindex"));           // already on: nothing to announce
/// assert!(changes.try_recv().is_err());
/// ```
#[derive(Debug)]
pub struct ToolSwitches {
    by_name: HashMap<String, AtomicBool>,
    /// Bumped by every change, so that cached listings know they are stale.
    generation: AtomicU64,
    changes: broadcast::Sender<ToolsChanged>,
}

// A panic cannot leave the switches half-changed: each is one atomic, and the broadcast channel
// keeps its own state consistent (its lock does not poison). So a registry stays usable across
// `catch_unwind`, as it was before it had switches.
impl std::panic::RefUnwindSafe for ToolSwitches {}

/// The tool list changed (one message however many tools did).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolsChanged;

impl ToolSwitches {
    /// Switches for these tools, each on or off.
    pub fn new<'a>(tools: impl IntoIterator<Item = (&'a str, bool)>) -> Self {
        ToolSwitches {
            by_name: tools
                .into_iter()
                .map(|(name, on)| (name.to_owned(), AtomicBool::new(on)))
                .collect(),
            generation: AtomicU64::new(0),
            // Receivers that fall behind get `Lagged`, which means "changed" all the same.
            changes: broadcast::channel(16).0,
        }
    }

    /// Whether tool `name` is served (`false` for a name that is not a tool).
    pub fn is_enabled(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|on| on.load(Ordering::Relaxed))
    }

    /// Turns tool `name` on. Whether anything changed (`false` if it was on, or is not a tool).
    pub fn enable(&self, name: &str) -> bool {
        self.set(name, true)
    }

    /// Turns tool `name` off: it leaves `tools/list`, and calls to it get "Unknown tool".
    /// Calls already running finish. Whether anything changed.
    pub fn disable(&self, name: &str) -> bool {
        self.set(name, false)
    }

    fn set(&self, name: &str, on: bool) -> bool {
        let Some(switch) = self.by_name.get(name) else {
            return false;
        };
        let changed = switch.swap(on, Ordering::Relaxed) != on;
        if changed {
            self.announce();
        }
        changed
    }

    /// Announces that the tool list changed for a reason of the program's own (enabling and
    /// disabling announce themselves).
    pub fn announce(&self) {
        self.generation.fetch_add(1, Ordering::Release);
        // No receiver: nobody listens, nothing to tell.
        let _ = self.changes.send(ToolsChanged);
    }

    /// The announcements from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ToolsChanged> {
        self.changes.subscribe()
    }

    /// Changes so far: a listing built at another generation is stale.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn unknown_names_change_nothing() {
        let s = ToolSwitches::new([("a", true)]);
        assert!(!s.enable("nope") && !s.disable("nope") && !s.is_enabled("nope"));
        assert_eq!(s.generation(), 0);
    }

    /// Many threads flipping one switch: every real change is counted once, and the final state
    /// is the last one written.
    #[test]
    fn concurrent_flips_count_each_change_once() {
        let s = Arc::new(ToolSwitches::new([("a", true)]));
        let changes: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let s = s.clone();
                    scope.spawn(move || {
                        (0..1000)
                            .filter(|i| {
                                if (i + t) % 2 == 0 {
                                    s.disable("a")
                                } else {
                                    s.enable("a")
                                }
                            })
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(s.generation(), changes as u64);
        // Each change flips the state: an even number of them leaves it on.
        assert_eq!(s.is_enabled("a"), changes.is_multiple_of(2));
    }
}
