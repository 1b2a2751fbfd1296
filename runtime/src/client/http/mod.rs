//! A server over Streamable HTTP (2025-11-25 sessions): each message POSTed on its own, its
//! answer read from the response (JSON, or an SSE stream that may carry the server's questions
//! and notifications first), the session's id and revision sent on every later request, a GET
//! stream for what the server says unasked, and the session deleted with the client.
//!
//! Every message read is bounded by the client's size limit: a larger JSON body or SSE event
//! fails its request (or is dropped, on the GET stream) rather than being held.

mod authorized;
pub(super) mod legacy;
mod session_stream;
mod sse;
mod stateless;

use super::oauth::Authorizer;
use super::peer::Peer;
use super::ClientError;
use authorized::send_authorized;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use sse::{answers, event_data, event_end, event_field, StreamState};
pub(in crate::client) use stateless::Listen;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Messages waiting to be POSTed.
pub(super) const OUTGOING: usize = 256;

/// Times an answer's stream is resumed before its request is given up.
const MAX_RESUMPTIONS: usize = 5;

/// Tokens got for one request the server keeps refusing, before it is given up.
pub(super) const MAX_AUTHORIZATIONS: usize = 3;

/// How long after its caller's timeout a request's response is still read.
const ANSWER_GRACE: Duration = Duration::from_secs(5);

/// How long opening a session's GET stream may hold up the session's start.
const FIRST_STREAM_WAIT: Duration = Duration::from_secs(5);

/// The wait before resuming a stream whose server asked for none.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);

/// What every request of one session carries.
#[derive(Default)]
struct Session {
    /// `Mcp-Session-Id`, from the answer to `initialize`.
    id: Option<HeaderValue>,
    /// `MCP-Protocol-Version`, once negotiated.
    revision: Option<HeaderValue>,
    /// A POST before any session was refused as if the URL took none (404, 405): the server
    /// may speak the HTTP+SSE transport of 2024-11-05 there.
    posts_refused: bool,
    /// Speaking 2026-07-28: no session; each request carries the client's `_meta` (its
    /// capabilities, `stateless`) and its method and name as headers.
    stateless: Option<Value>,
}

/// The revision whose servers speak HTTP+SSE rather than Streamable HTTP.
pub(super) const LEGACY: &str = "2024-11-05";

/// The revision of stateless requests.
pub(super) const STATELESS: &str = "2026-07-28";

/// The session with an HTTP server: deleted when dropped.
pub(super) struct HttpServer {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    session: Arc<Mutex<Session>>,
    authorizer: Option<Arc<Authorizer>>,
    /// Stops the session's GET stream (and its reconnections) with the client.
    stop_listening: tokio_util::sync::CancellationToken,
}

struct Post {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    session: Arc<Mutex<Session>>,
    peer: Arc<Peer>,
    max_message_bytes: usize,
    authorizer: Option<Arc<Authorizer>>,
}

impl HttpServer {
    /// Speaks 2026-07-28 from now on (until [`session`](Self::session)): each request stands
    /// alone, with `capabilities` in its `_meta`.
    pub(super) fn stateless(&self, capabilities: &serde_json::Map<String, Value>) {
        let mut session = lock(&self.session);
        session.revision = Some(HeaderValue::from_static(STATELESS));
        session.stateless = Some(serde_json::json!({
            "io.modelcontextprotocol/protocolVersion": STATELESS,
            "io.modelcontextprotocol/clientCapabilities": capabilities,
            "io.modelcontextprotocol/clientInfo": {"name": "sturdy", "version": env!("CARGO_PKG_VERSION")},
        }));
    }

    /// Back to sessions (the server does not speak 2026-07-28).
    pub(super) fn session(&self) {
        let mut session = lock(&self.session);
        session.revision = None;
        session.stateless = None;
    }

    /// A sender of requests of this session to `peer`'s server.
    fn post(&self, peer: &Arc<Peer>, max_message_bytes: usize) -> Post {
        Post {
            http: self.http.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            session: self.session.clone(),
            peer: peer.clone(),
            max_message_bytes,
            authorizer: self.authorizer.clone(),
        }
    }

    /// Whether a POST before any session was refused as if the URL took none.
    pub(super) fn posts_refused(&self) -> bool {
        lock(&self.session).posts_refused
    }

    /// Sends `MCP-Protocol-Version: revision` from now on, and opens the GET stream.
    pub(super) async fn negotiated(
        &self,
        revision: &str,
        peer: &Arc<Peer>,
        max_message_bytes: usize,
        timeout: Duration,
    ) {
        lock(&self.session).revision = HeaderValue::from_str(revision).ok();
        let post = Arc::new(self.post(peer, max_message_bytes));
        // The stream is open before the session is used, so that what the server sends on it
        // (it may answer a request there) finds it: a server that is slow to open it gets a few
        // seconds, then it is opened in the background.
        let first = tokio::time::timeout(
            timeout.min(FIRST_STREAM_WAIT),
            post.open_stream(&StreamState::default()),
        )
        .await
        .ok();
        let stop = self.stop_listening.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = post.listen(first) => {}
                () = stop.cancelled() => {}
            }
        });
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop_listening.cancel();
        let Some(id) = lock(&self.session).id.clone() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut request = self
            .http
            .delete(&self.url)
            .headers(self.headers.clone())
            .header("mcp-session-id", id);
        if let Some(bearer) = self.authorizer.as_ref().and_then(|a| a.bearer()) {
            request = request.header(AUTHORIZATION, bearer);
        }
        runtime.spawn(async move {
            let _ = request.send().await;
        });
    }
}

fn lock(session: &Mutex<Session>) -> std::sync::MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(|p| p.into_inner())
}

/// Connects to the server at `url` (nothing is sent until the first message).
pub(super) fn connect(
    url: String,
    name: String,
    headers: HeaderMap,
    authorizer: Option<Arc<Authorizer>>,
    max_message_bytes: usize,
    timeout: std::time::Duration,
    peer: impl FnOnce(String, mpsc::Sender<Vec<u8>>) -> Arc<Peer>,
) -> Result<(HttpServer, Arc<Peer>), String> {
    let http = reqwest::Client::builder()
        .connect_timeout(timeout)
        .build()
        .map_err(|e| format!("{name}: {e}"))?;
    let (outgoing, mut to_send) = mpsc::channel::<Vec<u8>>(OUTGOING);
    let peer = peer(name, outgoing);
    let session = Arc::new(Mutex::new(Session::default()));
    let post = Arc::new(Post {
        http: http.clone(),
        url: url.clone(),
        headers: headers.clone(),
        session: session.clone(),
        peer: peer.clone(),
        max_message_bytes,
        authorizer: authorizer.clone(),
    });
    tokio::spawn(async move {
        while let Some(message) = to_send.recv().await {
            // Read once here: whether it is a request, and (2026-07-28) the request to complete.
            let parsed = serde_json::from_slice::<Value>(&message).unwrap_or_default();
            let is_request = parsed.get("method").is_some() && parsed.get("id").is_some();
            let message = Outgoing {
                bytes: message,
                parsed,
            };
            if is_request {
                // Each request on its own: a call's long SSE answer holds up nothing else. Its
                // caller waits at most the timeout; after that (and a grace for the answer in
                // flight) nobody reads the answer, so a server that never ends the response
                // holds no task or connection.
                let post = post.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(timeout + ANSWER_GRACE, post.send(message)).await;
                });
            } else {
                // A notification or an answer is delivered before anything sent after it
                // (`notifications/initialized` before the first request).
                post.send(message).await;
            }
        }
    });
    Ok((
        HttpServer {
            http,
            url,
            headers,
            session,
            authorizer,
            stop_listening: tokio_util::sync::CancellationToken::new(),
        },
        peer,
    ))
}

impl Post {
    fn request(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        let session = lock(&self.session);
        let mut request = self
            .http
            .request(method, &self.url)
            .headers(self.headers.clone());
        if let Some(id) = &session.id {
            request = request.header("mcp-session-id", id.clone());
        }
        if let Some(revision) = &session.revision {
            request = request.header("mcp-protocol-version", revision.clone());
        }
        request
    }

    /// Sends what `build` makes with the current token (see [`send_authorized`]).
    async fn send_authorized(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        send_authorized(self.authorizer.as_deref(), &self.peer.server, build).await
    }

    /// POSTs one message and reads what answers it.
    async fn send(&self, message: Outgoing) {
        let Outgoing {
            bytes: message,
            parsed,
        } = message;
        let is_request = parsed.get("method").is_some() && parsed.get("id").is_some();
        let stateless = lock(&self.session).stateless.clone();
        if let (Some(meta), true) = (stateless, is_request) {
            return self.send_stateless(parsed, meta).await;
        }
        // Our own message: a request has a numeric id, answered or failed here.
        let id = is_request.then(|| parsed["id"].as_u64()).flatten();
        let fail_with = |error: ClientError| {
            if let Some(id) = id {
                self.peer.fail(id, error);
            }
        };
        let fail = |why: String| fail_with(ClientError::Closed(why));
        let sent = self
            .send_authorized(|| {
                self.request(reqwest::Method::POST)
                    .header(CONTENT_TYPE, "application/json")
                    .header(ACCEPT, "application/json, text/event-stream")
                    .body(message.clone())
            })
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return fail_with(e),
        };
        if let Some(session) = response.headers().get("mcp-session-id") {
            let mut known = lock(&self.session);
            if known.id.is_none() {
                known.id = Some(session.clone());
            }
        }
        let status = response.status();
        if status == reqwest::StatusCode::ACCEPTED {
            return;
        }
        if matches!(status.as_u16(), 404 | 405) {
            let mut session = lock(&self.session);
            session.posts_refused |= session.id.is_none();
        }
        if status == reqwest::StatusCode::NOT_FOUND && lock(&self.session).id.is_some() {
            self.peer.close(format!(
                "{}: the server ended the session (404)",
                self.peer.server
            ));
            return;
        }
        let kind = content_type(&response);
        if kind.starts_with("text/event-stream") {
            if let Err(why) = self.answer_stream(&mut response, id).await {
                fail(why);
            }
            return;
        }
        match self.body(&mut response).await {
            // A JSON-RPC answer (an error's too, whatever the status says).
            Ok(body) if kind.starts_with("application/json") => {
                self.peer.receive(&body);
                // A refusal that is no answer to the request (401, 403, …) still ends it.
                if !status.is_success() {
                    fail(format!("{}: HTTP {status}", self.peer.server));
                }
            }
            Ok(body) => fail(format!(
                "{}: HTTP {status}: {}",
                self.peer.server,
                String::from_utf8_lossy(&body[..body.len().min(300)])
            )),
            Err(why) => fail(why),
        }
    }

    /// Reads the SSE stream answering request `id`; a stream that ends before the answer,
    /// having named its events, is resumed where it stopped (SEP-1699), after the wait it
    /// asked for, a few times at most.
    async fn answer_stream(
        &self,
        response: &mut reqwest::Response,
        id: Option<u64>,
    ) -> Result<(), String> {
        let mut stream = StreamState {
            related: id,
            ..StreamState::default()
        };
        let mut read = self.events(response, &mut stream).await;
        for _ in 0..MAX_RESUMPTIONS {
            let waiting = id.is_some_and(|id| self.peer.is_waiting(id));
            let (true, Ok(()), Some(last)) = (waiting, &read, stream.last_id.clone()) else {
                break;
            };
            tokio::time::sleep(stream.retry.unwrap_or(DEFAULT_RETRY)).await;
            let resumed = self
                .send_authorized(|| {
                    self.request(reqwest::Method::GET)
                        .header(ACCEPT, "text/event-stream")
                        .header("last-event-id", last.clone())
                })
                .await;
            read = match resumed {
                Ok(mut resumed) if resumed.status().is_success() => {
                    self.events(&mut resumed, &mut stream).await
                }
                Ok(refused) => Err(format!(
                    "{}: resuming the answer's stream: HTTP {}",
                    self.peer.server,
                    refused.status()
                )),
                Err(e) => Err(format!("resuming the answer's stream: {e}")),
            };
        }
        read
    }

    /// A whole body, at most the size limit.
    async fn body(&self, response: &mut reqwest::Response) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("{}: {e}", self.peer.server))?
        {
            if body.len() + chunk.len() > self.max_message_bytes {
                return Err(format!(
                    "{}: an answer over {} bytes",
                    self.peer.server, self.max_message_bytes
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Each event of an SSE response to the peer, until the stream ends; `stream` keeps the last
    /// event id and the retry wait the server gave.
    async fn events(
        &self,
        response: &mut reqwest::Response,
        stream: &mut StreamState,
    ) -> Result<(), String> {
        let mut pending = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("{}: {e}", self.peer.server))?
        {
            pending.extend_from_slice(&chunk);
            while let Some((end, gap)) = event_end(&pending) {
                let event = &pending[..end];
                if let Some(id) = event_field(event, b"id") {
                    stream.last_id = HeaderValue::from_bytes(&id).ok();
                }
                if let Some(retry) = event_field(event, b"retry") {
                    let ms = std::str::from_utf8(&retry)
                        .ok()
                        .and_then(|r| r.parse().ok());
                    stream.retry = ms.map(|ms: u64| Duration::from_millis(ms.min(60_000)));
                }
                if let Some(data) = event_data(event) {
                    stream.received += 1;
                    match stream.capture {
                        Some(id) if answers(&data, id) => {
                            stream.captured = serde_json::from_slice(&data).ok();
                        }
                        _ => self.peer.receive_for(&data, stream.related),
                    }
                }
                pending.drain(..end + gap);
            }
            if pending.len() > self.max_message_bytes {
                return Err(format!(
                    "{}: an event over {} bytes",
                    self.peer.server, self.max_message_bytes
                ));
            }
        }
        Ok(())
    }
}

/// A response's `Content-Type` (empty when it has none).
fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A message of ours to send: its bytes, and what they say.
struct Outgoing {
    bytes: Vec<u8>,
    parsed: Value,
}
