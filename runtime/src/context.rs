//! Per-call context injected into tools that take a [`Context`] parameter.

mod answers;
mod asking;
mod cancellation;
mod client;
mod client_requests;
mod question;

pub use answers::{ElicitAction, Elicitation, Sampled};
pub(crate) use asking::Asking;
pub(crate) use cancellation::{Cancel, Cancellation};
pub(crate) use client_requests::{ClientRequests, NoResult};
pub(crate) use question::{Question, Questions, BEGIN_TASK};

use crate::app_state::{AppState, State};
use crate::protocol::LogLevel;
use crate::resource_updates::ResourceUpdates;
use crate::switches::Switches;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Where a tool call came from and how to talk back to the caller while it runs.
///
/// Add a parameter of type `Context` to a `#[tool]` function to receive it; it does not appear in
/// the tool's input schema.
///
/// ```
/// use sturdy_runtime::Context;
/// let ctx = Context::detached();
/// assert_eq!(ctx.client_id(), "default");
/// assert!(!ctx.is_cancelled());
/// ```
#[derive(Clone, Debug)]
pub struct Context {
    inner: Arc<Inner>,
    /// What this handle's requests to the client are called in a stateless round.
    request_key: Option<Arc<str>>,
    /// The switches of the registry the call came through.
    switches: Option<Arc<Switches>>,
    /// What the server serving the call lends it (one allocation, shared by all its calls).
    server: Option<Arc<ServerLinks>>,
    /// What `State<T>` parameters receive.
    app_state: Option<Arc<AppState>>,
}

/// What a server lends every call it serves: where resource updates are announced, and the
/// switches of its resources and prompts.
#[derive(Debug)]
pub(crate) struct ServerLinks {
    pub(crate) resource_updates: Arc<ResourceUpdates>,
    pub(crate) resource_switches: Arc<Switches>,
    pub(crate) prompt_switches: Arc<Switches>,
}

#[derive(Debug)]
struct Inner {
    client_id: Arc<str>,
    progress_token: Option<Value>,
    outbound: Option<mpsc::Sender<Vec<u8>>>,
    cancellation: Cancellation,
    log_level: Option<LogLevel>,
    /// Who authenticated the request (a token's subject, a static token's principal).
    principal: Option<Arc<str>>,
    /// What the request's access token grants, when an authorization server issued it.
    grant: Option<Arc<crate::grant::Grant>>,
    /// Set once, when the call learns whom it can ask: as it starts (a session's call), or as
    /// its first round begins (a stateless call, whose cancellation is held apart by then, so
    /// this allocation is shared and cannot be written through `&mut`).
    asking: std::sync::OnceLock<Asking>,
}

impl Context {
    /// A context that belongs to no connection: client `"default"`, progress goes nowhere.
    /// Useful to call tools from tests or from plain Rust code.
    pub fn detached() -> Self {
        Self::new(Arc::from("default"), None, None)
    }

    pub(crate) fn new(
        client_id: Arc<str>,
        progress_token: Option<Value>,
        outbound: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Self {
        Context {
            inner: Arc::new(Inner {
                client_id,
                progress_token,
                outbound,
                cancellation: Cancellation::default(),
                principal: None,
                grant: None,
                log_level: None,
                asking: std::sync::OnceLock::new(),
            }),
            request_key: None,
            switches: None,
            server: None,
            app_state: None,
        }
    }

    /// This context, for a call served by the server that lends it `links`.
    pub(crate) fn with_server(mut self, links: Arc<ServerLinks>) -> Self {
        self.server = Some(links);
        self
    }

    /// Announces that the resource at `uri` changed (a tool that wrote it): clients subscribed
    /// to it get `notifications/resources/updated`. Does nothing in a detached context.
    pub fn resource_updated(&self, uri: &str) {
        if let Some(server) = &self.server {
            server.resource_updates.announce(uri);
        }
    }

    /// This context, for a server whose application state is `state`: what the function's
    /// `State<T>` parameters receive. The server sets it; set it yourself to call a function
    /// taking state from a test.
    ///
    /// ```
    /// use sturdy_runtime::{AppState, Context};
    /// let mut state = AppState::new();
    /// state.insert(42_u32);
    /// let ctx = Context::detached().with_app_state(state.into());
    /// assert_eq!(*ctx.state::<u32>().unwrap(), 42);
    /// ```
    pub fn with_app_state(mut self, state: Arc<AppState>) -> Self {
        self.app_state = Some(state);
        self
    }

    /// The application's `T` (`App::state`), as a `State<T>` parameter receives it; `None` when
    /// the application provides none.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.app_state.as_ref()?.get()
    }

    /// This context, for a call through a registry with these switches.
    pub(crate) fn with_switches(mut self, switches: Arc<Switches>) -> Self {
        self.switches = Some(switches);
        self
    }

    /// The switches of the tools served with this one: a tool can turn others on or off, and
    /// clients that listen are told the list changed. `None` for a detached context.
    ///
    /// ```no_run
    /// # async fn f(ctx: sturdy_runtime::Context) {
    /// if let Some(tools) = ctx.tools() {
    ///     tools.enable("reindex");
    /// }
    /// # }
    /// ```
    pub fn tools(&self) -> Option<&Switches> {
        self.switches.as_deref()
    }

    /// The switches of the resources served with this call, by URI (or template, as written):
    /// turn one on or off, and clients that listen are told the resource list changed. `None`
    /// for a detached context.
    pub fn resources(&self) -> Option<&Switches> {
        self.server.as_ref().map(|s| &*s.resource_switches)
    }

    /// The switches of the prompts served with this call, by name. `None` for a detached context.
    pub fn prompts(&self) -> Option<&Switches> {
        self.server.as_ref().map(|s| &*s.prompt_switches)
    }

    /// This context, with its requests to the client (`elicit`, `sample`, `request`) named `key`.
    ///
    /// In a stateless (2026-07-28) call a request ends the round with an `input_required` result
    /// whose `inputRequests` are keyed by these names (`r1q1`, `r1q2`, … when unnamed), and the
    /// client answers under the same keys. A client that already has the answer can send it with
    /// its first call (`inputResponses`): a request whose key is answered there gets that answer
    /// at once, without a round trip. In a session the key is not sent.
    ///
    /// ```
    /// # async fn f(ctx: sturdy_runtime::Context) -> Result<(), sturdy_runtime::ToolError> {
    /// use serde_json::json;
    /// let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    /// let answer = ctx.with_request_key("user_name").elicit("What is your name?", schema).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_request_key(&self, key: impl Into<Arc<str>>) -> Context {
        Context {
            inner: self.inner.clone(),
            request_key: Some(key.into()),
            switches: self.switches.clone(),
            server: self.server.clone(),
            app_state: self.app_state.clone(),
        }
    }

    /// Sends log messages at `level` and above to the client.
    pub(crate) fn with_log_level(mut self, level: Option<LogLevel>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.log_level = level;
        }
        self
    }

    /// This context, for a request authenticated as `principal`, whose access token (if any)
    /// grants `grant`.
    pub(crate) fn with_caller(
        mut self,
        principal: Option<Arc<str>>,
        grant: Option<Arc<crate::grant::Grant>>,
    ) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.principal = grant.as_ref().map(|g| g.principal.clone()).or(principal);
            inner.grant = grant;
        }
        self
    }

    /// Who authenticated the request: its access token's subject, or the principal of the
    /// static bearer token it presented. `None` when the caller did not authenticate (stdio, an
    /// HTTP server without tokens).
    ///
    /// ```
    /// assert_eq!(sturdy_runtime::Context::detached().principal(), None);
    /// ```
    pub fn principal(&self) -> Option<&str> {
        self.inner.principal.as_deref()
    }

    /// The scopes the request's access token grants (empty without one: stdio, static tokens).
    pub fn scopes(&self) -> &[String] {
        self.inner.grant.as_ref().map_or(&[], |g| &g.scopes)
    }

    /// Every claim of the request's access token (`sub`, `client_id`, `scope`, `aud`, …);
    /// `None` without one.
    pub fn claims(&self) -> Option<&serde_json::Map<String, Value>> {
        self.inner.grant.as_ref().map(|g| &g.claims)
    }

    /// Lets the tool send requests to the client (see [`Context::elicit`]).
    pub(crate) fn with_asking(self, asking: Asking) -> Self {
        let first = self.inner.asking.set(asking).is_ok();
        debug_assert!(first, "a call learns whom it can ask once");
        self
    }

    /// Whom this call can ask.
    fn asking(&self) -> &Asking {
        self.inner.asking.get().unwrap_or(&Asking::Nobody)
    }

    /// The caller's identity: the authenticated principal where there is one, else the session,
    /// else the self-reported client name (which a client can spoof), else `"default"`.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// This call's cancellation, kept by whoever waits for the call (the context moves into it).
    pub(crate) fn cancel_handle(&self) -> CallCancel {
        CallCancel(self.inner.clone())
    }

    pub(crate) fn client_arc(&self) -> std::sync::Arc<str> {
        self.inner.client_id.clone()
    }

    /// True once the client has cancelled this call.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancellation.is_cancelled()
    }

    /// Completes when the client cancels this call.
    pub async fn cancelled(&self) {
        self.inner.cancellation.cancelled().await
    }

    /// Whether the client asked for this call's progress (it sent a progress token and can be
    /// told): [`progress`](Self::progress) reaches it.
    pub fn wants_progress(&self) -> bool {
        self.inner.progress_token.is_some() && self.inner.outbound.is_some()
    }

    /// Reports progress to the client (`notifications/progress`), if it asked for progress by
    /// sending a progress token. Does nothing otherwise.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let (Some(token), Some(out)) = (&self.inner.progress_token, &self.inner.outbound) else {
            return;
        };
        let mut params = json!({ "progressToken": token, "progress": progress });
        if let Some(total) = total {
            params["total"] = json!(total);
        }
        if let Some(message) = message {
            params["message"] = json!(message);
        }
        let note =
            json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": params });
        // A closed connection means nobody is listening any more; progress is best effort.
        let _ = out.send(note.to_string().into_bytes()).await;
    }

    /// Sends a log message to the client (`notifications/message`) if the client asked for
    /// messages of this level (`logging/setLevel`, or the request's log level in 2026-07-28).
    /// `data` is any JSON value, typically a string.
    pub async fn log(&self, level: LogLevel, data: impl serde::Serialize) {
        self.send_log(level, None, data).await
    }

    /// [`log`](Self::log) naming the `logger` it comes from (a subsystem; a gateway passes on
    /// its upstream's).
    pub async fn log_as(&self, level: LogLevel, logger: &str, data: impl serde::Serialize) {
        self.send_log(level, Some(logger), data).await
    }

    async fn send_log(&self, level: LogLevel, logger: Option<&str>, data: impl serde::Serialize) {
        let (Some(min), Some(out)) = (self.inner.log_level, &self.inner.outbound) else {
            return;
        };
        if level < min {
            return;
        }
        let data = serde_json::to_value(data).unwrap_or(Value::Null);
        let mut params = json!({ "level": level.as_str(), "data": data });
        if let Some(logger) = logger {
            params["logger"] = json!(logger);
        }
        let note = json!({ "jsonrpc": "2.0", "method": "notifications/message", "params": params });
        let _ = out.send(note.to_string().into_bytes()).await;
    }

    /// [`log`](Self::log) at info level.
    pub async fn info(&self, message: impl Into<String>) {
        self.log(LogLevel::Info, message.into()).await
    }

    /// Whether the client receives messages at `level` (to skip building costly ones).
    pub fn logs(&self, level: LogLevel) -> bool {
        self.inner.log_level.is_some_and(|min| level >= min)
    }
}

impl Cancel for Inner {
    fn cancel(&self) {
        self.cancellation.cancel()
    }
}

/// The cancellation of one call, apart from its [`Context`].
#[derive(Debug, Clone)]
pub(crate) struct CallCancel(Arc<Inner>);

impl CallCancel {
    pub(crate) fn cancellation(&self) -> &Cancellation {
        &self.0.cancellation
    }

    /// What a session keeps to cancel the call by its request id.
    pub(crate) fn handle(&self) -> Arc<dyn Cancel> {
        self.0.clone()
    }
}
