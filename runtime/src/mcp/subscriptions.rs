//! Telling clients that a list changed (the tools', resources' or prompts'
//! [`Switches`](crate::registry::Switches)) or that a resource they watch was updated:
//! - 2026-07-28: `subscriptions/listen` opens a stream (its request's SSE response over HTTP,
//!   the shared stdout over stdio) that starts with `notifications/subscriptions/acknowledged`
//!   (what the server agreed to send: list changes, resource updates, the status of the
//!   caller's tasks) and then carries only the notifications asked for, each
//!   tagged with the subscription's id (the listen request's id). It ends when the client closes
//!   it (or cancels the request), or with an empty result when the connection ends.
//! - 2025 sessions: `notifications/{tools,resources,prompts}/list_changed` and the updates of
//!   the resources they subscribed to, on the session's own channel (stdio; over HTTP, the
//!   session's GET stream).
//!
//! A client holds at most [`MAX_LISTENS_PER_CLIENT`] listen streams at once, so that streams
//! that never end cannot take every place under the server's concurrency cap.

use super::followed_tasks::FollowedTasks;
use super::{Server, Session};
use crate::context::Cancellation;
use crate::protocol::jsonrpc::{self, RpcError};
use crate::protocol::version;
use crate::switches::ListChanged;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc};

/// Listen streams one client (its principal, else its address) may hold open at once.
pub const MAX_LISTENS_PER_CLIENT: usize = 16;

/// The key of the subscription id in a notification's `_meta`.
const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// One of the lists whose changes are announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Tools,
    Resources,
    Prompts,
}

impl List {
    /// The notification's method.
    fn method(self) -> &'static str {
        match self {
            List::Tools => "notifications/tools/list_changed",
            List::Resources => "notifications/resources/list_changed",
            List::Prompts => "notifications/prompts/list_changed",
        }
    }

    /// The notification as a 2025 session gets it (untagged).
    fn notification(self) -> Vec<u8> {
        serde_json::to_vec(&json!({ "jsonrpc": "2.0", "method": self.method() }))
            .expect("notifications serialise")
    }
}

/// The three lists' change announcements, heard together.
struct ListChanges {
    tools: broadcast::Receiver<ListChanged>,
    resources: broadcast::Receiver<ListChanged>,
    prompts: broadcast::Receiver<ListChanged>,
}

impl ListChanges {
    fn new(server: &Server) -> Self {
        ListChanges {
            tools: server.registry.switches().subscribe(),
            resources: server.resources.switches().subscribe(),
            prompts: server.prompts.switches().subscribe(),
        }
    }

    /// The next list that changed (changes missed while lagging say "changed" all the same);
    /// `None` once the switches are gone. Cancel-safe, as `broadcast::Receiver::recv` is.
    async fn next(&mut self) -> Option<List> {
        let (message, list) = tokio::select! {
            m = self.tools.recv() => (m, List::Tools),
            m = self.resources.recv() => (m, List::Resources),
            m = self.prompts.recv() => (m, List::Prompts),
        };
        match message {
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => Some(list),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// Open listen streams per client.
#[derive(Default)]
pub(crate) struct Listeners {
    by_client: Mutex<HashMap<Arc<str>, usize>>,
}

/// A place among a client's listen streams, given back when dropped.
pub(crate) struct ListenPlace {
    listeners: Arc<Listeners>,
    client: Arc<str>,
}

impl Listeners {
    fn take(self: &Arc<Self>, client: Arc<str>) -> Option<ListenPlace> {
        let mut by_client = self.by_client.lock().unwrap_or_else(|p| p.into_inner());
        let open = by_client.entry(client.clone()).or_insert(0);
        if *open >= MAX_LISTENS_PER_CLIENT {
            return None;
        }
        *open += 1;
        Some(ListenPlace {
            listeners: self.clone(),
            client,
        })
    }
}

impl Drop for ListenPlace {
    fn drop(&mut self) {
        let mut by_client = self
            .listeners
            .by_client
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(open) = by_client.get_mut(&self.client) {
            *open -= 1;
            if *open == 0 {
                by_client.remove(&self.client);
            }
        }
    }
}

impl Server {
    /// A place for one more stream of `client`'s that hears of changes (a listen stream, an
    /// HTTP session's GET stream), or `None` when it holds [`MAX_LISTENS_PER_CLIENT`].
    pub(crate) fn listen_place(&self, client: Arc<str>) -> Option<ListenPlace> {
        self.listeners.take(client)
    }

    /// `subscriptions/listen`: acknowledges, then forwards what was asked for until the client
    /// closes the stream or cancels (`Ok(None)`: no response), or the connection ends (the
    /// closing result).
    pub(super) async fn listen(
        &self,
        session: &Session,
        id: &Value,
        params: &Map<String, Value>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
        cancel: &Cancellation,
    ) -> Result<Option<Value>, RpcError> {
        let (asked, out, _place) = self.open_listen(session, params, notify)?;
        let mut agreed = self.agree(asked)?;
        // Subscribed before the acknowledgement: nothing after it is missed.
        let mut task_changes = self.tasks.changes();
        agreed.tasks = self.agree_tasks(session, params, asked).await?;
        let mut followed =
            FollowedTasks::new(&self.tasks, session.quota_key(), agreed.tasks.clone()).await;
        let mut changes = ListChanges::new(self);
        let mut updates = self.resources.updates().subscribe();
        let ack = tagged(
            id,
            "notifications/subscriptions/acknowledged",
            json!({ "notifications": agreed.acknowledgement() }),
        );
        if out.send(ack).await.is_err() {
            return Ok(None);
        }
        loop {
            let note = tokio::select! {
                // Ends first: a change that comes with (or after) a cancellation is not sent.
                biased;
                _ = cancel.cancelled() => return Ok(None),
                _ = out.closed() => return Ok(None),
                // The connection is over, or the server stops: it ends with its result.
                _ = session.ended() => break,
                _ = self.closing.cancelled() => break,
                change = changes.next() => match change {
                    Some(list) if agreed.hears(list) => tagged(id, list.method(), json!({})),
                    Some(_) => continue,
                    None => break,
                },
                update = updates.recv() => match update {
                    Ok(uri) if agreed.watched.iter().any(|w| **w == *uri) => {
                        resource_updated(&uri, Some(id))
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                change = task_changes.recv(), if !followed.is_empty() => {
                    let changed = match &change {
                        Ok(task) => Some(&**task),
                        // Fell behind: each task followed is sent as it is now.
                        Err(broadcast::error::RecvError::Lagged(_)) => None,
                        Err(broadcast::error::RecvError::Closed) => break,
                    };
                    for task in followed.changed(&self.tasks, changed).await {
                        if out.send(tagged(id, "notifications/tasks", task)).await.is_err() {
                            return Ok(None);
                        }
                    }
                    continue;
                }
                () = followed.next_poll(), if !followed.is_empty() => {
                    for task in followed.polled(&self.tasks).await {
                        if out.send(tagged(id, "notifications/tasks", task)).await.is_err() {
                            return Ok(None);
                        }
                    }
                    continue;
                }
            };
            if out.send(note).await.is_err() {
                return Ok(None);
            }
        }
        Ok(Some(json!({
            "_meta": {
                META_SUBSCRIPTION_ID: id,
                version::META_SERVER_INFO: { "name": self.info.name, "version": self.info.version },
            },
        })))
    }

    /// What a listen stream needs before it opens: what the client asked for, a stream to the
    /// client, and a place among the client's streams.
    fn open_listen<'p>(
        &self,
        session: &Session,
        params: &'p Map<String, Value>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Result<OpenListen<'p>, RpcError> {
        let Some(Value::Object(asked)) = params.get("notifications") else {
            return Err(invalid(
                "subscriptions/listen needs `notifications`: the notification types to receive \
                 (e.g. {\"toolsListChanged\": true})",
            ));
        };
        let Some(out) = notify.or_else(|| session.outbound()) else {
            return Err(invalid(
                "subscriptions/listen needs a stream to the client (stdio or Streamable HTTP)",
            ));
        };
        let Some(place) = self.listen_place(session.quota_key()) else {
            return Err(invalid(format!(
                "this client already has {MAX_LISTENS_PER_CLIENT} subscriptions/listen streams \
                 open; close one first"
            )));
        };
        Ok((asked, out, place))
    }

    /// What the server can send of what was `asked`: list changes of the lists it has, and
    /// updates of resources it has (asked for by URI). Whatever else was asked is left out.
    fn agree(&self, asked: &Map<String, Value>) -> Result<Agreed, RpcError> {
        let wants = |kind: &str| asked.get(kind) == Some(&Value::Bool(true));
        let watched: Vec<String> = match asked.get("resourceSubscriptions") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(uris)) => uris
                .iter()
                .filter_map(Value::as_str)
                .filter(|uri| self.resources.resolves(uri))
                .take(super::session::MAX_SUBSCRIPTIONS_PER_SESSION)
                .map(str::to_owned)
                .collect(),
            Some(_) => return Err(invalid("resourceSubscriptions must be a list of URIs")),
        };
        Ok(Agreed {
            tools: wants("toolsListChanged"),
            resources: wants("resourcesListChanged") && !self.resources.is_empty(),
            prompts: wants("promptsListChanged") && !self.prompts.is_empty(),
            watched,
            tasks: Vec::new(),
        })
    }

    /// The tasks whose status changes the stream carries (`notifications.taskIds`): those of
    /// the caller's that exist; the request must declare the tasks extension to ask for any.
    async fn agree_tasks(
        &self,
        session: &Session,
        params: &Map<String, Value>,
        asked: &Map<String, Value>,
    ) -> Result<Vec<String>, RpcError> {
        let ids: Vec<&str> = match asked.get("taskIds") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).collect(),
            Some(_) => return Err(invalid("taskIds must be a list of task ids")),
        };
        let capabilities = crate::protocol::ClientCapabilities::from_json(
            params
                .get("_meta")
                .and_then(|m| m.get(version::META_CLIENT_CAPABILITIES)),
        );
        if !capabilities.tasks {
            return Err(super::task_methods::tasks_not_declared(
                "task status notifications",
            ));
        }
        let ids = ids.into_iter().take(MAX_TASKS_PER_LISTEN);
        Ok(self.tasks.owned(&session.quota_key(), ids).await)
    }

    /// After a 2025 `initialize` on a connection with its own channel (stdio): forwards each
    /// tool-list change and each update of a subscribed resource until the session ends.
    pub(super) fn forward_list_changes(&self, session: &Session) {
        if let Some(out) = session.outbound() {
            tokio::spawn(self.forward_to_session(session, out));
        }
    }

    /// What a 2025 session hears unasked, sent on `out`: `notifications/{tools,resources,
    /// prompts}/list_changed` at each change, `notifications/resources/updated` for the URIs it
    /// subscribed to; until the session ends, the server closes its subscriptions, or `out`
    /// closes.
    pub(crate) fn forward_to_session(
        &self,
        session: &Session,
        out: mpsc::Sender<Vec<u8>>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut changes = ListChanges::new(self);
        let mut updates = self.resources.updates().subscribe();
        let subscribed = session.subscriptions();
        let (ended, closing) = (session.end_token(), self.closing.clone());
        async move {
            loop {
                let note = tokio::select! {
                    biased;
                    _ = ended.cancelled() => return,
                    _ = closing.cancelled() => return,
                    _ = out.closed() => return,
                    change = changes.next() => match change {
                        Some(list) => list.notification(),
                        None => return,
                    },
                    update = updates.recv() => match update {
                        Ok(uri) => {
                            let wanted = subscribed
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .contains(&uri);
                            if !wanted {
                                continue;
                            }
                            resource_updated(&uri, None)
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                };
                if out.send(note).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// What [`Server::open_listen`] hands over: what the client asked for, the stream to it, and
/// the stream's place.
type OpenListen<'p> = (&'p Map<String, Value>, mpsc::Sender<Vec<u8>>, ListenPlace);

/// What a listen stream agreed to carry.
struct Agreed {
    tools: bool,
    resources: bool,
    prompts: bool,
    /// The resources whose updates it carries.
    watched: Vec<String>,
    /// The tasks whose status changes it carries (`notifications/tasks`).
    tasks: Vec<String>,
}

/// Tasks one listen stream follows, at most.
const MAX_TASKS_PER_LISTEN: usize = 1024;

impl Agreed {
    /// Whether the stream carries the changes of `list`.
    fn hears(&self, list: List) -> bool {
        match list {
            List::Tools => self.tools,
            List::Resources => self.resources,
            List::Prompts => self.prompts,
        }
    }

    /// The `notifications` of the acknowledgement.
    fn acknowledgement(&self) -> Value {
        let mut agreed = json!({});
        for (kind, wanted) in [
            ("toolsListChanged", self.tools),
            ("resourcesListChanged", self.resources),
            ("promptsListChanged", self.prompts),
        ] {
            if wanted {
                agreed[kind] = json!(true);
            }
        }
        if !self.watched.is_empty() {
            agreed["resourceSubscriptions"] = json!(self.watched);
        }
        if !self.tasks.is_empty() {
            agreed["taskIds"] = json!(self.tasks);
        }
        agreed
    }
}

/// A notification on the listen stream `id`, tagged with it.
fn tagged(id: &Value, method: &str, mut params: Value) -> Vec<u8> {
    params["_meta"] = json!({ META_SUBSCRIPTION_ID: id });
    serde_json::to_vec(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
        .expect("notifications serialise")
}

/// `notifications/resources/updated` for `uri`, tagged with a listen stream's id when given.
fn resource_updated(uri: &str, subscription: Option<&Value>) -> Vec<u8> {
    let mut params = json!({ "uri": uri });
    if let Some(id) = subscription {
        params["_meta"] = json!({ META_SUBSCRIPTION_ID: id });
    }
    serde_json::to_vec(&json!({
        "jsonrpc": "2.0", "method": "notifications/resources/updated", "params": params,
    }))
    .expect("notifications serialise")
}

fn invalid(message: impl Into<String>) -> RpcError {
    RpcError::new(jsonrpc::INVALID_PARAMS, message)
}
