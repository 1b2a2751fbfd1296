//! `completion/complete`.

use super::dispatch::request_client;
use super::reply::{invalid_params, Params};
use super::{Server, Session};
use crate::completion::{Completion, CompletionRequest, CompletionSource, MAX_COMPLETIONS};
use crate::context::Context;
use crate::error::ToolError;
use crate::grant::Grant;
use crate::protocol::jsonrpc::{self, RpcError};
use serde_json::{json, Value};
use std::sync::Arc;

impl Server {
    /// `completion/complete`: the values declared for a prompt argument or template variable
    /// (`#[arg(complete = …)]`) that fit what the user typed; none when it declares none. An
    /// unknown prompt, template or argument is -32602. Those defined at run time are asked.
    pub(super) async fn complete(
        &self,
        session: &Session,
        params: &Params,
        grant: Option<Arc<Grant>>,
    ) -> Result<Value, RpcError> {
        let reference = params.get("ref");
        fn text<'a>(v: Option<&'a Value>, what: &str) -> Result<&'a str, RpcError> {
            v.and_then(Value::as_str)
                .ok_or_else(|| invalid_params(format!("completion/complete needs {what}")))
        }
        let kind = text(reference.and_then(|r| r.get("type")), "ref.type")?;
        let arg = text(
            params.get("argument").and_then(|a| a.get("name")),
            "argument.name",
        )?;
        let typed = text(
            params.get("argument").and_then(|a| a.get("value")),
            "argument.value",
        )?;
        let completer = match kind {
            "ref/prompt" => {
                let name = text(reference.and_then(|r| r.get("name")), "ref.name")?;
                self.prompts.completer(name, arg).ok_or_else(|| {
                    invalid_params(format!("prompt `{name}` has no argument `{arg}`"))
                })?
            }
            "ref/resource" => {
                let uri = text(reference.and_then(|r| r.get("uri")), "ref.uri")?;
                self.resources.completer(uri, arg).ok_or_else(|| {
                    invalid_params(format!(
                        "no resource template {uri:?} with a variable `{arg}`"
                    ))
                })?
            }
            other => {
                return Err(invalid_params(format!(
                    "ref.type is ref/prompt or ref/resource, not {other:?}"
                )))
            }
        };
        let completion = match completer {
            CompletionSource::Declared(declared) => {
                declared.map(|c| c.complete(typed)).unwrap_or(Completion {
                    values: Vec::new(),
                    total: 0,
                })
            }
            CompletionSource::Dynamic(completer) => {
                let ctx = Context::new(session.client_id(request_client(params)), None, None)
                    .with_caller(session.principal().cloned(), grant);
                let request = CompletionRequest {
                    argument: arg.to_owned(),
                    value: typed.to_owned(),
                    arguments: params
                        .get("context")
                        .and_then(|c| c.get("arguments"))
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                };
                let mut completion = completer
                    .complete(self.served(ctx), request)
                    .await
                    .map_err(completion_error)?;
                // However many it gave, the protocol's limit holds.
                completion.total = completion.total.max(completion.values.len());
                completion.values.truncate(MAX_COMPLETIONS);
                completion
            }
        };
        Ok(json!({ "completion": {
            "values": completion.values,
            "total": completion.total,
            "hasMore": completion.total > completion.values.len(),
        }}))
    }
}

/// A run-time completer's failure as the JSON-RPC error `completion/complete` answers with.
fn completion_error(e: ToolError) -> RpcError {
    match e {
        ToolError::InvalidArguments(why) => invalid_params(why),
        e => RpcError::new(jsonrpc::INTERNAL_ERROR, format!("completion failed: {e}"))
            .with_data(json!({ "error": e.to_json() })),
    }
}
