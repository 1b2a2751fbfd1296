//! HTTP sessions (2025-xx revisions): created by `initialize`, named by a random `Mcp-Session-Id`,
//! ended by DELETE or after being idle. Bounded in number. A session belongs to the principal
//! that created it: another principal holding its id gets what an unknown id gets.

use super::replay::Replay;
use crate::mcp::Session;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) struct Sessions {
    map: Mutex<HashMap<String, Entry>>,
    max: usize,
    idle: Duration,
    counter: AtomicU64,
}

/// A live session and its kept SSE streams.
pub(super) struct Live {
    pub(super) session: Arc<Session>,
    pub(super) replay: Arc<Replay>,
}

struct Entry {
    session: Arc<Session>,
    replay: Arc<Replay>,
    last_used: Instant,
    /// The authenticated principal that created it (`None` without authentication).
    owner: Option<String>,
}

impl Sessions {
    pub(super) fn new(max: usize, idle: Duration) -> Self {
        Sessions {
            map: Mutex::new(HashMap::new()),
            max,
            idle,
            counter: AtomicU64::new(0),
        }
    }

    /// A new session, or `None` when `max` live sessions exist.
    pub(super) fn create(&self, principal: Option<&str>) -> Option<(String, Live)> {
        let id = crate::mcp::random_token();
        // Tools and logs see a label, never the id: the id is a bearer secret for the session.
        let label = match principal {
            Some(p) => p.to_owned(),
            None => format!(
                "session-{}",
                self.counter.fetch_add(1, Ordering::Relaxed) + 1
            ),
        };
        let session = Arc::new(Session::new(None).with_principal(label));
        let replay = Arc::new(Replay::default());
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max {
            let now = Instant::now();
            map.retain(|_, e| {
                let live = now.duration_since(e.last_used) < self.idle;
                if !live {
                    e.session.end();
                }
                live
            });
            if map.len() >= self.max {
                return None;
            }
        }
        map.insert(
            id.clone(),
            Entry {
                session: session.clone(),
                replay: replay.clone(),
                last_used: Instant::now(),
                owner: principal.map(str::to_owned),
            },
        );
        Some((id, Live { session, replay }))
    }

    /// The session `id`, when it is live and `principal` owns it.
    pub(super) fn get(&self, id: &str, principal: Option<&str>) -> Option<Live> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match map.get_mut(id) {
            Some(e) if e.owner.as_deref() != principal => None,
            Some(e) if now.duration_since(e.last_used) < self.idle => {
                e.last_used = now;
                Some(Live {
                    session: e.session.clone(),
                    replay: e.replay.clone(),
                })
            }
            Some(_) => {
                if let Some(e) = map.remove(id) {
                    e.session.end();
                }
                None
            }
            None => None,
        }
    }

    /// Ends the session (DELETE) when `principal` owns it: calls waiting for the client's
    /// answers fail at once.
    pub(super) fn remove(&self, id: &str, principal: Option<&str>) -> bool {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(id).is_none_or(|e| e.owner.as_deref() != principal) {
            return false;
        }
        map.remove(id).map(|e| e.session.end()).is_some()
    }
}
