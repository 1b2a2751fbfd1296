//! Calls/s and client CPU per call of sturdy's MCP client against rmcp's (the official Rust
//! SDK's client) on the same sturdy server (`examples/bench_server`, its `add` tool), in one
//! run, the arms alternated round by round:
//!
//! - stdio: each client starts its own server process and keeps a 2025-11-25 session;
//! - HTTP, a 2025-11-25 session on one server both clients share;
//! - HTTP, 2026-07-28 (stateless requests after `server/discover`).
//!
//! Every call's answer is checked. The client's CPU is this process's (all its threads); the
//! server runs in another process, pinned apart when `--pin` is given (client on CPU 0,
//! server on CPU 1).
//!
//! ```sh
//! cargo build --release --example bench_server
//! cargo run --release --manifest-path benches/rmcp_client/Cargo.toml -- --calls 50000 --rounds 3
//! ```

use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::ServiceExt;
use serde_json::json;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Settings {
    calls: usize,
    concurrency: usize,
    rounds: usize,
    pin: bool,
    server: PathBuf,
}

fn settings() -> Settings {
    let mut s = Settings {
        calls: 50_000,
        concurrency: 32,
        rounds: 3,
        pin: false,
        server: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/release/examples/bench_server"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match arg.as_str() {
            "--calls" => s.calls = value().parse().expect("--calls N"),
            "--concurrency" => s.concurrency = value().parse().expect("--concurrency N"),
            "--rounds" => s.rounds = value().parse().expect("--rounds N"),
            "--server" => s.server = PathBuf::from(value()),
            "--pin" => s.pin = true,
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        s.server.exists(),
        "{} is missing: cargo build --release --example bench_server",
        s.server.display()
    );
    s
}

/// What one arm measured.
struct Measured {
    calls_per_s: f64,
    cpu_us_per_call: f64,
}

/// This process's CPU time so far (user and system, every thread).
fn cpu_time() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// `calls` calls of `call(n)` (which answers `n + 1`) from `concurrency` tasks, after a warm-up.
async fn drive<F, Fut>(calls: usize, concurrency: usize, call: F) -> Measured
where
    F: Fn(i64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = i64> + Send,
{
    let run = |calls: usize| {
        let call = call.clone();
        async move {
            let tasks: Vec<_> = (0..concurrency)
                .map(|t| {
                    let call = call.clone();
                    tokio::spawn(async move {
                        for i in 0..calls / concurrency {
                            let n = (t * 1_000_000 + i) as i64;
                            assert_eq!(call(n).await, n + 1, "a wrong answer");
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("a calling task panicked");
            }
        }
    };
    run(calls / 10).await;
    let (started, cpu) = (Instant::now(), cpu_time());
    run(calls).await;
    let (elapsed, used) = (started.elapsed(), cpu_time() - cpu);
    let done = (calls / concurrency * concurrency) as f64;
    Measured {
        calls_per_s: done / elapsed.as_secs_f64(),
        cpu_us_per_call: used.as_secs_f64() * 1e6 / done,
    }
}

fn server_command(s: &Settings, args: &[&str]) -> tokio::process::Command {
    let mut command = if s.pin {
        let mut taskset = tokio::process::Command::new("taskset");
        taskset.args(["-c", "1"]).arg(&s.server);
        taskset
    } else {
        tokio::process::Command::new(&s.server)
    };
    command
        .args(args)
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    command
}

fn answer_of_sturdy(result: sturdy::client::ToolResult) -> i64 {
    result.text().parse().expect("a number")
}

fn answer_of_rmcp(result: rmcp::model::CallToolResult) -> i64 {
    let text = result.content[0].as_text().expect("a text answer");
    text.text.parse().expect("a number")
}

async fn sturdy_arm(s: &Settings, arm: &str, url: Option<&str>) -> Measured {
    let builder = sturdy::client::Client::builder().timeout(Duration::from_secs(60));
    let client = match (arm, url) {
        ("stdio", _) => builder.stdio(server_command(s, &[])).await,
        ("http session", Some(url)) => builder.protocol_version("2025-11-25").http(url).await,
        (_, Some(url)) => builder.protocol_version("2026-07-28").http(url).await,
        _ => unreachable!(),
    };
    let client = Arc::new(client.expect("sturdy's client connects"));
    drive(s.calls, s.concurrency, move |n| {
        let client = client.clone();
        async move {
            let result = client
                .call_tool("add", json!({"a": n, "b": 1}))
                .await
                .expect("sturdy's call");
            answer_of_sturdy(result)
        }
    })
    .await
}

async fn rmcp_arm(s: &Settings, arm: &str, url: Option<&str>) -> Measured {
    let service = match (arm, url) {
        ("stdio", _) => {
            let transport = TokioChildProcess::new(server_command(s, &[])).expect("spawn");
            ().serve(transport).await.expect("rmcp's client connects")
        }
        ("http session", Some(url)) => {
            let transport = StreamableHttpClientTransport::from_uri(url.to_owned());
            ().serve(transport).await.expect("rmcp's client connects")
        }
        (_, Some(url)) => {
            let transport = StreamableHttpClientTransport::from_uri(url.to_owned());
            let lifecycle = ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            };
            ().serve_with_lifecycle(transport, lifecycle)
                .await
                .expect("rmcp's client connects")
        }
        _ => unreachable!(),
    };
    let peer = service.peer().clone();
    let measured = drive(s.calls, s.concurrency, move |n| {
        let peer = peer.clone();
        async move {
            let arguments = json!({"a": n, "b": 1}).as_object().cloned();
            let mut params = CallToolRequestParams::new("add");
            params.arguments = arguments;
            answer_of_rmcp(peer.call_tool(params).await.expect("rmcp's call"))
        }
    })
    .await;
    drop(service);
    measured
}

fn main() {
    let s = settings();
    if s.pin {
        // The client on CPU 0 (its runtime's threads inherit it).
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: a zeroed cpu_set_t with CPU 0 set, for this process.
        unsafe {
            libc::CPU_SET(0, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
        }
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let _http_server = server_command(&s, &["--http", &address])
            .spawn()
            .expect("the HTTP server starts");
        let url = format!("http://{address}/mcp");
        while tokio::net::TcpStream::connect(&address).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "{} calls of `add` per arm at concurrency {}, {} rounds, arms alternated",
            s.calls, s.concurrency, s.rounds
        );
        for arm in ["stdio", "http session", "http 2026-07-28"] {
            let mut ratios = Vec::new();
            for round in 0..s.rounds {
                let url = (arm != "stdio").then_some(url.as_str());
                let (sturdy, rmcp) = if round % 2 == 0 {
                    let sturdy = sturdy_arm(&s, arm, url).await;
                    (sturdy, rmcp_arm(&s, arm, url).await)
                } else {
                    let rmcp = rmcp_arm(&s, arm, url).await;
                    (sturdy_arm(&s, arm, url).await, rmcp)
                };
                println!(
                    "{arm:>16}: sturdy {:>8.0} calls/s {:>6.1} µs CPU/call | rmcp {:>8.0} calls/s \
                     {:>6.1} µs CPU/call | calls/s ratio {:.2}, CPU ratio {:.2}",
                    sturdy.calls_per_s,
                    sturdy.cpu_us_per_call,
                    rmcp.calls_per_s,
                    rmcp.cpu_us_per_call,
                    sturdy.calls_per_s / rmcp.calls_per_s,
                    sturdy.cpu_us_per_call / rmcp.cpu_us_per_call,
                );
                ratios.push(sturdy.calls_per_s / rmcp.calls_per_s);
            }
            ratios.sort_by(f64::total_cmp);
            println!(
                "{arm:>16}: sturdy / rmcp calls/s {:.2}–{:.2}",
                ratios[0],
                ratios[ratios.len() - 1]
            );
        }
    });
}
