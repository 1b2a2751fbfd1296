//! The HTTP+SSE transport of 2024-11-05, which older servers still speak: one GET stream carries
//! everything the server says, its first event (`endpoint`) naming where to POST; each message
//! is POSTed there and answered on the stream.

use super::sse::{event_data, event_end, event_field};
use super::{send_authorized, Authorizer};
use crate::client::peer::Peer;
use crate::client::ClientError;
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE};
use reqwest::Url;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The stream and the sender of one server: both stop when it is dropped.
pub(in crate::client) struct LegacyServer {
    tasks: [tokio::task::JoinHandle<()>; 2],
}

impl Drop for LegacyServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// What was read of the stream so far: bytes not yet an event.
struct Stream {
    response: reqwest::Response,
    pending: Vec<u8>,
    max_message_bytes: usize,
}

impl Stream {
    /// The next event's name (`message` when it has none) and data; None at the end.
    async fn next(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>, String> {
        loop {
            if let Some((end, gap)) = event_end(&self.pending) {
                let event = self.pending[..end].to_vec();
                self.pending.drain(..end + gap);
                let Some(data) = event_data(&event) else {
                    continue;
                };
                let name = event_field(&event, b"event").unwrap_or_else(|| b"message".to_vec());
                return Ok(Some((name, data)));
            }
            if self.pending.len() > self.max_message_bytes {
                return Err(format!("an event over {} bytes", self.max_message_bytes));
            }
            match self.response.chunk().await.map_err(|e| e.to_string())? {
                Some(chunk) => self.pending.extend_from_slice(&chunk),
                None => return Ok(None),
            }
        }
    }
}

/// Opens the stream at `url` and waits (at most `timeout`) for the endpoint to POST to, on the
/// same origin; then messages flow.
#[allow(clippy::too_many_arguments)]
pub(in crate::client) async fn connect(
    url: &str,
    name: String,
    headers: HeaderMap,
    authorizer: Option<Arc<Authorizer>>,
    max_message_bytes: usize,
    timeout: Duration,
    peer: impl FnOnce(String, mpsc::Sender<Vec<u8>>) -> Arc<Peer>,
) -> Result<(LegacyServer, Arc<Peer>), ClientError> {
    let closed = |why: String| ClientError::Closed(format!("{name}: {why}"));
    let base = Url::parse(url).map_err(|e| closed(e.to_string()))?;
    let http = reqwest::Client::builder()
        .connect_timeout(timeout)
        .build()
        .map_err(|e| closed(e.to_string()))?;
    let response = send_authorized(authorizer.as_deref(), &name, || {
        http.get(base.clone())
            .headers(headers.clone())
            .header(ACCEPT, "text/event-stream")
    })
    .await?;
    let kind = super::content_type(&response);
    if !response.status().is_success() || !kind.starts_with("text/event-stream") {
        return Err(closed(format!(
            "GET for the HTTP+SSE stream: HTTP {} ({kind})",
            response.status()
        )));
    }
    let mut stream = Stream {
        response,
        pending: Vec::new(),
        max_message_bytes,
    };
    let endpoint = tokio::time::timeout(timeout, async {
        loop {
            match stream.next().await? {
                Some((event, data)) if event == b"endpoint" => {
                    let endpoint = String::from_utf8_lossy(&data).trim().to_owned();
                    let endpoint = base.join(&endpoint).map_err(|e| e.to_string())?;
                    if endpoint.origin() != base.origin() {
                        return Err(format!(
                            "its endpoint {endpoint} is on another origin than {base}: not used"
                        ));
                    }
                    return Ok(endpoint);
                }
                Some(_) => continue,
                None => return Err("the stream ended before naming its endpoint".to_owned()),
            }
        }
    })
    .await
    .map_err(|_| closed(format!("no endpoint event within {timeout:?}")))?
    .map_err(closed)?;
    let (outgoing, to_send) = mpsc::channel::<Vec<u8>>(super::OUTGOING);
    let peer = peer(name, outgoing);
    let reader = tokio::spawn(read_stream(stream, peer.clone()));
    let sender = tokio::spawn(send_messages(
        to_send,
        http,
        endpoint,
        headers,
        authorizer,
        peer.clone(),
    ));
    Ok((
        LegacyServer {
            tasks: [reader, sender],
        },
        peer,
    ))
}

/// Hands each `message` event of the stream to the peer until it ends, then closes the peer.
async fn read_stream(mut stream: Stream, peer: Arc<Peer>) {
    let why = loop {
        match stream.next().await {
            Ok(Some((event, data))) if event == b"message" => peer.receive(&data),
            Ok(Some(_)) => {}
            Ok(None) => break "the server ended the HTTP+SSE stream".to_owned(),
            Err(e) => break format!("the HTTP+SSE stream: {e}"),
        };
    };
    peer.close(format!("{}: {why}", peer.server));
}

/// POSTs each message to `endpoint`, one at a time and in order: each is only accepted (202),
/// its answer comes on the stream; a request whose POST fails fails at once.
async fn send_messages(
    mut to_send: mpsc::Receiver<Vec<u8>>,
    http: reqwest::Client,
    endpoint: Url,
    headers: HeaderMap,
    authorizer: Option<Arc<Authorizer>>,
    peer: Arc<Peer>,
) {
    while let Some(message) = to_send.recv().await {
        let sent = send_authorized(authorizer.as_deref(), &peer.server, || {
            http.post(endpoint.clone())
                .headers(headers.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(message.clone())
        })
        .await;
        let failure = match sent {
            Ok(response) if response.status().is_success() => continue,
            Ok(response) => ClientError::Closed(format!(
                "{}: POST to {endpoint}: HTTP {}",
                peer.server,
                response.status()
            )),
            Err(e) => e,
        };
        let id = serde_json::from_slice::<Value>(&message)
            .ok()
            .filter(|m| m.get("method").is_some())
            .and_then(|m| m.get("id").and_then(Value::as_u64));
        if let Some(id) = id {
            peer.fail(id, failure);
        }
    }
}
