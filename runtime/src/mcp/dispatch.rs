//! Routing of one incoming JSON-RPC message to its handler.

use super::jsonrpc::{self, RpcError};
use super::version::{self, Version};
use super::{LogLevel, Server, Session};
use crate::context::Context;
use crate::error::ToolError;
use crate::registry::CallResult;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

type Params = Map<String, Value>;

impl Server {
    /// Handles one incoming message and returns the bytes of the response, if one is due
    /// (notifications, client responses and cancelled requests get none).
    ///
    /// Never fails: malformed input yields a JSON-RPC error response.
    pub async fn handle(&self, session: &Session, message: &[u8]) -> Option<Vec<u8>> {
        self.handle_with(session, message, None).await
    }

    /// [`handle`](Self::handle), sending this request's notifications (progress, ...) on
    /// `notify` instead of the session's channel (HTTP streams them in the request's response).
    pub async fn handle_with(
        &self,
        session: &Session,
        message: &[u8],
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Option<Vec<u8>> {
        let msg: Value = match serde_json::from_slice(message) {
            Ok(v) => v,
            Err(e) => {
                let err = RpcError::new(jsonrpc::PARSE_ERROR, format!("Parse error: {e}"));
                return Some(jsonrpc::error_response(None, &err));
            }
        };
        let Value::Object(mut obj) = msg else {
            let err = RpcError::new(
                jsonrpc::INVALID_REQUEST,
                "Invalid request: expected a JSON-RPC object (batches are not part of MCP)",
            );
            return Some(jsonrpc::error_response(None, &err));
        };
        let id = match obj.remove("id") {
            None => None,
            Some(id @ (Value::String(_) | Value::Number(_))) => Some(id),
            Some(_) => {
                let err = RpcError::new(
                    jsonrpc::INVALID_REQUEST,
                    "Invalid request: id must be a string or an integer",
                );
                return Some(jsonrpc::error_response(None, &err));
            }
        };
        match self.route(session, id.as_ref(), obj, notify).await {
            Ok(Some(bytes)) => Some(bytes),
            Ok(None) => None,
            // Errors about notifications are not answered: JSON-RPC gives them no response.
            Err(err) => id.map(|id| jsonrpc::error_response(Some(&id), &err)),
        }
    }

    async fn route(
        &self,
        session: &Session,
        id: Option<&Value>,
        mut obj: Map<String, Value>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return Err(RpcError::new(
                jsonrpc::INVALID_REQUEST,
                "Invalid request: \"jsonrpc\" must be \"2.0\"",
            ));
        }
        let method = match obj.remove("method") {
            Some(Value::String(m)) => m,
            // A response to a request of ours; the server sends none yet, so nothing waits for it.
            None if id.is_some() && (obj.contains_key("result") || obj.contains_key("error")) => {
                return Ok(None)
            }
            _ => {
                return Err(RpcError::new(
                    jsonrpc::INVALID_REQUEST,
                    "Invalid request: \"method\" must be a string",
                ))
            }
        };
        let params = match obj.remove("params") {
            None | Some(Value::Null) => Params::new(),
            Some(Value::Object(p)) => p,
            Some(_) => {
                return Err(RpcError::new(
                    jsonrpc::INVALID_PARAMS,
                    "Invalid params: \"params\" must be an object",
                ))
            }
        };
        let Some(id) = id else {
            self.notification(session, &method, &params);
            return Ok(None);
        };
        let version = self.version_for(session, &method, &params)?;
        let result = match method.as_str() {
            "initialize" => self.initialize(session, &params)?,
            "ping" if !version.is_stateless() => json!({}),
            "logging/setLevel" if !version.is_stateless() => {
                let level = params
                    .get("level")
                    .and_then(Value::as_str)
                    .and_then(LogLevel::parse)
                    .ok_or_else(|| invalid_params("logging/setLevel needs a valid level"))?;
                session.set_log_level(level);
                json!({})
            }
            "server/discover" => self.discover(),
            "tools/list" => {
                let cursor = match params.get("cursor") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(c)) => Some(c.as_str()),
                    Some(_) => return Err(invalid_params("cursor must be a string")),
                };
                let page = self
                    .lists
                    .page(version, cursor)
                    .ok_or_else(|| invalid_params("Invalid cursor"))?;
                return Ok(Some(jsonrpc::raw_result_response(id, page)));
            }
            "tools/call" => match self.call_tool(session, id, params, notify).await? {
                Some(r) => r,
                None => return Ok(None),
            },
            _ => {
                return Err(RpcError::new(
                    jsonrpc::METHOD_NOT_FOUND,
                    format!("Method not found: {method}"),
                ))
            }
        };
        let result = if version.is_stateless() {
            with_result_type(result)
        } else {
            result
        };
        Ok(Some(jsonrpc::result_response(id, &result)))
    }

    /// Which revision a request speaks: the one in its `_meta` (2026-07-28 and later), else the
    /// one negotiated by `initialize`, else the newest stateful one (lenient for hand-written
    /// clients that skip the handshake).
    fn version_for(
        &self,
        session: &Session,
        method: &str,
        params: &Params,
    ) -> Result<Version, RpcError> {
        let requested = params
            .get("_meta")
            .and_then(|m| m.get(version::META_PROTOCOL_VERSION));
        if let Some(requested) = requested {
            let requested = requested.as_str().unwrap_or_default();
            return Version::parse(requested).ok_or_else(|| {
                RpcError::new(
                    jsonrpc::UNSUPPORTED_PROTOCOL_VERSION,
                    "Unsupported protocol version",
                )
                .with_data(json!({
                    "supported": Version::ALL.map(Version::as_str),
                    "requested": requested,
                }))
            });
        }
        Ok(match method {
            "server/discover" => Version::V2026_07_28,
            _ => session.version().unwrap_or(Version::LATEST_STATEFUL),
        })
    }

    fn notification(&self, session: &Session, method: &str, params: &Params) {
        // `notifications/initialized` and unknown notifications need nothing.
        if method == "notifications/cancelled" {
            if let Some(id) = params.get("requestId") {
                session.cancel(id);
            }
        }
    }

    fn initialize(&self, session: &Session, params: &Params) -> Result<Value, RpcError> {
        let requested = params
            .get("protocolVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_params("initialize needs a protocolVersion string"))?;
        // A revision we support is echoed; otherwise we answer with our newest handshake revision
        // and the client decides whether it can speak it.
        let version = Version::parse(requested)
            .filter(|v| !v.is_stateless())
            .unwrap_or(Version::LATEST_STATEFUL);
        let client_name = params
            .get("clientInfo")
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        session.initialized(version, client_name);
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": { "tools": { "listChanged": false }, "logging": {} },
            "serverInfo": { "name": self.info.name, "version": self.info.version },
        });
        if let Some(i) = &self.info.instructions {
            result["instructions"] = json!(i);
        }
        Ok(result)
    }

    fn discover(&self) -> Value {
        let mut result = json!({
            "supportedVersions": Version::ALL.map(Version::as_str),
            "capabilities": { "tools": { "listChanged": false }, "logging": {} },
            "_meta": { version::META_SERVER_INFO: { "name": self.info.name, "version": self.info.version } },
            "ttlMs": 300_000,
            "cacheScope": "public",
        });
        if let Some(i) = &self.info.instructions {
            result["instructions"] = json!(i);
        }
        result
    }

    /// `tools/call`. `Ok(None)` when the client cancelled the call (no response is sent then).
    async fn call_tool(
        &self,
        session: &Session,
        id: &Value,
        mut params: Params,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Result<Option<Value>, RpcError> {
        if !params.get("name").is_some_and(Value::is_string) {
            return Err(invalid_params("tools/call needs a tool name"));
        }
        // Taken, not copied: the tool deserialises its arguments from them.
        let arguments = match params.remove("arguments") {
            None => Value::Null,
            Some(a @ (Value::Object(_) | Value::Null)) => a,
            Some(_) => return Err(invalid_params("tool arguments must be an object")),
        };
        let name = params["name"].as_str().unwrap_or_default();
        if self.registry.get(name).is_none() {
            return Err(invalid_params(format!("Unknown tool: {name}")));
        }
        let meta = params.get("_meta");
        let progress_token = meta.and_then(|m| m.get("progressToken")).cloned();
        let request_client = meta
            .and_then(|m| m.get(version::META_CLIENT_INFO))
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str);
        let log_level = meta
            .and_then(|m| m.get(version::META_LOG_LEVEL))
            .and_then(Value::as_str)
            .and_then(LogLevel::parse)
            .or_else(|| session.log_level());
        let cancel = session.track(id);
        let ctx = Context::new(
            session.client_id(request_client),
            progress_token,
            notify.or_else(|| session.outbound()),
            cancel.clone(),
        )
        .with_log_level(log_level);
        let call = self.registry.call(name, arguments, ctx);
        let limit = self.call_timeout;
        let call = async move {
            match limit {
                Some(limit) => tokio::time::timeout(limit, call)
                    .await
                    .unwrap_or_else(|_| Ok(CallResult::failed(&ToolError::Timeout(limit)))),
                None => call.await,
            }
        };
        let outcome = tokio::select! {
            r = call => Some(r),
            _ = cancel.cancelled() => None,
        };
        session.untrack(id);
        match outcome {
            Some(Ok(result)) => Ok(Some(result.into_json())),
            Some(Err(e)) => Err(invalid_params(e.to_string())),
            None => Ok(None),
        }
    }
}

fn invalid_params(message: impl Into<String>) -> RpcError {
    RpcError::new(jsonrpc::INVALID_PARAMS, message)
}

fn with_result_type(mut result: Value) -> Value {
    if let Value::Object(m) = &mut result {
        m.insert("resultType".into(), json!("complete"));
    }
    result
}
