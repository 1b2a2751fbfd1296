//! A task's call, driven to its end in a tokio task of its own: its questions become the task's
//! `inputRequests`, its end the task's result or error (in this process's table, and with a
//! shared store in Redis too).

use super::record::{Ended, Status};
use super::{lock, too_large, Limits, Table};
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
    #[cfg(feature = "redis")]
    pub(super) shared: Option<Arc<super::replicated::Replicated>>,
}

impl Run {
    /// Puts `asked` (questions asked as the call became a task) to the client, then polls
    /// `call` until it ends, runs out of time, or the task is stopped (`halt`: cancelled or
    /// expired, its status set already); meanwhile puts its questions to the client.
    pub(super) async fn drive<F: Future<Output = Ended>>(
        self,
        call: F,
        mut questions: mpsc::UnboundedReceiver<Question>,
        asked: Vec<Question>,
        halt: CancellationToken,
    ) {
        for question in asked {
            self.ask(question).await;
        }
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
                Some(question) = questions.recv() => self.ask(question).await,
            }
        };
        self.finish(ended).await;
    }

    /// Keeps `question` among the task's `inputRequests` until `tasks/update` answers it.
    async fn ask(&self, question: Question) {
        // A call that is a task already asking to become one: it goes on.
        if question.method == BEGIN_TASK {
            let _ = question.reply.send(Ok(serde_json::Value::Null));
            return;
        }
        let (key, request) = {
            let mut table = lock(&self.table);
            let Some(entry) = table
                .tasks
                .get_mut(&self.id)
                .filter(|e| !e.record.status.is_terminal())
            else {
                let _ = question.reply.send(Err(NoResult::Closed));
                return;
            };
            let key = entry.ask(question);
            let request = entry.asked[&key].request.to_string();
            table.changed(&self.id);
            (key, request)
        };
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            if !shared.ask(&self.id, &key, &request).await {
                // Ended meanwhile (cancelled, or its record could not be written): the
                // question goes unanswered.
                if let Some(entry) = lock(&self.table).tasks.get_mut(&self.id) {
                    if let Some(asked) = entry.asked.remove(&key) {
                        let _ = asked.reply.send(Err(NoResult::Closed));
                    }
                }
            }
        }
        let _ = (key, request);
    }

    /// Records how the call ended, unless the task was cancelled first. A result larger than
    /// the limits allow fails the task instead, and nothing of it is kept.
    async fn finish(&self, ended: Ended) {
        let size = match &ended {
            Ended::Result(r) => r.get().len(),
            Ended::Error(e) => e.to_string().len(),
        };
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            let ended = if size > self.limits.result_bytes {
                Ended::Error(too_large(size, &self.limits))
            } else {
                ended
            };
            shared.finish(&self.id, ended, &self.limits).await;
            let mut table = lock(&self.table);
            table.tasks.remove(&self.id);
            table.changed(&self.id);
            return;
        }
        let mut guard = lock(&self.table);
        let table = &mut *guard;
        let Some(entry) = table.tasks.get_mut(&self.id) else {
            return;
        };
        entry.stop = None;
        if entry.record.status.is_terminal() {
            return;
        }
        let ended =
            if size > self.limits.result_bytes || table.bytes + size > self.limits.total_bytes {
                Ended::Error(too_large(size, &self.limits))
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
