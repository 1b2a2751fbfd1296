//! Helpers of the tests that drive real processes: locating and building examples, running a
//! command under a timeout with its output captured, and an example server serving Streamable HTTP
//! on a free loopback port.
#![allow(dead_code)]

pub mod chromium;
pub mod everything;
pub mod install;
pub mod node;
pub mod oidc;
pub mod otel_sink;
pub mod phoenix;
pub mod python;
pub mod redis;
pub mod spec;
pub mod temp;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest `cargo build --example …` may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1200);
/// Longest an HTTP server may take to answer `GET /health` after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest an HTTP server may take to exit after SIGTERM (graceful shutdown).
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// `<target>/<profile>`: test binaries live in `<target>/<profile>/deps/`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("no profile directory above {}", exe.display()))
        .to_path_buf()
}

/// The target directory (`CARGO_TARGET_DIR` or `target/`), derived from where this test runs.
pub fn target_dir() -> PathBuf {
    let profile = profile_dir();
    profile
        .parent()
        .unwrap_or_else(|| panic!("no target directory above {}", profile.display()))
        .to_path_buf()
}

pub fn exe_name(stem: &str) -> String {
    format!("{stem}{}", std::env::consts::EXE_SUFFIX)
}

/// The example binary `<target>/<profile>/examples/<name>`, built first.
///
/// `cargo test` builds the examples next to the test binaries, but `cargo test --test <name>`
/// does not (and would run a stale one), so this runs `cargo build --example <name>` into the same
/// target directory: a no-op taking a fraction of a second when the example is fresh. (Cargo
/// releases its build lock before it runs the tests, so this does not wait on the outer cargo.)
pub fn build_example(name: &str) -> PathBuf {
    let binary = profile_dir().join("examples").join(exe_name(name));
    build(&["--example", name], binary)
}

/// Builds the `sturdy-gateway` binary (a package of the workspace) as [`build_example`] builds
/// an example.
pub fn build_gateway() -> PathBuf {
    let binary = profile_dir().join(exe_name("sturdy-gateway"));
    build(&["-p", "sturdy-gateway", "--bin", "sturdy-gateway"], binary)
}

/// `cargo build <what>` in this test's profile; `binary`, what it builds.
fn build(what: &[&str], binary: PathBuf) -> PathBuf {
    let name = what.join(" ");
    let profile = profile_dir();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.arg("build")
        .args(what)
        .arg("--target-dir")
        .arg(target_dir())
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    clear_crate_variables(&mut cmd);
    match profile.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
    }
    let out = run(cmd, BUILD_TIMEOUT);
    if out.status.is_none() && !out.timed_out && binary.is_file() {
        // No cargo to run (the test binary was started by hand): use the example as built.
        eprintln!(
            "warning: {}; using {} as built",
            out.stderr,
            binary.display()
        );
        return binary;
    }
    assert!(
        out.succeeded(),
        "`cargo build {name}` failed: {}\n{}",
        out.outcome(),
        out.stderr
    );
    assert!(
        binary.is_file(),
        "`cargo build {name}` built no {}",
        binary.display()
    );
    binary
}

/// A variable Cargo sets for the crate it compiles or runs, as opposed to one configuring Cargo.
/// Takes the variables Cargo sets for a crate out of `cmd`'s environment: `cargo test` runs a
/// test with them (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, ...), and build scripts that track
/// them (ring's does) would see them change between a build a test starts and the developer's
/// own, and rebuild, each time, half the dependency tree.
pub fn clear_crate_variables(cmd: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_crate_variable) {
            cmd.env_remove(&name);
        }
    }
}

fn is_crate_variable(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_BIN_")
        || name.starts_with("CARGO_MANIFEST_")
        || matches!(
            name,
            "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "CARGO_RUSTC_CURRENT_DIR"
                | "OUT_DIR"
        )
}

pub struct Output {
    /// `None`: could not be started (the error is in `stderr`) or was killed after the timeout.
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    pub fn outcome(&self) -> String {
        match (self.status, self.timed_out) {
            (_, true) => "timed out".into(),
            (Some(s), _) => s.to_string(),
            (None, _) => "could not be started".into(),
        }
    }
}

/// Runs `cmd` to completion (stdin closed, output captured), killing it after `timeout`.
pub fn run(mut cmd: Command, timeout: Duration) -> Output {
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Output {
                status: None,
                timed_out: false,
                stdout: String::new(),
                stderr: format!("cannot run {}: {e}", cmd.get_program().to_string_lossy()),
            }
        }
    };
    let stdout = Drain::start(child.stdout.take().expect("piped stdout"));
    let stderr = Drain::start(child.stderr.take().expect("piped stderr"));
    let (status, timed_out) = wait_for(&mut child, timeout);
    Output {
        status,
        timed_out,
        stdout: stdout.finish(),
        stderr: stderr.finish(),
    }
}

/// Waits for `child` to exit; kills it after `timeout` (then `(None, true)`).
fn wait_for(child: &mut Child, timeout: Duration) -> (Option<ExitStatus>, bool) {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait().expect("wait for a child process") {
            Some(status) => return (Some(status), false),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return (None, true);
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads a pipe on a thread, keeping what arrived even if a grandchild holds the pipe open.
pub struct Drain {
    buf: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Drain {
    pub fn start(mut pipe: impl Read + Send + 'static) -> Drain {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let sink = Arc::clone(&buf);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock()
                    .expect("output buffer")
                    .extend_from_slice(&chunk[..n]);
            }
            let _ = tx.send(());
        });
        Drain { buf, done }
    }

    /// What arrived so far.
    pub fn snapshot(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().expect("output buffer")).into_owned()
    }

    /// The output so far, after waiting a little for the end of the pipe.
    pub fn finish(self) -> String {
        let _ = self.done.recv_timeout(Duration::from_secs(5));
        self.snapshot()
    }
}

/// A sturdy server binary serving `--http 127.0.0.1:<free port>`, killed when dropped.
pub struct HttpServer {
    child: Child,
    addr: SocketAddr,
    program: String,
    stdout: Option<Drain>,
    stderr: Option<Drain>,
}

impl HttpServer {
    /// Starts `program --http 127.0.0.1:<port>` and waits until `GET /health` answers 200.
    ///
    /// The port comes from binding port 0 and releasing it; should another process take it
    /// meanwhile (the server then exits, unable to listen), this retries with a new one.
    pub fn start(program: &Path) -> HttpServer {
        Self::start_with_env(program, &[])
    }

    /// [`start`](Self::start) with extra environment variables.
    pub fn start_with_env(program: &Path, env: &[(&str, &str)]) -> HttpServer {
        const ATTEMPTS: usize = 5;
        let name = program.display().to_string();
        let mut refused = Vec::new();
        for _ in 0..ATTEMPTS {
            let addr = free_loopback_addr();
            let mut child = Command::new(program)
                .arg("--http")
                .arg(addr.to_string())
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
            let stdout = Drain::start(child.stdout.take().expect("piped stdout"));
            let stderr = Drain::start(child.stderr.take().expect("piped stderr"));
            let mut server = HttpServer {
                child,
                addr,
                program: name.clone(),
                stdout: Some(stdout),
                stderr: Some(stderr),
            };
            let deadline = Instant::now() + STARTUP_TIMEOUT;
            loop {
                if let Some(status) = server.child.try_wait().expect("wait for the server") {
                    let stderr = server.stderr_so_far();
                    if stderr.contains("cannot listen") {
                        refused.push(stderr);
                        break;
                    }
                    panic!("{name} --http {addr} exited at start-up ({status}):\n{stderr}");
                }
                if health_answers(addr) {
                    return server;
                }
                assert!(
                    Instant::now() < deadline,
                    "{name} --http {addr}: GET /health did not answer 200 within {} s:\n{}",
                    STARTUP_TIMEOUT.as_secs(),
                    server.stderr_so_far()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!(
            "{name} --http could not listen in {ATTEMPTS} attempts:\n{}",
            refused.join("\n")
        );
    }

    /// `http://127.0.0.1:<port>/mcp`
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// The server's stderr so far.
    pub fn stderr_so_far(&self) -> String {
        self.stderr
            .as_ref()
            .map(Drain::snapshot)
            .unwrap_or_default()
    }

    /// Sends SIGTERM (elsewhere than on Unix: kills) and waits for the exit; its status is
    /// `None` (and `timed_out`) when the server had to be killed after `STOP_TIMEOUT`.
    pub fn stop(mut self) -> Output {
        #[cfg(unix)]
        {
            let pid = self.child.id().to_string();
            let sent = Command::new("kill").args(["-TERM", &pid]).status();
            assert!(
                sent.as_ref().is_ok_and(ExitStatus::success),
                "`kill -TERM {pid}` ({}) failed: {sent:?}",
                self.program
            );
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
        let (status, timed_out) = wait_for(&mut self.child, STOP_TIMEOUT);
        Output {
            status,
            timed_out,
            stdout: self.stdout.take().map(Drain::finish).unwrap_or_default(),
            stderr: self.stderr.take().map(Drain::finish).unwrap_or_default(),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        // A test that failed before `stop` must not leave the server running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A loopback address whose port was free a moment ago.
fn free_loopback_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
}

/// Whether `GET http://addr/health` answers 200.
fn health_answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    response.starts_with(b"HTTP/1.1 200")
}

/// Asserts that a server stopped with SIGTERM exited with status 0 (graceful shutdown).
pub fn assert_clean_exit(stopped: &Output, what: &str) {
    if cfg!(unix) {
        assert!(
            stopped.succeeded(),
            "{what} did not exit with status 0 after SIGTERM: {}\n--- server stderr ---\n{}",
            stopped.outcome(),
            stopped.stderr
        );
    }
}

/// `<example> --list-tools`, parsed: the `tools` array.
pub fn list_tools(example: &str) -> Vec<serde_json::Value> {
    let out = Command::new(build_example(example))
        .arg("--list-tools")
        .output()
        .expect("the example runs");
    assert!(out.status.success(), "--list-tools failed: {:?}", out);
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("--list-tools prints JSON");
    doc["tools"].as_array().expect("a tools array").clone()
}

/// A stateless (2026-07-28) `tools/call` of `tool` with `arguments`, POSTed to `url` with the
/// headers that revision asks for and `extra` ones; the HTTP status.
pub fn call_over_http(
    url: &str,
    tool: &str,
    arguments: serde_json::Value,
    extra: &[(&str, &str)],
) -> reqwest::StatusCode {
    let body = serde_json::json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}},
        "name": tool, "arguments": arguments}});
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", tool);
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        request
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .status()
    })
}

/// The `key` of each of `items` (a list's entries: tools' `name`, resources' `uri`), sorted.
pub fn sorted(items: &[serde_json::Value], key: &str) -> Vec<String> {
    let mut keys: Vec<String> = items
        .iter()
        .map(|item| item[key].as_str().unwrap_or_default().to_owned())
        .collect();
    keys.sort();
    keys
}
