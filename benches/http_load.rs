//! HTTP load bench: `tools/call add` over Streamable HTTP on keep-alive connections at
//! concurrency 1 and 64, in four flavours: stateless 2026-07-28 requests (of `add`, and of
//! `add_sync`, the same tool as a plain `fn`), a 2025-11-25 session,
//! and a session whose client declared it can be asked (elicitation, sampling: its calls take
//! the path that could turn into a stream). Measured against a hand-written minimal hyper
//! JSON-RPC responder (the floor) in the same run. Reports calls/s, p50/p99 latency and the
//! server's resident memory (idle and after load). One more arm serves sturdy's dispatch behind
//! the floor's bare hyper, to tell the transport's cost from the dispatch's. Run: `cargo bench --bench http_load`
//! (options: `--seconds N`, `--no-pin`; `--against HOST:PORT` only drives a server already
//! running, to profile it; `--instructions` counts each arm's instructions per request under
//! callgrind instead, a figure the machine's load does not move). With `taskset` and two CPUs, the server runs on CPU 0
//! and the client (its threads) on CPU 1, as in `stdio_load`.
//!
//! One more arm sends the stateless calls with an access token (`Authorization: Bearer`, the
//! same token each time) to a server checking tokens as an OAuth resource server
//! (`STURDY_AUTH_ISSUER`), whose key set this process serves: what authentication costs a call.
//! With `--instructions`, a last arm sends a new token with every call (EdDSA, signed ahead by
//! the client): what a token costs the first time the server sees it.
//!
//! The bench binary is its own server: it re-runs itself with `--serve-sturdy ADDR` or
//! `--serve-floor ADDR`. The client is `common/http_client.rs` (raw HTTP/1.1).

mod common;

use common::http_client::{
    drive, drive_count, exchange, free_address, post, rss_kib, spawn_self, Requests,
};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::service::service_fn;
use serde_json::{json, Value};
use std::io::BufReader;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A stateless call of `tool` (`add`, or `add_sync`: the same tool written as a plain `fn`).
fn stateless_body(tool: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}}}},"name":"{tool}","arguments":{{"a":2,"b":3}}}}}}"#
    )
}
const SESSION_BODY: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}"#;

/// How the client speaks.
#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    Stateless,
    /// Stateless calls of the sync `add_sync`.
    StatelessSync,
    Session,
    /// A session whose client declared `elicitation` and `sampling`.
    AskableSession,
    /// Stateless calls of `add` with an access token, to a server checking tokens.
    Authenticated,
    /// The same with a token the server has not seen before, every call.
    FreshTokens,
}

impl Flavour {
    fn name(self) -> &'static str {
        match self {
            Flavour::Stateless => "stateless",
            Flavour::StatelessSync => "stateless sync",
            Flavour::Session => "session",
            Flavour::AskableSession => "askable",
            Flavour::Authenticated => "with a token",
            Flavour::FreshTokens => "a new token each call",
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

/// sturdy's dispatch behind the floor's bare hyper (no router, middleware, header checks or
/// sessions): where the time between the floor and sturdy goes, transport or dispatch.
async fn serve_dispatch(addr: SocketAddr) {
    let server = std::sync::Arc::new(
        sturdy::mcp::Server::from_inventory(sturdy::mcp::ServerInfo::new("bench", "1")).unwrap(),
    );
    let session = std::sync::Arc::new(sturdy::mcp::Session::default());
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let (server, session) = (server.clone(), session.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (server, session) = (server.clone(), session.clone());
                async move {
                    let body = req.into_body().collect().await?.to_bytes();
                    let out = server.handle(&session, &body).await.unwrap_or_default();
                    Ok::<_, hyper::Error>(
                        hyper::Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(out)))
                            .unwrap(),
                    )
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

/// The arms of a run: the floor first (the others are reported against it).
const RUNS: [(&str, Flavour); 7] = [
    ("--serve-floor", Flavour::Stateless),
    ("--serve-dispatch", Flavour::Stateless),
    ("--serve-sturdy", Flavour::Stateless),
    ("--serve-sturdy", Flavour::StatelessSync),
    ("--serve-sturdy", Flavour::Session),
    ("--serve-sturdy", Flavour::AskableSession),
    ("--serve-sturdy", Flavour::Authenticated),
];

/// The audience the authenticated arm's token names (`STURDY_AUTH_AUDIENCE`).
const AUDIENCE: &str = "sturdy-bench";

/// The authenticated arm's access token, and the environment of its server (the issuer, and
/// where this process serves the key set that verifies it).
struct Authority {
    token: String,
    /// Signs tokens for [`Flavour::FreshTokens`] (EdDSA: fast to sign, so the client can make
    /// thousands ahead).
    fresh_key: jsonwebtoken::EncodingKey,
    issuer: String,
    env: Vec<(&'static str, String)>,
}

impl Authority {
    /// `n` tokens the server has never seen (each its own `jti`).
    fn fresh_tokens(&self, n: usize) -> Vec<String> {
        use jsonwebtoken::{Algorithm, Header};
        static MINTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("bench-ed".into());
        let now = jsonwebtoken::get_current_timestamp();
        (0..n)
            .map(|_| {
                let jti = MINTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let claims = json!({"iss": self.issuer, "aud": AUDIENCE, "sub": "bench",
                    "exp": now + 86_400, "scope": "bench", "jti": jti.to_string()});
                jsonwebtoken::encode(&header, &claims, &self.fresh_key).unwrap()
            })
            .collect()
    }
}

static AUTHORITY: std::sync::OnceLock<Authority> = std::sync::OnceLock::new();

/// Signs a token with the fixture key (`benches/fixtures/bench_signing_key.pem`, RS256) and
/// serves the key set on a free port, for the rest of the run.
fn authority() -> &'static Authority {
    AUTHORITY.get_or_init(|| {
        use jsonwebtoken::{jwk, Algorithm, EncodingKey, Header};
        let pem = include_bytes!("fixtures/bench_signing_key.pem");
        let key = EncodingKey::from_rsa_pem(pem).expect("the fixture key");
        let mut public = jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
        public.common.key_id = Some("bench".into());
        let ed_pem = include_bytes!("fixtures/bench_signing_key_ed25519.pem");
        let fresh_key = EncodingKey::from_ed_pem(ed_pem).expect("the fixture key");
        let mut ed_public = jwk::Jwk::from_encoding_key(&fresh_key, Algorithm::EdDSA).unwrap();
        ed_public.common.key_id = Some("bench-ed".into());
        let jwks = serde_json::to_vec(&json!({ "keys": [public, ed_public] })).unwrap();
        let addr = free_address();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(serve_json(addr, jwks));
        });
        let issuer = format!("http://{addr}");
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("bench".into());
        let now = jsonwebtoken::get_current_timestamp();
        let claims = json!({"iss": issuer, "aud": AUDIENCE, "sub": "bench", "exp": now + 86_400,
            "scope": "bench"});
        Authority {
            token: jsonwebtoken::encode(&header, &claims, &key).unwrap(),
            fresh_key,
            issuer: issuer.clone(),
            env: vec![
                ("STURDY_AUTH_ISSUER", issuer.clone()),
                ("STURDY_AUTH_JWKS_URL", format!("{issuer}/jwks")),
                ("STURDY_AUTH_AUDIENCE", AUDIENCE.into()),
            ],
        }
    })
}

/// The environment of the server of `flavour`'s arm.
fn server_env(flavour: Flavour) -> Vec<(&'static str, &'static str)> {
    match flavour {
        Flavour::Authenticated | Flavour::FreshTokens => authority()
            .env
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Answers every request with `body` (JSON).
async fn serve_json(addr: SocketAddr, body: Vec<u8>) {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let body = Bytes::from(body);
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_| {
                let body = body.clone();
                async move { Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(body))) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

fn arm_name(mode: &str, flavour: Flavour) -> String {
    match mode {
        "--serve-floor" => "floor".to_owned(),
        "--serve-dispatch" => "dispatch in bare hyper".to_owned(),
        _ => format!("sturdy {}", flavour.name()),
    }
}

/// `--instructions`: each arm's server under callgrind, 4 connections of 1,000 requests each
/// after a warm-up; instructions per request, against the floor's (see `common/callgrind.rs`).
/// A session's 4 `initialize` requests are counted with its 4,000 calls (0.1%).
fn count_instructions() {
    if !common::callgrind::available() {
        println!("--instructions needs valgrind (apt install valgrind)");
        return;
    }
    println!("http instructions per request (callgrind), tools/call add");
    println!(
        "{:>22} | {:>12} | {:>9}",
        "server", "instructions", "vs floor"
    );
    let mut floor = 0;
    let fresh = ("--serve-sturdy", Flavour::FreshTokens);
    for (mode, flavour) in RUNS.into_iter().chain([fresh]) {
        let addr = free_address();
        let env = server_env(flavour);
        let request = move |w: &mut TcpStream, r: &mut BufReader<TcpStream>| {
            request_bytes(addr, flavour, w, r)
        };
        let (connections, per_connection) = (4, 1000);
        let counted = common::callgrind::Counted::start_with_env(&[mode], &env, addr);
        let per_request = counted.per_request(
            || drive_count(addr, connections, 200, request),
            || drive_count(addr, connections, per_connection, request),
            (connections * per_connection) as u64,
        );
        if mode == "--serve-floor" {
            floor = per_request;
        }
        println!(
            "{:>22} | {:>12} | {:>8.2}×",
            arm_name(mode, flavour),
            per_request,
            per_request as f64 / floor as f64
        );
    }
}

/// Calls a [`Flavour::FreshTokens`] connection makes with tokens of its own (at most: it
/// starts again from its first after that many).
const FRESH_TOKENS_PER_CONNECTION: usize = 1000;

/// The requests a connection repeats; sessions are opened first (`initialize`).
fn request_bytes(
    addr: SocketAddr,
    flavour: Flavour,
    writer: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
) -> Requests {
    let with_token = |token: &str| {
        let headers = format!(
            "Authorization: Bearer {token}\r\nMCP-Protocol-Version: 2026-07-28\r\n\
             Mcp-Method: tools/call\r\nMcp-Name: add\r\n"
        );
        post(addr, &headers, &stateless_body("add"))
    };
    let capabilities = match flavour {
        Flavour::Authenticated => return vec![with_token(&authority().token)],
        Flavour::FreshTokens => {
            let tokens = authority().fresh_tokens(FRESH_TOKENS_PER_CONNECTION);
            return tokens.iter().map(|t| with_token(t)).collect();
        }
        Flavour::Stateless | Flavour::StatelessSync => {
            let tool = if flavour == Flavour::Stateless {
                "add"
            } else {
                "add_sync"
            };
            let headers = format!(
                "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: {tool}\r\n"
            );
            return vec![post(addr, &headers, &stateless_body(tool))];
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
    vec![post(addr, &headers, SESSION_BODY)]
}

fn main() {
    if let Some(addr) = common::flag_value("--serve-floor") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        return rt.block_on(serve_floor(addr.parse().unwrap()));
    }
    if let Some(addr) = common::flag_value("--serve-dispatch") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        return rt.block_on(serve_dispatch(addr.parse().unwrap()));
    }
    if let Some(addr) = common::flag_value("--serve-sturdy") {
        return common::serve_sturdy_http("bench", addr);
    }
    if common::listing_only() {
        return;
    }
    let seconds = common::seconds_flag(3.0);
    // A server already running (under `perf record`, say): stateless calls at concurrency 64.
    if let Some(addr) = common::flag_value("--against") {
        let addr: SocketAddr = addr.parse().expect("--against HOST:PORT");
        let run = drive(
            &[addr],
            64,
            seconds,
            move |w: &mut TcpStream, r: &mut BufReader<TcpStream>| {
                request_bytes(addr, Flavour::Stateless, w, r)
            },
        );
        println!("{addr}: {:.0} calls/s", run.calls_per_sec);
        return;
    }
    if std::env::args().any(|a| a == "--instructions") {
        return count_instructions();
    }
    println!(
        "http load: tools/call add, {seconds} s per run; {}",
        common::pinning::describe()
    );
    println!(
        "{:>5} | {:>21} | {:>9} | {:>9} | {:>9} | {:>8} | {:>8} | {:>11}",
        "conc", "server", "calls/s", "p50 µs", "p99 µs", "RSS idle", "RSS load", "CPU µs/call"
    );
    for concurrency in [1, 64] {
        let (mut floor_rate, mut floor_cpu) = (0.0, 0.0);
        for (mode, flavour) in RUNS {
            let env = server_env(flavour);
            let (mut child, addr) = spawn_self(common::pinning::server_cpu(), &[mode], &env);
            let request = move |w: &mut TcpStream, r: &mut BufReader<TcpStream>| {
                request_bytes(addr, flavour, w, r)
            };
            // Warm up, then measure idle memory and the run.
            drive(&[addr], concurrency.min(8), 0.3, request);
            std::thread::sleep(Duration::from_millis(200));
            let idle = rss_kib(child.id());
            let cpu_before = common::server_cpu_ns(child.id());
            let run = drive(&[addr], concurrency, seconds, request);
            let cpu = common::server_cpu_ns(child.id()).saturating_sub(cpu_before);
            let us_per_call = cpu as f64 / 1000.0 / run.calls.max(1) as f64;
            let loaded = rss_kib(child.id());
            let _ = child.kill();
            let _ = child.wait();
            let floor = mode == "--serve-floor";
            let name = arm_name(mode, flavour);
            if floor {
                (floor_rate, floor_cpu) = (run.calls_per_sec, us_per_call);
            }
            println!(
                "{concurrency:>5} | {name:>21} | {:>9.0} | {:>9.0} | {:>9.0} | {:>5} KiB | {:>5} KiB | {us_per_call:>11.2}{}",
                run.calls_per_sec,
                run.p50.as_secs_f64() * 1e6,
                run.p99.as_secs_f64() * 1e6,
                idle,
                loaded,
                if floor {
                    String::new()
                } else {
                    format!(
                        "   ({:.0}% of floor's calls/s, {:.2}x its CPU per call)",
                        100.0 * run.calls_per_sec / floor_rate,
                        us_per_call / floor_cpu
                    )
                }
            );
        }
    }
}
