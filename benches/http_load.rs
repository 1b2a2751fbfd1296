//! HTTP load bench: `tools/call add` over Streamable HTTP on keep-alive connections at
//! concurrency 1 and 64, in three flavours: stateless 2026-07-28 requests, a 2025-11-25 session,
//! and a session whose client declared it can be asked (elicitation, sampling: its calls take
//! the path that could turn into a stream). Measured against a hand-written minimal hyper
//! JSON-RPC responder (the floor) in the same run. Reports calls/s, p50/p99 latency and the
//! server's resident memory (idle and after load). Run: `cargo bench --bench http_load`
//! (options: `--seconds N`).
//!
//! The bench binary is its own server: it re-runs itself with `--serve-sturdy ADDR` or
//! `--serve-floor ADDR`. The client is a few lines of raw HTTP/1.1 so that it costs the shared
//! CPU as little as possible.

mod common;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::service::service_fn;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BODY: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}},"name":"add","arguments":{"a":2,"b":3}}}"#;
const SESSION_BODY: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}"#;

/// How the client speaks.
#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    Stateless,
    Session,
    /// A session whose client declared `elicitation` and `sampling`.
    AskableSession,
}

impl Flavour {
    fn name(self) -> &'static str {
        match self {
            Flavour::Stateless => "stateless",
            Flavour::Session => "session",
            Flavour::AskableSession => "askable",
        }
    }
}

/// The floor: parse the JSON-RPC request, add, answer the same result sturdy sends.
async fn serve_floor(addr: SocketAddr) {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                let body = req.into_body().collect().await?.to_bytes();
                let v: Value = serde_json::from_slice(&body).unwrap();
                let args = &v["params"]["arguments"];
                let sum = args["a"].as_i64().unwrap() + args["b"].as_i64().unwrap();
                let structured = json!({ "result": sum });
                let out = json!({"jsonrpc": "2.0", "id": v["id"], "result": {
                    "content": [{"type": "text", "text": structured.to_string()}],
                    "structuredContent": structured, "resultType": "complete"}});
                Ok::<_, hyper::Error>(
                    hyper::Response::builder()
                        .header("content-type", "application/json")
                        .body(Full::new(Bytes::from(serde_json::to_vec(&out).unwrap())))
                        .unwrap(),
                )
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

fn post(addr: SocketAddr, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `request` and reads the response into `body`; returns the value of the header `keep`
/// (lower-case), if asked for and present.
fn exchange(
    writer: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    request: &[u8],
    line: &mut String,
    body: &mut Vec<u8>,
    keep: Option<&str>,
) -> Option<String> {
    writer.write_all(request).unwrap();
    line.clear();
    reader.read_line(line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    let (mut length, mut kept) = (0, None);
    loop {
        line.clear();
        reader.read_line(line).unwrap();
        if line == "\r\n" {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().unwrap();
        } else if keep.is_some_and(|k| name.eq_ignore_ascii_case(k)) {
            kept = Some(value.trim().to_owned());
        }
    }
    body.resize(length, 0);
    reader.read_exact(body).unwrap();
    kept
}

/// The request a connection repeats; sessions are opened first (`initialize`).
fn request_bytes(
    addr: SocketAddr,
    flavour: Flavour,
    writer: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
) -> Vec<u8> {
    let capabilities = match flavour {
        Flavour::Stateless => {
            return post(
                addr,
                "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: add\r\n",
                BODY,
            );
        }
        Flavour::Session => "{}",
        Flavour::AskableSession => r#"{"elicitation":{},"sampling":{}}"#,
    };
    let init = format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"2025-11-25","capabilities":{capabilities},"clientInfo":{{"name":"bench","version":"1"}}}}}}"#
    );
    let (mut line, mut body) = (String::new(), Vec::new());
    let request = post(addr, "", &init);
    let sid = exchange(
        writer,
        reader,
        &request,
        &mut line,
        &mut body,
        Some("mcp-session-id"),
    )
    .expect("initialize opens a session");
    let headers = format!("Mcp-Session-Id: {sid}\r\nMCP-Protocol-Version: 2025-11-25\r\n");
    post(addr, &headers, SESSION_BODY)
}

/// One keep-alive connection sending requests back to back until `stop`; returns latencies.
fn connection(addr: SocketAddr, flavour: Flavour, stop: Arc<AtomicBool>) -> Vec<Duration> {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let request = request_bytes(addr, flavour, &mut writer, &mut reader);
    let mut latencies = Vec::new();
    let mut line = String::new();
    let mut body = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let start = Instant::now();
        exchange(
            &mut writer,
            &mut reader,
            &request,
            &mut line,
            &mut body,
            None,
        );
        latencies.push(start.elapsed());
    }
    latencies
}

struct Run {
    calls_per_sec: f64,
    p50: Duration,
    p99: Duration,
}

fn drive(addr: SocketAddr, flavour: Flavour, concurrency: usize, seconds: f64) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..concurrency)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || connection(addr, flavour, stop))
        })
        .collect();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = start.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Run {
        calls_per_sec: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

fn spawn_server(mode: &str) -> (Child, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([mode, &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if TcpStream::connect(addr).is_ok() {
            return (child, addr);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{mode} did not start");
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value_after = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(addr) = value_after("--serve-floor") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        return rt.block_on(serve_floor(addr.parse().unwrap()));
    }
    if let Some(addr) = value_after("--serve-sturdy") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(sturdy::App::new("bench", "1").run_with_args(vec!["--http".into(), addr]));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let seconds: f64 = value_after("--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    println!("http load: tools/call add, {seconds} s per run");
    println!(
        "{:>5} | {:>16} | {:>9} | {:>9} | {:>9} | {:>8} | {:>8}",
        "conc", "server", "calls/s", "p50 µs", "p99 µs", "RSS idle", "RSS load"
    );
    let runs = [
        ("--serve-floor", Flavour::Stateless),
        ("--serve-sturdy", Flavour::Stateless),
        ("--serve-sturdy", Flavour::Session),
        ("--serve-sturdy", Flavour::AskableSession),
    ];
    for concurrency in [1, 64] {
        let mut floor_rate = 0.0;
        for (mode, flavour) in runs {
            let (mut child, addr) = spawn_server(mode);
            // Warm up, then measure idle memory and the run.
            drive(addr, flavour, concurrency.min(8), 0.3);
            std::thread::sleep(Duration::from_millis(200));
            let idle = rss_kib(child.id());
            let run = drive(addr, flavour, concurrency, seconds);
            let loaded = rss_kib(child.id());
            let _ = child.kill();
            let _ = child.wait();
            let floor = mode == "--serve-floor";
            let name = if floor {
                "floor".to_owned()
            } else {
                format!("sturdy {}", flavour.name())
            };
            if floor {
                floor_rate = run.calls_per_sec;
            }
            println!(
                "{concurrency:>5} | {name:>16} | {:>9.0} | {:>9.0} | {:>9.0} | {:>5} KiB | {:>5} KiB{}",
                run.calls_per_sec,
                run.p50.as_secs_f64() * 1e6,
                run.p99.as_secs_f64() * 1e6,
                idle,
                loaded,
                if floor {
                    String::new()
                } else {
                    format!("   ({:.0}% of floor)", 100.0 * run.calls_per_sec / floor_rate)
                }
            );
        }
    }
}
