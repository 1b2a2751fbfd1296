//! Calling other MCP servers: [`Client`] speaks to a server run as a child process over stdio
//! (its stderr kept for the errors, the process killed with the client) or to one over
//! Streamable HTTP (with the `remote` feature), opens a 2025-11-25 session (`initialize`, accepting the earlier revisions the server may answer with), and
//! calls its tools, reads its resources and gets its prompts, typed. The server's questions
//! (elicitation, sampling, roots) go to handlers the application gives; its notifications
//! arrive on [`Client::notifications`].
//!
//! Every request has a timeout; a server that writes lines that are not JSON-RPC, answers with
//! an id nobody asked for, or sends a message over the size limit has them dropped; one that
//! exits fails the requests waiting with what it wrote to stderr last.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sturdy_runtime::client::ClientError> {
//! use serde_json::json;
//! use sturdy_runtime::client::Client;
//!
//! let mut command = tokio::process::Command::new("npx");
//! command.args(["-y", "@modelcontextprotocol/server-everything"]);
//! let everything = Client::builder().stdio(command).await?;
//! let echoed = everything.call_tool("echo", json!({"message": "hi"})).await?;
//! assert_eq!(echoed.text(), "Echo: hi");
//! # Ok(()) }
//! ```

mod header_params;
#[cfg(feature = "remote")]
mod http;
mod output_schemas;
mod peer;
mod stdio;
mod tool_result;
#[cfg(feature = "remote")]
mod upstreams;

pub use tool_result::ToolResult;
#[cfg(feature = "remote")]
pub use upstreams::{McpUpstreams, Replica};

use peer::Peer;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How the application answers one kind of the server's questions: the request's params in,
/// its result out.
pub(crate) type Handler =
    Arc<dyn Fn(Value) -> Pin<Box<dyn Future<Output = Value> + Send>> + Send + Sync>;

/// The protocol revisions a session may settle on (the server answers `initialize` with one).
const REVISIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// Why a request to a server has no result.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    Rpc {
        /// The server.
        server: String,
        /// Its code (-32602 for invalid params, …).
        code: i64,
        /// What it said.
        message: String,
        /// Its data, when it has some.
        data: Option<Value>,
    },
    /// No answer within the client's timeout (the server is told the request is cancelled).
    Timeout {
        /// The server.
        server: String,
        /// The request's method.
        method: String,
        /// The timeout.
        after: Duration,
    },
    /// The connection is over, or could not be made: why, naming the server.
    Closed(String),
    /// The server's answer breaks the protocol.
    Protocol(String),
    /// A tool call that got no answer (`cause`: a timeout, a lost connection) after it was sent:
    /// the tool may have run. Not transient, so `#[retry]` does not repeat it, unless the tool
    /// is marked `readOnlyHint` or `idempotentHint` or the client was told it may be repeated
    /// ([`ClientBuilder::repeatable`]).
    MayHaveRun {
        /// The tool.
        tool: String,
        /// Why there is no answer.
        cause: Box<ClientError>,
    },
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Rpc {
                server,
                code,
                message,
                ..
            } => write!(f, "{server}: {message} ({code})"),
            ClientError::MayHaveRun { tool, cause } => write!(
                f,
                "{cause}; not repeated: {tool} may have run, and it is not marked read-only or \
                 idempotent"
            ),
            ClientError::Timeout {
                server,
                method,
                after,
            } => write!(f, "{server}: no answer to {method} within {after:?}"),
            ClientError::Closed(why) | ClientError::Protocol(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ClientError {}

/// A tool's function that calls another server returns its failures as tool errors (`?` on the
/// client's): an upstream error naming the server and the cause, transient (retried by
/// `#[retry]`, counted by `#[circuit_breaker]`) when the server did not answer and repeating
/// cannot run a tool twice.
impl From<ClientError> for crate::ToolError {
    fn from(e: ClientError) -> Self {
        let transient = matches!(e, ClientError::Timeout { .. } | ClientError::Closed(_));
        crate::ToolError::Upstream {
            message: e.to_string(),
            status: None,
            instance: None,
            transient,
        }
    }
}

/// Sets up a [`Client`]: handlers of the server's questions, the timeout of every request, the
/// largest message read.
#[derive(Clone)]
pub struct ClientBuilder {
    handlers: Handlers,
    timeout: Duration,
    max_message_bytes: usize,
    name: Option<String>,
    repeatable: Vec<String>,
    revision: Option<&'static str>,
    #[cfg(feature = "remote")]
    headers: reqwest::header::HeaderMap,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            handlers: Vec::new(),
            timeout: Duration::from_secs(60),
            max_message_bytes: 16 << 20,
            name: None,
            repeatable: Vec::new(),
            revision: None,
            #[cfg(feature = "remote")]
            headers: reqwest::header::HeaderMap::new(),
        }
    }
}

/// The handlers of the server's questions: (method, the capability it declares, handler).
pub(crate) type Handlers = Vec<(&'static str, &'static str, Handler)>;

/// Sets `answer` as the handler of `method` (declaring `capability`), replacing any before.
pub(crate) fn set_handler<F, Fut>(
    handlers: &mut Handlers,
    method: &'static str,
    capability: &'static str,
    answer: F,
) where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Value> + Send + 'static,
{
    handlers.retain(|(m, _, _)| *m != method);
    let handler: Handler = Arc::new(move |params| Box::pin(answer(params)));
    handlers.push((method, capability, handler));
}

impl ClientBuilder {
    fn handler<F, Fut>(mut self, method: &'static str, capability: &'static str, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        set_handler(&mut self.handlers, method, capability, answer);
        self
    }

    /// Answers `elicitation/create` (its result: `{"action": "accept", "content": {...}}`) and
    /// declares the `elicitation` capability.
    pub fn on_elicitation<F, Fut>(self, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        self.handler("elicitation/create", "elicitation", answer)
    }

    /// Answers `sampling/createMessage` and declares the `sampling` capability.
    pub fn on_sampling<F, Fut>(self, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        self.handler("sampling/createMessage", "sampling", answer)
    }

    /// Answers `roots/list` and declares the `roots` capability.
    pub fn on_roots<F, Fut>(self, answer: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        self.handler("roots/list", "roots", answer)
    }

    /// How long a request may wait for its answer (60 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest message read from the server (16 MiB by default): a larger one is dropped.
    pub fn max_message_bytes(mut self, max: usize) -> Self {
        self.max_message_bytes = max;
        self
    }

    /// Tool `name` may be repeated after a call of it got no answer (it is idempotent, whatever
    /// its annotations say): see [`ClientError::MayHaveRun`].
    pub fn repeatable(mut self, name: impl Into<String>) -> Self {
        self.repeatable.push(name.into());
        self
    }

    /// Over HTTP, speaks this revision only: `"2026-07-28"` (stateless: `server/discover`, each
    /// request standing alone) or `"2025-11-25"` (a session: `initialize`). By default the client
    /// asks `server/discover` first and opens a session when the server does not speak
    /// 2026-07-28.
    pub fn protocol_version(mut self, revision: &'static str) -> Self {
        self.revision = Some(revision);
        self
    }

    /// What errors call the server (by default, its command).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sends `Authorization: Bearer <token>` with every HTTP request.
    #[cfg(feature = "remote")]
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Sends this header with every HTTP request (a value that is not one is left out).
    #[cfg(feature = "remote")]
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = reqwest::header::HeaderValue::from_str(value) {
            self.headers.insert(name, value);
        }
        self
    }

    /// Opens a session with the server at `url` over Streamable HTTP.
    #[cfg(feature = "remote")]
    pub async fn http(self, url: &str) -> Result<Client, ClientError> {
        let name = self.name.clone().unwrap_or_else(|| url.to_owned());
        let capabilities = self.capabilities();
        let handlers: Vec<_> = self.handlers.into_iter().map(|(m, _, h)| (m, h)).collect();
        let (server, peer) = http::connect(
            url.to_owned(),
            name,
            self.headers,
            self.max_message_bytes,
            self.timeout,
            |name, outgoing| Peer::new(name, outgoing, handlers),
        )
        .map_err(ClientError::Closed)?;
        let mut client = Client {
            peer,
            timeout: self.timeout,
            transport: Transport::Http(server),
            server_info: Value::Null,
            repeatable: std::sync::Mutex::new(self.repeatable.into_iter().collect()),
            output_schemas: Default::default(),
        };
        let Transport::Http(server) = &client.transport else {
            unreachable!("made above")
        };
        if self.revision != Some(REVISIONS[0]) {
            server.stateless(&capabilities);
            match client.request("server/discover", json!({})).await {
                Ok(mut discovered)
                    if discovered["supportedVersions"]
                        .as_array()
                        .is_some_and(|v| v.iter().any(|v| v == http::STATELESS)) =>
                {
                    discovered["protocolVersion"] = json!(http::STATELESS);
                    client.server_info = discovered;
                    return Ok(client);
                }
                Ok(_) | Err(_) if self.revision.is_none() => server.session(),
                Ok(_) => {
                    return Err(ClientError::Protocol(format!(
                        "{}: does not speak {}",
                        client.peer.server,
                        http::STATELESS
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        client.initialize(capabilities).await?;
        if let Transport::Http(server) = &client.transport {
            let revision = client.server_info["protocolVersion"]
                .as_str()
                .unwrap_or_default();
            server.negotiated(revision, &client.peer, self.max_message_bytes);
        }
        Ok(client)
    }

    fn capabilities(&self) -> serde_json::Map<String, Value> {
        let mut capabilities = serde_json::Map::new();
        for (_, capability, _) in &self.handlers {
            capabilities.insert((*capability).to_owned(), json!({}));
        }
        capabilities
    }

    /// Starts `command` and opens a session with it over its stdin and stdout.
    pub async fn stdio(self, command: tokio::process::Command) -> Result<Client, ClientError> {
        let name = self.name.clone().unwrap_or_else(|| {
            let std = command.as_std();
            std::iter::once(std.get_program())
                .chain(std.get_args())
                .map(|part| part.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        });
        let capabilities = self.capabilities();
        let handlers: Vec<_> = self.handlers.into_iter().map(|(m, _, h)| (m, h)).collect();
        let (process, peer) =
            stdio::spawn(command, name, self.max_message_bytes, |name, outgoing| {
                Peer::new(name, outgoing, handlers)
            })
            .map_err(ClientError::Closed)?;
        let mut client = Client {
            peer,
            timeout: self.timeout,
            transport: Transport::Stdio(process),
            server_info: Value::Null,
            repeatable: std::sync::Mutex::new(self.repeatable.into_iter().collect()),
            output_schemas: Default::default(),
        };
        client.initialize(capabilities).await?;
        Ok(client)
    }
}

/// A session with one MCP server. See [the module](self).
pub struct Client {
    peer: Arc<Peer>,
    timeout: Duration,
    transport: Transport,
    server_info: Value,
    /// Tools that may be repeated after a call got no answer: marked so by the application, or
    /// listed by the server as read-only or idempotent.
    repeatable: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The output schemas of the tools listed, their results checked against.
    output_schemas: output_schemas::OutputSchemas,
}

/// What carries the session (and ends it when dropped).
enum Transport {
    Stdio(stdio::StdioServer),
    #[cfg(feature = "remote")]
    Http(http::HttpServer),
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.peer.server)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Sets one up.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    async fn initialize(
        &mut self,
        capabilities: serde_json::Map<String, Value>,
    ) -> Result<(), ClientError> {
        let init = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": REVISIONS[0],
                    "capabilities": capabilities,
                    "clientInfo": {"name": "sturdy", "version": env!("CARGO_PKG_VERSION")},
                }),
            )
            .await?;
        let revision = init["protocolVersion"].as_str().unwrap_or_default();
        if !REVISIONS.contains(&revision) {
            return Err(ClientError::Protocol(format!(
                "{}: answered initialize with protocol revision {revision:?}, which this client \
                 does not speak ({})",
                self.peer.server,
                REVISIONS.join(", ")
            )));
        }
        self.server_info = init;
        self.peer
            .notify("notifications/initialized", json!({}))
            .await;
        Ok(())
    }

    /// What the server answered to `initialize`: `protocolVersion`, `capabilities`,
    /// `serverInfo`, `instructions`.
    pub fn server_info(&self) -> &Value {
        &self.server_info
    }

    /// The end of what the server wrote to stderr (a process's; empty over HTTP).
    pub fn stderr(&self) -> String {
        match &self.transport {
            Transport::Stdio(process) => process.stderr(),
            #[cfg(feature = "remote")]
            Transport::Http(_) => String::new(),
        }
    }

    /// Sends any request; its result.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.peer.request(method, params, self.timeout).await
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Value) {
        self.peer.notify(method, params).await;
    }

    /// The server's notifications from now on (progress, log messages, list changes, resource
    /// updates). A receiver that falls behind by 1024 loses the oldest.
    pub fn notifications(&self) -> tokio::sync::broadcast::Receiver<Value> {
        self.peer.notifications()
    }

    /// Whether the server answers: `ping`, or `server/discover` in 2026-07-28 (which has no
    /// `ping`).
    pub async fn ping(&self) -> Result<(), ClientError> {
        let method = if self.server_info["protocolVersion"] == "2026-07-28" {
            "server/discover"
        } else {
            "ping"
        };
        self.request(method, json!({})).await.map(drop)
    }

    /// Every tool the server lists (all pages). Those it marks `readOnlyHint` or
    /// `idempotentHint` may be repeated after a call got no answer.
    pub async fn list_tools(&self) -> Result<Vec<Value>, ClientError> {
        let mut tools = self.list_all("tools/list", "tools").await?;
        // A tool whose header marks break the rules is left out (SEP-2243); the others' marks
        // are kept for their calls.
        tools.retain(|tool| {
            let name = tool["name"].as_str().unwrap_or_default();
            match header_params::header_params(&tool["inputSchema"]) {
                Ok(marked) => {
                    self.peer.mirror(name, marked);
                    self.output_schemas.learn(name, tool.get("outputSchema"));
                    true
                }
                Err(why) => {
                    tracing::debug!(target: "sturdy::client", server = %self.peer.server, "tool {name} left out: {why}");
                    false
                }
            }
        });
        let mut repeatable = self.repeatable.lock().unwrap_or_else(|p| p.into_inner());
        for tool in &tools {
            let hints = &tool["annotations"];
            if hints["readOnlyHint"] == true || hints["idempotentHint"] == true {
                if let Some(name) = tool["name"].as_str() {
                    repeatable.insert(name.to_owned());
                }
            }
        }
        Ok(tools)
    }

    /// Every resource the server lists (all pages).
    pub async fn list_resources(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all("resources/list", "resources").await
    }

    /// Every prompt the server lists (all pages).
    pub async fn list_prompts(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all("prompts/list", "prompts").await
    }

    /// Pages of a list, followed while the server gives a new cursor (at most 1000 pages).
    async fn list_all(&self, method: &str, key: &str) -> Result<Vec<Value>, ClientError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
            let mut page = self.request(method, params).await?;
            match page.get_mut(key).map(Value::take) {
                Some(Value::Array(items)) => all.extend(items),
                _ => {
                    return Err(ClientError::Protocol(format!(
                        "{}: {method} answered without a list of {key}",
                        self.peer.server
                    )))
                }
            }
            match page["nextCursor"].as_str() {
                Some(next) if Some(next) != cursor.as_deref() => cursor = Some(next.to_owned()),
                _ => return Ok(all),
            }
        }
        Err(ClientError::Protocol(format!(
            "{}: {method} gave over 1000 pages",
            self.peer.server
        )))
    }

    /// Calls tool `name` with `arguments` (an object). The tool's own failure is a result with
    /// `is_error()`; an error is what the server refused.
    ///
    /// With the `client` feature, a result that breaks the tool's `outputSchema` (as listed) is
    /// a [`ClientError::Protocol`] error.
    ///
    /// A call that got no answer (a timeout, a lost connection) is [`ClientError::MayHaveRun`]
    /// unless the tool may be repeated (see [`list_tools`](Self::list_tools) and
    /// [`ClientBuilder::repeatable`]).
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<ToolResult, ClientError> {
        match self
            .request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
        {
            Ok(result) => match self.output_schemas.check(name, &result) {
                Some(why) => Err(ClientError::Protocol(format!(
                    "{}: tool {name}: {why}",
                    self.peer.server
                ))),
                None => Ok(ToolResult::new(result)),
            },
            Err(cause @ (ClientError::Timeout { .. } | ClientError::Closed(_)))
                if !self.may_repeat(name) =>
            {
                Err(ClientError::MayHaveRun {
                    tool: name.to_owned(),
                    cause: Box::new(cause),
                })
            }
            Err(other) => Err(other),
        }
    }

    fn may_repeat(&self, tool: &str) -> bool {
        let repeatable = self.repeatable.lock().unwrap_or_else(|p| p.into_inner());
        repeatable.contains(tool)
    }

    /// [`call_tool`](Self::call_tool) asking the server to report its progress under
    /// `progress_token`: the `notifications/progress` carrying it arrive on
    /// [`notifications`](Self::notifications) while the tool runs.
    pub async fn call_tool_reporting(
        &self,
        name: &str,
        arguments: Value,
        progress_token: &str,
    ) -> Result<ToolResult, ClientError> {
        self.request(
            "tools/call",
            json!({"name": name, "arguments": arguments, "_meta": {"progressToken": progress_token}}),
        )
        .await
        .map(ToolResult::new)
    }

    /// Asks to be told when the resource at `uri` changes (`notifications/resources/updated` on
    /// [`notifications`](Self::notifications)).
    pub async fn subscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        self.request("resources/subscribe", json!({"uri": uri}))
            .await
            .map(drop)
    }

    /// No longer to be told about `uri`.
    pub async fn unsubscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        self.request("resources/unsubscribe", json!({"uri": uri}))
            .await
            .map(drop)
    }

    /// The completions of argument `argument` (its name) typed so far as `value`, for the prompt
    /// or resource template `reference` (`{"type": "ref/prompt", "name": …}` or
    /// `{"type": "ref/resource", "uri": …}`): the values offered.
    pub async fn complete(
        &self,
        reference: Value,
        argument: &str,
        value: &str,
    ) -> Result<Vec<String>, ClientError> {
        let completed = self
            .request(
                "completion/complete",
                json!({"ref": reference, "argument": {"name": argument, "value": value}}),
            )
            .await?;
        Ok(completed["completion"]["values"]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Reads the resource at `uri`: its contents.
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<Value>, ClientError> {
        let mut read = self.request("resources/read", json!({"uri": uri})).await?;
        match read["contents"].take() {
            Value::Array(contents) => Ok(contents),
            _ => Err(ClientError::Protocol(format!(
                "{}: resources/read answered without contents",
                self.peer.server
            ))),
        }
    }

    /// Gets prompt `name` with `arguments` (an object of strings): `description`, `messages`.
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<Value, ClientError> {
        self.request("prompts/get", json!({"name": name, "arguments": arguments}))
            .await
    }
}
