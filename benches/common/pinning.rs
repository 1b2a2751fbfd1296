//! Pinning a bench's processes to CPUs with `taskset` (util-linux), so that a server and its
//! client do not trade places mid-run: the way the load figures are meant to be measured on a
//! two-CPU machine (server on one CPU, client on the other). Where `taskset` is missing or the
//! machine has one CPU, nothing is pinned and the benches say so.

use std::process::{Command, Stdio};

/// Whether pinning is possible here. Decided once, before anything is pinned: once this process
/// is pinned to one CPU, `available_parallelism` (its affinity) says 1.
pub fn available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get()) > 1
            && Command::new("taskset")
                .arg("-V")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    })
}

/// `program` as a command, run on `cpu` when given and pinning is available.
pub fn command_on(cpu: Option<usize>, program: impl AsRef<std::ffi::OsStr>) -> Command {
    match cpu.filter(|_| available()) {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &cpu.to_string()]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Pins this process (its threads made from now on, and this one) to `cpu`; says whether it did.
pub fn pin_this_process(cpu: usize) -> bool {
    available()
        && Command::new("taskset")
            .args(["-pc", &cpu.to_string(), &std::process::id().to_string()])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// Whether this load bench pins: unless `--no-pin` is given, it pins itself (the client) to CPU
/// 1 on first call, and its servers go to CPU 0 ([`server_cpu`]).
pub fn bench_pinned() -> bool {
    static PINNED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PINNED.get_or_init(|| !std::env::args().any(|a| a == "--no-pin") && pin_this_process(1))
}

/// The CPU a load bench's server runs on: 0 when the bench pins, else none.
pub fn server_cpu() -> Option<usize> {
    bench_pinned().then_some(0)
}

/// What a load bench prints of its pinning.
pub fn describe() -> &'static str {
    if bench_pinned() {
        "server on CPU 0, client on CPU 1"
    } else {
        "not pinned"
    }
}
