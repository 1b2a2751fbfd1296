//! Three replicas of the example tool server sharing one Redis: `cargo run --example replicas`
//! (needs `redis-server`; Debian: `apt-get install -y redis-server`).
//!
//! Starts a local `redis-server` on a free port (no persistence), runs this program three more
//! times as replicas (`--replica ADDR`: the example server's tools over Streamable HTTP, with
//! `STURDY_REDIS_URL` set), and calls them round robin as a load balancer would:
//! `rate_limited_operation` (10 calls per 60 s per `client_id`) admits 10 of 45 calls across the
//! three, not 10 each; `cached_expensive_operation` computed on one replica is a cache hit on the
//! others. Then it stops everything.

#[path = "../tool_server/tools/mod.rs"]
#[allow(dead_code)]
mod tools;

use serde_json::{json, Value};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const REPLICAS: usize = 3;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, addr] = &args[..] {
        if flag == "--replica" {
            return replica(addr).await;
        }
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One replica: the example server's tools over HTTP at `addr`, its policy state in the Redis of
/// `STURDY_REDIS_URL` (set by the parent).
async fn replica(addr: &str) -> ExitCode {
    sturdy::App::new("sturdy-tool-server", env!("CARGO_PKG_VERSION"))
        .state(tools::api::http_client())
        .state(tools::upstreams::LoadBalancer::default())
        .run_with_args(["--http".to_owned(), addr.to_owned()])
        .await
}

/// Kills a child process when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn run() -> Result<(), String> {
    let redis_port = free_port();
    let redis = Running(
        Command::new("redis-server")
            .args(["--port", &redis_port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("cannot start redis-server ({e}); Debian: apt-get install -y redis-server")
            })?,
    );
    wait_for(
        || TcpStream::connect(("127.0.0.1", redis_port)).is_ok(),
        "redis-server",
    )?;
    let redis_url = format!("redis://127.0.0.1:{redis_port}");
    println!("redis-server on {redis_url}");

    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut replicas = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..REPLICAS {
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let child = Command::new(&me)
            .args(["--replica", &addr.to_string()])
            .env("STURDY_REDIS_URL", &redis_url)
            // Generous for a busy laptop (the default, 50 ms, suits a production network): past
            // it a replica would rightly decide alone, and the count would not show sharing.
            .env("STURDY_REDIS_TIMEOUT", "0.5")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start a replica: {e}"))?;
        replicas.push(Running(child));
        wait_for(|| TcpStream::connect(addr).is_ok(), "a replica")?;
        urls.push(format!("http://{addr}/mcp"));
    }
    println!("{REPLICAS} replicas: {}", urls.join(", "));

    let http = reqwest::Client::new();
    println!("\n45 calls of rate_limited_operation (10 per 60 s per client_id), round robin:");
    let mut admitted = [0; REPLICAS];
    for n in 0..45 {
        let i = n % REPLICAS;
        let r = call(
            &http,
            &urls[i],
            "rate_limited_operation",
            json!({"data": format!("job {n}"), "client_id": "everyone"}),
        )
        .await?;
        if r["isError"] != true {
            admitted[i] += 1;
        }
    }
    for (i, n) in admitted.iter().enumerate() {
        println!("  replica {i}: admitted {n}");
    }
    let total: usize = admitted.iter().sum();
    println!("admitted {total} of 45 across {REPLICAS} replicas (alone, each would admit 10)");

    println!("\ncached_expensive_operation(n = 90, fibonacci) on each replica:");
    for (i, url) in urls.iter().enumerate() {
        let r = call(
            &http,
            url,
            "cached_expensive_operation",
            json!({"n": 90, "operation": "fibonacci"}),
        )
        .await?;
        let s = &r["structuredContent"];
        println!(
            "  replica {i}: result {} cached {}",
            s["result"], s["cached"]
        );
    }
    drop(replicas);
    drop(redis);
    Ok(())
}

/// One stateless (2026-07-28) `tools/call`; its result.
async fn call(http: &reqwest::Client, url: &str, tool: &str, args: Value) -> Result<Value, String> {
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {
            "name": tool, "arguments": args,
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "replicas-example", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    });
    let response = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let text = response.text().await.map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    Ok(v["result"].clone())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

fn wait_for(ready: impl Fn() -> bool, what: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        if Instant::now() > deadline {
            return Err(format!("{what} did not start within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
