//! stdio load bench: pipelined `tools/call` over a real pipe to a server process, at
//! concurrency 1 and 32, of `add` written `async` and `add_sync` written as a plain `fn`,
//! against a hand-written serde_json stdio loop (the floor) measured in the same run. Run:
//! `cargo bench --bench stdio_load` (options: `--calls N`, `--runs N`, `--no-pin`). With
//! `taskset` and two CPUs, the server runs on CPU 0 and the client on CPU 1.
//!
//! The bench binary is its own server: it re-runs itself with `--serve-sturdy` (the `add` tool of
//! `benches/common`, served by sturdy) or `--serve-floor` (the hand-written loop).

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The floor: read a line, parse it, add, write the same response sturdy writes. Flushes when no
/// more input is buffered, as sturdy's writer does.
fn serve_floor() {
    let stdin = std::io::stdin();
    let mut input = BufReader::new(stdin.lock());
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let req: Value = serde_json::from_str(&line).unwrap();
        serde_json::to_writer(&mut out, &common::floor_response(&req)).unwrap();
        out.write_all(b"\n").unwrap();
        if input.buffer().is_empty() {
            out.flush().unwrap();
        }
    }
    out.flush().unwrap();
}

/// Sends `calls` requests keeping at most `concurrency` unanswered; returns calls per second.
/// One run: calls/s, and the server's CPU time per call (all its threads, from
/// `/proc/<pid>/task/*/schedstat`), which says how much the server costs even when the client
/// is the bottleneck.
fn drive(mode: &str, tool: &str, calls: usize, concurrency: usize) -> (f64, f64) {
    // The server on CPU 0 when pinned (the client pinned itself to CPU 1).
    let mut child = common::pinning::command_on(
        common::pinning::server_cpu(),
        std::env::current_exe().unwrap(),
    )
    .arg(mode)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let pid = child.id();
    let mut stdin = BufWriter::with_capacity(1 << 16, child.stdin.take().unwrap());
    let mut stdout = child.stdout.take().unwrap();
    // Answers seen so far. The client must cost little, or it, not the server, sets the pace:
    // the reader counts newlines in whole buffers and publishes the count, no line is parsed or
    // allocated, and the writer formats each request into one reused buffer.
    let answered = Arc::new(AtomicUsize::new(0));
    let reader = {
        let answered = answered.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            let (mut seen, mut last) = (0, Vec::new());
            while seen < calls {
                let n = stdout.read(&mut buf).unwrap();
                assert!(n > 0, "the server closed its output after {seen} answers");
                seen += memchr::memchr_iter(b'\n', &buf[..n]).count();
                answered.store(seen, Ordering::Release);
                // The tail of the output, for the check below.
                last.extend_from_slice(&buf[..n]);
                if last.len() > 8192 {
                    last.drain(..last.len() - 4096);
                }
            }
            // The last answer is a tool's result (one answer of each run is checked, not each).
            let text = String::from_utf8_lossy(&last);
            assert!(text.contains("\"structuredContent\""), "{text}");
            seen
        })
    };
    let cpu_before = common::server_cpu_ns(pid);
    let start = Instant::now();
    let mut line = Vec::with_capacity(256);
    for i in 0..calls {
        // The window is full: send what is buffered, wait for an answer.
        if i >= answered.load(Ordering::Acquire) + concurrency {
            stdin.flush().unwrap();
            while i >= answered.load(Ordering::Acquire) + concurrency {
                std::hint::spin_loop();
                std::thread::yield_now();
            }
        }
        line.clear();
        write!(
            line,
            r#"{{"jsonrpc":"2.0","id":{i},"method":"tools/call","params":{{"name":"{tool}","arguments":{{"a":{i},"b":1}}}}}}"#
        )
        .unwrap();
        line.push(b'\n');
        stdin.write_all(&line).unwrap();
    }
    stdin.flush().unwrap();
    let seen = reader.join().unwrap();
    let elapsed = start.elapsed();
    let cpu = common::server_cpu_ns(pid).saturating_sub(cpu_before);
    drop(stdin);
    child.wait().unwrap();
    assert_eq!(seen, calls, "every call answered");
    (
        calls as f64 / elapsed.as_secs_f64(),
        cpu as f64 / 1000.0 / calls as f64,
    )
}

fn arg_value(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve-floor") {
        return serve_floor();
    }
    if args.iter().any(|a| a == "--serve-sturdy") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(sturdy::App::new("bench", "1").run_with_args(Vec::new()));
        return;
    }
    if common::listing_only() {
        return; // `cargo bench -- --list` compatibility: no named benchmarks.
    }
    let calls = arg_value(&args, "--calls", 100_000);
    let runs = arg_value(&args, "--runs", 3);
    println!(
        "stdio load: {calls} tools/call per run, best of {runs} runs; {}",
        common::pinning::describe()
    );
    println!(
        "{:>11} | {:>20} | {:>20} | {:>20} | server CPU / floor's",
        "concurrency", "floor calls/s (us)", "async calls/s (us)", "sync calls/s (us)"
    );
    for concurrency in [1, 32] {
        // Best calls/s, least server CPU per call.
        let best = |a: (f64, f64), b: (f64, f64)| (a.0.max(b.0), a.1.min(b.1));
        let (mut floor, mut async_tool, mut sync_tool) =
            ((0.0, f64::MAX), (0.0, f64::MAX), (0.0, f64::MAX));
        // Interleave the three so that machine noise hits them alike.
        for _ in 0..runs {
            floor = best(floor, drive("--serve-floor", "add", calls, concurrency));
            async_tool = best(
                async_tool,
                drive("--serve-sturdy", "add", calls, concurrency),
            );
            sync_tool = best(
                sync_tool,
                drive("--serve-sturdy", "add_sync", calls, concurrency),
            );
        }
        let cell = |(rate, us): (f64, f64)| format!("{rate:.0} ({us:.2})");
        println!(
            "{concurrency:>11} | {:>20} | {:>20} | {:>20} | async {:.2}x, sync {:.2}x",
            cell(floor),
            cell(async_tool),
            cell(sync_tool),
            async_tool.1 / floor.1,
            sync_tool.1 / floor.1
        );
    }
}
