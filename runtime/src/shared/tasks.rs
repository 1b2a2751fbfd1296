//! Task records shared by replicas (see [`crate::tasks`]): each task is one Redis hash, read and
//! written by Lua scripts so that every check and change is one atomic round trip, by Redis's
//! clock (`TIME`) for every replica.
//!
//! The hash holds the owner, status, timestamps, the result or error once ended, the questions
//! waiting for answers (`q:<key>`), the answers not yet taken by the runner (`a:<key>`) and the
//! replica running it. It expires with the task's `ttlMs`. Beside it, under the same hash tag (so
//! a cluster keeps them in one slot and a script may touch them together):
//!
//! - `all` and `o:<owner digest>`: sorted sets of task ids by expiry: the counts the limits bound;
//! - `leases`: the running tasks by the time their runner last promised to be alive until; a
//!   task whose lease lapsed is turned `failed` by the next script that reads it;
//! - `sizes` and `bytes`: each kept result's size and their sum;
//! - `inbox:<replica>`: ids of the tasks a replica runs that another replica changed (cancelled,
//!   answered), so that it looks at them at once rather than at its next lease renewal.

use super::redis_store::{RedisStore, StoreFailure};
use super::task_scripts::{
    ASK, CANCEL, CREATE, FINISH, FORGET_QUESTIONS, GET, NOW, OWNED, RENEW, STAMPS, SWEEP, TAKE,
    UPDATE,
};
use redis::Script;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

/// Task operations carry results (up to megabytes): a longer bound than the store's per-call one.
const TASK_TIMEOUT: Duration = Duration::from_secs(2);

/// A script made of `parts`, prepared once (EVALSHA, and the text only when Redis lacks it).
fn script(slot: &'static OnceLock<Script>, parts: &[&str]) -> &'static Script {
    slot.get_or_init(|| Script::new(&parts.concat().replace("FORGET_QUESTIONS", FORGET_QUESTIONS)))
}

/// A new task's record.
pub(crate) struct NewTask<'a> {
    pub(crate) id: &'a str,
    pub(crate) owner: &'a str,
    pub(crate) stamp: &'a str,
    pub(crate) ttl: Duration,
    pub(crate) poll_interval: Duration,
    pub(crate) per_owner: usize,
    pub(crate) total: usize,
}

/// How a running task ended, to record.
pub(crate) struct Ending<'a> {
    /// `completed` or `failed`.
    pub(crate) status: &'a str,
    /// `result` or `error`.
    pub(crate) field: &'a str,
    pub(crate) json: &'a str,
    pub(crate) message: &'a str,
    /// What the task records instead when all kept results would exceed `total_bytes`.
    pub(crate) too_large: (&'a str, &'a str),
    pub(crate) total_bytes: usize,
}

/// What recording an end did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Recorded {
    Kept,
    TooLarge,
    /// The task had ended already (cancelled, or its lease lapsed).
    Ended,
}

/// What the runner's replica should do about a task it runs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Nudge {
    /// The task ended elsewhere (cancelled, lapsed, expired): stop the call.
    Gone,
    /// Answers wait for it.
    Answered,
}

/// How a task that lapsed reads: its error and message.
pub(crate) struct Lapse<'a> {
    pub(crate) error: &'a str,
    pub(crate) message: &'a str,
}

impl RedisStore {
    /// The prefix of every task key: one hash tag, one cluster slot.
    fn tasks_key(&self, rest: &str) -> String {
        format!("{{{}:tasks}}:{rest}", self.namespace())
    }

    fn task_key(&self, id: &str) -> String {
        self.tasks_key(&format!("t:{id}"))
    }

    fn owner_key(&self, owner: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(owner.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.tasks_key(&format!("o:{hex}"))
    }

    fn inbox_key(&self, replica: &str) -> String {
        self.tasks_key(&format!("inbox:{replica}"))
    }

    /// KEYS every script that finds a task by its owner takes, and OWNED's ARGV.
    fn owned<'s>(
        &self,
        script: &'s Script,
        owner: &str,
        id: &str,
        stamp: &str,
        lapse: &Lapse<'_>,
    ) -> redis::ScriptInvocation<'s> {
        let mut invocation = script.prepare_invoke();
        invocation
            .key(self.task_key(id))
            .key(self.tasks_key("leases"))
            .arg(owner)
            .arg(id)
            .arg(stamp)
            .arg(lapse.error)
            .arg(lapse.message);
        invocation
    }

    /// Creates the record of a task `runner` runs, within the limits: `Ok(Err((the owner's
    /// count, the count in all)))` when they refuse it.
    pub(crate) async fn task_create(
        &self,
        task: &NewTask<'_>,
        lease: Duration,
        runner: &str,
    ) -> Result<Result<(), (u64, u64)>, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[NOW, SWEEP, CREATE]);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(self.task_key(task.id))
            .key(self.tasks_key("all"))
            .key(self.tasks_key("leases"))
            .key(self.tasks_key("sizes"))
            .key(self.tasks_key("bytes"))
            .key(self.owner_key(task.owner))
            .arg(millis(task.ttl))
            .arg(millis(lease))
            .arg(task.per_owner)
            .arg(task.total)
            .arg(task.id)
            .arg(task.owner)
            .arg(task.stamp)
            .arg(millis(task.poll_interval))
            .arg(runner);
        let (created, mine, all): (i64, u64, u64) = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        Ok(if created == 1 {
            Ok(())
        } else {
            Err((mine, all))
        })
    }

    /// The fields of the owner's task `id` (a lapsed lease failing it first), or `None`.
    pub(crate) async fn task_get(
        &self,
        owner: &str,
        id: &str,
        stamp: &str,
        lapse: &Lapse<'_>,
    ) -> Result<Option<HashMap<String, String>>, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[NOW, OWNED, GET]);
        let invocation = self.owned(script, owner, id, stamp, lapse);
        let fields: Option<HashMap<String, String>> = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        Ok(fields.filter(|f| !f.is_empty()))
    }

    /// Hands `answers` (key, JSON) to the owner's task `id`: `None` when there is no such task,
    /// else its runner and how many answers were taken.
    pub(crate) async fn task_update(
        &self,
        owner: &str,
        id: &str,
        stamp: &str,
        lapse: &Lapse<'_>,
        answers: &[(&str, String)],
    ) -> Result<Option<(String, u64)>, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[NOW, OWNED, UPDATE]);
        let mut invocation = self.owned(script, owner, id, stamp, lapse);
        for (key, answer) in answers {
            invocation.arg(*key).arg(answer);
        }
        self.run_within("tasks", TASK_TIMEOUT, |mut c| async move {
            invocation.invoke_async(&mut c).await
        })
        .await
    }

    /// Cancels the owner's task `id`: `None` when there is no such task, else the replica that
    /// runs it when it was running (`Some(None)` when it had ended).
    pub(crate) async fn task_cancel(
        &self,
        owner: &str,
        id: &str,
        stamp: &str,
        lapse: &Lapse<'_>,
        message: &str,
    ) -> Result<Option<Option<String>>, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[NOW, OWNED, CANCEL]);
        let mut invocation = self.owned(script, owner, id, stamp, lapse);
        invocation.arg(message);
        let answer: Option<(String, i64)> = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        Ok(answer.map(|(runner, cancelled)| (cancelled == 1).then_some(runner)))
    }

    /// Records a question of a running task: `false` when the task ended meanwhile.
    pub(crate) async fn task_ask(
        &self,
        id: &str,
        key: &str,
        question: &str,
        stamp: &str,
    ) -> Result<bool, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[ASK]);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(self.task_key(id))
            .arg(key)
            .arg(question)
            .arg(stamp);
        let running: i64 = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        Ok(running == 1)
    }

    /// The task's status and the answers waiting for it (taken), or `None` when it is gone.
    pub(crate) async fn task_take(
        &self,
        id: &str,
    ) -> Result<Option<(String, Vec<(String, String)>)>, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[TAKE]);
        let mut invocation = script.prepare_invoke();
        invocation.key(self.task_key(id));
        let mut out: Vec<String> = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        if out.is_empty() {
            return Ok(None);
        }
        let status = out.remove(0);
        let mut answers = Vec::with_capacity(out.len() / 2);
        let mut pairs = out.into_iter();
        while let (Some(key), Some(answer)) = (pairs.next(), pairs.next()) {
            answers.push((key, answer));
        }
        Ok(Some((status, answers)))
    }

    /// Records how a running task ended.
    pub(crate) async fn task_finish(
        &self,
        id: &str,
        ending: &Ending<'_>,
        stamp: &str,
    ) -> Result<Recorded, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[NOW, SWEEP, FINISH]);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(self.task_key(id))
            .key(self.tasks_key("all"))
            .key(self.tasks_key("leases"))
            .key(self.tasks_key("sizes"))
            .key(self.tasks_key("bytes"))
            .arg(id)
            .arg(ending.status)
            .arg(ending.field)
            .arg(ending.json)
            .arg(ending.json.len())
            .arg(ending.total_bytes)
            .arg(ending.message)
            .arg(stamp)
            .arg(ending.too_large.0)
            .arg(ending.too_large.1);
        let recorded: i64 = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        Ok(match recorded {
            1 => Recorded::Kept,
            2 => Recorded::TooLarge,
            _ => Recorded::Ended,
        })
    }

    /// Extends the leases of the tasks `ids` (run here) by `lease`; what to do about some.
    pub(crate) async fn task_renew(
        &self,
        ids: &[String],
        lease: Duration,
    ) -> Result<Vec<(String, Nudge)>, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[NOW, RENEW]);
        let mut invocation = script.prepare_invoke();
        invocation.key(self.tasks_key("leases")).arg(millis(lease));
        for id in ids {
            invocation.key(self.task_key(id)).arg(id);
        }
        let out: Vec<String> = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        let mut nudges = Vec::new();
        let mut pairs = out.into_iter();
        while let (Some(id), Some(kind)) = (pairs.next(), pairs.next()) {
            nudges.push((
                id,
                if kind == "gone" {
                    Nudge::Gone
                } else {
                    Nudge::Answered
                },
            ));
        }
        Ok(nudges)
    }

    /// The status and last update of each of the owner's tasks among `ids`, and whether its
    /// lease lapsed (read it with [`task_get`](Self::task_get) to fail it).
    pub(crate) async fn task_stamps(
        &self,
        owner: &str,
        ids: &[String],
    ) -> Result<Vec<(String, String, bool)>, StoreFailure> {
        static PREPARED: OnceLock<Script> = OnceLock::new();
        let script = script(&PREPARED, &[NOW, STAMPS]);
        let mut invocation = script.prepare_invoke();
        invocation.key(self.tasks_key("leases")).arg(owner);
        for id in ids {
            invocation.key(self.task_key(id)).arg(id);
        }
        let out: Vec<redis::Value> = self
            .run_within("tasks", TASK_TIMEOUT, |mut c| async move {
                invocation.invoke_async(&mut c).await
            })
            .await?;
        let text = |v: &redis::Value| redis::from_redis_value_ref::<String>(v).unwrap_or_default();
        Ok(out
            .chunks_exact(4)
            .map(|t| {
                let stamp = format!("{} {}", text(&t[1]), text(&t[2]));
                (text(&t[0]), stamp, text(&t[3]) == "1")
            })
            .collect())
    }

    /// Tells replica `runner` to look at its task `id` now. Its inbox lives a minute: a replica
    /// gone leaves nothing behind.
    pub(crate) async fn task_nudge(&self, runner: &str, id: &str) -> Result<(), StoreFailure> {
        let inbox = self.inbox_key(runner);
        let id = id.to_owned();
        self.run_within("tasks", TASK_TIMEOUT, |mut c| async move {
            redis::pipe()
                .rpush(&inbox, id)
                .ignore()
                .pexpire(&inbox, 60_000)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    /// Takes up to `count` ids from replica `runner`'s inbox.
    pub(crate) async fn task_inbox(
        &self,
        runner: &str,
        count: usize,
    ) -> Result<Vec<String>, StoreFailure> {
        let inbox = self.inbox_key(runner);
        let count = std::num::NonZeroUsize::new(count.max(1));
        self.run_within("tasks", TASK_TIMEOUT, |mut c| async move {
            let ids: Option<Vec<String>> =
                redis::AsyncCommands::lpop(&mut c, &inbox, count).await?;
            Ok(ids.unwrap_or_default())
        })
        .await
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
