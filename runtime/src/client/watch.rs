//! Resource subscriptions in 2026-07-28, which has no `resources/subscribe`: one
//! `subscriptions/listen` stream carries the updates of every resource the client watches, and
//! is opened again with the new list at each change (the old one closed once the new one is
//! acknowledged, so that no update falls between them).

use super::http::Listen;
use super::{Client, ClientError, Transport};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

/// The key of the subscription id in a notification's `_meta`.
const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// The resources one client watches, and the stream that tells of them.
pub(super) struct Watched {
    uris: Vec<String>,
    stream: Option<Listen>,
    max_message_bytes: usize,
}

impl Watched {
    pub(super) fn new(max_message_bytes: usize) -> Watched {
        Watched {
            uris: Vec::new(),
            stream: None,
            max_message_bytes,
        }
    }
}

impl Client {
    /// Whether this client speaks 2026-07-28 over HTTP (subscriptions are listen streams).
    pub(super) fn listens(&self) -> bool {
        matches!(self.transport, Transport::Http(_))
            && self.server_info["protocolVersion"] == "2026-07-28"
    }

    /// Watches `add` (or stops watching `remove`): a listen stream for the new list,
    /// acknowledged by the server, replaces the old one.
    pub(super) async fn rewatch(
        &self,
        add: Option<&str>,
        remove: Option<&str>,
    ) -> Result<(), ClientError> {
        let Transport::Http(server) = &self.transport else {
            return Err(ClientError::Protocol("only HTTP clients listen".into()));
        };
        let mut watched = self.watched.lock().await;
        let mut uris = watched.uris.clone();
        if let Some(uri) = add.filter(|uri| !uris.iter().any(|u| u == uri)) {
            uris.push(uri.to_owned());
        }
        uris.retain(|u| Some(u.as_str()) != remove);
        if uris.is_empty() {
            watched.uris.clear();
            watched.stream = None;
            return Ok(());
        }
        let id = self.peer.fresh_id();
        let mut notes = self.peer.notifications();
        let params = json!({"notifications": {"resourceSubscriptions": uris}});
        let mut stream = None;
        let acknowledged = async {
            loop {
                match notes.recv().await {
                    Ok(note)
                        if note["method"] == "notifications/subscriptions/acknowledged"
                            && note["params"]["_meta"][SUBSCRIPTION_ID] == json!(id) =>
                    {
                        return Some(note);
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        };
        let waited = self
            .peer
            .answer_unless(
                id,
                || stream = server.listen(&self.peer, id, params, watched.max_message_bytes),
                tokio::time::timeout(self.timeout, acknowledged),
            )
            .await;
        let acknowledged = match waited {
            // An answer before the acknowledgement: the server refused (or ended) the stream.
            Ok(answer) => {
                answer?;
                return Err(ClientError::Protocol(format!(
                    "{}: subscriptions/listen ended before it was acknowledged",
                    self.peer.server
                )));
            }
            Err(Ok(Some(note))) => note,
            Err(Ok(None)) => {
                return Err(ClientError::Closed(format!(
                    "{}: the connection closed",
                    self.peer.server
                )))
            }
            Err(Err(_)) => {
                return Err(ClientError::Timeout {
                    server: self.peer.server.clone(),
                    method: "subscriptions/listen".into(),
                    after: self.timeout,
                })
            }
        };
        if let Some(uri) = add {
            let agreed = &acknowledged["params"]["notifications"]["resourceSubscriptions"];
            if !agreed
                .as_array()
                .is_some_and(|a| a.iter().any(|u| u == &Value::from(uri)))
            {
                return Err(ClientError::Protocol(format!(
                    "{}: does not tell of updates to {uri}",
                    self.peer.server
                )));
            }
        }
        watched.uris = uris;
        watched.stream = stream;
        Ok(())
    }
}
