//! `resources/read`.

use super::dispatch::request_client;
use super::reply::{invalid_params, Params};
use super::{Server, Session};
use crate::context::Context;
use crate::error::ToolError;
use crate::grant::Grant;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::Version;
use crate::resources::ReadError;
use serde_json::{json, Value};
use std::sync::Arc;

impl Server {
    /// `resources/read`. An unknown URI is an error with the URI in its data (-32602 from
    /// 2026-07-28 on, SEP-2164; -32002 before); a failing resource is -32603 with its error.
    pub(super) async fn read_resource(
        &self,
        session: &Session,
        version: Version,
        params: &Params,
        grant: Option<Arc<Grant>>,
    ) -> Result<Value, RpcError> {
        let uri = params
            .get("uri")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_params("resources/read needs a uri string"))?;
        if let Some(mut read) = self.skills.read(uri) {
            if version.is_stateless() {
                read["ttlMs"] = json!(300_000);
                read["cacheScope"] = json!("public");
            }
            return Ok(read);
        }
        let ctx = Context::new(session.client_id(request_client(params)), None, None)
            .with_caller(session.principal().cloned(), grant);
        let ctx = self.served(ctx);
        match self.resources.read(uri, ctx).await {
            // The resource's hint: by default, nothing says how long its contents stay true,
            // nor whether they depend on the caller, and clients are told not to reuse them.
            Ok(read) if version.is_stateless() => {
                let (ttl_ms, scope) = read.cache.wire();
                // Contents only some callers may read never go to a shared cache, whatever the
                // author's hint says.
                let scope = match self.resources.scopes_for(uri) {
                    [] => scope,
                    _ => "private",
                };
                Ok(json!({
                    "contents": read.contents, "ttlMs": ttl_ms, "cacheScope": scope,
                }))
            }
            Ok(read) => Ok(json!({ "contents": read.contents })),
            Err(ReadError::NotFound) => {
                let code = if version.is_stateless() {
                    jsonrpc::INVALID_PARAMS
                } else {
                    jsonrpc::RESOURCE_NOT_FOUND
                };
                Err(RpcError::new(code, format!("Resource not found: {uri}"))
                    .with_data(json!({ "uri": uri })))
            }
            Err(ReadError::Failed(e)) => {
                // A template variable that does not parse is the client's mistake.
                let code = if matches!(e, ToolError::InvalidArguments(_)) {
                    jsonrpc::INVALID_PARAMS
                } else {
                    jsonrpc::INTERNAL_ERROR
                };
                Err(RpcError::new(code, format!("Reading {uri} failed: {e}"))
                    .with_data(json!({ "uri": uri, "error": e.to_json() })))
            }
        }
    }
}
