//! An in-process Streamable HTTP server over this test binary's tools, and the requests an MCP
//! client sends it (sessions, stateless 2026-07-28 requests).

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use sturdy::mcp::{Server, ServerInfo};
use sturdy::transport::http::{self, BearerToken, HttpOptions};
use sturdy::Registry;
use tokio::sync::oneshot;

pub struct TestServer {
    pub addr: SocketAddr,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(options: HttpOptions) -> Self {
        Self::start_with(options, None).await
    }

    /// A server on `listener` (bound beforehand, when the options must name its address).
    pub async fn start_on(listener: tokio::net::TcpListener, options: HttpOptions) -> Self {
        Self::start_listening(listener, options, None).await
    }

    pub async fn start_with(options: HttpOptions, call_timeout: Option<Duration>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_listening(listener, options, call_timeout).await
    }

    async fn start_listening(
        listener: tokio::net::TcpListener,
        options: HttpOptions,
        call_timeout: Option<Duration>,
    ) -> Self {
        let mut server = Server::new(
            Registry::from_inventory().unwrap(),
            ServerInfo::new("http-test", "1"),
        )
        .with_resources(sturdy::resources::Resources::from_inventory().unwrap())
        .with_prompts(sturdy::prompts::Prompts::from_inventory().unwrap());
        if let Some(t) = call_timeout {
            server = server.with_call_timeout(t);
        }
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(http::serve_http(
            Arc::new(server),
            listener,
            options,
            async {
                let _ = stopped.await;
            },
        ));
        TestServer {
            addr,
            stop: Some(stop),
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    pub async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }
}

pub fn mcp_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert(
        "accept",
        HeaderValue::from_static("application/json, text/event-stream"),
    );
    h
}

/// POSTs `body` as an SDK client would: a 2026-07-28 request also gets the headers that mirror its
/// method and name (`Mcp-Method`, `Mcp-Name`) unless `headers` sets them.
pub async fn post(
    client: &Client,
    url: &str,
    mut headers: HeaderMap,
    body: Value,
) -> reqwest::Response {
    mirror_headers(&mut headers, &body);
    post_exact(client, url, headers, body).await
}

/// POSTs `body` with exactly `headers` (for tests of missing or wrong headers).
pub async fn post_exact(
    client: &Client,
    url: &str,
    headers: HeaderMap,
    body: Value,
) -> reqwest::Response {
    client
        .post(url)
        .headers(headers)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// Adds the 2026-07-28 headers that mirror `body`'s method and name, where absent.
pub fn mirror_headers(headers: &mut HeaderMap, body: &Value) {
    let stateless = headers
        .get("mcp-protocol-version")
        .is_some_and(|v| v == "2026-07-28");
    let Some(method) = body["method"].as_str().filter(|_| stateless) else {
        return;
    };
    if !headers.contains_key("mcp-method") {
        headers.insert("mcp-method", HeaderValue::from_str(method).unwrap());
    }
    let name = match method {
        "tools/call" | "prompts/get" => body["params"]["name"].as_str(),
        "resources/read" => body["params"]["uri"].as_str(),
        "tasks/get" | "tasks/update" | "tasks/cancel" => body["params"]["taskId"].as_str(),
        _ => None,
    };
    if let (Some(name), false) = (name, headers.contains_key("mcp-name")) {
        headers.insert("mcp-name", HeaderValue::from_str(name).unwrap());
    }
}

/// The `_meta` every stateless (2026-07-28) request carries.
pub fn stateless_meta() -> Value {
    super::rpc::meta_2026_as("stateless")
}

/// The headers of a stateless (2026-07-28) request.
pub fn stateless_headers() -> HeaderMap {
    let mut h = mcp_headers();
    h.insert(
        "mcp-protocol-version",
        HeaderValue::from_static("2026-07-28"),
    );
    h
}

pub async fn json_of(r: reqwest::Response) -> Value {
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

/// `initialize` + `notifications/initialized`; returns the session id.
pub async fn open_session(client: &Client, url: &str, headers: HeaderMap) -> String {
    open_session_with(client, url, headers, json!({})).await
}

/// [`open_session`] declaring these client capabilities (`{"elicitation": {}}`, ...).
pub async fn open_session_with(
    client: &Client,
    url: &str,
    headers: HeaderMap,
    capabilities: Value,
) -> String {
    let r = post(
        client,
        url,
        headers.clone(),
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":capabilities,
            "clientInfo":{"name":"http-client","version":"1"}}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let sid = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let body = json_of(r).await;
    assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
    let mut h = headers;
    h.insert("mcp-session-id", HeaderValue::from_str(&sid).unwrap());
    h.insert(
        "mcp-protocol-version",
        HeaderValue::from_static("2025-11-25"),
    );
    let r = post(
        client,
        url,
        h,
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    sid
}

pub fn with_session(sid: &str) -> HeaderMap {
    let mut h = mcp_headers();
    h.insert("mcp-session-id", HeaderValue::from_str(sid).unwrap());
    h.insert(
        "mcp-protocol-version",
        HeaderValue::from_static("2025-11-25"),
    );
    h
}

impl TestServer {
    /// Signals shutdown and waits for the server to finish draining.
    pub fn shutdown_nowait(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::spawn(async move {
            let _ = self.task.await;
        });
    }
}

/// The JSON-RPC messages of an SSE body: its non-empty `data:` lines (a session's stream opens
/// with an event that has only an id and empty data).
pub fn sse_messages(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

/// One SSE event: its id and its data (empty for the first, id-only event).
#[derive(Debug)]
pub struct SseEvent {
    pub id: Option<String>,
    pub data: String,
}

/// The complete events in `body`.
pub fn sse_events(body: &str) -> Vec<SseEvent> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim_start().to_owned())
            };
            SseEvent {
                id: field("id:"),
                data: field("data:").unwrap_or_default(),
            }
        })
        .collect()
}

/// Reads `r` until its body holds `count` complete events (or the stream ends).
pub async fn read_events(
    r: &mut reqwest::Response,
    body: &mut String,
    count: usize,
) -> Vec<SseEvent> {
    loop {
        let complete = &body[..body.rfind("\n\n").map_or(0, |i| i + 2)];
        let events = sse_events(complete);
        if events.len() >= count {
            return events;
        }
        match tokio::time::timeout(Duration::from_secs(20), r.chunk())
            .await
            .expect("the stream goes on within 20 s")
            .unwrap()
        {
            Some(chunk) => body.push_str(std::str::from_utf8(&chunk).unwrap()),
            None => return events,
        }
    }
}

/// A body-less request (`GET`, `DELETE`) in session `sid`.
pub async fn in_session(
    client: &Client,
    method: reqwest::Method,
    url: &str,
    sid: &str,
) -> reqwest::Response {
    client
        .request(method, url)
        .headers(with_session(sid))
        .send()
        .await
        .unwrap()
}

/// A bearer token `t-<principal>` for each principal.
pub fn tokens_for(principals: &[&str]) -> Vec<BearerToken> {
    principals
        .iter()
        .map(|p| BearerToken {
            principal: (*p).into(),
            token: format!("t-{p}"),
        })
        .collect()
}

/// `headers` with the bearer token of `principal` (see [`tokens_for`]).
pub fn as_user(mut headers: HeaderMap, principal: &str) -> HeaderMap {
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer t-{principal}")).unwrap(),
    );
    headers
}
