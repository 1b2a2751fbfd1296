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
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::Stdio;
use std::sync::mpsc;
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
fn drive(mode: &str, tool: &str, calls: usize, concurrency: usize) -> f64 {
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
    let mut stdin = BufWriter::new(child.stdin.take().unwrap());
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (credit_tx, credit_rx) = mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        let mut seen = 0;
        for line in stdout.lines() {
            let line = line.unwrap();
            assert!(line.contains("\"structuredContent\""), "{line}");
            seen += 1;
            let _ = credit_tx.send(());
            if seen == calls {
                break;
            }
        }
        seen
    });
    let start = Instant::now();
    let mut window = concurrency;
    for i in 0..calls {
        if window == 0 {
            // The window is full: send what is buffered, wait for an answer.
            stdin.flush().unwrap();
            credit_rx.recv().unwrap();
            window += 1;
            while credit_rx.try_recv().is_ok() {
                window += 1;
            }
        }
        window -= 1;
        writeln!(
            stdin,
            r#"{{"jsonrpc":"2.0","id":{i},"method":"tools/call","params":{{"name":"{tool}","arguments":{{"a":{i},"b":1}}}}}}"#
        )
        .unwrap();
    }
    stdin.flush().unwrap();
    let seen = reader.join().unwrap();
    let elapsed = start.elapsed();
    drop(stdin);
    child.wait().unwrap();
    assert_eq!(seen, calls, "every call answered");
    calls as f64 / elapsed.as_secs_f64()
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
        "{:>11} | {:>14} | {:>14} | {:>6} | {:>14} | {:>6}",
        "concurrency", "floor calls/s", "async calls/s", "ratio", "sync calls/s", "ratio"
    );
    for concurrency in [1, 32] {
        let (mut floor, mut async_tool, mut sync_tool) = (0f64, 0f64, 0f64);
        // Interleave the three so that machine noise hits them alike.
        for _ in 0..runs {
            floor = floor.max(drive("--serve-floor", "add", calls, concurrency));
            async_tool = async_tool.max(drive("--serve-sturdy", "add", calls, concurrency));
            sync_tool = sync_tool.max(drive("--serve-sturdy", "add_sync", calls, concurrency));
        }
        println!(
            "{concurrency:>11} | {floor:>14.0} | {async_tool:>14.0} | {:>5.0}% | {sync_tool:>14.0} | {:>5.0}%",
            100.0 * async_tool / floor,
            100.0 * sync_tool / floor
        );
    }
}
