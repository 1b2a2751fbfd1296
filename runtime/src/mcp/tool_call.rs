//! `tools/call`: a session's call, a stateless call run within its request, or a stateless call
//! in rounds (one that may ask its client and wait between requests).

use super::dispatch::lacks_scopes;
use super::reply::invalid_params;
use super::unless_cancelled::UnlessCancelled;
use super::{Server, Session, SessionView};
use crate::context::{Asking, Context};
use crate::error::ToolError;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::Version;
use crate::protocol::{Request, RequestParams};
use crate::registry::{CallResult, RegistryError};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::mpsc;

impl Server {
    /// `tools/call`: its response, `None` when the client cancelled the call.
    pub(super) async fn call_tool(
        &self,
        session: &Session,
        seen: SessionView,
        id: Value,
        version: Version,
        request: Request<'_>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Option<Vec<u8>> {
        let (id, seen) = (&id, &seen);
        let refuse = |err: RpcError| Some(jsonrpc::error_response(Some(id), &err));
        let Request { params, grant, .. } = request;
        let RequestParams {
            members: params,
            plain_name,
            arguments,
            meta_keys: meta,
            ..
        } = params;
        let name = plain_name.or_else(|| params.get("name").and_then(Value::as_str));
        let Some(name) = name else {
            return refuse(invalid_params("tools/call needs a tool name"));
        };
        // Raw JSON has no whitespace around it: its first byte tells its kind.
        let arguments = match arguments.map(|a| a.get().as_bytes()[0]) {
            None | Some(b'n') => None,
            Some(b'{') => arguments,
            Some(_) => return refuse(invalid_params("tool arguments must be an object")),
        };
        let Some(tool) = self.registry.tool(name) else {
            return refuse(invalid_params(format!("Unknown tool: {name}")));
        };
        if let Some(grant) = &grant {
            if !grant.allows(tool.scopes()) {
                return refuse(lacks_scopes(&grant.missing(tool.scopes())));
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
        let meta = meta.unwrap_or_default();
        let progress_token = meta.progress_token();
        let request_client = meta.client_name();
        let log_level = meta.log_level().or(seen.log_level);
        // A stateless call may outlive this request (parked between rounds): its messages go
        // through a relay that each round forwards to its own request's stream.
        let (outbound, relay) = match &notify {
            Some(_) if in_rounds => {
                let (tx, rx) = mpsc::channel(64);
                (Some(tx), Some(rx))
            }
            _ => (notify.clone().or_else(|| session.outbound()), None),
        };
        let ctx = Context::new(
            session.client_id_in(seen, request_client.as_deref()),
            progress_token,
            outbound,
        )
        .with_log_level(log_level)
        .with_caller(session.principal().cloned(), grant);
        let ctx = self.served(ctx);
        let outcome = if in_rounds {
            let capabilities = meta.capabilities();
            let cancel = ctx.cancel_handle();
            let run = |questions| {
                let ctx = ctx.with_asking(Asking::Rounds {
                    questions,
                    capabilities,
                });
                let call = self.run_owned(name, arguments.map(ToOwned::to_owned), ctx);
                async move {
                    call.await
                        .map_err(|e| invalid_params(e.to_string()))
                        .and_then(missing_capability)
                        .map(|r| r.complete_json())
                }
            };
            // Boxed: a call in rounds is rare, and its future would make every call's large.
            let rounds = Box::pin(self.in_rounds(session, name, &params, relay, notify, run));
            UnlessCancelled::new(session, id, &cancel, rounds)
                .await
                .map(|answer| answer.map(|r| jsonrpc::raw_result_response(id, &r)))
        } else {
            let ctx = if version.is_stateless() {
                ctx
            } else {
                ctx.with_asking(Asking::Client {
                    requests: session.client_requests().clone(),
                    capabilities: seen.capabilities,
                })
            };
            let cancel = ctx.cancel_handle();
            let timeout = self.call_timeout;
            let call = bounded(timeout, tool.call_raw(arguments, ctx));
            UnlessCancelled::new(session, id, &cancel, call)
                .await
                .map(|r| match version.is_stateless() {
                    true => r
                        .map_err(|e| invalid_params(e.to_string()))
                        .and_then(missing_capability)
                        .map(|r| jsonrpc::result_response_with(id, |out| r.write_json(out, true))),
                    false => r
                        .map(|r| jsonrpc::result_response_with(id, |out| r.write_json(out, false)))
                        .map_err(|e| invalid_params(e.to_string())),
                })
        };
        match outcome {
            Some(Ok(response)) => Some(response),
            Some(Err(err)) => refuse(err),
            None => None,
        }
    }

    /// A call of `name` that owns what it needs (to outlive the request, parked between
    /// rounds), bounded by the call timeout as a whole.
    fn run_owned(
        &self,
        name: &str,
        arguments: Option<Box<RawValue>>,
        ctx: Context,
    ) -> impl std::future::Future<Output = Result<CallResult, RegistryError>> + Send + 'static {
        let (registry, tool, limit) = (self.registry.clone(), name.to_owned(), self.call_timeout);
        async move { bounded(limit, registry.call_raw(&tool, arguments.as_deref(), ctx)).await }
    }
}

/// `call`, answered with a `timeout` tool error once `limit` has passed. A plain function
/// returning one future or the other, not an `async fn`: that would keep `call` twice in its
/// state (the argument, and the future it awaits), and a stateless call's future is boxed and
/// copied whole.
fn bounded<F>(
    limit: Option<std::time::Duration>,
    call: F,
) -> impl std::future::Future<Output = Result<CallResult, RegistryError>>
where
    F: std::future::Future<Output = Result<CallResult, RegistryError>>,
{
    use futures_util::future::{Either, FutureExt};
    match limit {
        Some(limit) => Either::Left(tokio::time::timeout(limit, call).map(move |r| {
            r.unwrap_or_else(|_| Ok(CallResult::failed(&ToolError::Timeout(limit))))
        })),
        None => Either::Right(call),
    }
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
