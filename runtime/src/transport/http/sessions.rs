//! HTTP sessions (2025-xx revisions): created by `initialize`, named by a random `Mcp-Session-Id`,
//! ended by DELETE or after being idle. Bounded in number. A session belongs to the principal
//! that created it: another principal holding its id gets what an unknown id gets.

use super::replay::Replay;
use crate::mcp::Session;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) struct Sessions {
    inner: Mutex<Table>,
    max: usize,
    max_per_client: usize,
    idle: Duration,
}

#[derive(Default)]
struct Table {
    map: HashMap<String, Entry>,
    /// Live sessions per client (quota key).
    per_client: HashMap<Arc<str>, usize>,
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
    /// Whose quota it counts against.
    client: Arc<str>,
}

impl Table {
    /// Forgets session `id`, ending it (calls waiting for its client fail at once).
    fn evict(&mut self, id: &str) -> bool {
        let Some(e) = self.map.remove(id) else {
            return false;
        };
        e.session.end();
        if let Some(n) = self.per_client.get_mut(&e.client) {
            *n -= 1;
            if *n == 0 {
                self.per_client.remove(&e.client);
            }
        }
        true
    }

    /// The least recently used session, of `client` only when given.
    fn least_recently_used(&self, client: Option<&str>) -> Option<String> {
        self.map
            .iter()
            .filter(|(_, e)| client.is_none_or(|c| &*e.client == c))
            .min_by_key(|(_, e)| e.last_used)
            .map(|(id, _)| id.clone())
    }
}

impl Sessions {
    pub(super) fn new(max: usize, max_per_client: usize, idle: Duration) -> Self {
        Sessions {
            inner: Mutex::new(Table::default()),
            max: max.max(1),
            max_per_client: max_per_client.max(1),
            idle,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session of `principal`, counted against `client`'s quota. A client at its quota
    /// makes room by ending its own least recently used session; a full table by ending expired
    /// sessions, else the least recently used one of anybody's.
    pub(super) fn create(
        &self,
        principal: Option<&str>,
        identity: &str,
        client: &str,
        replay: Replay,
    ) -> (String, Live) {
        let id = crate::mcp::random_token();
        // The client's identity for tools and logs (never the id: it is the session's secret):
        // the principal, else who the transport says it is, so that a new session is no new
        // identity (and no new rate-limit quota).
        let session = Session::new(None).with_identity(identity).traced_as(&id);
        let session = Arc::new(match principal {
            Some(p) => session.with_principal(p),
            None => session,
        });
        let replay = Arc::new(replay);
        let mut table = self.lock();
        let client: Arc<str> = Arc::from(client);
        if table.per_client.get(&client).copied().unwrap_or(0) >= self.max_per_client {
            if let Some(oldest) = table.least_recently_used(Some(&client)) {
                table.evict(&oldest);
            }
        }
        if table.map.len() >= self.max {
            let now = Instant::now();
            let expired: Vec<String> = table
                .map
                .iter()
                .filter(|(_, e)| now.duration_since(e.last_used) >= self.idle)
                .map(|(id, _)| id.clone())
                .collect();
            for id in expired {
                table.evict(&id);
            }
            if table.map.len() >= self.max {
                if let Some(oldest) = table.least_recently_used(None) {
                    table.evict(&oldest);
                }
            }
        }
        *table.per_client.entry(client.clone()).or_default() += 1;
        table.map.insert(
            id.clone(),
            Entry {
                session: session.clone(),
                replay: replay.clone(),
                last_used: Instant::now(),
                owner: principal.map(str::to_owned),
                client,
            },
        );
        (id, Live { session, replay })
    }

    /// The session `id`, when it is live and `principal` owns it.
    pub(super) fn get(&self, id: &str, principal: Option<&str>) -> Option<Live> {
        let mut table = self.lock();
        let now = Instant::now();
        let e = table.map.get_mut(id)?;
        if e.owner.as_deref() != principal {
            return None;
        }
        if now.duration_since(e.last_used) >= self.idle {
            table.evict(id);
            return None;
        }
        e.last_used = now;
        Some(Live {
            session: e.session.clone(),
            replay: e.replay.clone(),
        })
    }

    /// Ends the session (DELETE) when `principal` owns it: calls waiting for the client's
    /// answers fail at once.
    pub(super) fn remove(&self, id: &str, principal: Option<&str>) -> bool {
        let mut table = self.lock();
        if table
            .map
            .get(id)
            .is_none_or(|e| e.owner.as_deref() != principal)
        {
            return false;
        }
        table.evict(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_at_its_quota_replaces_its_own_oldest_session() {
        let sessions = Sessions::new(100, 3, Duration::from_secs(60));
        let (first, _) = sessions.create(None, "peer:x", "peer:10.0.0.1", Replay::default());
        let (other, _) = sessions.create(None, "peer:x", "peer:10.0.0.2", Replay::default());
        let mut flood = Vec::new();
        for _ in 0..50 {
            flood.push(
                sessions
                    .create(None, "peer:x", "peer:10.0.0.1", Replay::default())
                    .0,
            );
        }
        assert!(
            sessions.get(&first, None).is_none(),
            "replaced by its own client"
        );
        assert!(
            sessions.get(&other, None).is_some(),
            "another client keeps its session"
        );
        let live = flood
            .iter()
            .filter(|id| sessions.get(id, None).is_some())
            .count();
        assert_eq!(live, 3);
    }

    #[test]
    fn a_full_table_replaces_the_least_recently_used_session() {
        let sessions = Sessions::new(3, 3, Duration::from_secs(60));
        let ids: Vec<String> = (0..3)
            .map(|i| {
                sessions
                    .create(None, "peer:x", &format!("peer:{i}"), Replay::default())
                    .0
            })
            .collect();
        std::thread::sleep(Duration::from_millis(5));
        // The first is used again: the second is now the least recently used.
        assert!(sessions.get(&ids[0], None).is_some());
        let (newest, _) = sessions.create(None, "peer:x", "peer:9", Replay::default());
        assert!(sessions.get(&ids[1], None).is_none());
        for id in [&ids[0], &ids[2], &newest] {
            assert!(sessions.get(id, None).is_some());
        }
    }
}
