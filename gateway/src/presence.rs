//! Whether an upstream's entries are listed: with `on_down = "hide"`, its tools, prompts and
//! resources leave the lists (a list-changed notice to the clients) while none of its replicas
//! is up, and come back with the first one that is; with `keep` (the default) they stay, and
//! their calls fail fast.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use sturdy_runtime::registry::Switches;

/// One upstream's replicas that are up, and the switches of its entries.
pub struct Presence {
    up: AtomicUsize,
    hide_when_down: bool,
    entries: OnceLock<Entries>,
    /// Taken while the entries are switched, so that a replica's coming and going are applied
    /// in the order they happened.
    switching: Mutex<()>,
}

/// The switches of one upstream's entries, and their keys (names, URIs or templates).
pub struct Entries {
    lists: Vec<(Arc<Switches>, Vec<String>)>,
}

/// One upstream's entries as served: tool and prompt names, resource URIs and templates.
#[derive(Default)]
pub struct Owned {
    pub tools: Vec<String>,
    pub prompts: Vec<String>,
    pub resources: Vec<String>,
}

impl Owned {
    /// With the switches `server` turns them on and off by.
    pub fn switched_by(self, server: &sturdy_runtime::Server) -> Entries {
        Entries {
            lists: vec![
                (server.registry().switches().clone(), self.tools),
                (server.prompts().switches().clone(), self.prompts),
                (server.resources().switches().clone(), self.resources),
            ],
        }
    }
}

impl Presence {
    /// An upstream with `up` replicas up at start-up.
    pub fn new(up: usize, hide_when_down: bool) -> Arc<Presence> {
        Arc::new(Presence {
            up: AtomicUsize::new(up),
            hide_when_down,
            entries: OnceLock::new(),
            switching: Mutex::new(()),
        })
    }

    /// Once the server is built: the switches of its entries (hidden at once if it is down).
    pub fn attach(&self, entries: Entries) {
        if self.entries.set(entries).is_ok() {
            self.apply();
        }
    }

    /// A replica came up.
    pub fn replica_up(&self) {
        if self.up.fetch_add(1, Ordering::AcqRel) == 0 {
            self.apply();
        }
    }

    /// A replica went down.
    pub fn replica_down(&self) {
        let was = self
            .up
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        if was == Ok(1) {
            self.apply();
        }
    }

    /// Lists the entries while a replica is up, hides them while none is (when asked to).
    fn apply(&self) {
        if !self.hide_when_down {
            return;
        }
        let Some(entries) = self.entries.get() else {
            return;
        };
        let _switching = self.switching.lock().unwrap_or_else(|p| p.into_inner());
        let on = self.up.load(Ordering::Acquire) > 0;
        for (switches, keys) in &entries.lists {
            switches.set_all(keys.iter().map(String::as_str), on);
        }
    }
}
