//! Tasks bench: a client that declared the tasks extension creates 10,000 short tasks over stdio
//! (pipelined), then polls `tasks/get` until every one has completed. Reports the creations per
//! second, the time until all completed, and the server's peak resident memory (VmHWM) against
//! its memory before the first task. Run: `cargo bench --bench tasks` (options: `--tasks N`;
//! `--redis`: tasks shared on a `redis-server` the bench starts on a free port, which also
//! reports Redis's memory for the kept tasks and the latency of one `tasks/get` against one
//! Redis round trip, measured in the same run).
//!
//! The bench binary is its own server: it re-runs itself with `--serve` (its `quick_job` tool,
//! served by sturdy).

mod common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{ChildStdout, Stdio};
use std::time::Instant;
use sturdy::prelude::*;

/// A task that ends at once (what the bench measures is the task machinery).
#[tool(task)]
async fn quick_job(n: u64) -> String {
    format!("job {n} done")
}

/// The server's memory from `/proc/<pid>/status`, in KiB: (`VmRSS`, `VmHWM`).
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Reads `n` responses; each one's `result`.
fn responses(lines: &mut impl Iterator<Item = String>, n: usize) -> Vec<Value> {
    (0..n)
        .map(|_| {
            let line = lines.next().expect("a response");
            let v: Value = serde_json::from_str(&line).unwrap();
            v["result"].clone()
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(sturdy::App::new("bench", "1").run_with_args(Vec::new()));
        return;
    }
    if common::listing_only() {
        return; // `cargo bench -- --list` compatibility: no named benchmarks.
    }
    let tasks: usize = common::flag_value("--tasks")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let redis = std::env::args()
        .any(|a| a == "--redis")
        .then(LocalRedis::start);
    let redis_before = redis.as_ref().map_or(0, |r| r.round_trip_and_memory(1).1);
    let mut server = std::process::Command::new(std::env::current_exe().unwrap());
    server
        .arg("--serve")
        // The per-caller quota (1000 by default) is not what the bench measures.
        .env("STURDY_TASKS_PER_CLIENT", tasks.to_string());
    if let Some(redis) = &redis {
        server
            .env("STURDY_REDIS_URL", redis.url())
            .env("STURDY_REDIS_TIMEOUT", "2");
    }
    let mut child = server
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut input = BufWriter::new(child.stdin.take().unwrap());
    // Read on a thread of its own: the requests are pipelined, and a client that only reads
    // after writing them all would block on a full pipe while the server blocks on its own.
    let stdout: ChildStdout = child.stdout.take().unwrap();
    let (line_tx, line_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line_tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut lines = line_rx.into_iter();
    let send = |input: &mut BufWriter<_>, v: Value| {
        serde_json::to_writer(&mut *input, &v).unwrap();
        input.write_all(b"\n").unwrap();
    };
    send(
        &mut input,
        json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",
            "capabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}},
            "clientInfo":{"name":"bench","version":"1"}}}),
    );
    send(
        &mut input,
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    );
    input.flush().unwrap();
    responses(&mut lines, 1);
    let (rss_before, _) = memory_kib(pid);

    let started = Instant::now();
    for n in 0..tasks {
        send(
            &mut input,
            json!({"jsonrpc":"2.0","id":n + 1,"method":"tools/call",
                "params":{"name":"quick_job","arguments":{"n":n}}}),
        );
    }
    input.flush().unwrap();
    let created = responses(&mut lines, tasks);
    let creating = started.elapsed();
    let ids: Vec<String> = created
        .iter()
        .filter_map(|r| r["taskId"].as_str().map(str::to_owned))
        .collect();
    let refused = tasks - ids.len();
    let mut pending = ids.clone();
    let mut polls = 0;
    while !pending.is_empty() {
        for (i, id) in pending.iter().enumerate() {
            send(
                &mut input,
                json!({"jsonrpc":"2.0","id":i,"method":"tasks/get","params":{"taskId":id}}),
            );
        }
        input.flush().unwrap();
        polls += pending.len();
        let got = responses(&mut lines, pending.len());
        pending = pending
            .into_iter()
            .zip(got)
            .filter(|(_, task)| task["status"] != "completed")
            .map(|(id, _)| id)
            .collect();
    }
    let done = started.elapsed();
    let (rss_after, peak) = memory_kib(pid);
    // One `tasks/get` at a time (request, then its response): its latency.
    const SINGLE_GETS: usize = 2000;
    let single = Instant::now();
    for i in 0..SINGLE_GETS {
        let id = &ids[i % ids.len()];
        send(
            &mut input,
            json!({"jsonrpc":"2.0","id":i,"method":"tasks/get","params":{"taskId":id}}),
        );
        input.flush().unwrap();
        responses(&mut lines, 1);
    }
    let get_us = single.elapsed().as_secs_f64() * 1e6 / SINGLE_GETS as f64;
    drop(input);
    let _ = child.wait();
    let store = match &redis {
        Some(redis) => {
            let (round_trip_us, used) = redis.round_trip_and_memory(SINGLE_GETS);
            let used = used.saturating_sub(redis_before);
            format!(
                "on Redis: one tasks/get {get_us:.1} µs against one Redis round trip \
                 {round_trip_us:.1} µs ({:.2}×); the tasks take {:.1} MiB of Redis ({:.0} bytes \
                 each)",
                get_us / round_trip_us,
                used as f64 / (1 << 20) as f64,
                used as f64 / ids.len().max(1) as f64
            )
        }
        None => format!("in process: one tasks/get {get_us:.1} µs"),
    };
    println!(
        "tasks: {} created in {:.3} s ({:.0}/s, {refused} refused by the per-caller quota), \
         all completed after {:.3} s ({polls} polls); server memory {:.1} MiB before, peak {:.1} \
         MiB, {:.1} MiB after ({:.0} bytes per kept task)",
        ids.len(),
        creating.as_secs_f64(),
        ids.len() as f64 / creating.as_secs_f64(),
        done.as_secs_f64(),
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        (rss_after.saturating_sub(rss_before) * 1024) as f64 / ids.len().max(1) as f64,
    );
    println!("{store}");
}

/// A `redis-server` on a free port, without persistence, stopped with the bench.
struct LocalRedis {
    child: std::process::Child,
    port: u16,
}

impl LocalRedis {
    fn start() -> LocalRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        let redis = LocalRedis { child, port };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed().as_secs() < 10,
                "redis-server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The mean of `n` sequential `PING`s, in µs, and the memory Redis uses, in bytes.
    fn round_trip_and_memory(&self, n: usize) -> (f64, u64) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = redis::Client::open(self.url()).unwrap();
            let mut c = client.get_multiplexed_async_connection().await.unwrap();
            let started = Instant::now();
            for _ in 0..n {
                let _: String = redis::cmd("PING").query_async(&mut c).await.unwrap();
            }
            let round_trip = started.elapsed().as_secs_f64() * 1e6 / n as f64;
            let info: String = redis::cmd("INFO")
                .arg("memory")
                .query_async(&mut c)
                .await
                .unwrap();
            let used = info
                .lines()
                .find_map(|l| l.strip_prefix("used_memory:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            (round_trip, used)
        })
    }
}

impl Drop for LocalRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
