//! One JSON-RPC conversation with a server, whatever carries it: requests waiting for their
//! answers (each with a timeout), the server's questions handed to the application's handlers,
//! its notifications broadcast (a listener that falls behind loses the oldest, never the
//! client's memory).

use super::{ClientError, Handler};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};

/// Notifications a listener may fall behind by before it loses some.
const NOTIFICATIONS: usize = 1024;

type Answer = Result<Value, ClientError>;

/// Who answers the server's questions asked on behalf of one request (see
/// [`CallOptions::asking`](super::CallOptions::asking)): the question's method and params in,
/// its result (or a JSON-RPC error's code and message) out.
pub(crate) type Asker = Arc<
    dyn Fn(String, Value) -> Pin<Box<dyn Future<Output = Result<Value, (i64, String)>> + Send>>
        + Send
        + Sync,
>;

/// Who is handed the server's notifications sent on behalf of one request (see
/// [`CallOptions::listening`](super::CallOptions::listening)).
pub(crate) type Listener = Arc<dyn Fn(&Value) + Send + Sync>;

pub(super) struct Peer {
    /// Each message to the server, whole (the transport frames it).
    outgoing: mpsc::Sender<Vec<u8>>,
    pending: Mutex<Pending>,
    next_id: AtomicU64,
    notifications: broadcast::Sender<Value>,
    handlers: Vec<(&'static str, Handler)>,
    /// Names the server in errors.
    pub(super) server: String,
    /// Per tool, the arguments its calls mirror into headers (learnt from `tools/list`).
    mirrored: Mutex<HashMap<String, Vec<(String, String)>>>,
    /// Per request waiting, who answers the questions asked on its behalf, when not the
    /// handlers.
    askers: Mutex<HashMap<u64, Asker>>,
    /// Per request waiting, who is handed the notifications sent on its behalf, with the
    /// request's progress token (its progress is its own wherever it comes).
    listeners: Mutex<HashMap<u64, (Option<Value>, Listener)>>,
}

#[derive(Default)]
struct Pending {
    waiting: HashMap<u64, oneshot::Sender<Answer>>,
    /// Why the conversation is over, once it is: every later request fails at once.
    closed: Option<String>,
}

impl Peer {
    pub(super) fn new(
        server: String,
        outgoing: mpsc::Sender<Vec<u8>>,
        handlers: Vec<(&'static str, Handler)>,
    ) -> Arc<Peer> {
        Arc::new(Peer {
            outgoing,
            pending: Mutex::default(),
            next_id: AtomicU64::new(1),
            notifications: broadcast::channel(NOTIFICATIONS).0,
            handlers,
            server,
            mirrored: Mutex::default(),
            askers: Mutex::default(),
            listeners: Mutex::default(),
        })
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a request; its result, the server's error, or why there is none. A request whose
    /// caller stops waiting (the future dropped, or the timeout) is forgotten and the server
    /// told it is cancelled, so that nothing waits on an answer nobody reads.
    pub(super) async fn request(&self, method: &str, params: Value, timeout: Duration) -> Answer {
        self.request_asking(method, params, timeout, None, None)
            .await
    }

    /// [`request`](Self::request), the server's questions on its behalf answered by `asker`
    /// (when given) rather than the handlers, and its notifications handed to `listener`.
    pub(super) async fn request_asking(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
        asker: Option<Asker>,
        listener: Option<Listener>,
    ) -> Answer {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let _asking = asker.map(|asker| {
            self.askers().insert(id, asker);
            Asking { peer: self, id }
        });
        let _listening = listener.map(|listener| {
            let token = params
                .get("_meta")
                .and_then(|m| m.get("progressToken"))
                .cloned();
            self.listeners().insert(id, (token, listener));
            Listening { peer: self, id }
        });
        let (answer_tx, answer) = oneshot::channel();
        {
            let mut pending = self.pending();
            if let Some(why) = &pending.closed {
                return Err(ClientError::Closed(why.clone()));
            }
            pending.waiting.insert(id, answer_tx);
        }
        let mut waiting = Waiting {
            peer: self,
            id,
            reason: "the caller stopped waiting",
        };
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        if self
            .outgoing
            .send(message.to_string().into_bytes())
            .await
            .is_err()
        {
            waiting.answered();
            self.pending().waiting.remove(&id);
            return Err(ClientError::Closed(format!(
                "{}: the connection is closed",
                self.server
            )));
        }
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(answer)) => {
                waiting.answered();
                answer
            }
            Ok(Err(_)) => {
                waiting.answered();
                Err(ClientError::Closed(format!(
                    "{}: the connection closed",
                    self.server
                )))
            }
            Err(_) => {
                waiting.reason = "timed out";
                drop(waiting);
                Err(ClientError::Timeout {
                    server: self.server.clone(),
                    method: method.to_owned(),
                    after: timeout,
                })
            }
        }
    }

    /// Sends a notification (lost if the connection is closed).
    pub(super) async fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        let _ = self.outgoing.send(message.to_string().into_bytes()).await;
    }

    /// The server's notifications from now on.
    pub(super) fn notifications(&self) -> broadcast::Receiver<Value> {
        self.notifications.subscribe()
    }

    /// Takes one message from the server: an answer goes to its request, a question to its
    /// handler, a notification to the listeners. What is not JSON-RPC is dropped, told once
    /// per kind in the log; an answer to no request waiting is dropped.
    pub(super) fn receive(self: &Arc<Self>, message: &[u8]) {
        self.receive_for(message, None)
    }

    /// [`receive`](Self::receive) of a message that came on the stream of request `related`
    /// (an HTTP request's answer stream): a question in it is asked on that request's behalf.
    pub(super) fn receive_for(self: &Arc<Self>, message: &[u8], related: Option<u64>) {
        let Ok(mut message) = serde_json::from_slice::<Value>(message) else {
            tracing::debug!(target: "sturdy::client", server = %self.server, "a line that is not JSON, dropped");
            return;
        };
        let id = message.get("id").cloned();
        let method = message
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (id, method) {
            (Some(id), None) => {
                let Some(waiting) = id
                    .as_u64()
                    .and_then(|id| self.pending().waiting.remove(&id))
                else {
                    return;
                };
                let (result, error) = match message.as_object_mut() {
                    Some(m) => (m.remove("result"), m.remove("error")),
                    None => (None, None),
                };
                let answer = match (result, error) {
                    (Some(result), None) => Ok(result),
                    (None, Some(mut error)) => Err(ClientError::Rpc {
                        server: self.server.clone(),
                        code: error["code"].as_i64().unwrap_or_default(),
                        message: error["message"].as_str().unwrap_or_default().to_owned(),
                        data: error.get_mut("data").map(Value::take),
                    }),
                    _ => Err(ClientError::Protocol(format!(
                        "{}: an answer with neither a result nor an error (or both)",
                        self.server
                    ))),
                };
                let _ = waiting.send(answer);
            }
            (Some(id), Some(method)) => self.answer_question(id, &method, message, related),
            (None, Some(_)) => {
                if let Some(listener) = self.listener_for(related, &message) {
                    listener(&message);
                }
                let _ = self.notifications.send(message);
            }
            (None, None) => {}
        }
    }

    /// Answers the server's question on a task of its own (a handler that waits holds up
    /// nothing else).
    fn answer_question(
        self: &Arc<Self>,
        id: Value,
        method: &str,
        mut message: Value,
        related: Option<u64>,
    ) {
        let asker = self.asker_for(related);
        let handler = self
            .handlers
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, h)| h.clone());
        let params = message
            .get_mut("params")
            .map(Value::take)
            .unwrap_or(Value::Null);
        let peer = self.clone();
        let method = method.to_owned();
        tokio::spawn(async move {
            let answer = match (method.as_str(), asker, handler) {
                ("ping", _, _) => json!({"jsonrpc": "2.0", "id": id, "result": {}}),
                (_, Some(asker), _) => match asker(method.clone(), params).await {
                    Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
                    Err((code, message)) => json!({"jsonrpc": "2.0", "id": id, "error": {
                        "code": code, "message": message,
                    }}),
                },
                (_, None, Some(handler)) => {
                    json!({"jsonrpc": "2.0", "id": id, "result": handler(params).await})
                }
                (_, None, None) => json!({"jsonrpc": "2.0", "id": id, "error": {
                    "code": crate::protocol::jsonrpc::METHOD_NOT_FOUND,
                    "message": format!("this client does not answer {method}"),
                }}),
            };
            let _ = peer.outgoing.send(answer.to_string().into_bytes()).await;
        });
    }

    /// An id no request of this conversation has used.
    #[cfg(feature = "remote")]
    pub(super) fn fresh_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Who answers a question asked on behalf of request `related`: its asker; or, for a
    /// question whose request is not known (over stdio), the asker of the one request waiting,
    /// when it has one (with several waiting, guessing could show one caller another's
    /// question: the handlers answer).
    fn asker_for(&self, related: Option<u64>) -> Option<Asker> {
        let alone = related.is_none() && self.alone();
        let askers = self.askers();
        match related {
            Some(id) => askers.get(&id).cloned(),
            None if alone && askers.len() == 1 => askers.values().next().cloned(),
            None => None,
        }
    }

    /// Whether one request alone is waiting: a message that does not say which request it
    /// belongs to can only be that one's (with others waiting, even ones that ask nobody, it
    /// could be theirs).
    fn alone(&self) -> bool {
        self.pending().waiting.len() == 1
    }

    /// Who is handed `note`, sent on behalf of request `related`: its listener; progress, the
    /// listener of the request with its token; or, for a note whose request is not known (over
    /// stdio), the listener of the one request waiting, when it has one (with several waiting,
    /// none is: no caller is handed another's).
    fn listener_for(&self, related: Option<u64>, note: &Value) -> Option<Listener> {
        let alone = related.is_none() && self.alone();
        let listeners = self.listeners();
        let token = note
            .get("params")
            .and_then(|p| p.get("progressToken"))
            .filter(|_| note["method"] == "notifications/progress");
        if let Some(token) = token {
            return listeners
                .values()
                .find(|(t, _)| t.as_ref() == Some(token))
                .map(|(_, l)| l.clone());
        }
        match related {
            Some(id) => listeners.get(&id).map(|(_, l)| l.clone()),
            None if alone && listeners.len() == 1 => {
                listeners.values().next().map(|(_, l)| l.clone())
            }
            None => None,
        }
    }

    fn listeners(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (Option<Value>, Listener)>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn askers(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Asker>> {
        self.askers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The application's answer to a question of the server's asked on behalf of request
    /// `related` (its asker's, else the handler's), when it has one; `Err` when the asker
    /// refused.
    #[cfg(feature = "remote")]
    pub(super) async fn answer_with_handler(
        &self,
        method: &str,
        params: Value,
        related: u64,
    ) -> Option<Result<Value, String>> {
        if let Some(asker) = self.asker_for(Some(related)) {
            return Some(asker(method.to_owned(), params).await.map_err(|(_, m)| m));
        }
        let handler = self
            .handlers
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, h)| h.clone())?;
        Some(Ok(handler(params).await))
    }

    /// Tool `name`'s calls mirror `marked` (argument, header) pairs.
    pub(super) fn mirror(&self, name: &str, marked: Vec<(String, String)>) {
        let mut mirrored = self.mirrored.lock().unwrap_or_else(|p| p.into_inner());
        if marked.is_empty() {
            mirrored.remove(name);
        } else if mirrored.len() < 10_000 || mirrored.contains_key(name) {
            mirrored.insert(name.to_owned(), marked);
        }
    }

    /// The (argument, header) pairs tool `name`'s calls mirror.
    #[cfg(feature = "remote")]
    pub(super) fn mirrored(&self, name: &str) -> Vec<(String, String)> {
        let mirrored = self.mirrored.lock().unwrap_or_else(|p| p.into_inner());
        mirrored.get(name).cloned().unwrap_or_default()
    }

    /// Waits for the answer to request `id`, sent by the transport itself (after this is
    /// called, so that no answer comes before its waiter), unless `until` ends first: then
    /// `until`'s output. The wait is forgotten either way.
    #[cfg(feature = "remote")]
    pub(super) async fn answer_unless<T>(
        &self,
        id: u64,
        send: impl FnOnce(),
        until: impl std::future::Future<Output = T>,
    ) -> Result<Answer, T> {
        let (answer_tx, answer) = oneshot::channel();
        self.pending().waiting.insert(id, answer_tx);
        send();
        let outcome = tokio::select! {
            answer = answer => Ok(answer.unwrap_or_else(|_| {
                Err(ClientError::Closed(format!("{}: the connection closed", self.server)))
            })),
            other = until => Err(other),
        };
        self.pending().waiting.remove(&id);
        outcome
    }

    /// Whether request `id` still waits for its answer.
    #[cfg(feature = "remote")]
    pub(super) fn is_waiting(&self, id: u64) -> bool {
        self.pending().waiting.contains_key(&id)
    }

    /// Request `id` failed before any answer could come (its message could not be delivered).
    #[cfg(feature = "remote")]
    pub(super) fn fail(&self, id: u64, error: ClientError) {
        if let Some(waiting) = self.pending().waiting.remove(&id) {
            let _ = waiting.send(Err(error));
        }
    }

    /// The conversation is over: every request waiting, and every later one, fails with `why`.
    pub(super) fn close(&self, why: String) {
        let waiting = {
            let mut pending = self.pending();
            pending.closed.get_or_insert(why.clone());
            std::mem::take(&mut pending.waiting)
        };
        for (_, waiting) in waiting {
            let _ = waiting.send(Err(ClientError::Closed(why.clone())));
        }
    }
}

/// A request waiting for its answer: when dropped before it came, the request is forgotten and
/// the server told it is cancelled (if the outgoing queue has room: a drop cannot wait).
struct Waiting<'a> {
    peer: &'a Peer,
    id: u64,
    reason: &'static str,
}

impl Waiting<'_> {
    /// The answer came (or never will): nothing to cancel.
    fn answered(&mut self) {
        self.reason = "";
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.reason.is_empty() {
            return;
        }
        self.peer.pending().waiting.remove(&self.id);
        let message = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": self.id, "reason": self.reason}});
        let _ = self
            .peer
            .outgoing
            .try_send(message.to_string().into_bytes());
    }
}

/// A request's asker, forgotten with the request.
struct Asking<'a> {
    peer: &'a Peer,
    id: u64,
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        self.peer.askers().remove(&self.id);
    }
}

/// A request's listener, forgotten with the request.
struct Listening<'a> {
    peer: &'a Peer,
    id: u64,
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        self.peer.listeners().remove(&self.id);
    }
}
