//! The memory that finished SSE streams, kept for resumption, may hold: in all, and per client,
//! so that many sessions (or one client's many sessions) cannot hold gigabytes of answers
//! nobody comes back for. A stream that finishes over budget is not kept: a client still
//! connected reads it to the end, one that would resume later finds it gone (404).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) struct KeptBudget {
    max_total: usize,
    max_per_client: usize,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_client: HashMap<Arc<str>, usize>,
}

/// Bytes charged to a client while a finished stream is kept; released when it is dropped.
pub(super) struct Charge {
    budget: Arc<KeptBudget>,
    client: Arc<str>,
    bytes: usize,
}

impl KeptBudget {
    pub(super) fn new(max_total: usize, max_per_client: usize) -> Arc<Self> {
        Arc::new(KeptBudget {
            max_total,
            max_per_client,
            counts: Mutex::new(Counts::default()),
        })
    }

    /// Charges `bytes` to `client` when both budgets have room for them.
    pub(super) fn charge(self: &Arc<Self>, client: &Arc<str>, bytes: usize) -> Option<Charge> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mine = counts.per_client.get(client).copied().unwrap_or(0);
        if counts.total + bytes > self.max_total || mine + bytes > self.max_per_client {
            return None;
        }
        counts.total += bytes;
        *counts.per_client.entry(client.clone()).or_default() += bytes;
        Some(Charge {
            budget: self.clone(),
            client: client.clone(),
            bytes,
        })
    }

    #[cfg(test)]
    fn held(&self, client: &str) -> (usize, usize) {
        let counts = self.counts.lock().unwrap();
        (
            counts.total,
            counts.per_client.get(client).copied().unwrap_or(0),
        )
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        let mut counts = self.budget.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total -= self.bytes;
        if let Some(mine) = counts.per_client.get_mut(&self.client) {
            *mine -= self.bytes;
            if *mine == 0 {
                counts.per_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_fit_both_budgets_and_are_released_when_dropped() {
        let budget = KeptBudget::new(100, 60);
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a"), Arc::from("b"));
        let first = budget.charge(&a, 50).expect("room");
        assert!(budget.charge(&a, 20).is_none(), "over a's budget");
        let second = budget.charge(&b, 50).expect("b has its own");
        assert!(budget.charge(&b, 1).is_none(), "over the total");
        assert_eq!(budget.held("a"), (100, 50));
        drop(first);
        assert_eq!(budget.held("a"), (50, 0));
        assert!(budget.charge(&a, 50).is_some());
        drop(second);
        assert_eq!(budget.held("b"), (0, 0));
    }
}
