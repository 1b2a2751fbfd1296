//! A 2026-07-28 request over HTTP: no session; each request carries the client's `_meta` and its
//! method, name and mirrored arguments as headers, and takes its `input_required` rounds.

use super::sse::StreamState;
use super::{lock, Post, STATELESS};
use crate::client::peer::Peer;
use crate::client::ClientError;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use std::sync::Arc;

/// Rounds of `input_required` one request may take.
const MAX_ROUNDS: usize = 16;

impl Post {
    /// The answer to request `wire_id` in `response` (its body, or its event stream, whose other
    /// messages go to the peer as sent on behalf of request `related`); why there is none.
    async fn read_answer(
        &self,
        response: &mut reqwest::Response,
        wire_id: u64,
        related: Option<u64>,
        method: &str,
    ) -> Result<Value, String> {
        let status = response.status();
        let answer = if super::content_type(response).starts_with("text/event-stream") {
            // Notifications on it are sent on the request's behalf.
            let mut stream = StreamState {
                capture: Some(wire_id),
                related,
                ..StreamState::default()
            };
            self.events(response, &mut stream).await?;
            stream.captured
        } else {
            serde_json::from_slice::<Value>(&self.body(response).await?).ok()
        };
        answer
            .filter(|a| a.get("method").is_none() && a["id"].as_u64() == Some(wire_id))
            .ok_or_else(|| {
                format!(
                    "{}: HTTP {status}, and no answer to {method}",
                    self.peer.server
                )
            })
    }

    /// The `Mcp-Param-*` headers of `request`: a tool call's arguments its tool mirrors.
    fn mirrored_headers(&self, method: &str, request: &Value) -> Vec<(String, String)> {
        if method != "tools/call" {
            return Vec::new();
        }
        let tool = request["params"]["name"].as_str().unwrap_or_default();
        let arguments = &request["params"]["arguments"];
        self.peer
            .mirrored(tool)
            .into_iter()
            .filter_map(|(argument, header)| {
                let value = arguments.get(&argument)?;
                let value = crate::client::header_params::header_value(value)?;
                Some((format!("mcp-param-{header}"), value))
            })
            .collect()
    }

    /// A 2026-07-28 request: its `_meta` and headers added, its `input_required` rounds taken
    /// (the questions answered by the application's handlers, the request sent again with the
    /// answers and the server's `requestState`), its final answer handed to the peer.
    pub(super) async fn send_stateless(&self, mut request: Value, meta: Value) {
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
        with_meta(&mut request, &meta);
        let mut wire_id = id.unwrap_or_default();
        let mut retried = false;
        for _ in 0..MAX_ROUNDS {
            let headers = self.mirrored_headers(&method, &request);
            let body = request.to_string();
            let sent = self
                .send_authorized(|| {
                    let mut post = self
                        .request(reqwest::Method::POST)
                        .header(CONTENT_TYPE, "application/json")
                        .header(ACCEPT, "application/json, text/event-stream")
                        .header("mcp-method", method.as_str());
                    if let Some(name) = &name {
                        post = post.header("mcp-name", name.clone());
                    }
                    for (header, value) in &headers {
                        post = post.header(header.as_str(), value.clone());
                    }
                    post.body(body.clone())
                })
                .await;
            let mut response = match sent {
                Ok(response) => response,
                Err(e) => {
                    if let Some(id) = id {
                        self.peer.fail(id, e);
                    }
                    return;
                }
            };
            let mut answer = match self.read_answer(&mut response, wire_id, id, &method).await {
                Ok(answer) => answer,
                Err(why) => return fail(why),
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
            let related = id.unwrap_or_default();
            let responses = match self.answers(&method, &answer["result"], related).await {
                Ok(responses) => responses,
                Err(why) => return fail(why),
            };
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
}

impl Post {
    /// The application's answers to the questions of an `input_required` result, by key, for
    /// request `related` (its asker's, else the handlers'); why not, naming the question.
    async fn answers(
        &self,
        method: &str,
        result: &Value,
        related: u64,
    ) -> Result<serde_json::Map<String, Value>, String> {
        let mut responses = serde_json::Map::new();
        let Some(asked) = result["inputRequests"].as_object() else {
            return Ok(responses);
        };
        for (key, question) in asked {
            let asked_method = question["method"].as_str().unwrap_or_default();
            let answered = self
                .peer
                .answer_with_handler(asked_method, question["params"].clone(), related)
                .await;
            let answer = match answered {
                Some(Ok(answer)) => answer,
                Some(Err(why)) => {
                    return Err(format!(
                        "{}: {method} asked {asked_method}, and the answer failed: {why}",
                        self.peer.server
                    ))
                }
                None => {
                    return Err(format!(
                        "{}: {method} asked {asked_method}, which this client does not answer",
                        self.peer.server
                    ))
                }
            };
            responses.insert(key.clone(), answer);
        }
        Ok(responses)
    }
}

impl super::HttpServer {
    /// Opens a 2026-07-28 `subscriptions/listen` request `id` with `params` (None outside
    /// 2026-07-28): what its stream carries goes to the peer until the returned handle is
    /// dropped.
    pub(in crate::client) fn listen(
        &self,
        peer: &Arc<Peer>,
        id: u64,
        params: Value,
        max_message_bytes: usize,
    ) -> Option<Listen> {
        let meta = lock(&self.session).stateless.clone()?;
        let post = self.post(peer, max_message_bytes);
        let request = serde_json::json!({
            "jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": params,
        });
        Some(Listen(tokio::spawn(async move {
            post.send_stateless(request, meta).await
        })))
    }
}

/// A `subscriptions/listen` stream held open: closed when dropped.
pub(in crate::client) struct Listen(tokio::task::JoinHandle<()>);

impl Drop for Listen {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `request` with `meta`'s entries in its `_meta` (its own entries kept where both have one).
fn with_meta(request: &mut Value, meta: &Value) {
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
}
