//! Requests the server sends to its client while a tool runs (`elicitation/create`,
//! `sampling/createMessage`, `roots/list`), and the responses that come back on the same
//! connection or session. Each request has an id of the server's own and one waiter; a waiter
//! that gives up (its tool was cancelled or timed out) takes its entry with it and tells the
//! client, so nothing is left behind whatever the client does.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

/// What the client answered: the `result`, or the `error` object.
pub(crate) type Reply = Result<Value, Value>;

/// Why a request to the client got no result.
#[derive(Debug)]
pub(crate) enum NoResult {
    /// The connection or session ended (or the stream of the call was closed) first.
    Closed,
    /// The client answered with a JSON-RPC error.
    Refused(Value),
    /// Too many stateless calls wait for their clients already (see `input_required`).
    Busy,
}

#[derive(Debug, Default)]
pub(crate) struct ClientRequests {
    next_id: AtomicI64,
    state: Mutex<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    replies: HashMap<i64, oneshot::Sender<Reply>>,
    /// Set when the connection ends: later requests fail at once.
    closed: bool,
}

impl ClientRequests {
    /// Sends `method` to the client on `out` and waits for its answer.
    pub(crate) async fn ask(
        &self,
        out: &mpsc::Sender<Vec<u8>>,
        method: &str,
        params: Value,
    ) -> Result<Value, NoResult> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.lock();
            if state.closed {
                return Err(NoResult::Closed);
            }
            state.replies.insert(id, tx);
        }
        let mut pending = Pending {
            requests: self,
            out,
            id,
            answered: false,
        };
        let request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        if out.send(request.to_string().into_bytes()).await.is_err() {
            return Err(NoResult::Closed);
        }
        let reply = rx.await;
        pending.answered = true;
        match reply {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => Err(NoResult::Refused(error)),
            // The sender was dropped: the connection ended.
            Err(_) => Err(NoResult::Closed),
        }
    }

    /// Hands a response from the client to its waiter; false when nobody waits for `id` (an
    /// unknown id, or a waiter that gave up).
    pub(crate) fn deliver(&self, id: &Value, reply: Reply) -> bool {
        let Some(id) = id.as_i64() else {
            return false;
        };
        match self.lock().replies.remove(&id) {
            Some(tx) => tx.send(reply).is_ok(),
            None => false,
        }
    }

    /// The connection ended: every waiter gets [`NoResult::Closed`], and so does every later
    /// request.
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.replies.clear();
    }

    /// Requests still waiting for an answer.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.lock().replies.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Removes an unanswered request when its waiter is dropped, and tells the client to stop.
struct Pending<'a> {
    requests: &'a ClientRequests,
    out: &'a mpsc::Sender<Vec<u8>>,
    id: i64,
    answered: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        if self.requests.lock().replies.remove(&self.id).is_some() {
            let note = json!({
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": { "requestId": self.id, "reason": "the tool stopped waiting" },
            });
            // Best effort: a full or closed channel means the client is not reading anyway.
            let _ = self.out.try_send(note.to_string().into_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_reply_reaches_its_waiter_and_a_dropped_waiter_leaves_nothing() {
        let requests = Arc::new(ClientRequests::default());
        let (out, mut sent) = mpsc::channel(8);
        let asking = {
            let (requests, out) = (requests.clone(), out.clone());
            tokio::spawn(async move { requests.ask(&out, "roots/list", json!({})).await })
        };
        let request: Value = serde_json::from_slice(&sent.recv().await.unwrap()).unwrap();
        assert_eq!(request["method"], "roots/list");
        assert!(!requests.deliver(&json!(999), Ok(json!({}))));
        assert!(requests.deliver(&request["id"], Ok(json!({"roots": []}))));
        assert_eq!(asking.await.unwrap().unwrap(), json!({"roots": []}));

        // A waiter that gives up removes its entry and cancels the request at the client.
        let gave_up = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            requests.ask(&out, "roots/list", json!({})),
        )
        .await;
        assert!(gave_up.is_err());
        assert_eq!(requests.waiting(), 0);
        let _request = sent.recv().await.unwrap();
        let cancel: Value = serde_json::from_slice(&sent.recv().await.unwrap()).unwrap();
        assert_eq!(cancel["method"], "notifications/cancelled");
        assert_eq!(cancel["params"]["requestId"], 2);

        // After close, waiters and new requests fail at once.
        let waiting = {
            let (requests, out) = (requests.clone(), out.clone());
            tokio::spawn(async move { requests.ask(&out, "roots/list", json!({})).await })
        };
        let _request = sent.recv().await.unwrap();
        requests.close();
        assert!(matches!(waiting.await.unwrap(), Err(NoResult::Closed)));
        assert!(matches!(
            requests.ask(&out, "roots/list", json!({})).await,
            Err(NoResult::Closed)
        ));
    }
}
