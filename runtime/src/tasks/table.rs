//! The tasks this process keeps: every task without a shared store, those it runs with one
//! (their records then live in Redis, see [`super::replicated`]).

use super::record::Record;
use super::unknown;
use crate::context::NoResult;
use crate::protocol::jsonrpc::RpcError;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::oneshot;

/// How many status changes a listener may fall behind before it misses some (it then sends
/// the current state of its tasks, see [`Tasks::changes`]).
pub(super) const CHANGES_CAPACITY: usize = 1024;

pub(super) struct Table {
    pub(super) tasks: HashMap<String, Entry>,
    /// Bytes of the results and errors kept.
    pub(super) bytes: usize,
    /// The id of each task whose status changed (for `notifications/tasks`).
    pub(super) changes: tokio::sync::broadcast::Sender<Arc<str>>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            tasks: HashMap::new(),
            bytes: 0,
            changes: tokio::sync::broadcast::channel(CHANGES_CAPACITY).0,
        }
    }
}

pub(super) struct Entry {
    pub(super) owner: Arc<str>,
    pub(super) record: Record,
    pub(super) expires: Instant,
    /// Questions put to the client and not answered yet, by key.
    pub(super) asked: BTreeMap<String, Asked>,
    /// Keys handed out so far: a key is never used twice in a task.
    pub(super) keys: HashSet<String>,
    /// Stops the running call (a cancel, or the end of its time limit).
    pub(super) stop: Option<Box<dyn FnOnce() + Send>>,
}

pub(super) struct Asked {
    pub(super) request: Value,
    pub(super) reply: oneshot::Sender<Result<Value, NoResult>>,
}

impl Entry {
    /// Keeps `question` among the questions waiting for answers, under the tool's own key
    /// unless this task used it already (else one of ours); the key.
    pub(super) fn ask(&mut self, question: crate::context::Question) -> String {
        let key = match question.key.as_deref() {
            Some(k) if !self.keys.contains(k) => k.to_owned(),
            _ => format!("q{}", self.keys.len() + 1),
        };
        self.keys.insert(key.clone());
        self.asked.insert(
            key.clone(),
            Asked {
                request: serde_json::json!({ "method": question.method, "params": question.params }),
                reply: question.reply,
            },
        );
        self.record.status = super::record::Status::InputRequired;
        self.record.updated_at = crate::clock::rfc3339_now();
        key
    }

    /// Hands `answer` to the question asked under `key`: whether one was waiting.
    pub(super) fn answer(&mut self, key: &str, answer: Value) -> bool {
        match self.asked.remove(key) {
            Some(asked) => {
                let _ = asked.reply.send(Ok(answer));
                true
            }
            None => false,
        }
    }

    /// Stops the call, if it still runs.
    pub(super) fn stop(&mut self) {
        self.asked.clear();
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

impl Table {
    /// Tells listeners that task `id` changed.
    pub(super) fn changed(&self, id: &str) {
        let _ = self.changes.send(Arc::from(id));
    }

    /// Forgets the tasks past their time to live (a running one is stopped first).
    pub(super) fn sweep(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .tasks
            .iter()
            .filter(|(_, e)| e.expires <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(mut entry) = self.tasks.remove(&id) {
                self.bytes -= entry.record.bytes();
                if let Some(stop) = entry.stop.take() {
                    stop();
                }
            }
        }
    }

    pub(super) fn find(&self, owner: &str, id: &str) -> Result<&Entry, RpcError> {
        self.tasks
            .get(id)
            .filter(|e| &*e.owner == owner && e.expires > Instant::now())
            .ok_or_else(|| unknown(id))
    }

    pub(super) fn find_mut(&mut self, owner: &str, id: &str) -> Result<&mut Entry, RpcError> {
        self.tasks
            .get_mut(id)
            .filter(|e| &*e.owner == owner && e.expires > Instant::now())
            .ok_or_else(|| unknown(id))
    }
}
