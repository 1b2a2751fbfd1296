//! The tasks one `subscriptions/listen` stream follows (`notifications.taskIds`): each change of
//! status sent as `notifications/tasks`. Changes made in this process arrive on the tasks'
//! broadcast; with tasks shared on Redis, changes made by other replicas are looked for every
//! `pollIntervalMs` (one round trip for all the stream's tasks), and sent unless this stream
//! sent that state already.

use crate::tasks::{stamp, Tasks};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::{Interval, MissedTickBehavior};

pub(super) struct FollowedTasks {
    owner: Arc<str>,
    /// The tasks followed that had not ended when last seen.
    ids: Vec<String>,
    /// The state last sent (or seen at the start) of each, by [`stamp`].
    sent: HashMap<String, String>,
    /// When to look at the shared store (with one).
    poll: Option<Interval>,
}

impl FollowedTasks {
    /// Follows `ids` (the owner's, checked) from now on.
    pub(super) async fn new(tasks: &Tasks, owner: Arc<str>, ids: Vec<String>) -> FollowedTasks {
        let poll = tasks
            .shared_poll()
            .filter(|_| !ids.is_empty())
            .map(|every| {
                let mut poll = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
                poll
            });
        let sent = match poll {
            Some(_) => tasks.stamps(&owner, &ids).await.into_iter().collect(),
            None => HashMap::new(),
        };
        FollowedTasks {
            owner,
            ids,
            sent,
            poll,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Of the tasks followed, `changed` (all of them when `None`: the stream fell behind), as
    /// they are now.
    pub(super) async fn changed(&mut self, tasks: &Tasks, changed: Option<&str>) -> Vec<Value> {
        let ids: Vec<String> = self
            .ids
            .iter()
            .filter(|id| changed.is_none_or(|c| c == id.as_str()))
            .cloned()
            .collect();
        self.now(tasks, ids).await
    }

    /// Waits until it is time to look at the shared store (for ever without one).
    pub(super) async fn next_poll(&mut self) {
        match &mut self.poll {
            Some(poll) => {
                poll.tick().await;
            }
            None => std::future::pending().await,
        }
    }

    /// The tasks followed that changed elsewhere since this stream last sent them.
    pub(super) async fn polled(&mut self, tasks: &Tasks) -> Vec<Value> {
        let changed: Vec<String> = tasks
            .stamps(&self.owner, &self.ids)
            .await
            .into_iter()
            .filter(|(id, stamp)| self.sent.get(id) != Some(stamp))
            .map(|(id, _)| id)
            .collect();
        self.now(tasks, changed).await
    }

    /// Tasks `ids` as `tasks/get` shows them (those gone are left out), noted as sent; those that
    /// ended are no longer followed.
    async fn now(&mut self, tasks: &Tasks, ids: Vec<String>) -> Vec<Value> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let Ok(task) = tasks.get(&self.owner, &id).await else {
                continue;
            };
            if matches!(
                task.get("status").and_then(Value::as_str),
                Some("completed" | "failed" | "cancelled")
            ) {
                self.ids.retain(|followed| *followed != id);
                self.sent.remove(&id);
            } else {
                self.sent.insert(id, stamp(&task));
            }
            found.push(task);
        }
        found
    }
}
