//! `tools/call`: a session's call, a stateless call run within its request, or a stateless call
//! in rounds (one that may ask its client and wait between requests).

use super::call_deadline::Deadline;
use super::dispatch::lacks_scopes;
use super::reply::invalid_params;
use super::task_methods::tasks_not_declared;
use super::unless_cancelled::{Ended, UnlessCancelled};
use super::{Server, Session, SessionView};
use crate::context::{Asking, Context};
use crate::error::ToolError;
use crate::grant::Grant;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::Version;
use crate::protocol::{ClientCapabilities, MetaKeys, Request, RequestParams};
use crate::registry::{CallResult, RegistryError, TaskSupport, Tool};
use futures_util::future::{Either, FutureExt};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What a call run as a task starts from (read from the request, which the task outlives).
struct TaskCall<'r> {
    id: Value,
    name: &'r str,
    arguments: Option<&'r RawValue>,
    capabilities: ClientCapabilities,
}

impl Server {
    /// `tools/call`: its response, `None` when the client cancelled the call.
    ///
    /// Not an `async fn`: the request is checked and the call set up before any future exists,
    /// and the future returned is only the call and what answers it (an `async fn` would keep
    /// the request, read once, in its state for the whole call, twice).
    pub(super) fn call_tool<'a>(
        &'a self,
        session: &'a Session,
        seen: SessionView,
        id: Value,
        version: Version,
        request: Request<'a>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> impl Future<Output = Option<Vec<u8>>> + Send + 'a {
        let refuse = |id: &Value, err: RpcError| {
            Either::Right(Either::Right(Either::Left(std::future::ready(Some(
                jsonrpc::error_response(Some(id), &err),
            )))))
        };
        let Request { params, grant, .. } = request;
        let RequestParams {
            members: params,
            plain_name,
            arguments,
            meta_keys: meta,
            ..
        } = params;
        let name = plain_name.or_else(|| params.get("name").and_then(Value::as_str));
        let (name, arguments, tool) = match self.target(name, arguments, grant.as_deref()) {
            Ok(target) => target,
            Err(err) => return refuse(&id, err),
        };
        let task_support = tool.task_support();
        // A `deferred_task` tool called statelessly by a client with tasks runs in rounds until
        // it calls `ctx.begin_task()`.
        let mut begins_task = false;
        if task_support != TaskSupport::Forbidden {
            // Only a client that declared the extension (on this request in 2026-07-28, in its
            // session before) gets a task; another runs the call as usual, unless the tool
            // runs only as a task.
            let capabilities = if version.is_stateless() {
                meta.as_deref()
                    .map(|m| m.capabilities())
                    .unwrap_or_default()
            } else {
                seen.capabilities
            };
            begins_task = capabilities.tasks && tool.task_deferred() && version.is_stateless();
            if capabilities.tasks && !begins_task {
                let ctx = self.served(
                    Context::new(session.client_id_in(&seen, None), None, None)
                        .with_caller(session.principal().cloned(), grant),
                );
                let task = TaskCall {
                    id,
                    name,
                    arguments,
                    capabilities,
                };
                let answer = self.call_as_task(session, version, task, ctx);
                return Either::Right(Either::Right(Either::Right(answer)));
            }
            if task_support == TaskSupport::Required && !capabilities.tasks {
                return refuse(&id, tasks_not_declared(&format!("the tool {name}")));
            }
        }
        let takes_context = tool.takes_context();
        // A stateless call is run in rounds (it may ask, be parked, and resume), unless its tool
        // cannot ask (it takes no `Context`) and the request is not a later round: then it runs
        // as a session's call does, borrowed, within this request.
        let in_rounds = version.is_stateless()
            && (takes_context
                || params.contains_key("requestState")
                || params.contains_key("inputResponses"));
        let meta = meta.map(|m| *m).unwrap_or_default();
        let (ctx, relay) = self.call_context(session, &seen, &meta, in_rounds, &notify, grant);
        if in_rounds {
            let call = Rounds {
                name: name.to_owned(),
                params,
                arguments: arguments.map(ToOwned::to_owned),
                capabilities: meta.capabilities(),
                relay,
                begins_task,
            };
            return Either::Right(Either::Left(
                self.call_in_rounds(session, id, call, notify, ctx),
            ));
        }
        let ctx = if version.is_stateless() {
            ctx
        } else {
            ctx.with_asking(Asking::Client {
                requests: session.client_requests().clone(),
                capabilities: seen.capabilities,
            })
        };
        let cancel = ctx.cancel_handle();
        let call = Deadline::new(self.call_timeout, tool.call_raw(arguments, ctx));
        Either::Left(
            UnlessCancelled::new(session, id, cancel, call)
                .map(move |ended| answer(ended, version)),
        )
    }

    /// What a call names: the tool (known, and allowed to `grant`'s holder), its name and its
    /// arguments (an object, or none).
    fn target<'s, 'n, 'g>(
        &'s self,
        name: Option<&'n str>,
        arguments: Option<&'g RawValue>,
        grant: Option<&Grant>,
    ) -> Result<(&'n str, Option<&'g RawValue>, Tool<'s>), RpcError> {
        let name = name.ok_or_else(|| invalid_params("tools/call needs a tool name"))?;
        // Raw JSON has no whitespace around it: its first byte tells its kind.
        let arguments = match arguments.map(|a| a.get().as_bytes()[0]) {
            None | Some(b'n') => None,
            Some(b'{') => arguments,
            Some(_) => return Err(invalid_params("tool arguments must be an object")),
        };
        let tool = self
            .registry
            .tool(name)
            .ok_or_else(|| invalid_params(format!("Unknown tool: {name}")))?;
        if let Some(grant) = grant {
            if !grant.allows(tool.scopes()) {
                return Err(lacks_scopes(&grant.missing(tool.scopes())));
            }
        }
        Ok((name, arguments, tool))
    }

    /// The context of a call: who calls, its progress token and log level, and where its
    /// messages go. A stateless call may outlive this request (parked between rounds): its
    /// messages go through a relay (returned) that each round forwards to its own request's
    /// stream.
    fn call_context(
        &self,
        session: &Session,
        seen: &SessionView,
        meta: &MetaKeys<'_>,
        in_rounds: bool,
        notify: &Option<mpsc::Sender<Vec<u8>>>,
        grant: Option<Arc<Grant>>,
    ) -> (Context, Option<mpsc::Receiver<Vec<u8>>>) {
        let (outbound, relay) = match notify {
            Some(_) if in_rounds => {
                let (tx, rx) = mpsc::channel(64);
                (Some(tx), Some(rx))
            }
            _ => (notify.clone().or_else(|| session.outbound()), None),
        };
        let ctx = Context::new(
            session.client_id_in(seen, meta.client_name().as_deref()),
            meta.progress_token(),
            outbound,
        )
        .with_log_level(meta.log_level().or(seen.log_level))
        .with_caller(session.principal().cloned(), grant);
        (self.served(ctx), relay)
    }

    /// A call run as a task (its client declared the extension): the answer is the task
    /// created. Boxed: the task runs on its own, and this future only waits for it to start.
    fn call_as_task(
        &self,
        session: &Session,
        version: Version,
        task: TaskCall<'_>,
        ctx: Context,
    ) -> Pin<Box<dyn Future<Output = Option<Vec<u8>>> + Send + '_>> {
        let TaskCall {
            id,
            name,
            arguments,
            capabilities,
        } = task;
        let started = self.start_task(session, name, arguments, ctx, capabilities);
        async move {
            Some(match started.await {
                Ok(created) => {
                    let created = if version.is_stateless() {
                        created
                    } else {
                        strip_result_type(created)
                    };
                    jsonrpc::result_response(&id, &created)
                }
                Err(err) => jsonrpc::error_response(Some(&id), &err),
            })
        }
        .boxed()
    }

    /// A stateless call run in rounds: it may ask, be parked between requests, and resume.
    /// Boxed: such a call is rare, and its future would make every call's large.
    fn call_in_rounds<'a>(
        &'a self,
        session: &'a Session,
        id: Value,
        call: Rounds,
        notify: Option<mpsc::Sender<Vec<u8>>>,
        ctx: Context,
    ) -> Pin<Box<dyn Future<Output = Option<Vec<u8>>> + Send + 'a>> {
        Box::pin(async move {
            let Rounds {
                name,
                params,
                arguments,
                capabilities,
                relay,
                begins_task,
            } = call;
            let cancel = ctx.cancel_handle();
            let run = |questions| {
                let ctx = ctx.with_asking(Asking::Rounds {
                    questions,
                    capabilities,
                    begins_task,
                });
                let limit = (!begins_task).then_some(self.call_timeout).flatten();
                let call = self.run_owned(&name, arguments, ctx, limit);
                async move {
                    call.await
                        .map_err(|e| invalid_params(e.to_string()))
                        .and_then(missing_capability)
                        .map(|r| r.complete_json())
                }
            };
            let rounds = self.in_rounds(session, &name, &params, relay, notify, run);
            let ended = UnlessCancelled::new(session, id, cancel, rounds).await;
            let id = &ended.id;
            Some(match ended.output? {
                Ok(result) => jsonrpc::raw_result_response(id, &result),
                Err(err) => jsonrpc::error_response(Some(id), &err),
            })
        })
    }

    /// A call of `name` that owns what it needs (to outlive the request, parked between
    /// rounds), bounded by the call timeout as a whole.
    fn run_owned(
        &self,
        name: &str,
        arguments: Option<Box<RawValue>>,
        ctx: Context,
        limit: Option<std::time::Duration>,
    ) -> impl Future<Output = Result<CallResult, RegistryError>> + Send + 'static {
        let (registry, tool) = (self.registry.clone(), name.to_owned());
        async move { Deadline::new(limit, registry.call_raw(&tool, arguments.as_deref(), ctx)).await }
    }
}

/// The response to a call run within its request (`None`: cancelled, nothing to send).
fn answer(ended: Ended<Result<CallResult, RegistryError>>, version: Version) -> Option<Vec<u8>> {
    let id = &ended.id;
    let result = match ended.output? {
        Ok(result) if version.is_stateless() => missing_capability(result),
        Ok(result) => Ok(result),
        Err(e) => Err(invalid_params(e.to_string())),
    };
    Some(match result {
        Ok(result) => {
            jsonrpc::result_response_with(id, |out| result.write_json(out, version.is_stateless()))
        }
        Err(err) => jsonrpc::error_response(Some(id), &err),
    })
}

/// A `CreateTaskResult` for a 2025 session: the same task, without the 2026 discriminator.
fn strip_result_type(mut created: Value) -> Value {
    if let Some(task) = created.as_object_mut() {
        task.remove("resultType");
    }
    created
}

/// What a call in rounds takes from its request, owned: it may outlive the request.
struct Rounds {
    name: String,
    params: Map<String, Value>,
    arguments: Option<Box<RawValue>>,
    capabilities: ClientCapabilities,
    relay: Option<mpsc::Receiver<Vec<u8>>>,
    /// The call may become a task (`Context::begin_task`): then the call timeout does not
    /// bound it (the task's limit does, once it is one).
    begins_task: bool,
}

/// 2026-07-28: a call that needed a client capability the request did not declare is answered
/// with -32021 naming it (`error.data.requiredCapabilities`, a `ClientCapabilities` object), not
/// with a tool result.
fn missing_capability(result: CallResult) -> Result<CallResult, RpcError> {
    match &result.error {
        Some(e @ ToolError::MissingClientCapability { capability, .. }) => Err(RpcError::new(
            jsonrpc::MISSING_CLIENT_CAPABILITY,
            format!("Missing required client capability: {e}"),
        )
        .with_data(json!({ "requiredCapabilities": { capability.as_str(): {} } }))),
        _ => Ok(result),
    }
}
