//! Routing of one incoming JSON-RPC message to its handler.

use super::input_required::{Round, RoundTrip, PARKED_TTL};
use super::methods::is_served;
use super::request_state::StateError;
use super::{Server, Session};
use crate::completion::Completion;
use crate::context::{Asking, Context, Questions};
use crate::error::ToolError;
use crate::prompts::GetError;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version::{self, Version};
use crate::protocol::{
    check_stateless_keys, ClientCapabilities, Envelope, LogLevel, MetaKeys, RequestParams,
};
use crate::registry::{CallResult, RegistryError};
use crate::resources::ReadError;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
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
        let (envelope, params) = match Envelope::read_with_params(message) {
            Ok(read) => read,
            Err(err) => return Some(jsonrpc::error_response(None, &err)),
        };
        let id = match envelope.id() {
            Ok(id) => id,
            Err(response) => return Some(response),
        };
        self.handle_read(session, &envelope, id, params, notify)
            .await
    }

    /// [`handle_with`](Self::handle_with) for a message whose envelope and id the caller has
    /// read already, and its params when it read them too (the HTTP transport reads them to
    /// route the request).
    pub(crate) async fn handle_read(
        &self,
        session: &Session,
        envelope: &Envelope<'_>,
        id: Option<Value>,
        params: Option<RequestParams<'_>>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Option<Vec<u8>> {
        match self
            .route(session, id.as_ref(), envelope, params, notify)
            .await
        {
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
        envelope: &Envelope<'_>,
        params: Option<RequestParams<'_>>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let jsonrpc = envelope.jsonrpc.map(|raw| raw.get());
        if jsonrpc != Some("\"2.0\"")
            && jsonrpc
                .and_then(|raw| serde_json::from_str::<String>(raw).ok())
                .as_deref()
                != Some("2.0")
        {
            return Err(RpcError::new(
                jsonrpc::INVALID_REQUEST,
                "Invalid request: \"jsonrpc\" must be \"2.0\"",
            ));
        }
        let method: Cow<str> = match envelope.method.map(|raw| raw.get()) {
            Some(raw) if raw.starts_with('"') => match serde_json::from_str::<&str>(raw) {
                Ok(m) => Cow::Borrowed(m),
                // Escapes: not borrowable.
                Err(_) => match serde_json::from_str::<String>(raw) {
                    Ok(m) => Cow::Owned(m),
                    // A lone surrogate escape: no method has one.
                    Err(_) => {
                        return Err(RpcError::new(
                            jsonrpc::INVALID_REQUEST,
                            "Invalid request: \"method\" is not a valid string",
                        ))
                    }
                },
            },
            // A response to a request of ours (elicitation, sampling): its waiter gets it. One
            // nobody waits for (late, or unknown) is dropped: responses get no response.
            None if id.is_some() && (envelope.result.is_some() || envelope.error.is_some()) => {
                let parse = |raw: &RawValue| serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                let reply = match (envelope.result, envelope.error) {
                    (Some(result), _) => Ok(parse(result)),
                    (None, error) => Err(error.map(parse).unwrap_or(Value::Null)),
                };
                session
                    .client_requests()
                    .deliver(id.expect("checked above"), reply);
                return Ok(None);
            }
            _ => {
                return Err(RpcError::new(
                    jsonrpc::INVALID_REQUEST,
                    "Invalid request: \"method\" must be a string",
                ))
            }
        };
        let method = method.as_ref();
        // Only a tool call reads its `arguments` raw (each straight into its parameter's type).
        let mut read = match params {
            Some(read) => read,
            None => RequestParams::read(envelope.params)?,
        };
        let meta = read.meta_keys.take();
        let (params, arguments, plain_name) = match read {
            p if method == "tools/call" => (p.members, p.arguments, p.plain_name),
            p => (p.into_map()?, None, None),
        };
        let Some(id) = id else {
            self.notification(session, method, &params);
            return Ok(None);
        };
        let version = self.version_for(session, method, meta.as_ref())?;
        if version.is_stateless() {
            check_stateless_keys(meta.as_ref())?;
        }
        if !is_served(method, version.is_stateless()) {
            return Err(RpcError::new(
                jsonrpc::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
            ));
        }
        let result = match method {
            "initialize" => self.initialize(session, &params)?,
            "ping" => json!({}),
            "logging/setLevel" => {
                let level = params
                    .get("level")
                    .and_then(Value::as_str)
                    .and_then(LogLevel::parse)
                    .ok_or_else(|| invalid_params("logging/setLevel needs a valid level"))?;
                session.set_log_level(level);
                json!({})
            }
            "server/discover" => self.discover(),
            "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
                let cursor = match params.get("cursor") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(c)) => Some(c.as_str()),
                    Some(_) => return Err(invalid_params("cursor must be a string")),
                };
                let pages = self.list_pages(method).expect("a list method");
                let page = pages
                    .page(version, cursor)
                    .ok_or_else(|| invalid_params("Invalid cursor"))?;
                return Ok(Some(jsonrpc::raw_result_response(id, page)));
            }
            "tools/call" => {
                let call = RequestParams {
                    members: params,
                    plain_name,
                    arguments,
                    meta: None,
                    meta_keys: meta,
                };
                return self.call_tool(session, id, version, call, notify).await;
            }
            "resources/read" => self.read_resource(session, version, &params).await?,
            "prompts/get" => {
                let result = self.get_prompt(session, version, &params).await?;
                return Ok(Some(jsonrpc::raw_result_response(id, &result)));
            }
            "completion/complete" => self.complete(&params)?,
            "resources/subscribe" | "resources/unsubscribe" => {
                let uri = params
                    .get("uri")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid_params(format!("{method} needs a uri string")))?;
                if method == "resources/unsubscribe" {
                    session.unsubscribe(uri);
                } else if !self.resources.resolves(uri) {
                    return Err(RpcError::new(
                        jsonrpc::RESOURCE_NOT_FOUND,
                        format!("Resource not found: {uri}"),
                    )
                    .with_data(json!({ "uri": uri })));
                } else if !session.subscribe(uri) {
                    return Err(invalid_params(format!(
                        "this session already holds {} resource subscriptions",
                        super::MAX_SUBSCRIPTIONS_PER_SESSION
                    )));
                }
                json!({})
            }
            "subscriptions/listen" => {
                let cancel = session.track(id);
                let result = self.listen(session, id, &params, notify, cancel).await;
                session.untrack(id);
                match result? {
                    Some(r) => r,
                    None => return Ok(None),
                }
            }
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
        meta: Option<&MetaKeys>,
    ) -> Result<Version, RpcError> {
        if let Some(meta) = meta.filter(|m| m.protocol_version.is_some()) {
            let requested = meta.version().unwrap_or_default();
            return Version::parse(&requested).ok_or_else(|| Version::unsupported(&requested));
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
        let capabilities = ClientCapabilities::from_json(params.get("capabilities"));
        // A second `initialize` on one connection must not forward changes twice.
        let first = session.version().is_none();
        session.initialized(version, client_name, capabilities);
        if first {
            self.forward_list_changes(session);
        }
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": self.capabilities(),
            "serverInfo": { "name": self.info.name, "version": self.info.version },
        });
        if let Some(i) = &self.info.instructions {
            result["instructions"] = json!(i);
        }
        Ok(result)
    }

    /// What this server offers: tools, logging, and resources and prompts when it has some; each
    /// list announces its changes (its switches).
    fn capabilities(&self) -> Value {
        let mut c = json!({ "tools": { "listChanged": true }, "logging": {} });
        if !self.resources.is_empty() {
            c["resources"] = json!({ "subscribe": true, "listChanged": true });
        }
        if !self.prompts.is_empty() {
            c["prompts"] = json!({ "listChanged": true });
        }
        if !self.prompts.is_empty() || self.resources.has_templates() {
            c["completions"] = json!({});
        }
        c
    }

    fn discover(&self) -> Value {
        let mut result = json!({
            "supportedVersions": Version::ALL.map(Version::as_str),
            "capabilities": self.capabilities(),
            "_meta": { version::META_SERVER_INFO: { "name": self.info.name, "version": self.info.version } },
            "ttlMs": 300_000,
            "cacheScope": "public",
        });
        if let Some(i) = &self.info.instructions {
            result["instructions"] = json!(i);
        }
        result
    }

    /// `ctx`, for a function this server serves: the application state, the switches of the
    /// resources and prompts, where resource updates are announced.
    fn served(&self, ctx: Context) -> Context {
        ctx.with_app_state(self.app_state.clone())
            .with_resource_updates(self.resources.updates().clone())
            .with_list_switches(
                self.resources.switches().clone(),
                self.prompts.switches().clone(),
            )
    }

    /// `resources/read`. An unknown URI is an error with the URI in its data (-32602 from
    /// 2026-07-28 on, SEP-2164; -32002 before); a failing resource is -32603 with its error.
    async fn read_resource(
        &self,
        session: &Session,
        version: Version,
        params: &Params,
    ) -> Result<Value, RpcError> {
        let uri = params
            .get("uri")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_params("resources/read needs a uri string"))?;
        let ctx = Context::new(
            session.client_id(request_client(params)),
            None,
            None,
            Default::default(),
        );
        let ctx = self.served(ctx);
        match self.resources.read(uri, ctx).await {
            // The resource's hint: by default, nothing says how long its contents stay true,
            // nor whether they depend on the caller, and clients are told not to reuse them.
            Ok(read) if version.is_stateless() => {
                let (ttl_ms, scope) = read.cache.wire();
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

    /// `completion/complete`: the values declared for a prompt argument or template variable
    /// (`#[arg(complete = …)]`) that fit what the user typed; none when it declares none. An
    /// unknown prompt, template or argument is -32602.
    fn complete(&self, params: &Params) -> Result<Value, RpcError> {
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
        let completion = completer.map(|c| c.complete(typed)).unwrap_or(Completion {
            values: Vec::new(),
            total: 0,
        });
        Ok(json!({ "completion": {
            "values": completion.values,
            "total": completion.total,
            "hasMore": completion.total > completion.values.len(),
        }}))
    }

    /// `prompts/get`. An unknown prompt, or arguments that do not fit, are -32602; a failing
    /// prompt is -32603 with its error. A prompt may ask the client (`ctx.elicit`): in a 2025
    /// session on its connection, in a stateless request in rounds, as a tool does.
    async fn get_prompt(
        &self,
        session: &Session,
        version: Version,
        params: &Params,
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
            Default::default(),
        );
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

    /// `tools/call`. `Ok(None)` when the client cancelled the call (no response is sent then).
    async fn call_tool(
        &self,
        session: &Session,
        id: &Value,
        version: Version,
        call: RequestParams<'_>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let RequestParams {
            members: params,
            plain_name,
            arguments,
            meta_keys: meta,
            ..
        } = call;
        let name = plain_name.or_else(|| params.get("name").and_then(Value::as_str));
        let Some(name) = name else {
            return Err(invalid_params("tools/call needs a tool name"));
        };
        // Raw JSON has no whitespace around it: its first byte tells its kind.
        let arguments = match arguments.map(|a| a.get().as_bytes()[0]) {
            None | Some(b'n') => None,
            Some(b'{') => arguments,
            Some(_) => return Err(invalid_params("tool arguments must be an object")),
        };
        let Some(takes_context) = self.registry.takes_context(name) else {
            return Err(invalid_params(format!("Unknown tool: {name}")));
        };
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
        let log_level = meta.log_level().or_else(|| session.log_level());
        let cancel = session.track(id);
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
            session.client_id(request_client.as_deref()),
            progress_token,
            outbound,
            cancel.clone(),
        )
        .with_log_level(log_level);
        let ctx = self.served(ctx);
        let outcome = if in_rounds {
            let capabilities = meta.capabilities();
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
            // Dropping the rounds (cancelled) drops the call with them. Biased, the call first:
            // one that finishes at once never registers with the cancellation token (a lock)
            // nor draws select!'s random start.
            tokio::select! {
                biased;
                answer = self.in_rounds(session, name, &params, relay, notify, run) => Some(
                    answer.map(|r| jsonrpc::raw_result_response(id, &r)),
                ),
                _ = cancel.cancelled() => None,
            }
        } else if version.is_stateless() {
            let call = self.registry.call_raw(name, arguments, ctx);
            tokio::select! {
                biased;
                r = bounded(self.call_timeout, call) => Some(
                    r.map_err(|e| invalid_params(e.to_string()))
                        .and_then(missing_capability)
                        .map(|r| jsonrpc::raw_result_response(id, &r.complete_json())),
                ),
                _ = cancel.cancelled() => None,
            }
        } else {
            let ctx = ctx.with_asking(Asking::Client {
                requests: session.client_requests().clone(),
                capabilities: session.client_capabilities(),
            });
            let call = self.registry.call_raw(name, arguments, ctx);
            tokio::select! {
                biased;
                r = bounded(self.call_timeout, call) => Some(
                    r.map(|r| jsonrpc::result_response(id, &r))
                        .map_err(|e| invalid_params(e.to_string())),
                ),
                _ = cancel.cancelled() => None,
            }
        };
        session.untrack(id);
        match outcome {
            Some(Ok(result)) => Ok(Some(result)),
            Some(Err(e)) => Err(e),
            None => Ok(None),
        }
    }

    /// A stateless request whose handler may ask the client (a tool call, a prompt), across its
    /// rounds: started afresh by `run` (with the answers the client sent up front), or resumed
    /// from its sealed `requestState`. `key` names what runs (a tool's name, `prompt:<name>`), so
    /// that a state resumes only what it was issued for.
    async fn in_rounds<F>(
        &self,
        session: &Session,
        key: &str,
        params: &Params,
        relay: Option<mpsc::Receiver<Vec<u8>>>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
        run: impl FnOnce(Questions) -> F,
    ) -> Result<Box<RawValue>, RpcError>
    where
        F: std::future::Future<Output = Result<Box<RawValue>, RpcError>> + Send + 'static,
    {
        let responses = input_responses(params.get("inputResponses"))?;
        let trip = match params.get("requestState") {
            None => RoundTrip::start(key, relay, responses, run),
            Some(state) => {
                // The seal is checked before anything is looked up.
                let claims = state
                    .as_str()
                    .ok_or(StateError::Forged)
                    .and_then(|state| self.seal.open(state))
                    .map_err(|e| invalid_params(e.message()))?;
                // A genuine state of another call, or of another principal, gets the answer an
                // answered one gets: it says nothing about the call.
                if claims.tool != key {
                    return Err(invalid_params(UNKNOWN_REQUEST_STATE));
                }
                let owner = session.principal().map(|p| &**p);
                let mut trip = self
                    .parked
                    .resume(&claims.id, owner, key)
                    .ok_or_else(|| invalid_params(UNKNOWN_REQUEST_STATE))?;
                trip.answer(responses);
                trip
            }
        };
        let park = |t| {
            let id = self
                .parked
                .park(t, session.principal().cloned(), session.quota_key())?;
            Ok(self.seal.seal(&id, key, PARKED_TTL))
        };
        match trip.next_round(park, notify).await {
            Round::Done(answer) => answer,
            Round::InputRequired(v) => Ok(raw(&v)),
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

/// The client's answers to a call's questions (`inputResponses`): an object of results, each an
/// object (every request a server can put to a client has an object result).
fn input_responses(responses: Option<&Value>) -> Result<Map<String, Value>, RpcError> {
    let responses = match responses {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(r)) => r,
        Some(_) => return Err(invalid_params("inputResponses must be an object")),
    };
    if let Some((key, _)) = responses.iter().find(|(_, v)| !v.is_object()) {
        return Err(invalid_params(format!(
            "inputResponses[\"{key}\"] must be an object: the result of the request asked under \
             that key"
        )));
    }
    Ok(responses.clone())
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

/// The client name a request's `_meta` gives (2026-07-28), if any.
fn request_client(params: &Params) -> Option<&str> {
    params
        .get("_meta")
        .and_then(|m| m.get(version::META_CLIENT_INFO))
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
}

const UNKNOWN_REQUEST_STATE: &str =
    "requestState names no waiting call: it was answered already, expired, or belongs to another \
     client; call the tool again without it";

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

fn invalid_params(message: impl Into<String>) -> RpcError {
    RpcError::new(jsonrpc::INVALID_PARAMS, message)
}

/// A result, serialised.
fn raw(result: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(result).expect("a JSON value serialises")
}

fn with_result_type(mut result: Value) -> Value {
    if let Value::Object(m) = &mut result {
        // An `input_required` result has its own.
        m.entry("resultType").or_insert_with(|| json!("complete"));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::ServerInfo;
    use crate::registry::Registry;

    /// The response to `message`, parsed; `None` when there is none.
    fn answer(message: &str) -> Option<Value> {
        let server = Server::new(Registry::from_defs([]).unwrap(), ServerInfo::new("t", "1"));
        let session = Session::default();
        let bytes = futures_executor::block_on(server.handle(&session, message.as_bytes()))?;
        Some(serde_json::from_slice(&bytes).unwrap())
    }

    fn code(message: &str) -> Value {
        answer(message).expect("an answer")["error"]["code"].clone()
    }

    #[test]
    fn the_envelope_is_checked_as_before() {
        assert_eq!(code("{"), jsonrpc::PARSE_ERROR);
        assert_eq!(code("[1]"), jsonrpc::INVALID_REQUEST);
        assert_eq!(code("7"), jsonrpc::INVALID_REQUEST);
        // A null or structured id is refused, and answered without an id.
        let r = answer(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#).unwrap();
        assert_eq!((&r["error"]["code"], r.get("id")), (&json!(-32600), None));
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#),
            -32600
        );
        assert_eq!(code(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#), -32600);
        assert_eq!(code(r#"{"id":1,"method":"ping"}"#), -32600);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":7}"#), -32600);
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#),
            -32602
        );
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"nope"}"#), -32601);
        // Escaped text is read as text.
        let r = answer(r#"{"jsonrpc":"2\u002e0","id":"a","method":"p\u0069ng","params":null}"#);
        assert_eq!(
            r.unwrap(),
            json!({"jsonrpc": "2.0", "id": "a", "result": {}})
        );
        // Notifications and responses to us get nothing.
        assert_eq!(
            answer(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            None
        );
        assert_eq!(answer(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#), None);
        // Unknown members are ignored.
        let r = answer(r#"{"jsonrpc":"2.0","id":-4,"method":"ping","extra":{"x":[1]}}"#);
        assert_eq!(r.unwrap()["id"], -4);
    }
}
