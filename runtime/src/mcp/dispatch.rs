//! Routing of one incoming message to its handler: the route table.

use super::reply::{invalid_params, with_result_type, Params};
use super::{Server, Session};
use crate::context::{Cancellation, Context};
use crate::grant::Grant;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version;
use crate::protocol::{Attached, Envelope, Incoming, LogLevel, Method, Request, Version};
use futures_util::future::Either;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::mpsc;

impl Server {
    /// Handles one incoming message and returns the bytes of the response, if one is due
    /// (notifications, client responses and cancelled requests get none).
    ///
    /// Never fails: malformed input yields a JSON-RPC error response.
    pub fn handle<'a>(
        &'a self,
        session: &'a Session,
        message: &'a [u8],
    ) -> impl Future<Output = Option<Vec<u8>>> + 'a {
        self.handle_with(session, message, None)
    }

    /// [`handle`](Self::handle), sending this request's notifications (progress, ...) on
    /// `notify` instead of the session's channel (HTTP streams them in the request's response).
    ///
    /// The message is read before the returned future is first polled; the future is then only
    /// the handler's.
    pub fn handle_with<'a>(
        &'a self,
        session: &'a Session,
        message: &'a [u8],
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> impl Future<Output = Option<Vec<u8>>> + 'a {
        self.handle_attached(session, message, notify, Attached::default())
    }

    /// [`handle_with`](Self::handle_with), for a request to which its transport attached what
    /// the message does not say (what its access token grants, its HTTP trace context).
    pub(crate) fn handle_attached<'a>(
        &'a self,
        session: &'a Session,
        message: &'a [u8],
        notify: Option<mpsc::Sender<Vec<u8>>>,
        attached: Attached,
    ) -> impl Future<Output = Option<Vec<u8>>> + 'a {
        match read(message) {
            Ok(mut incoming) => {
                if let Incoming::Request(request) = &mut incoming {
                    request.grant = attached.grant;
                    request.trace = attached.trace;
                }
                Either::Left(self.dispatch(session, incoming, notify))
            }
            Err(answer) => Either::Right(std::future::ready(answer)),
        }
    }

    /// Answers a message a transport has read ([`Incoming::read`]), and perhaps routed already
    /// ([`Request::route`]): nothing is read again.
    ///
    /// Not an `async fn`: what can be answered at once is answered before any future exists,
    /// and the future returned is the handler's own. Every request's future is moved whole at
    /// each level that awaits it, and an `async fn` would also keep its arguments (the request)
    /// twice in its state.
    pub(crate) fn dispatch<'a>(
        &'a self,
        session: &'a Session,
        incoming: Incoming<'a>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> impl Future<Output = Option<Vec<u8>>> + 'a {
        let answered = |answer| Either::Right(std::future::ready(answer));
        let mut request = match incoming {
            Incoming::Request(request) => request,
            // A reply to a request of ours (elicitation, sampling): its waiter gets it. One
            // nobody waits for (late, or unknown) is dropped: replies get no reply.
            Incoming::Reply { id, outcome } => {
                session.client_requests().deliver(&id, outcome);
                return answered(None);
            }
        };
        let Some(id) = request.id.clone() else {
            #[cfg(feature = "otel")]
            let observed = request
                .known()
                .filter(|_| self.telemetry.is_some())
                .and_then(|method| {
                    let version = session.view().version;
                    self.request_span(session, &Value::Null, version, method, &request)
                });
            self.notification(session, &request);
            #[cfg(feature = "otel")]
            if let Some(observed) = observed {
                observed.end(None);
            }
            return answered(None);
        };
        let seen = session.view();
        let version = match request.route(seen.version) {
            Ok(version) => version,
            Err(err) => return answered(Some(jsonrpc::error_response(Some(&id), &err))),
        };
        let method = request.known().expect("route refuses unknown methods");
        #[cfg(feature = "otel")]
        let span = self.request_span(session, &id, Some(version), method, &request);
        let handler = if method == Method::ToolsCall {
            // Only a tool call reads its `arguments` raw (each straight into its parameter's type).
            Either::Left(self.call_tool(session, seen, id, version, request, notify))
        } else {
            // Boxed: every request's future is as large as its largest branch, and moved whole
            // at each level; a tool call's is a few hundred bytes, the other handlers' together
            // several times that.
            Either::Right(Box::pin(async move {
                let answer = self
                    .route(session, &id, version, method, request, notify)
                    .await;
                answer.unwrap_or_else(|err| Some(jsonrpc::error_response(Some(&id), &err)))
            }))
        };
        #[cfg(feature = "otel")]
        let handler = crate::telemetry::Traced::new(span, handler);
        Either::Left(handler)
    }

    /// The span of a request, and its clock, when the server exports them (see
    /// [`crate::telemetry`]).
    #[cfg(feature = "otel")]
    fn request_span(
        &self,
        session: &Session,
        id: &Value,
        version: Option<Version>,
        method: Method,
        request: &Request<'_>,
    ) -> Option<crate::telemetry::Observed> {
        let telemetry = self.telemetry.as_ref()?;
        let params = &request.params;
        // The message's own trace context first (it crosses any transport), else its HTTP
        // headers'.
        let (traceparent, tracestate) = match params.meta_keys.as_ref().map(|m| m.trace_context()) {
            Some((Some(parent), state)) => (Some(parent), state),
            _ => match request.trace.as_deref() {
                Some(t) => (Some(t.traceparent.as_str()), t.tracestate.as_deref()),
                None => (None, None),
            },
        };
        let name = matches!(method, Method::ToolsCall | Method::PromptsGet)
            .then(|| params.name())
            .flatten();
        // Only a recorded duration names what was served (a look-up otherwise spared).
        let measured = telemetry.operation_duration().is_some();
        let served = name.filter(|_| measured).and_then(|name| match method {
            Method::ToolsCall => self.registry.tool(name).and_then(|tool| tool.name()),
            _ => self.prompts.defined_name(name),
        });
        let span = crate::telemetry::RequestSpan {
            method,
            id,
            version,
            name,
            served,
            uri: matches!(
                method,
                Method::ResourcesRead | Method::ResourcesSubscribe | Method::ResourcesUnsubscribe
            )
            .then(|| params.str_member("uri"))
            .flatten(),
            transport: session.network_transport(),
            client_address: session.peer_address(),
            session: session.traced_id(),
            carried: crate::telemetry::Carried {
                traceparent,
                tracestate,
            },
        };
        Some(span.start(telemetry))
    }

    /// The route table: each method but `tools/call` to its handler.
    async fn route(
        &self,
        session: &Session,
        id: &Value,
        version: Version,
        method: Method,
        request: Request<'_>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let grant = request.grant;
        if let Some(grant) = &grant {
            let needed = self.scopes_needed_by(method, &request.params);
            if !grant.allows(needed) {
                return Err(lacks_scopes(&grant.missing(needed)));
            }
        }
        // What the client declared, for the task methods: the request's own (2026-07-28), else
        // the session's.
        let is_task_method = matches!(
            method,
            Method::TasksGet | Method::TasksUpdate | Method::TasksCancel
        );
        let capabilities = match (is_task_method, version.is_stateless()) {
            (false, _) => Default::default(),
            (true, true) => request
                .params
                .meta_keys
                .as_deref()
                .map(|m| m.capabilities())
                .unwrap_or_default(),
            (true, false) => session.view().capabilities,
        };
        let params = request.params.into_map()?;
        let result = match method {
            Method::TasksGet | Method::TasksUpdate | Method::TasksCancel => {
                self.task_method(session, method, &params, capabilities)
                    .await?
            }
            Method::SkillsList | Method::SkillsGet => self.skills_method(method, &params)?,
            Method::Initialize => self.initialize(session, &params)?,
            Method::Ping => json!({}),
            Method::LoggingSetLevel => {
                let level = params
                    .get("level")
                    .and_then(Value::as_str)
                    .and_then(LogLevel::parse)
                    .ok_or_else(|| invalid_params("logging/setLevel needs a valid level"))?;
                session.set_log_level(level);
                json!({})
            }
            Method::ServerDiscover => self.discover(),
            m if m.is_list() => {
                let page = self.list_page(id, version, m, grant.as_deref(), &params)?;
                return Ok(Some(page));
            }
            // Boxed, as every handler but the tool call's: the route's future is as large as
            // its largest handler's, and every call moves it.
            Method::ResourcesRead => {
                Box::pin(self.read_resource(session, version, &params, grant)).await?
            }
            Method::PromptsGet => {
                let result = Box::pin(self.get_prompt(session, version, &params, grant)).await?;
                return Ok(Some(jsonrpc::raw_result_response(id, &result)));
            }
            Method::CompletionComplete => Box::pin(self.complete(session, &params, grant)).await?,
            Method::ResourcesSubscribe => self.subscribe(session, &params)?,
            Method::ResourcesUnsubscribe => {
                session.unsubscribe(subscription_uri(method, &params)?);
                json!({})
            }
            Method::SubscriptionsListen => {
                let cancel = Arc::new(Cancellation::default());
                let _tracked = session.track(id, cancel.clone());
                let result = Box::pin(self.listen(session, id, &params, notify, &cancel)).await;
                match result? {
                    Some(r) => r,
                    None => return Ok(None),
                }
            }
            // Served nowhere as requests (`route` refused them), or handled above.
            Method::Initialized
            | Method::Cancelled
            | Method::ToolsCall
            | Method::ToolsList
            | Method::ResourcesList
            | Method::ResourcesTemplatesList
            | Method::PromptsList => unreachable!("routed above"),
        };
        let result = if version.is_stateless() {
            with_result_type(result)
        } else {
            result
        };
        Ok(Some(jsonrpc::result_response(id, &result)))
    }

    /// A page of list `method`, as `grant`'s holder sees it: the response to request `id`.
    fn list_page(
        &self,
        id: &Value,
        version: Version,
        method: Method,
        grant: Option<&Grant>,
        params: &Params,
    ) -> Result<Vec<u8>, RpcError> {
        let cursor = cursor(params)?;
        let pages = grant
            .and_then(|g| self.pages_for(method, g))
            .or_else(|| self.list_pages(method))
            .expect("a list method");
        let page = pages
            .page(version, cursor)
            .ok_or_else(|| invalid_params("Invalid cursor"))?;
        Ok(jsonrpc::raw_result_response(id, page))
    }

    /// `skills/list` and `skills/get`.
    fn skills_method(&self, method: Method, params: &Params) -> Result<Value, RpcError> {
        if method == Method::SkillsList {
            return self
                .skills
                .list(cursor(params)?)
                .ok_or_else(|| invalid_params("Invalid cursor"));
        }
        let uri = params
            .get("uri")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_params("skills/get needs the uri of a SKILL.md"))?;
        self.skills.get(uri).ok_or_else(|| {
            invalid_params(format!("No skill at {uri}")).with_data(json!({ "uri": uri }))
        })
    }

    /// `resources/subscribe` (2025): a resource that resolves, within the session's quota.
    fn subscribe(&self, session: &Session, params: &Params) -> Result<Value, RpcError> {
        let uri = subscription_uri(Method::ResourcesSubscribe, params)?;
        if !self.resources.resolves(uri) {
            return Err(RpcError::new(
                jsonrpc::RESOURCE_NOT_FOUND,
                format!("Resource not found: {uri}"),
            )
            .with_data(json!({ "uri": uri })));
        }
        if !session.subscribe(uri) {
            return Err(invalid_params(format!(
                "this session already holds {} resource subscriptions",
                super::MAX_SUBSCRIPTIONS_PER_SESSION
            )));
        }
        Ok(json!({}))
    }

    fn notification(&self, session: &Session, request: &Request<'_>) {
        // `notifications/initialized` and unknown notifications need nothing.
        if request.is(Method::Cancelled) {
            if let Some(id) = request.params.members.get("requestId") {
                session.cancel(id);
            }
        }
    }

    /// `ctx`, for a function this server serves: the application state, the switches of the
    /// resources and prompts, where resource updates are announced.
    pub(super) fn served(&self, ctx: Context) -> Context {
        ctx.with_app_state(self.app_state.clone())
            .with_server(self.links.clone())
    }
}

/// `message` read ([`Incoming::read`]), or the answer to send when it cannot be.
fn read(message: &[u8]) -> Result<Incoming<'_>, Option<Vec<u8>>> {
    let (envelope, params) = Envelope::read_with_params(message)
        .map_err(|err| Some(jsonrpc::error_response(None, &err)))?;
    let id = envelope.id().map_err(Some)?;
    Incoming::read(&envelope, id.clone(), params)
        .map_err(|err| id.map(|id| jsonrpc::error_response(Some(&id), &err)))
}

/// The answer to a request whose token lacks `missing` (space-separated). Transports that check
/// tokens refuse such a request before it gets here (HTTP 403); this is for any other way in.
pub(super) fn lacks_scopes(missing: &str) -> RpcError {
    invalid_params(format!(
        "Forbidden: the access token lacks the scope(s) {missing}"
    ))
}

/// The `uri` a subscription request names.
fn subscription_uri(method: Method, params: &Map<String, Value>) -> Result<&str, RpcError> {
    params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_params(format!("{method} needs a uri string")))
}

/// The client name a request's `_meta` gives (2026-07-28), if any.
pub(super) fn request_client(params: &Map<String, Value>) -> Option<&str> {
    params
        .get("_meta")
        .and_then(|m| m.get(version::META_CLIENT_INFO))
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
}

/// A list request's `cursor`, if any.
fn cursor(params: &Params) -> Result<Option<&str>, RpcError> {
    match params.get("cursor") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(c)) => Ok(Some(c.as_str())),
        Some(_) => Err(invalid_params("cursor must be a string")),
    }
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
