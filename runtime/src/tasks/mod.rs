//! Long calls as tasks (the `io.modelcontextprotocol/tasks` extension): a call of a tool marked
//! `#[tool(task)]`, from a client that declared the extension, is answered at once with a task
//! handle and runs on; the client polls `tasks/get`, answers the tool's questions with
//! `tasks/update`, and may `tasks/cancel` it.
//!
//! Tasks live in this process. Each belongs to the caller that created it (its principal, else
//! the transport's identity): another caller's task id is answered as an unknown one. They are
//! bounded: [`Limits`] caps the tasks kept per caller and in all, and the bytes of their results;
//! a finished task is kept for its `ttlMs` and then forgotten, a running one is cancelled at the
//! end of its own time limit.

mod record;
mod runner;

use crate::context::{NoResult, Questions};
use crate::protocol::jsonrpc::{self, RpcError};
pub(crate) use record::Ended;
use record::{Record, Status};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How many tasks, and how many bytes of results, are kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// How long a task is kept from its creation (`ttlMs`; `STURDY_TASK_TTL`, seconds).
    pub(crate) ttl: Duration,
    /// How long a task may run (`STURDY_TASK_TIMEOUT`, seconds): then it is cancelled.
    pub(crate) timeout: Duration,
    /// Tasks one caller may have kept at once (`STURDY_TASKS_PER_CLIENT`).
    pub(crate) per_owner: usize,
    /// Tasks kept at once, in all.
    pub(crate) total: usize,
    /// Largest result (or error) one task keeps, in bytes: a larger one fails the task.
    pub(crate) result_bytes: usize,
    /// Bytes of results kept, in all.
    pub(crate) total_bytes: usize,
    /// What `pollIntervalMs` suggests.
    pub(crate) poll_interval: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            ttl: Duration::from_secs(3600),
            timeout: Duration::from_secs(3600),
            per_owner: 1000,
            total: 10_000,
            result_bytes: 4 << 20,
            total_bytes: 256 << 20,
            poll_interval: Duration::from_millis(500),
        }
    }
}

impl Limits {
    /// The defaults, with `STURDY_TASK_TTL` and `STURDY_TASK_TIMEOUT` (seconds) and
    /// `STURDY_TASKS_PER_CLIENT` read; an error names a value that is not a positive number.
    pub(crate) fn from_env() -> Result<Limits, String> {
        let mut limits = Limits::default();
        if let Ok(value) = std::env::var("STURDY_TASKS_PER_CLIENT") {
            limits.per_owner = value
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("STURDY_TASKS_PER_CLIENT={value:?}: a positive number"))?;
        }
        for (name, slot) in [
            ("STURDY_TASK_TTL", &mut limits.ttl),
            ("STURDY_TASK_TIMEOUT", &mut limits.timeout),
        ] {
            if let Ok(value) = std::env::var(name) {
                let secs: u64 = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{name}={value:?}: a positive number of seconds"))?;
                *slot = Duration::from_secs(secs);
            }
        }
        Ok(limits)
    }
}

/// The tasks of one server.
pub(crate) struct Tasks {
    table: Arc<Mutex<Table>>,
    limits: Limits,
}

/// How many status changes a listener may fall behind before it misses some (it then sends
/// the current state of its tasks, see [`Tasks::changes`]).
const CHANGES_CAPACITY: usize = 1024;

struct Table {
    tasks: HashMap<String, Entry>,
    /// Bytes of the results and errors kept.
    bytes: usize,
    /// The id of each task whose status changed (for `notifications/tasks`).
    changes: tokio::sync::broadcast::Sender<Arc<str>>,
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

struct Entry {
    owner: Arc<str>,
    record: Record,
    expires: Instant,
    /// Questions put to the client and not answered yet, by key.
    asked: BTreeMap<String, Asked>,
    /// Keys handed out so far: a key is never used twice in a task.
    keys: std::collections::HashSet<String>,
    /// Stops the running call (a cancel, or the end of its time limit).
    stop: Option<Box<dyn FnOnce() + Send>>,
}

struct Asked {
    request: Value,
    reply: oneshot::Sender<Result<Value, NoResult>>,
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

impl Tasks {
    pub(crate) fn new(limits: Limits) -> Tasks {
        Tasks {
            table: Arc::default(),
            limits,
        }
    }

    /// Creates a task for `owner` running `call` (which asks its questions on the `Questions`
    /// it is given); `stop` ends the call early. The task exists, and `tasks/get` finds it,
    /// before this returns its `CreateTaskResult`.
    pub(crate) fn start<F>(
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
    }

    /// [`start`](Self::start) for a call running already (a request that became a task), whose
    /// questions come on `questions`.
    pub(crate) fn adopt<F>(
        &self,
        owner: Arc<str>,
        call: F,
        questions: tokio::sync::mpsc::UnboundedReceiver<crate::context::Question>,
        asked: Vec<crate::context::Question>,
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
        {
            let mut table = self.lock();
            table.sweep(now);
            let mine = table.tasks.values().filter(|e| e.owner == owner).count();
            let all = table.tasks.len();
            if mine >= self.limits.per_owner || all >= self.limits.total {
                drop(table);
                // Not kept: a call running already (a request that asked to become a task)
                // stops here.
                stop();
                return Err(RpcError::new(
                    jsonrpc::INTERNAL_ERROR,
                    format!(
                        "Too many tasks: {} are kept for this client (at most {}), {} in all \
                         (at most {}); cancel some or wait for them to expire",
                        mine, self.limits.per_owner, all, self.limits.total
                    ),
                ));
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
        };
        for question in asked {
            run.ask(question);
        }
        tokio::spawn(run.drive(call, questions, halt));
        Ok(created)
    }

    /// `tasks/get`: the task as it is now.
    pub(crate) fn get(&self, owner: &str, id: &str) -> Result<Value, RpcError> {
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
    pub(crate) fn update(
        &self,
        owner: &str,
        id: &str,
        responses: &Map<String, Value>,
    ) -> Result<(), RpcError> {
        let mut table = self.lock();
        let entry = table.find_mut(owner, id)?;
        for (key, answer) in responses {
            if let Some(asked) = entry.asked.remove(key) {
                let _ = asked.reply.send(Ok(answer.clone()));
            }
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
    pub(crate) fn cancel(&self, owner: &str, id: &str) -> Result<(), RpcError> {
        let mut table = self.lock();
        let entry = table.find_mut(owner, id)?;
        if entry.record.status.is_terminal() {
            return Ok(());
        }
        entry.record.status = Status::Cancelled;
        entry.record.status_message = Some("Cancelled by the client".into());
        entry.record.updated_at = crate::clock::rfc3339_now();
        entry.asked.clear();
        if let Some(stop) = entry.stop.take() {
            stop();
        }
        table.changed(id);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The ids of the tasks whose status changes from now on (a receiver that lags has missed
    /// some: it should look at every task it follows again).
    pub(crate) fn changes(&self) -> tokio::sync::broadcast::Receiver<Arc<str>> {
        self.lock().changes.subscribe()
    }

    /// Of `ids`, those that name a task of `owner`.
    pub(crate) fn owned<'i>(&self, owner: &str, ids: impl Iterator<Item = &'i str>) -> Vec<String> {
        let table = self.lock();
        ids.filter(|id| table.find(owner, id).is_ok())
            .map(str::to_owned)
            .collect()
    }
}

impl Table {
    /// Tells listeners that task `id` changed.
    pub(super) fn changed(&self, id: &str) {
        let _ = self.changes.send(Arc::from(id));
    }

    /// Forgets the tasks past their time to live (a running one is stopped first).
    fn sweep(&mut self, now: Instant) {
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

    fn find(&self, owner: &str, id: &str) -> Result<&Entry, RpcError> {
        self.tasks
            .get(id)
            .filter(|e| &*e.owner == owner && e.expires > Instant::now())
            .ok_or_else(|| unknown(id))
    }

    fn find_mut(&mut self, owner: &str, id: &str) -> Result<&mut Entry, RpcError> {
        self.tasks
            .get_mut(id)
            .filter(|e| &*e.owner == owner && e.expires > Instant::now())
            .ok_or_else(|| unknown(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            let task = tasks.get(owner, id).unwrap();
            if task["status"] != "working" {
                return task;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("task {id} never ended");
    }

    fn start(tasks: &Tasks, owner: &str, result: Value) -> Result<String, RpcError> {
        let created = tasks.start(
            Arc::from(owner),
            move |_questions| async move {
                Ended::Result(serde_json::value::to_raw_value(&result).unwrap())
            },
            Box::new(|| {}),
        )?;
        Ok(created["taskId"].as_str().unwrap().to_owned())
    }

    /// A result over the per-task limit, or over what all tasks may keep, fails its task and
    /// is not kept.
    #[tokio::test]
    async fn results_are_bounded_in_bytes() {
        let tasks = Tasks::new(limits());
        let big = start(&tasks, "a", json!({"text": "x".repeat(100)})).unwrap();
        let task = settled(&tasks, "a", &big).await;
        assert_eq!(task["status"], "failed", "{task}");
        assert!(task["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger"));
        assert!(task.get("result").is_none());
        let small = start(&tasks, "a", json!({"text": "x".repeat(30)})).unwrap();
        assert_eq!(settled(&tasks, "a", &small).await["status"], "completed");
        // Results of 41 bytes, each under the per-task limit, until all kept reach 1000 bytes.
        let mut outcomes = Vec::new();
        for owner in ["b", "c", "d", "e", "f", "g", "h", "i", "j", "k"] {
            for _ in 0..3 {
                let id = start(&tasks, owner, json!({"text": "x".repeat(30)})).unwrap();
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
            start(&tasks, "a", json!({})).unwrap();
        }
        let refused = start(&tasks, "a", json!({})).unwrap_err();
        assert!(
            refused.message.contains("Too many tasks"),
            "{}",
            refused.message
        );
        let theirs = start(&tasks, "b", json!({})).unwrap();
        assert!(tasks.get("b", &theirs).is_ok());
        assert_eq!(
            tasks.get("a", &theirs).unwrap_err().code,
            jsonrpc::INVALID_PARAMS
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            tasks.get("b", &theirs).unwrap_err().code,
            jsonrpc::INVALID_PARAMS
        );
        start(&tasks, "a", json!({})).unwrap();
    }
}
