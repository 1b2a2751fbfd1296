//! The example server's API, cache and rate-limit tools as a user runs them: the built `tool_server`
//! binary spoken to over its stdin/stdout, calling a local flaky HTTP server. Each test has its own
//! server process (policy state lives in the process) and its own HTTP server.

use crate::{example_client, support};
mod cached;
mod library;
mod rate_limited;
mod resilient_api_call;
mod retry_api_call;

use example_client::{is_error, text, ToolServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A local HTTP/1.1 server on 127.0.0.1 that counts the requests of each request target:
/// - `/ok`: 200 with a JSON body;
/// - `/flaky?fail=N…`: 503 for the first N requests of that exact target, then 200 JSON;
/// - `/down`: always 503; `/notfound`: 404; `/notjson`: 200 with an HTML body;
/// - `/slow?ms=N`: 200 JSON after N ms.
struct FlakyServer {
    base: String,
    hits: Arc<Mutex<HashMap<String, u32>>>,
}

impl FlakyServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let counts = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_connection(stream, counts.clone()));
            }
        });
        FlakyServer { base, hits }
    }

    fn url(&self, target: &str) -> String {
        format!("{}{target}", self.base)
    }

    /// Requests seen for this target (path and query).
    fn hits(&self, target: &str) -> u32 {
        self.hits.lock().unwrap().get(target).copied().unwrap_or(0)
    }

    fn total_hits(&self) -> u32 {
        self.hits.lock().unwrap().values().sum()
    }
}

/// Answers one request (the client sends GETs without bodies) and closes the connection.
async fn serve_connection(mut stream: TcpStream, hits: Arc<Mutex<HashMap<String, u32>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or("/").to_owned();
    let seen = {
        let mut hits = hits.lock().unwrap();
        let n = hits.entry(target.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let ok = |body: Value| (200, "application/json", body.to_string());
    let (status, content_type, body) = match path {
        "/ok" => ok(json!({"status": "ok"})),
        "/flaky" if u64::from(seen) <= param("fail").unwrap_or(0) => {
            (503, "text/plain", "try again later".to_owned())
        }
        "/flaky" => ok(json!({"status": "ok", "attempt": seen})),
        "/down" => (503, "text/plain", "down for maintenance".to_owned()),
        "/notfound" => (404, "text/plain", "no such thing".to_owned()),
        "/notjson" => (200, "text/html", "<html>hello</html>".to_owned()),
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(param("ms").unwrap_or(500))).await;
            ok(json!({"status": "ok", "slow": true}))
        }
        _ => (404, "text/plain", "unknown endpoint".to_owned()),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
