//! Setting up a [`Client`]: the handlers of the server's questions, limits, the transport.

#[cfg(feature = "remote")]
use super::http;
use super::peer::Peer;
use super::stdio;
#[cfg(feature = "remote")]
use super::REVISIONS;
use super::{Client, ClientError, Handler, Transport};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Sets up a [`Client`]: handlers of the server's questions, the timeout of every request, the
/// largest message read.
#[derive(Clone)]
pub struct ClientBuilder {
    handlers: Handlers,
    /// Capabilities declared beyond the handlers' (name, settings).
    declared: Vec<(String, Value)>,
    timeout: Duration,
    max_message_bytes: usize,
    name: Option<String>,
    repeatable: Vec<String>,
    revision: Option<&'static str>,
    #[cfg(feature = "remote")]
    headers: reqwest::header::HeaderMap,
    #[cfg(feature = "remote")]
    oauth: Option<super::OAuth>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            handlers: Vec::new(),
            declared: Vec::new(),
            timeout: Duration::from_secs(60),
            max_message_bytes: 16 << 20,
            name: None,
            repeatable: Vec::new(),
            revision: None,
            #[cfg(feature = "remote")]
            headers: reqwest::header::HeaderMap::new(),
            #[cfg(feature = "remote")]
            oauth: None,
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

    /// Declares capability `name` with `settings` (`{}` for none) beside those the handlers
    /// declare: one whose questions only per-call askers answer ([`CallOptions::asking`]; a
    /// gateway's `"sampling"`, put to the caller of each call), or an experimental one. A
    /// question no asker and no handler answers is refused with an error.
    ///
    /// [`CallOptions::asking`]: super::CallOptions::asking
    pub fn capability(mut self, name: &str, settings: Value) -> Self {
        self.declared.retain(|(n, _)| n != name);
        self.declared.push((name.to_owned(), settings));
        self
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
    /// request standing alone), `"2025-11-25"` (a Streamable HTTP session: `initialize`) or
    /// `"2024-11-05"` (the HTTP+SSE transport: a GET stream naming where to POST). By default
    /// the client asks `server/discover` first, opens a session when the server does not speak
    /// 2026-07-28, and speaks HTTP+SSE when the URL refuses POSTs before any session (404, 405).
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

    /// Sends this header with every HTTP request (a name or value that is not one is left out).
    #[cfg(feature = "remote")]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes());
        let value = reqwest::header::HeaderValue::from_str(value);
        if let (Ok(name), Ok(value)) = (name, value) {
            self.headers.insert(name, value);
        }
        self
    }

    /// Gets tokens by OAuth when an HTTP server asks for one (its 401, or a 403 for a scope the
    /// token lacks): see [`OAuth`](super::OAuth). Replaces [`bearer`](Self::bearer).
    #[cfg(feature = "remote")]
    pub fn oauth(mut self, oauth: super::OAuth) -> Self {
        self.headers.remove(reqwest::header::AUTHORIZATION);
        self.oauth = Some(oauth);
        self
    }

    /// Opens a session with the server at `url` over HTTP: Streamable HTTP (2026-07-28 when the
    /// server answers `server/discover`, else a 2025-11-25 session), or the HTTP+SSE transport of
    /// 2024-11-05 when the server refuses POSTs to `url` (or [`protocol_version`](Self::protocol_version)
    /// pins `"2024-11-05"`).
    #[cfg(feature = "remote")]
    pub async fn http(self, url: &str) -> Result<Client, ClientError> {
        let name = self.name.clone().unwrap_or_else(|| url.to_owned());
        let capabilities = self.capabilities();
        let authorizer = match &self.oauth {
            Some(oauth) => Some(Arc::new(
                super::oauth::Authorizer::new(oauth.clone(), url)
                    .map_err(|why| ClientError::Unauthorized(format!("{name}: {why}")))?,
            )),
            None => None,
        };
        if self.revision == Some(http::LEGACY) {
            return self.legacy_http(url, name, authorizer, capabilities).await;
        }
        let handlers = self.peer_handlers();
        let (server, peer) = http::connect(
            url.to_owned(),
            name.clone(),
            self.headers.clone(),
            authorizer.clone(),
            self.max_message_bytes,
            self.timeout,
            |name, outgoing| Peer::new(name, outgoing, handlers),
        )
        .map_err(ClientError::Closed)?;
        let mut client = self.client(peer, Transport::Http(server));
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
        let initialized = client.initialize(capabilities.clone()).await;
        let posts_refused = match &client.transport {
            Transport::Http(server) => server.posts_refused(),
            _ => false,
        };
        match initialized {
            Ok(()) => {}
            Err(_) if self.revision.is_none() && posts_refused => {
                drop(client);
                return self.legacy_http(url, name, authorizer, capabilities).await;
            }
            Err(e) => return Err(e),
        }
        if let Transport::Http(server) = &client.transport {
            let revision = client.server_info["protocolVersion"]
                .as_str()
                .unwrap_or_default();
            server
                .negotiated(revision, &client.peer, self.max_message_bytes, self.timeout)
                .await;
        }
        Ok(client)
    }

    /// A session over the HTTP+SSE transport of 2024-11-05.
    #[cfg(feature = "remote")]
    async fn legacy_http(
        &self,
        url: &str,
        name: String,
        authorizer: Option<Arc<super::oauth::Authorizer>>,
        capabilities: serde_json::Map<String, Value>,
    ) -> Result<Client, ClientError> {
        let handlers = self.peer_handlers();
        let (server, peer) = http::legacy::connect(
            url,
            name,
            self.headers.clone(),
            authorizer,
            self.max_message_bytes,
            self.timeout,
            |name, outgoing| Peer::new(name, outgoing, handlers),
        )
        .await?;
        let mut client = self.client(peer, Transport::LegacyHttp(server));
        client.initialize(capabilities).await?;
        Ok(client)
    }

    /// The handlers as the peer keeps them.
    fn peer_handlers(&self) -> Vec<(&'static str, Handler)> {
        self.handlers
            .iter()
            .map(|(method, _, handler)| (*method, handler.clone()))
            .collect()
    }

    /// A client of `peer` over `transport`, not yet initialized.
    fn client(&self, peer: Arc<Peer>, transport: Transport) -> Client {
        Client {
            peer,
            timeout: self.timeout,
            transport,
            server_info: Value::Null,
            repeatable: std::sync::Mutex::new(self.repeatable.iter().cloned().collect()),
            output_schemas: Default::default(),
            #[cfg(feature = "remote")]
            watched: tokio::sync::Mutex::new(super::watch::Watched::new(self.max_message_bytes)),
        }
    }

    fn capabilities(&self) -> serde_json::Map<String, Value> {
        let mut capabilities = serde_json::Map::new();
        for (_, capability, _) in &self.handlers {
            capabilities.insert((*capability).to_owned(), json!({}));
        }
        for (name, settings) in &self.declared {
            capabilities.insert(name.clone(), settings.clone());
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
        let handlers = self.peer_handlers();
        let (process, peer) =
            stdio::spawn(command, name, self.max_message_bytes, |name, outgoing| {
                Peer::new(name, outgoing, handlers)
            })
            .map_err(ClientError::Closed)?;
        let mut client = self.client(peer, Transport::Stdio(process));
        client.initialize(capabilities).await?;
        Ok(client)
    }
}
