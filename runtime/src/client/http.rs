//! A server over Streamable HTTP (2025-11-25 sessions): each message POSTed on its own, its
//! answer read from the response (JSON, or an SSE stream that may carry the server's questions
//! and notifications first), the session's id and revision sent on every later request, a GET
//! stream for what the server says unasked, and the session deleted with the client.
//!
//! Every message read is bounded by the client's size limit: a larger JSON body or SSE event
//! fails its request (or is dropped, on the GET stream) rather than being held.

use super::peer::Peer;
use super::ClientError;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Messages waiting to be POSTed.
const OUTGOING: usize = 256;

/// Times an answer's stream is resumed before its request is given up.
const MAX_RESUMPTIONS: usize = 5;

/// The wait before resuming a stream whose server asked for none.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);

/// What every request of one session carries.
#[derive(Default)]
struct Session {
    /// `Mcp-Session-Id`, from the answer to `initialize`.
    id: Option<HeaderValue>,
    /// `MCP-Protocol-Version`, once negotiated.
    revision: Option<HeaderValue>,
    /// Speaking 2026-07-28: no session; each request carries the client's `_meta` (its
    /// capabilities, `stateless`) and its method and name as headers.
    stateless: Option<Value>,
}

/// The revision of stateless requests.
pub(super) const STATELESS: &str = "2026-07-28";

/// Rounds of `input_required` one request may take.
const MAX_ROUNDS: usize = 16;

/// The session with an HTTP server: deleted when dropped.
pub(super) struct HttpServer {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    session: Arc<Mutex<Session>>,
}

struct Post {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    session: Arc<Mutex<Session>>,
    peer: Arc<Peer>,
    max_message_bytes: usize,
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

    /// Sends `MCP-Protocol-Version: revision` from now on, and opens the GET stream.
    pub(super) fn negotiated(&self, revision: &str, peer: &Arc<Peer>, max_message_bytes: usize) {
        lock(&self.session).revision = HeaderValue::from_str(revision).ok();
        let post = Arc::new(Post {
            http: self.http.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            session: self.session.clone(),
            peer: peer.clone(),
            max_message_bytes,
        });
        tokio::spawn(async move { post.listen().await });
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let Some(id) = lock(&self.session).id.clone() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let request = self
            .http
            .delete(&self.url)
            .headers(self.headers.clone())
            .header("mcp-session-id", id);
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
    });
    tokio::spawn(async move {
        while let Some(message) = to_send.recv().await {
            if is_request(&message) {
                // Each request on its own: a call's long SSE answer holds up nothing else.
                let post = post.clone();
                tokio::spawn(async move { post.send(message).await });
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

    /// POSTs one message and reads what answers it.
    async fn send(&self, message: Vec<u8>) {
        let stateless = lock(&self.session).stateless.clone();
        if let Some(meta) = stateless {
            if let Ok(request) = serde_json::from_slice::<Value>(&message) {
                if request.get("id").is_some() && request.get("method").is_some() {
                    return self.send_stateless(request, meta).await;
                }
            }
        }
        // Our own message: a request has a numeric id, answered or failed here.
        let id = serde_json::from_slice::<Value>(&message)
            .ok()
            .filter(|m| m.get("method").is_some())
            .and_then(|m| m.get("id").and_then(Value::as_u64));
        let fail = |why: String| {
            if let Some(id) = id {
                self.peer.fail(id, ClientError::Closed(why));
            }
        };
        let sent = self
            .request(reqwest::Method::POST)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .body(message)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return fail(format!("{}: {e}", self.peer.server)),
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
        if status == reqwest::StatusCode::NOT_FOUND && lock(&self.session).id.is_some() {
            self.peer.close(format!(
                "{}: the server ended the session (404)",
                self.peer.server
            ));
            return;
        }
        let kind = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if kind.starts_with("text/event-stream") {
            let mut stream = StreamState::default();
            let mut read = self.events(&mut response, &mut stream).await;
            // A stream that ends before the answer, having named its events, is resumed where it
            // stopped (SEP-1699), after the wait it asked for.
            for _ in 0..MAX_RESUMPTIONS {
                let waiting = id.is_some_and(|id| self.peer.is_waiting(id));
                let (true, Ok(()), Some(last)) = (waiting, &read, stream.last_id.clone()) else {
                    break;
                };
                tokio::time::sleep(stream.retry.unwrap_or(DEFAULT_RETRY)).await;
                let resumed = self
                    .request(reqwest::Method::GET)
                    .header(ACCEPT, "text/event-stream")
                    .header("last-event-id", last)
                    .send()
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
                    Err(e) => Err(format!(
                        "{}: resuming the answer's stream: {e}",
                        self.peer.server
                    )),
                };
            }
            if let Err(why) = read {
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

    /// A 2026-07-28 request: its `_meta` and headers added, its `input_required` rounds taken
    /// (the questions answered by the application's handlers, the request sent again with the
    /// answers and the server's `requestState`), its final answer handed to the peer.
    async fn send_stateless(&self, mut request: Value, meta: Value) {
        let id = request["id"].as_u64();
        let request_id = request["id"].clone();
        let fail = |why: String| {
            if let Some(id) = id {
                self.peer.fail(id, ClientError::Closed(why));
            }
        };
        let method = request["method"].as_str().unwrap_or_default().to_owned();
        let name = match method.as_str() {
            "tools/call" | "prompts/get" => request["params"]["name"].as_str(),
            "resources/read" => request["params"]["uri"].as_str(),
            "tasks/get" | "tasks/update" | "tasks/cancel" => request["params"]["taskId"].as_str(),
            _ => None,
        }
        .and_then(|n| HeaderValue::from_str(n).ok());
        if !request["params"].is_object() {
            request["params"] = serde_json::json!({});
        }
        let params = &mut request["params"];
        if !params["_meta"].is_object() {
            params["_meta"] = serde_json::json!({});
        }
        if let (Some(own), Some(given)) = (params["_meta"].as_object_mut(), meta.as_object()) {
            for (key, value) in given {
                own.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        let mut wire_id = id.unwrap_or_default();
        let mut retried = false;
        for _ in 0..MAX_ROUNDS {
            let mut post = self
                .request(reqwest::Method::POST)
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json, text/event-stream")
                .header("mcp-method", method.as_str());
            if let Some(name) = &name {
                post = post.header("mcp-name", name.clone());
            }
            if method == "tools/call" {
                let tool = request["params"]["name"].as_str().unwrap_or_default();
                for (argument, header) in self.peer.mirrored(tool) {
                    let value = request["params"]["arguments"].get(&argument);
                    if let Some(value) = value.and_then(super::header_params::header_value) {
                        post = post.header(format!("mcp-param-{header}"), value);
                    }
                }
            }
            let sent = post.body(request.to_string()).send().await;
            let mut response = match sent {
                Ok(response) => response,
                Err(e) => return fail(format!("{}: {e}", self.peer.server)),
            };
            let status = response.status();
            let kind = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let answer = if kind.starts_with("text/event-stream") {
                let mut stream = StreamState {
                    capture: Some(wire_id),
                    ..StreamState::default()
                };
                if let Err(why) = self.events(&mut response, &mut stream).await {
                    return fail(why);
                }
                stream.captured
            } else {
                match self.body(&mut response).await {
                    Ok(body) => serde_json::from_slice::<Value>(&body).ok(),
                    Err(why) => return fail(why),
                }
            };
            let answer =
                answer.filter(|a| a.get("method").is_none() && a["id"].as_u64() == Some(wire_id));
            let Some(mut answer) = answer else {
                return fail(format!(
                    "{}: HTTP {status}, and no answer to {method}",
                    self.peer.server
                ));
            };
            // A rejected revision the server says it supports after all: tried again, once.
            let rejected =
                answer["error"]["code"] == crate::protocol::jsonrpc::UNSUPPORTED_PROTOCOL_VERSION;
            let supported = answer["error"]["data"]["supported"]
                .as_array()
                .is_some_and(|v| v.iter().any(|v| v == STATELESS));
            if rejected && supported && !retried {
                retried = true;
                wire_id = self.peer.fresh_id();
                request["id"] = Value::from(wire_id);
                continue;
            }
            if answer["result"]["resultType"] != "input_required" {
                // The answer to the request the peer sent, under the id it waits on.
                answer["id"] = request_id.clone();
                self.peer.receive(answer.to_string().as_bytes());
                return;
            }
            // The server's questions, answered; the request again with the answers.
            let mut responses = serde_json::Map::new();
            if let Some(asked) = answer["result"]["inputRequests"].as_object() {
                for (key, question) in asked {
                    let asked_method = question["method"].as_str().unwrap_or_default();
                    let Some(answer) = self
                        .peer
                        .answer_with_handler(asked_method, question["params"].clone())
                        .await
                    else {
                        return fail(format!(
                            "{}: {method} asked {asked_method}, which this client does not answer",
                            self.peer.server
                        ));
                    };
                    responses.insert(key.clone(), answer);
                }
            }
            request["params"]["inputResponses"] = Value::Object(responses);
            match answer["result"].get("requestState") {
                Some(state) => request["params"]["requestState"] = state.clone(),
                None => {
                    if let Some(params) = request["params"].as_object_mut() {
                        params.remove("requestState");
                    }
                }
            }
            // Each round is a request of its own, with an id of its own.
            wire_id = self.peer.fresh_id();
            request["id"] = Value::from(wire_id);
        }
        fail(format!(
            "{}: {method} asked for input more than {MAX_ROUNDS} times",
            self.peer.server
        ))
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
                    match stream.capture {
                        Some(id) if answers(&data, id) => {
                            stream.captured = serde_json::from_slice(&data).ok();
                        }
                        _ => self.peer.receive(&data),
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

    /// The GET stream: what the server says unasked (notifications, questions), until it ends
    /// or the server does not offer one (405).
    async fn listen(&self) {
        let opened = self
            .request(reqwest::Method::GET)
            .header(ACCEPT, "text/event-stream")
            .send()
            .await;
        if let Ok(mut response) = opened {
            if response.status().is_success() {
                let _ = self
                    .events(&mut response, &mut StreamState::default())
                    .await;
            }
        }
    }
}

/// Whether `message` (one of ours) is a request: it has a method and an id.
fn is_request(message: &[u8]) -> bool {
    serde_json::from_slice::<Value>(message)
        .is_ok_and(|m| m.get("method").is_some() && m.get("id").is_some())
}

/// Where an SSE stream stopped, to resume it.
#[derive(Default)]
struct StreamState {
    /// The id of its last event that had one (`Last-Event-ID` when resuming).
    last_id: Option<HeaderValue>,
    /// How long the server asked a client to wait before reconnecting.
    retry: Option<Duration>,
    /// The request whose answer is kept here rather than handed to the peer.
    capture: Option<u64>,
    captured: Option<Value>,
}

/// Whether `message` is the answer to request `id`.
fn answers(message: &[u8], id: u64) -> bool {
    serde_json::from_slice::<Value>(message)
        .is_ok_and(|m| m.get("method").is_none() && m["id"].as_u64() == Some(id))
}

/// The value of field `name` in one event (its last, when repeated).
fn event_field(event: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    event
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let value = line.strip_prefix(name)?.strip_prefix(b":")?;
            Some(value.strip_prefix(b" ").unwrap_or(value).to_vec())
        })
        .next_back()
}

/// Where the first event in `buffer` ends, and the length of the blank line after it.
fn event_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let lf = memchr::memmem::find(buffer, b"\n\n").map(|i| (i, 2));
    let crlf = memchr::memmem::find(buffer, b"\r\n\r\n").map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The data of one event (its `data:` lines joined), when it has some.
fn event_data(event: &[u8]) -> Option<Vec<u8>> {
    let mut data: Option<Vec<u8>> = None;
    for line in event.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(value) = line.strip_prefix(b"data:") {
            let value = value.strip_prefix(b" ").unwrap_or(value);
            let data = data.get_or_insert_with(Vec::new);
            if !data.is_empty() {
                data.push(b'\n');
            }
            data.extend_from_slice(value);
        }
    }
    data.filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_and_their_data_joined() {
        let stream = b"id: 1\ndata: {\"a\":\ndata: 1}\n\n: comment\r\n\r\nevent: x\ndata:2\n\n";
        let (end, gap) = event_end(stream).unwrap();
        assert_eq!(event_field(&stream[..end], b"id").unwrap(), b"1");
        assert_eq!(event_field(&stream[..end], b"retry"), None);
        assert_eq!(event_data(&stream[..end]).unwrap(), b"{\"a\":\n1}");
        let rest = &stream[end + gap..];
        let (end, gap) = event_end(rest).unwrap();
        assert_eq!(event_data(&rest[..end]), None);
        let rest = &rest[end + gap..];
        let (end, _) = event_end(rest).unwrap();
        assert_eq!(event_data(&rest[..end]).unwrap(), b"2");
        assert_eq!(event_end(b"data: partial"), None);
    }
}
