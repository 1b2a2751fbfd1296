//! One task as a client sees it: its status, timestamps and, once it ended, its result or error;
//! the JSON of `CreateTaskResult` and of `tasks/get` (a `DetailedTask`).

use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Where a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Working => "working",
            Status::InputRequired => "input_required",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    /// The status named `text` (as [`as_str`](Self::as_str) writes it).
    #[cfg(feature = "redis")]
    pub(crate) fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "working" => Status::Working,
            "input_required" => Status::InputRequired,
            "completed" => Status::Completed,
            "failed" => Status::Failed,
            "cancelled" => Status::Cancelled,
            _ => return None,
        })
    }

    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// How a task's call ended.
pub(crate) enum Ended {
    /// The tool's result (`isError` included: a tool error completes a task).
    Result(Box<RawValue>),
    /// A JSON-RPC error (`{code, message, data?}`): the task failed.
    Error(Value),
}

/// A task's state.
pub(crate) struct Record {
    pub(crate) id: String,
    pub(crate) status: Status,
    pub(crate) status_message: Option<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) ttl: Duration,
    pub(crate) poll_interval: Duration,
    pub(crate) ended: Option<Ended>,
}

impl Record {
    /// The fields every task shape has.
    fn base(&self) -> Map<String, Value> {
        let mut task = Map::new();
        task.insert("taskId".into(), json!(self.id));
        task.insert("status".into(), json!(self.status.as_str()));
        if let Some(message) = &self.status_message {
            task.insert("statusMessage".into(), json!(message));
        }
        task.insert("createdAt".into(), json!(self.created_at));
        task.insert("lastUpdatedAt".into(), json!(self.updated_at));
        task.insert("ttlMs".into(), json!(self.ttl.as_millis() as u64));
        task.insert(
            "pollIntervalMs".into(),
            json!(self.poll_interval.as_millis() as u64),
        );
        task
    }

    /// The answer to the call that created it (`resultType: "task"`).
    pub(crate) fn created(&self) -> Value {
        let mut task = self.base();
        task.insert("resultType".into(), json!("task"));
        Value::Object(task)
    }

    /// What `tasks/get` answers: the task, with the questions it waits on or how it ended.
    pub(crate) fn detailed(&self, input_requests: Option<Map<String, Value>>) -> Value {
        let mut task = self.base();
        if let Some(requests) = input_requests.filter(|_| self.status == Status::InputRequired) {
            task.insert("inputRequests".into(), Value::Object(requests));
        }
        match &self.ended {
            Some(Ended::Result(result)) if self.status == Status::Completed => {
                let result: Value = serde_json::from_str(result.get()).unwrap_or(Value::Null);
                task.insert("result".into(), result);
            }
            Some(Ended::Error(error)) if self.status == Status::Failed => {
                task.insert("error".into(), error.clone());
            }
            _ => {}
        }
        Value::Object(task)
    }

    /// Bytes its result or error holds.
    pub(crate) fn bytes(&self) -> usize {
        match &self.ended {
            Some(Ended::Result(r)) => r.get().len(),
            Some(Ended::Error(e)) => e.to_string().len(),
            None => 0,
        }
    }
}
