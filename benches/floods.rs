//! Hostile floods against a real `tool_server --http` process, measuring its resident memory
//! (VmRSS now, VmHWM peak, from /proc) and whether it still serves others. Linux only.
//!
//! ```sh
//! cargo build --release --example tool_server
//! cargo bench --bench floods                      # against target/release/examples/tool_server
//! FLOOD_SERVER=/path/to/other/tool_server cargo bench --bench floods   # e.g. an older build
//! ```
//!
//! Floods (each against a fresh server): 24 unauthenticated 4 MiB uploads to a server with a
//! bearer token; 300 slowloris connections; 300 streamed `count_slowly` calls whose clients hang
//! up; 10,000 `initialize` in a row; 1,024 parked `input_required` calls; 500 stateless calls
//! with 1 MiB client names to a tool rate-limited per client.

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(binary: &PathBuf, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(binary)
            .args(["--http", &addr.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let server = Server { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// (VmRSS, VmHWM) in MiB.
    fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
                / 1024.0
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn headers(extra: &[(&str, &str)]) -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("content-type", "application/json".parse().unwrap());
    h.insert(
        "accept",
        "application/json, text/event-stream".parse().unwrap(),
    );
    for (k, v) in extra {
        h.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    h
}

async fn initialize(http: &reqwest::Client, url: &str) -> Option<String> {
    let r = http
        .post(url)
        .headers(headers(&[]))
        .body(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "flood", "version": "1"}}})
            .to_string(),
        )
        .send()
        .await
        .ok()?;
    let sid = r.headers().get("mcp-session-id")?.to_str().ok()?.to_owned();
    Some(sid)
}

fn stateless_meta(name: &str, askable: bool) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": name, "version": "1"},
        "io.modelcontextprotocol/clientCapabilities":
            if askable { json!({"elicitation": {}}) } else { json!({}) }
    })
}

async fn health_ok(addr: SocketAddr) -> bool {
    let attempt = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        s.write_all(
            format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .ok()?;
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).await.ok()?;
        Some(buf.starts_with(b"HTTP/1.1 200"))
    };
    tokio::time::timeout(Duration::from_secs(3), attempt)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

struct Report {
    name: &'static str,
    base: f64,
    after: f64,
    peak: f64,
    note: String,
}

async fn uploads(binary: &PathBuf) -> Report {
    let server = Server::start(binary, &[("STURDY_BEARER_TOKEN", "secret")]);
    let base = server.memory().0;
    let body = vec![b' '; 4 << 20];
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let (addr, body) = (server.addr, body.clone());
        tasks.push(tokio::spawn(async move {
            let Ok(mut s) = TcpStream::connect(addr).await else {
                return 0u16;
            };
            let head = format!(
                "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                 Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(&body).await;
            let mut buf = [0u8; 12];
            let _ = tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut buf)).await;
            std::str::from_utf8(&buf[9..12])
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0)
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    let (after, peak) = server.memory();
    codes.sort_unstable();
    codes.dedup();
    Report {
        name: "24 unauthenticated 4 MiB uploads",
        base,
        after,
        peak,
        note: format!("answers {codes:?}"),
    }
}

async fn slowloris(binary: &PathBuf) -> Report {
    let server = Server::start(binary, &[]);
    let base = server.memory().0;
    let fds_before = server.fds();
    let mut conns = Vec::new();
    for _ in 0..300 {
        if let Ok(mut s) = TcpStream::connect(server.addr).await {
            let _ = s
                .write_all(b"POST /mcp HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await;
            conns.push(s);
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let held = server.fds().saturating_sub(fds_before);
    tokio::time::sleep(Duration::from_secs(12)).await;
    let left = server.fds().saturating_sub(fds_before);
    let healthy = health_ok(server.addr).await;
    let (after, peak) = server.memory();
    drop(conns);
    Report {
        name: "300 slowloris connections",
        base,
        after,
        peak,
        note: format!(
            "descriptors held after 1 s: {held}, after 13 s: {left}; /health answers: {healthy}"
        ),
    }
}

async fn dropped_streams(binary: &PathBuf) -> Report {
    let server = Server::start(binary, &[]);
    let base = server.memory().0;
    let http = reqwest::Client::new();
    let url = server.url();
    let sid = initialize(&http, &url).await.expect("a session");
    let mut started = 0;
    let mut refused = 0;
    for id in 0..300 {
        let r = http
            .post(&url)
            .headers(headers(&[
                ("mcp-session-id", &sid),
                ("mcp-protocol-version", "2025-11-25"),
            ]))
            .body(
                json!({"jsonrpc": "2.0", "id": id + 1, "method": "tools/call", "params": {
                    "name": "count_slowly", "arguments": {"n": 50},
                    "_meta": {"progressToken": id}}})
                .to_string(),
            )
            .send()
            .await;
        match r {
            Ok(r) if r.status() == 200 => started += 1,
            _ => refused += 1,
        }
        // The client hangs up at once.
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, peak) = server.memory();
    Report {
        name: "300 streamed calls, clients gone",
        base,
        after,
        peak,
        note: format!("{started} started, {refused} refused (cap 256)"),
    }
}

async fn sessions(binary: &PathBuf) -> Report {
    let server = Server::start(binary, &[]);
    let base = server.memory().0;
    let http = reqwest::Client::new();
    let url = server.url();
    let started = Instant::now();
    let mut created = 0;
    for _ in 0..10_000 {
        if initialize(&http, &url).await.is_some() {
            created += 1;
        }
    }
    let took = started.elapsed();
    let another = initialize(&http, &url).await.is_some();
    let (after, peak) = server.memory();
    Report {
        name: "10,000 initialize",
        base,
        after,
        peak,
        note: format!(
            "{created} created in {:.1} s; one more initialize works: {another}",
            took.as_secs_f64()
        ),
    }
}

async fn parked(binary: &PathBuf) -> Report {
    let server = Server::start(binary, &[]);
    let base = server.memory().0;
    let http = reqwest::Client::new();
    let url = server.url();
    let mut parked = 0;
    for id in 0..1024 {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "ask_contact_details", "arguments": {"reason": "flood"},
            "_meta": stateless_meta("flood", true)}});
        let r = http
            .post(&url)
            .headers(headers(&[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "ask_contact_details"),
            ]))
            .body(body.to_string())
            .send()
            .await;
        if let Ok(r) = r {
            if r.text()
                .await
                .unwrap_or_default()
                .contains("input_required")
            {
                parked += 1;
            }
        }
    }
    let (after, peak) = server.memory();
    Report {
        name: "1,024 parked input_required calls",
        base,
        after,
        peak,
        note: format!("{parked} parked"),
    }
}

async fn long_names(binary: &PathBuf) -> Report {
    let server = Server::start(binary, &[]);
    let base = server.memory().0;
    let http = reqwest::Client::new();
    let url = server.url();
    // The tool keyed by the client: `rate_limited_per_client(data)` now, `rate_limited_operation(task)` before.
    let list = http
        .post(&url)
        .headers(headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/list"),
        ]))
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": stateless_meta("x", false)}}).to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (tool, arguments) = if list.contains("rate_limited_per_client") {
        ("rate_limited_per_client", json!({"data": "x"}))
    } else {
        ("rate_limited_operation", json!({"task": "x"}))
    };
    let mut admitted = 0;
    for i in 0..500 {
        let name = format!("{i:06}{}", "n".repeat((1 << 20) - 6));
        let body = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {
            "name": tool, "arguments": arguments, "_meta": stateless_meta(&name, false)}});
        let r = http
            .post(&url)
            .headers(headers(&[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", tool),
            ]))
            .body(body.to_string())
            .send()
            .await;
        if let Ok(r) = r {
            let text = r.text().await.unwrap_or_default();
            if text.contains("\"result\"") && !text.contains("isError") {
                admitted += 1;
            }
        }
    }
    let (after, peak) = server.memory();
    Report {
        name: "500 calls with 1 MiB client names",
        base,
        after,
        peak,
        note: format!("{admitted} admitted by a limit of 5 or 10 per client"),
    }
}

#[tokio::main]
async fn main() {
    let binary = std::env::var_os("FLOOD_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/examples/tool_server"));
    if !binary.is_file() {
        eprintln!(
            "{} not found: build it first (cargo build --release --example tool_server)",
            binary.display()
        );
        return;
    }
    println!("server: {}", binary.display());
    println!(
        "{:<36} {:>8} {:>8} {:>8}  notes",
        "flood", "RSS 0", "RSS end", "peak"
    );
    for report in [
        uploads(&binary).await,
        slowloris(&binary).await,
        dropped_streams(&binary).await,
        sessions(&binary).await,
        parked(&binary).await,
        long_names(&binary).await,
    ] {
        println!(
            "{:<36} {:>6.1} M {:>6.1} M {:>6.1} M  {}",
            report.name, report.base, report.after, report.peak, report.note
        );
    }
}
