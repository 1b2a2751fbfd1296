//! Tasks whose records live in the shared Redis (see [`crate::shared`]): what `tasks/get`,
//! `tasks/update` and `tasks/cancel` read and write on any replica, while the call runs on the
//! replica that created it.
//!
//! That replica keeps, in its table, what cannot travel: the call's cancellation and the
//! questions' reply channels. It renews a lease on each task it runs three times per lease; a
//! replica that changes one of its tasks (an answer, a cancel) leaves the id in its inbox, which
//! it reads every [`INBOX_EVERY`] while it runs any task (and a renewal catches what an inbox
//! missed).

use super::record::{Ended, Record, Status};
use super::{lock, too_large, too_many, unknown, Limits, Table, CANCELLED};
use crate::protocol::jsonrpc::{self, RpcError};
use crate::shared::tasks::{Ending, Lapse, NewTask, Nudge, Recorded};
use crate::shared::RedisStore;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// How often a replica running tasks reads its inbox.
const INBOX_EVERY: Duration = Duration::from_millis(100);

/// Ids read from an inbox, or leases renewed, per round trip.
const BATCH: usize = 256;

/// What a task whose lease lapsed says.
const LAPSED: &str = "The replica running this task stopped before the task ended (its lease \
                      lapsed)";

/// The shared side of one server's tasks.
pub(super) struct Replicated {
    store: Arc<RedisStore>,
    /// This replica's name among those running tasks (its inbox).
    replica: String,
    table: Weak<Mutex<Table>>,
    limits: Limits,
    lapse_error: String,
}

/// A failure of the store, as the client reads it.
fn unavailable(failure: impl std::fmt::Display) -> RpcError {
    RpcError::new(
        jsonrpc::INTERNAL_ERROR,
        format!("The shared task store (Redis) did not answer ({failure}); try again"),
    )
}

impl Replicated {
    /// The shared side on `store`, its watch started (it ends with the last handle).
    pub(super) fn start(
        store: Arc<RedisStore>,
        table: &Arc<Mutex<Table>>,
        limits: Limits,
    ) -> Arc<Replicated> {
        let replicated = Arc::new(Replicated {
            store,
            replica: crate::random_token::random_token(),
            table: Arc::downgrade(table),
            limits,
            lapse_error: serde_json::json!({
                "code": jsonrpc::INTERNAL_ERROR,
                "message": LAPSED,
            })
            .to_string(),
        });
        tokio::spawn(watch(Arc::downgrade(&replicated)));
        replicated
    }

    fn lapse(&self) -> Lapse<'_> {
        Lapse {
            error: &self.lapse_error,
            message: LAPSED,
        }
    }

    /// Creates the record of a new task, within the limits (counted in Redis, for all replicas).
    pub(super) async fn create(&self, record: &Record, owner: &str) -> Result<(), RpcError> {
        let task = NewTask {
            id: &record.id,
            owner,
            stamp: &record.created_at,
            ttl: self.limits.ttl,
            poll_interval: self.limits.poll_interval,
            per_owner: self.limits.per_owner,
            total: self.limits.total,
        };
        match self
            .store
            .task_create(&task, self.limits.lease, &self.replica)
            .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err((mine, all))) => Err(too_many(&self.limits, mine, all)),
            Err(failure) => Err(unavailable(failure)),
        }
    }

    /// `tasks/get`.
    pub(super) async fn get(&self, owner: &str, id: &str) -> Result<Value, RpcError> {
        let stamp = crate::clock::rfc3339_now();
        let fields = self
            .store
            .task_get(owner, id, &stamp, &self.lapse())
            .await
            .map_err(unavailable)?
            .ok_or_else(|| unknown(id))?;
        let (record, requests) = read(id, fields).ok_or_else(|| unknown(id))?;
        Ok(record.detailed(requests))
    }

    /// `tasks/update`: the answers go to the record; the runner takes them at once when it is
    /// this replica, else when it reads its inbox.
    pub(super) async fn update(
        &self,
        owner: &str,
        id: &str,
        responses: &Map<String, Value>,
    ) -> Result<(), RpcError> {
        let answers: Vec<(&str, String)> = responses
            .iter()
            .map(|(key, answer)| (key.as_str(), answer.to_string()))
            .collect();
        let stamp = crate::clock::rfc3339_now();
        let (runner, taken) = self
            .store
            .task_update(owner, id, &stamp, &self.lapse(), &answers)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| unknown(id))?;
        if taken > 0 {
            self.tell(&runner, id).await;
        }
        Ok(())
    }

    /// `tasks/cancel`: the record says cancelled at once; the call stops when its replica hears.
    pub(super) async fn cancel(&self, owner: &str, id: &str) -> Result<(), RpcError> {
        let stamp = crate::clock::rfc3339_now();
        let cancelled = self
            .store
            .task_cancel(owner, id, &stamp, &self.lapse(), CANCELLED)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| unknown(id))?;
        if let Some(runner) = cancelled {
            self.tell(&runner, id).await;
        }
        Ok(())
    }

    /// The stamp of each of the owner's tasks among `ids` (a lapsed one failed first).
    pub(super) async fn stamps(&self, owner: &str, ids: &[String]) -> Vec<(String, String)> {
        let mut stamps = Vec::with_capacity(ids.len());
        for batch in ids.chunks(BATCH) {
            let Ok(found) = self.store.task_stamps(owner, batch).await else {
                return stamps;
            };
            for (id, stamp, lapsed) in found {
                if !lapsed {
                    stamps.push((id, stamp));
                } else if let Ok(task) = self.get(owner, &id).await {
                    stamps.push((id, super::stamp(&task)));
                }
            }
        }
        stamps
    }

    /// Makes the replica `runner` look at its task `id`: here at once, else through its inbox.
    async fn tell(&self, runner: &str, id: &str) {
        if runner == self.replica {
            self.look_at(id).await;
        } else if let Err(failure) = self.store.task_nudge(runner, id).await {
            // Its next lease renewal sees the change.
            tracing::debug!(target: "sturdy::tasks", "task {id}: the runner not told: {failure}");
        }
    }

    /// Records a question of task `id` (run here): `false` when the task ended meanwhile.
    pub(super) async fn ask(&self, id: &str, key: &str, request: &str) -> bool {
        let stamp = crate::clock::rfc3339_now();
        self.store
            .task_ask(id, key, request, &stamp)
            .await
            .unwrap_or(false)
    }

    /// Records how task `id` (run here) ended. A few tries: when Redis stays unavailable, the
    /// result is lost and the task fails once its lease lapses.
    pub(super) async fn finish(&self, id: &str, ended: Ended, limits: &Limits) {
        let (status, field, json, message) = match &ended {
            Ended::Result(result) => ("completed", "result", result.get().to_owned(), None),
            Ended::Error(error) => (
                "failed",
                "error",
                error.to_string(),
                error["message"].as_str().map(str::to_owned),
            ),
        };
        let refused = too_large(json.len(), limits);
        let refused_message = refused["message"].as_str().unwrap_or_default().to_owned();
        let refused = refused.to_string();
        let ending = Ending {
            status,
            field,
            json: &json,
            message: message.as_deref().unwrap_or(""),
            too_large: (&refused, &refused_message),
            total_bytes: limits.total_bytes,
        };
        for attempt in 1..=3 {
            let stamp = crate::clock::rfc3339_now();
            match self.store.task_finish(id, &ending, &stamp).await {
                Ok(Recorded::Kept | Recorded::TooLarge | Recorded::Ended) => return,
                Err(failure) if attempt == 3 => {
                    tracing::warn!(
                        target: "sturdy::tasks",
                        "task {id}: its end could not be recorded ({failure}); it fails when \
                         its lease lapses"
                    );
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100 * attempt)).await,
            }
        }
    }

    /// Brings task `id` (run here) up to date with its record: answers handed to the call, a
    /// task ended elsewhere stopped.
    async fn look_at(&self, id: &str) {
        let Ok(found) = self.store.task_take(id).await else {
            return;
        };
        let Some(table) = self.table.upgrade() else {
            return;
        };
        let mut table = lock(&table);
        let Some(entry) = table.tasks.get_mut(id) else {
            return;
        };
        let status = match found {
            Some((status, answers)) => {
                for (key, answer) in answers {
                    let answer = serde_json::from_str(&answer).unwrap_or(Value::Null);
                    entry.answer(&key, answer);
                }
                Status::parse(&status).unwrap_or(Status::Failed)
            }
            None => Status::Failed,
        };
        if status.is_terminal() {
            entry.stop();
            table.tasks.remove(id);
        } else if entry.asked.is_empty() && entry.record.status == Status::InputRequired {
            entry.record.status = Status::Working;
        }
        table.changed(id);
    }

    /// The ids of the tasks run here.
    fn running(&self) -> Vec<String> {
        match self.table.upgrade() {
            Some(table) => lock(&table).tasks.keys().cloned().collect(),
            None => Vec::new(),
        }
    }

    /// Renews the leases of the tasks run here; stops those ended elsewhere.
    async fn renew(&self) {
        for ids in self.running().chunks(BATCH) {
            let Ok(nudges) = self.store.task_renew(ids, self.limits.lease).await else {
                return;
            };
            for (id, nudge) in nudges {
                match nudge {
                    Nudge::Answered => self.look_at(&id).await,
                    Nudge::Gone => {
                        if let Some(table) = self.table.upgrade() {
                            let mut table = lock(&table);
                            if let Some(mut entry) = table.tasks.remove(&id) {
                                entry.stop();
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reads the inbox: the tasks another replica changed.
    async fn read_inbox(&self) {
        let Ok(ids) = self.store.task_inbox(&self.replica, BATCH).await else {
            return;
        };
        for id in ids {
            self.look_at(&id).await;
        }
    }
}

/// While the shared side lives: reads the inbox and renews the leases, while tasks run here.
async fn watch(replicated: Weak<Replicated>) {
    let mut ticks = tokio::time::interval(INBOX_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut renewed = tokio::time::Instant::now();
    loop {
        ticks.tick().await;
        let Some(replicated) = replicated.upgrade() else {
            return;
        };
        if replicated.running().is_empty() {
            continue;
        }
        replicated.read_inbox().await;
        if renewed.elapsed() >= replicated.limits.lease / 3 {
            renewed = tokio::time::Instant::now();
            replicated.renew().await;
        }
    }
}

/// The record of task `id` from its hash's fields, and the questions it waits on.
fn read(
    id: &str,
    mut fields: HashMap<String, String>,
) -> Option<(Record, Option<Map<String, Value>>)> {
    let millis =
        |v: Option<String>| Duration::from_millis(v.and_then(|v| v.parse().ok()).unwrap_or(0));
    let status = Status::parse(fields.get("status")?)?;
    let ended = if let Some(result) = fields.remove("result") {
        Some(Ended::Result(
            serde_json::value::RawValue::from_string(result).ok()?,
        ))
    } else {
        fields
            .remove("error")
            .map(|e| Ended::Error(serde_json::from_str(&e).unwrap_or(Value::Null)))
    };
    let requests: Map<String, Value> = fields
        .iter()
        .filter_map(|(field, request)| {
            let key = field.strip_prefix("q:")?;
            Some((key.to_owned(), serde_json::from_str(request).ok()?))
        })
        .collect();
    let record = Record {
        id: id.to_owned(),
        status,
        status_message: fields.remove("message"),
        created_at: fields.remove("created").unwrap_or_default(),
        updated_at: fields.remove("updated").unwrap_or_default(),
        ttl: millis(fields.remove("ttl")),
        poll_interval: millis(fields.remove("poll")),
        ended,
    };
    Some((record, (!requests.is_empty()).then_some(requests)))
}
