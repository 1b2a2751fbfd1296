//! Long calls as tasks (the `io.modelcontextprotocol/tasks` extension): a call of a tool marked
//! `#[tool(task)]`, from a client that declared the extension, is answered at once with a task
//! handle and runs on; the client polls `tasks/get`, answers the tool's questions with
//! `tasks/update`, and may `tasks/cancel` it.
//!
//! Each task belongs to the caller that created it (its principal, else the transport's
//! identity): another caller's task id is answered as an unknown one. They are bounded:
//! [`Limits`] caps the tasks kept per caller and in all, and the bytes of their results; a
//! finished task is kept for its `ttlMs` and then forgotten, a running one is cancelled at the
//! end of its own time limit.
//!
//! Without a shared store the tasks live in this process. With one (`STURDY_REDIS_URL`), their
//! records live in Redis ([`replicated`]): any replica reads, answers and cancels any task of
//! the caller's, while the call itself runs on the replica that created it, which holds a lease
//! on it; a task whose replica died turns `failed` once the lease lapses.

mod limits;
mod record;
#[cfg(feature = "redis")]
mod replicated;
mod runner;
mod table;

use crate::context::{Question, Questions};
use crate::protocol::jsonrpc::{self, RpcError};
pub(crate) use limits::Limits;
pub(crate) use record::Ended;
use record::{Record, Status};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use table::{Entry, Table};

/// The tasks of one server.
pub(crate) struct Tasks {
    /// Every task, or with a shared store those this replica runs.
    table: Arc<Mutex<Table>>,
    limits: Limits,
    /// The shared store's side, decided at the first task (a store is installed at start-up).
    /// Asserted unwind-safe (the Redis connection's internals are not marked so): a panic
    /// cannot leave it half-changed, as all its state is in Redis, changed by atomic scripts.
    #[cfg(feature = "redis")]
    shared: std::sync::OnceLock<Option<std::panic::AssertUnwindSafe<Arc<replicated::Replicated>>>>,
}

/// The error every task method gives for an id it cannot use: unknown, expired, or another
/// caller's (who learns nothing of it).
fn unknown(id: &str) -> RpcError {
    let shown: String = id.chars().take(64).collect();
    RpcError::new(
        jsonrpc::INVALID_PARAMS,
        format!("Failed to retrieve task: no task {shown:?} (unknown, or expired)"),
    )
}

/// Whether `id` could be one of ours (32 hex digits): anything else is unknown without a look.
fn well_formed(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Tasks {
    pub(crate) fn new(limits: Limits) -> Tasks {
        Tasks {
            table: Arc::default(),
            limits,
            #[cfg(feature = "redis")]
            shared: std::sync::OnceLock::new(),
        }
    }

    /// The shared store's side, when a store is installed.
    #[cfg(feature = "redis")]
    fn shared(&self) -> Option<&Arc<replicated::Replicated>> {
        self.shared
            .get_or_init(|| {
                crate::shared::store().map(|store| {
                    std::panic::AssertUnwindSafe(replicated::Replicated::start(
                        store.clone(),
                        &self.table,
                        self.limits,
                    ))
                })
            })
            .as_ref()
            .map(|shared| &shared.0)
    }

    /// Creates a task for `owner` running `call` (which asks its questions on the `Questions`
    /// it is given); `stop` ends the call early. The task exists, and `tasks/get` finds it
    /// (on any replica), before this returns its `CreateTaskResult`.
    pub(crate) async fn start<F>(
        &self,
        owner: Arc<str>,
        call: impl FnOnce(Questions) -> F,
        stop: Box<dyn FnOnce() + Send>,
    ) -> Result<Value, RpcError>
    where
        F: Future<Output = Ended> + Send + 'static,
    {
        let (questions_tx, questions) = tokio::sync::mpsc::unbounded_channel();
        self.adopt(owner, call(questions_tx), questions, Vec::new(), stop)
            .await
    }

    /// [`start`](Self::start) for a call running already (a request that became a task), whose
    /// questions come on `questions`.
    pub(crate) async fn adopt<F>(
        &self,
        owner: Arc<str>,
        call: F,
        questions: tokio::sync::mpsc::UnboundedReceiver<Question>,
        asked: Vec<Question>,
        stop: Box<dyn FnOnce() + Send>,
    ) -> Result<Value, RpcError>
    where
        F: Future<Output = Ended> + Send + 'static,
    {
        let now = Instant::now();
        let id = crate::random_token::random_token();
        let stamp = crate::clock::rfc3339_now();
        let record = Record {
            id: id.clone(),
            status: Status::Working,
            status_message: None,
            created_at: stamp.clone(),
            updated_at: stamp,
            ttl: self.limits.ttl,
            poll_interval: self.limits.poll_interval,
            ended: None,
        };
        let created = record.created();
        let halt = tokio_util::sync::CancellationToken::new();
        let halted = halt.clone();
        let stop: Box<dyn FnOnce() + Send> = Box::new(move || {
            stop();
            halted.cancel();
        });
        #[cfg(feature = "redis")]
        let shared = self.shared().cloned();
        #[cfg(feature = "redis")]
        if let Some(shared) = &shared {
            if let Err(refused) = shared.create(&record, &owner).await {
                // Not kept: a call running already (a request that asked to become a task)
                // stops here.
                stop();
                return Err(refused);
            }
        }
        {
            let mut table = self.lock();
            table.sweep(now);
            #[cfg(feature = "redis")]
            let counted = shared.is_none();
            #[cfg(not(feature = "redis"))]
            let counted = true;
            if counted {
                let mine = table.tasks.values().filter(|e| e.owner == owner).count();
                let all = table.tasks.len();
                if mine >= self.limits.per_owner || all >= self.limits.total {
                    drop(table);
                    stop();
                    return Err(too_many(&self.limits, mine as u64, all as u64));
                }
            }
            table.tasks.insert(
                id.clone(),
                Entry {
                    owner,
                    record,
                    expires: now + self.limits.ttl,
                    asked: BTreeMap::new(),
                    keys: Default::default(),
                    stop: Some(stop),
                },
            );
        }
        let run = runner::Run {
            table: self.table.clone(),
            id,
            limits: self.limits,
            #[cfg(feature = "redis")]
            shared,
        };
        tokio::spawn(run.drive(call, questions, asked, halt));
        Ok(created)
    }

    /// `tasks/get`: the task as it is now.
    pub(crate) async fn get(&self, owner: &str, id: &str) -> Result<Value, RpcError> {
        if !well_formed(id) {
            return Err(unknown(id));
        }
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            return shared.get(owner, id).await;
        }
        let mut table = self.lock();
        table.sweep(Instant::now());
        let entry = table.find(owner, id)?;
        let requests = (!entry.asked.is_empty()).then(|| {
            entry
                .asked
                .iter()
                .map(|(key, asked)| (key.clone(), asked.request.clone()))
                .collect()
        });
        Ok(entry.record.detailed(requests))
    }

    /// `tasks/update`: hands the client's answers to the questions waiting for them. Answers
    /// to nothing outstanding are ignored; the task stays `input_required` until every
    /// question is answered.
    pub(crate) async fn update(
        &self,
        owner: &str,
        id: &str,
        responses: &Map<String, Value>,
    ) -> Result<(), RpcError> {
        if !well_formed(id) {
            return Err(unknown(id));
        }
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            return shared.update(owner, id, responses).await;
        }
        let mut table = self.lock();
        let entry = table.find_mut(owner, id)?;
        for (key, answer) in responses {
            entry.answer(key, answer.clone());
        }
        if entry.asked.is_empty() && entry.record.status == Status::InputRequired {
            entry.record.status = Status::Working;
            entry.record.updated_at = crate::clock::rfc3339_now();
            table.changed(id);
        }
        Ok(())
    }

    /// `tasks/cancel`: stops the call (its cancellation fires) and marks the task cancelled.
    /// A finished task is left as it is; the ack is the same.
    pub(crate) async fn cancel(&self, owner: &str, id: &str) -> Result<(), RpcError> {
        if !well_formed(id) {
            return Err(unknown(id));
        }
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            return shared.cancel(owner, id).await;
        }
        let mut table = self.lock();
        let entry = table.find_mut(owner, id)?;
        if entry.record.status.is_terminal() {
            return Ok(());
        }
        entry.record.status = Status::Cancelled;
        entry.record.status_message = Some(CANCELLED.into());
        entry.record.updated_at = crate::clock::rfc3339_now();
        entry.stop();
        table.changed(id);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        lock(&self.table)
    }

    /// The ids of the tasks whose status changes from now on (a receiver that lags has missed
    /// some: it should look at every task it follows again).
    pub(crate) fn changes(&self) -> tokio::sync::broadcast::Receiver<Arc<str>> {
        self.lock().changes.subscribe()
    }

    /// With a shared store, how often a listener looks for changes made on other replicas
    /// (they are not broadcast here); `None` without one.
    pub(crate) fn shared_poll(&self) -> Option<std::time::Duration> {
        #[cfg(feature = "redis")]
        if self.shared().is_some() {
            return Some(self.limits.poll_interval);
        }
        None
    }

    /// With a shared store: the [`stamp`] of each of `owner`'s tasks among `ids` (a task whose
    /// lease lapsed is failed first). Empty without one, or when the store does not answer.
    pub(crate) async fn stamps(&self, owner: &str, ids: &[String]) -> Vec<(String, String)> {
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared() {
            return shared.stamps(owner, ids).await;
        }
        let _ = (owner, ids);
        Vec::new()
    }

    /// How many tasks run in this process.
    pub(crate) fn running(&self) -> usize {
        self.lock()
            .tasks
            .values()
            .filter(|e| !e.record.status.is_terminal())
            .count()
    }

    /// Of `ids`, those that name a task of `owner`.
    pub(crate) async fn owned<'i>(
        &self,
        owner: &str,
        ids: impl Iterator<Item = &'i str>,
    ) -> Vec<String> {
        let ids: Vec<String> = ids
            .filter(|id| well_formed(id))
            .map(str::to_owned)
            .collect();
        // With a shared store, one round trip per batch rather than one per task.
        #[cfg(feature = "redis")]
        if self.shared().is_some() {
            let found = self.stamps(owner, &ids).await;
            return ids
                .into_iter()
                .filter(|id| found.iter().any(|(f, _)| f == id))
                .collect();
        }
        let mut owned = Vec::new();
        for id in ids {
            if self.get(owner, &id).await.is_ok() {
                owned.push(id);
            }
        }
        owned
    }
}

/// What tells one state of a task from the next, as `tasks/get` shows it: its status and the
/// time of its last change.
pub(crate) fn stamp(task: &Value) -> String {
    let field = |name: &str| task.get(name).and_then(Value::as_str).unwrap_or_default();
    format!("{} {}", field("status"), field("lastUpdatedAt"))
}

/// What a cancelled task's `statusMessage` says.
const CANCELLED: &str = "Cancelled by the client";

fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|p| p.into_inner())
}

/// The refusal of a task over the limits.
fn too_many(limits: &Limits, mine: u64, all: u64) -> RpcError {
    RpcError::new(
        jsonrpc::INTERNAL_ERROR,
        format!(
            "Too many tasks: {} are kept for this client (at most {}), {} in all (at most {}); \
             cancel some or wait for them to expire",
            mine, limits.per_owner, all, limits.total
        ),
    )
}

/// The error of a task whose result is over the limits (nothing of it is kept).
fn too_large(size: usize, limits: &Limits) -> Value {
    serde_json::json!({
        "code": jsonrpc::INTERNAL_ERROR,
        "message": format!(
            "The task's result ({size} bytes) is larger than the server keeps ({} bytes per \
             task, {} in all)",
            limits.result_bytes, limits.total_bytes
        ),
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn limits() -> Limits {
        Limits {
            result_bytes: 64,
            total_bytes: 1000,
            per_owner: 3,
            ..Limits::default()
        }
    }

    async fn settled(tasks: &Tasks, owner: &str, id: &str) -> Value {
        for _ in 0..200 {
            let task = tasks.get(owner, id).await.unwrap();
            if task["status"] != "working" {
                return task;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("task {id} never ended");
    }

    async fn start(tasks: &Tasks, owner: &str, result: Value) -> Result<String, RpcError> {
        let created = tasks
            .start(
                Arc::from(owner),
                move |_questions| async move {
                    Ended::Result(serde_json::value::to_raw_value(&result).unwrap())
                },
                Box::new(|| {}),
            )
            .await?;
        Ok(created["taskId"].as_str().unwrap().to_owned())
    }

    /// A result over the per-task limit, or over what all tasks may keep, fails its task and
    /// is not kept.
    #[tokio::test]
    async fn results_are_bounded_in_bytes() {
        let tasks = Tasks::new(limits());
        let big = start(&tasks, "a", json!({"text": "x".repeat(100)}))
            .await
            .unwrap();
        let task = settled(&tasks, "a", &big).await;
        assert_eq!(task["status"], "failed", "{task}");
        assert!(task["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger"));
        assert!(task.get("result").is_none());
        let small = start(&tasks, "a", json!({"text": "x".repeat(30)}))
            .await
            .unwrap();
        assert_eq!(settled(&tasks, "a", &small).await["status"], "completed");
        // Results of 41 bytes, each under the per-task limit, until all kept reach 1000 bytes.
        let mut outcomes = Vec::new();
        for owner in ["b", "c", "d", "e", "f", "g", "h", "i", "j", "k"] {
            for _ in 0..3 {
                let id = start(&tasks, owner, json!({"text": "x".repeat(30)}))
                    .await
                    .unwrap();
                outcomes.push(settled(&tasks, owner, &id).await["status"].clone());
            }
        }
        let first_refusal = outcomes
            .iter()
            .position(|s| s == "failed")
            .expect("a limit in all");
        assert!(first_refusal > 10, "{outcomes:?}");
        assert!(outcomes[..first_refusal].iter().all(|s| s == "completed"));
    }

    /// A caller's quota counts its own tasks; expired tasks are forgotten and free it.
    #[tokio::test]
    async fn a_quota_per_caller_freed_by_expiry() {
        let tasks = Tasks::new(Limits {
            ttl: Duration::from_millis(50),
            ..limits()
        });
        for _ in 0..3 {
            start(&tasks, "a", json!({})).await.unwrap();
        }
        let refused = start(&tasks, "a", json!({})).await.unwrap_err();
        assert!(
            refused.message.contains("Too many tasks"),
            "{}",
            refused.message
        );
        let theirs = start(&tasks, "b", json!({})).await.unwrap();
        assert!(tasks.get("b", &theirs).await.is_ok());
        assert_eq!(
            tasks.get("a", &theirs).await.unwrap_err().code,
            jsonrpc::INVALID_PARAMS
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            tasks.get("b", &theirs).await.unwrap_err().code,
            jsonrpc::INVALID_PARAMS
        );
        start(&tasks, "a", json!({})).await.unwrap();
    }
}
