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

mod builder;
mod call_options;
mod error;
mod header_params;
#[cfg(feature = "remote")]
mod http;
#[cfg(feature = "remote")]
mod oauth;
mod output_schemas;
mod peer;
mod stdio;
mod tool_result;
#[cfg(feature = "remote")]
mod upstreams;
#[cfg(feature = "remote")]
mod watch;

pub use builder::ClientBuilder;
pub(crate) use builder::{set_handler, Handlers};
pub use call_options::CallOptions;
pub use error::ClientError;
#[cfg(feature = "remote")]
pub use oauth::OAuth;
pub use tool_result::ToolResult;
#[cfg(feature = "remote")]
pub use upstreams::{McpUpstreams, Replica};

use crate::completion::{Completion, CompletionRequest};
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
    /// In 2026-07-28, the resources watched and their listen stream.
    #[cfg(feature = "remote")]
    watched: tokio::sync::Mutex<watch::Watched>,
}

/// What carries the session (and ends it when dropped).
enum Transport {
    Stdio(stdio::StdioServer),
    #[cfg(feature = "remote")]
    Http(http::HttpServer),
    /// Held for its `Drop`: the stream and the sender stop with the client.
    #[cfg(feature = "remote")]
    LegacyHttp(#[allow(dead_code)] http::legacy::LegacyServer),
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
            Transport::Http(_) | Transport::LegacyHttp(_) => String::new(),
        }
    }

    /// Sends any request; its result.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.peer.request(method, params, self.timeout).await
    }

    /// [`request`](Self::request) as `options` say: with a progress token, who answers the
    /// server's questions on its behalf, who is handed its notifications (a `prompts/get` whose
    /// prompt asks the user, on behalf of a caller).
    pub async fn request_with(
        &self,
        method: &str,
        mut params: Value,
        mut options: CallOptions,
    ) -> Result<Value, ClientError> {
        if let (Some(given), Some(object)) = (options.take_meta(), params.as_object_mut()) {
            let meta = object.entry("_meta").or_insert_with(|| json!({}));
            if let Some(meta) = meta.as_object_mut() {
                meta.extend(given);
            }
        }
        self.peer
            .request_asking(
                method,
                params,
                self.timeout,
                options.asker,
                options.listener,
            )
            .await
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
            match crate::protocol::marked_arguments(&tool["inputSchema"]) {
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

    /// Every resource template the server lists (all pages).
    pub async fn list_resource_templates(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all("resources/templates/list", "resourceTemplates")
            .await
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
        self.call(
            name,
            json!({"name": name, "arguments": arguments}),
            None,
            None,
        )
        .await
    }

    /// [`call_tool`](Self::call_tool) as `options` say: with a progress token, and who answers
    /// the server's questions on this call's behalf.
    pub async fn call_tool_with(
        &self,
        name: &str,
        arguments: Value,
        mut options: CallOptions,
    ) -> Result<ToolResult, ClientError> {
        let mut params = json!({"name": name, "arguments": arguments});
        if let Some(meta) = options.take_meta() {
            params["_meta"] = Value::Object(meta);
        }
        self.call(name, params, options.asker, options.listener)
            .await
    }

    /// `tools/call` with `params`, its result checked as [`call_tool`](Self::call_tool) says.
    async fn call(
        &self,
        name: &str,
        params: Value,
        asker: Option<peer::Asker>,
        listener: Option<peer::Listener>,
    ) -> Result<ToolResult, ClientError> {
        let answer = self
            .peer
            .request_asking("tools/call", params, self.timeout, asker, listener)
            .await;
        match answer {
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
        let options = CallOptions::new().progress(progress_token);
        self.call_tool_with(name, arguments, options).await
    }

    /// Asks to be told when the resource at `uri` changes (`notifications/resources/updated` on
    /// [`notifications`](Self::notifications)): `resources/subscribe` in a session, a
    /// `subscriptions/listen` stream in 2026-07-28 (one for every resource watched, opened
    /// again when the list changes; Ok once the server acknowledged it).
    pub async fn subscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        #[cfg(feature = "remote")]
        if self.listens() {
            return self.rewatch(Some(uri), None).await;
        }
        self.request("resources/subscribe", json!({"uri": uri}))
            .await
            .map(drop)
    }

    /// No longer to be told about `uri`.
    pub async fn unsubscribe_resource(&self, uri: &str) -> Result<(), ClientError> {
        #[cfg(feature = "remote")]
        if self.listens() {
            return self.rewatch(None, Some(uri)).await;
        }
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
        let request = CompletionRequest {
            argument: argument.to_owned(),
            value: value.to_owned(),
            arguments: Default::default(),
        };
        Ok(self.complete_request(reference, request).await?.values)
    }

    /// [`complete`](Self::complete) with the other arguments already given
    /// (`context.arguments`): the values offered, and how many there are in all.
    pub async fn complete_request(
        &self,
        reference: Value,
        request: CompletionRequest,
    ) -> Result<Completion, ClientError> {
        let mut params = json!({
            "ref": reference,
            "argument": {"name": request.argument, "value": request.value},
        });
        if !request.arguments.is_empty() {
            params["context"] = json!({"arguments": request.arguments});
        }
        let completed = self.request("completion/complete", params).await?;
        let values: Vec<String> = completed["completion"]["values"]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let total = completed["completion"]["total"]
            .as_u64()
            .and_then(|t| usize::try_from(t).ok())
            .unwrap_or(values.len());
        Ok(Completion { values, total })
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
