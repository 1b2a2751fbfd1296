//! `prompts/get`.

use super::dispatch::request_client;
use super::reply::{invalid_params, raw, with_result_type, Params};
use super::{Server, Session};
use crate::context::{Asking, Context};
use crate::error::ToolError;
use crate::grant::Grant;
use crate::prompts::GetError;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::{self, Version};
use crate::protocol::ClientCapabilities;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::sync::Arc;

impl Server {
    /// `prompts/get`. An unknown prompt, or arguments that do not fit, are -32602; a failing
    /// prompt is -32603 with its error. A prompt may ask the client (`ctx.elicit`): in a 2025
    /// session on its connection, in a stateless request in rounds, as a tool does.
    pub(super) async fn get_prompt(
        &self,
        session: &Session,
        version: Version,
        params: &Params,
        grant: Option<Arc<Grant>>,
    ) -> Result<Box<RawValue>, RpcError> {
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_params("prompts/get needs a prompt name"))?
            .to_owned();
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(a)) => a.clone(),
            Some(_) => return Err(invalid_params("prompt arguments must be an object")),
        };
        let stateless = version.is_stateless();
        let ctx = Context::new(
            session.client_id(request_client(params)),
            None,
            if stateless { None } else { session.outbound() },
        )
        .with_caller(session.principal().cloned(), grant);
        let ctx = self.served(ctx);
        let prompts = self.prompts.clone();
        let key = format!("prompt:{name}");
        let get = move |ctx: Context| async move {
            prompts
                .get(&name, arguments, ctx)
                .await
                .map_err(|e| prompt_error(&name, e))
        };
        if stateless {
            let capabilities = ClientCapabilities::from_json(
                params
                    .get("_meta")
                    .and_then(|m| m.get(version::META_CLIENT_CAPABILITIES)),
            );
            let run = |questions| {
                let got = get(ctx.with_asking(Asking::Rounds {
                    questions,
                    capabilities,
                    begins_task: false,
                }));
                async move { got.await.map(|r| raw(&with_result_type(r))) }
            };
            self.in_rounds(session, &key, params, None, None, run).await
        } else {
            get(ctx.with_asking(Asking::Client {
                requests: session.client_requests().clone(),
                capabilities: session.client_capabilities(),
            }))
            .await
            .map(|r| raw(&r))
        }
    }
}

/// A prompt's failure as the JSON-RPC error `prompts/get` answers with.
fn prompt_error(name: &str, e: GetError) -> RpcError {
    match e {
        GetError::Unknown => invalid_params(format!("Unknown prompt: {name}")),
        GetError::Failed(ToolError::InvalidArguments(why)) => {
            invalid_params(format!("prompt `{name}`: {why}"))
        }
        GetError::Failed(e) => RpcError::new(
            jsonrpc::INTERNAL_ERROR,
            format!("prompt `{name}` failed: {e}"),
        )
        .with_data(json!({ "error": e.to_json() })),
    }
}
