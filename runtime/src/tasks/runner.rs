//! A task's call, driven to its end in a tokio task of its own: its questions become the task's
//! `inputRequests`, its end the task's result or error.

use super::record::{Ended, Status};
use super::{Asked, Limits, Table};
use crate::context::{NoResult, Question, BEGIN_TASK};
use crate::protocol::jsonrpc;
use serde_json::json;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a running task updates.
pub(super) struct Run {
    pub(super) table: Arc<Mutex<Table>>,
    pub(super) id: String,
    pub(super) limits: Limits,
}

impl Run {
    /// Polls `call` until it ends, runs out of time, or the task is stopped (`halt`: cancelled
    /// or expired, its status set already); meanwhile puts its questions to the client.
    pub(super) async fn drive<F: Future<Output = Ended>>(
        self,
        call: F,
        mut questions: mpsc::UnboundedReceiver<Question>,
        halt: CancellationToken,
    ) {
        let call = tokio::time::timeout(self.limits.timeout, call);
        tokio::pin!(call);
        let ended = loop {
            tokio::select! {
                biased;
                () = halt.cancelled() => return,
                ended = &mut call => break ended.unwrap_or_else(|_| Ended::Error(json!({
                    "code": jsonrpc::INTERNAL_ERROR,
                    "message": format!(
                        "The task ran longer than its limit ({} s, STURDY_TASK_TIMEOUT)",
                        self.limits.timeout.as_secs()
                    ),
                }))),
                Some(question) = questions.recv() => self.ask(question),
            }
        };
        self.finish(ended);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `question` among the task's `inputRequests` until `tasks/update` answers it.
    pub(super) fn ask(&self, question: Question) {
        // A call that is a task already asking to become one: it goes on.
        if question.method == BEGIN_TASK {
            let _ = question.reply.send(Ok(serde_json::Value::Null));
            return;
        }
        let mut table = self.lock();
        let Some(entry) = table
            .tasks
            .get_mut(&self.id)
            .filter(|e| !e.record.status.is_terminal())
        else {
            let _ = question.reply.send(Err(NoResult::Closed));
            return;
        };
        // The tool's own key, unless this task used it already; else one of ours.
        let key = match question.key.as_deref() {
            Some(k) if !entry.keys.contains(k) => k.to_owned(),
            _ => format!("q{}", entry.keys.len() + 1),
        };
        entry.keys.insert(key.clone());
        entry.asked.insert(
            key,
            Asked {
                request: json!({ "method": question.method, "params": question.params }),
                reply: question.reply,
            },
        );
        entry.record.status = Status::InputRequired;
        entry.record.updated_at = crate::clock::rfc3339_now();
        table.changed(&self.id);
    }

    /// Records how the call ended, unless the task was cancelled first. A result larger than
    /// the limits allow fails the task instead, and nothing of it is kept.
    fn finish(&self, ended: Ended) {
        let mut guard = self.lock();
        let table = &mut *guard;
        let Some(entry) = table.tasks.get_mut(&self.id) else {
            return;
        };
        entry.stop = None;
        if entry.record.status.is_terminal() {
            return;
        }
        let size = match &ended {
            Ended::Result(r) => r.get().len(),
            Ended::Error(e) => e.to_string().len(),
        };
        let ended =
            if size > self.limits.result_bytes || table.bytes + size > self.limits.total_bytes {
                Ended::Error(json!({
                    "code": jsonrpc::INTERNAL_ERROR,
                    "message": format!(
                        "The task's result ({size} bytes) is larger than the server keeps \
                         ({} bytes per task, {} in all)",
                        self.limits.result_bytes, self.limits.total_bytes
                    ),
                }))
            } else {
                ended
            };
        entry.record.status = match ended {
            Ended::Result(_) => Status::Completed,
            Ended::Error(_) => Status::Failed,
        };
        if let Ended::Error(e) = &ended {
            entry.record.status_message = e["message"].as_str().map(str::to_owned);
        }
        entry.record.ended = Some(ended);
        table.bytes += entry.record.bytes();
        entry.asked.clear();
        entry.record.updated_at = crate::clock::rfc3339_now();
        table.changed(&self.id);
    }
}
