//! The tasks extension's methods (`tasks/get`, `tasks/update`, `tasks/cancel`) and the start of
//! a tool call as a task (see [`crate::tasks`]).

use super::input_required::Detached;
use super::reply::invalid_params;
use super::{Server, Session};
use crate::context::{Asking, Context, Question};
use crate::error::ToolError;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::{ClientCapabilities, Method, TASKS_EXTENSION};
use crate::tasks::Ended;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

/// -32021 for a request that needs the tasks extension from a client that did not declare it.
pub(super) fn tasks_not_declared(what: &str) -> RpcError {
    RpcError::new(
        jsonrpc::MISSING_CLIENT_CAPABILITY,
        format!("Missing required client capability: {what} needs the {TASKS_EXTENSION} extension"),
    )
    .with_data(json!({ "requiredCapabilities": { "extensions": { TASKS_EXTENSION: {} } } }))
}

impl Server {
    /// `tasks/get`, `tasks/update` or `tasks/cancel`, for a client that declared the extension
    /// (`capabilities`: the request's own in 2026-07-28, the session's before).
    pub(super) async fn task_method(
        &self,
        session: &Session,
        method: Method,
        params: &Map<String, Value>,
        capabilities: ClientCapabilities,
    ) -> Result<Value, RpcError> {
        if !capabilities.tasks {
            return Err(tasks_not_declared(method.as_str()));
        }
        let id = params
            .get("taskId")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_params(format!("{method} needs a taskId (a string)")))?;
        let owner = session.quota_key();
        match method {
            Method::TasksGet => self.tasks.get(&owner, id).await,
            Method::TasksUpdate => {
                // Each answer is the result of the request asked under its key: an object.
                let responses = match params.get("inputResponses") {
                    Some(responses @ Value::Object(_)) => {
                        super::rounds::input_responses(Some(responses))?
                    }
                    _ => {
                        return Err(invalid_params(
                            "tasks/update needs inputResponses (an object)",
                        ))
                    }
                };
                self.tasks.update(&owner, id, &responses).await?;
                Ok(json!({}))
            }
            Method::TasksCancel => {
                self.tasks.cancel(&owner, id).await?;
                Ok(json!({}))
            }
            _ => unreachable!("only the task methods come here"),
        }
    }

    /// Starts the call of `tool` as a task of the session's caller; the `CreateTaskResult`. Its
    /// questions become the task's `inputRequests`; it runs until it ends, is cancelled, or
    /// reaches the task time limit (not the call timeout).
    pub(super) fn start_task(
        &self,
        session: &Session,
        tool: &str,
        arguments: Option<&RawValue>,
        ctx: Context,
        capabilities: ClientCapabilities,
    ) -> impl std::future::Future<Output = Result<Value, RpcError>> + Send + '_ {
        let cancel = ctx.cancel_handle().handle();
        let (registry, tool, arguments) = (
            self.registry.clone(),
            tool.to_owned(),
            arguments.map(ToOwned::to_owned),
        );
        let call = move |questions| {
            let ctx = ctx.with_asking(Asking::Rounds {
                questions,
                capabilities,
                begins_task: false,
            });
            async move {
                match registry.call_raw(&tool, arguments.as_deref(), ctx).await {
                    Ok(result) => match &result.error {
                        Some(ToolError::Panicked(message)) => Ended::Error(json!({
                            "code": jsonrpc::INTERNAL_ERROR,
                            "message": format!("The tool panicked: {message}"),
                        })),
                        Some(e @ ToolError::MissingClientCapability { capability, .. }) => {
                            Ended::Error(json!({
                                "code": jsonrpc::MISSING_CLIENT_CAPABILITY,
                                "message": format!("Missing required client capability: {e}"),
                                "data": { "requiredCapabilities": { capability.as_str(): {} } },
                            }))
                        }
                        _ => match serde_json::value::to_raw_value(&result.into_json()) {
                            Ok(raw) => Ended::Result(raw),
                            Err(e) => Ended::Error(json!({
                                "code": jsonrpc::INTERNAL_ERROR,
                                "message": format!("The result cannot be kept: {e}"),
                            })),
                        },
                    },
                    Err(e) => Ended::Error(json!({
                        "code": jsonrpc::INVALID_PARAMS,
                        "message": e.to_string(),
                    })),
                }
            }
        };
        let owner = session.quota_key();
        self.tasks
            .start(owner, call, Box::new(move || cancel.cancel()))
    }
}

impl Server {
    /// A stateless call that asked to become a task ([`crate::Context::begin_task`]): the task
    /// runs it from where it is; its `CreateTaskResult` answers the request that was running.
    /// `asked`: questions it asked at the same moment, now the task's.
    pub(super) async fn adopt_task(
        &self,
        session: &Session,
        detached: Detached,
        asked: Vec<Question>,
    ) -> Result<Value, RpcError> {
        let Detached {
            call,
            questions,
            stop,
        } = detached;
        let call = async move {
            match call.await {
                Ok(result) => {
                    // The inlined result is the tool's, without the request's discriminator.
                    let mut result: Value =
                        serde_json::from_str(result.get()).unwrap_or(Value::Null);
                    if let Some(r) = result.as_object_mut() {
                        r.remove("resultType");
                    }
                    match serde_json::value::to_raw_value(&result) {
                        Ok(raw) => Ended::Result(raw),
                        Err(e) => Ended::Error(json!({
                            "code": jsonrpc::INTERNAL_ERROR,
                            "message": format!("The result cannot be kept: {e}"),
                        })),
                    }
                }
                Err(e) => {
                    let mut error = json!({ "code": e.code, "message": e.message });
                    if let Some(data) = e.data {
                        error["data"] = data;
                    }
                    Ended::Error(error)
                }
            }
        };
        self.tasks
            .adopt(session.quota_key(), call, questions, asked, stop)
            .await
    }
}
