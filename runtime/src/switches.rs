//! What is on, changed at run time, and the announcement that a list changed: one set of
//! switches for the tools, one for the resources (by URI or template), one for the prompts.
//!
//! The registries are fixed at link time, but what a server offers need not be: a tool (a
//! resource, a prompt) can start off (`#[tool(disabled)]`) and be turned on once its backend is
//! ready, or turned off while it is down. Each change is announced to the clients that asked to
//! hear of it: 2025 sessions get `notifications/{tools,resources,prompts}/list_changed`,
//! 2026-07-28 clients the same on their `subscriptions/listen` stream. Kept a layer below the
//! registries so that a function's `Context` can reach them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::broadcast;

/// The on/off switch of every entry of one list (the tools of a registry, the resources, the
/// prompts), and that list's change announcements.
///
/// ```
/// use sturdy_runtime::registry::Switches;
/// let switches = Switches::new([("search", true), ("reindex", false)]);
/// let mut changes = switches.subscribe();
/// assert!(!switches.is_enabled("reindex"));
/// assert!(switches.enable("reindex"));            // changed: announced
/// assert!(changes.try_recv().is_ok());
/// assert!(!switches.enable("reindex"));           // already on: nothing to announce
/// assert!(changes.try_recv().is_err());
/// ```
#[derive(Debug)]
pub struct Switches {
    /// Each entry's position in `on`; foldhash, as the registry's own names (a fixed set of
    /// keys). A registry keeps its tools' positions, so a call reads its switch without a lookup.
    by_name: HashMap<String, usize, foldhash::fast::RandomState>,
    on: Vec<AtomicBool>,
    /// Bumped by every change, so that cached listings know they are stale.
    generation: AtomicU64,
    changes: broadcast::Sender<ListChanged>,
}

// A panic cannot leave the switches half-changed: each is one atomic, and the broadcast channel
// keeps its own state consistent (its lock does not poison). So a registry stays usable across
// `catch_unwind`, as it was before it had switches.
impl std::panic::RefUnwindSafe for Switches {}

/// The tools' switches (`ctx.tools()`, `Registry::switches`).
pub type ToolSwitches = Switches;

/// The list changed (one message however many entries did).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListChanged;

/// What the tools' switches announce.
pub type ToolsChanged = ListChanged;

impl Switches {
    /// Switches for these entries (by name), each on or off.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, bool)>) -> Self {
        let mut by_name = HashMap::default();
        let mut switches = Vec::new();
        for (name, on) in entries {
            // A name given twice: the last setting counts, as in a map.
            match by_name.get(name) {
                Some(&i) => switches[i] = AtomicBool::new(on),
                None => {
                    by_name.insert(name.to_owned(), switches.len());
                    switches.push(AtomicBool::new(on));
                }
            }
        }
        Switches {
            by_name,
            on: switches,
            generation: AtomicU64::new(0),
            // Receivers that fall behind get `Lagged`, which means "changed" all the same.
            changes: broadcast::channel(16).0,
        }
    }

    /// Whether `name` is served (`false` for a name that is not in the list).
    pub fn is_enabled(&self, name: &str) -> bool {
        self.position(name).is_some_and(|i| self.is_enabled_at(i))
    }

    /// Where `name`'s switch is, for [`is_enabled_at`](Self::is_enabled_at).
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Whether the entry at `position` is on.
    pub(crate) fn is_enabled_at(&self, position: usize) -> bool {
        self.on[position].load(Ordering::Relaxed)
    }

    /// Turns `name` on. Whether anything changed (`false` if it was on, or is not in the list).
    pub fn enable(&self, name: &str) -> bool {
        self.set(name, true)
    }

    /// Turns `name` off: it leaves its list, and requests for it are answered as for a name that
    /// does not exist ("Unknown tool", resource not found, unknown prompt). Calls already running
    /// finish. Whether anything changed.
    pub fn disable(&self, name: &str) -> bool {
        self.set(name, false)
    }

    /// Turns each of `names` on (`on`) or off, announcing the change once however many changed
    /// (an upstream's tools leaving together). Whether anything changed.
    ///
    /// ```
    /// use sturdy_runtime::registry::Switches;
    /// let switches = Switches::new([("a", true), ("b", true), ("c", true)]);
    /// let mut changes = switches.subscribe();
    /// assert!(switches.set_all(["a", "b"], false));
    /// assert!(changes.try_recv().is_ok());
    /// assert!(changes.try_recv().is_err(), "announced once");
    /// assert!(!switches.is_enabled("b") && switches.is_enabled("c"));
    /// ```
    pub fn set_all<'a>(&self, names: impl IntoIterator<Item = &'a str>, on: bool) -> bool {
        let mut changed = false;
        for name in names {
            if let Some(switch) = self.position(name).map(|i| &self.on[i]) {
                changed |= switch.swap(on, Ordering::Relaxed) != on;
            }
        }
        if changed {
            self.announce();
        }
        changed
    }

    fn set(&self, name: &str, on: bool) -> bool {
        let Some(switch) = self.position(name).map(|i| &self.on[i]) else {
            return false;
        };
        let changed = switch.swap(on, Ordering::Relaxed) != on;
        if changed {
            self.announce();
        }
        changed
    }

    /// Announces that the list changed for a reason of the program's own (enabling and disabling
    /// announce themselves).
    pub fn announce(&self) {
        self.generation.fetch_add(1, Ordering::Release);
        // No receiver: nobody listens, nothing to tell.
        let _ = self.changes.send(ListChanged);
    }

    /// The announcements from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ListChanged> {
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
        let s = Switches::new([("a", true)]);
        assert!(!s.enable("nope") && !s.disable("nope") && !s.is_enabled("nope"));
        assert_eq!(s.generation(), 0);
    }

    /// Many threads flipping one switch: every real change is counted once, and the final state
    /// is the last one written.
    #[test]
    fn concurrent_flips_count_each_change_once() {
        let s = Arc::new(Switches::new([("a", true)]));
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
