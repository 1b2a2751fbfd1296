//! End-to-end: the example server (`examples/tool_server.rs`) driven over stdio by the official MCP
//! Python SDK, in two generations: `mcp` 1.30 (initialize handshake, 2025-11-25) and `mcp` 2.3
//! (stateless 2026-07-28, and its legacy handshake mode).
//!
//! Each SDK is installed with pip into its own virtualenv under `<target>/python-sdk/` on first use
//! (about 20 s with access to PyPI) and reused afterwards. The checks themselves live in
//! `tests/python/sdk_client.py`. Needs `python3` (with `venv` and `pip`): without it these tests
//! fail, they never skip.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Written into a venv once its install succeeded; holds the pip requirement.
const MARKER: &str = "sturdy-installed.txt";
/// Longest a `pip install` may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest the SDK script may take (it bounds each of its scenarios to 60 s itself).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest `cargo build --example tool_server` may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1200);

#[test]
fn python_sdk_1_30() {
    run_sdk_client("mcp-1.30", "mcp==1.30.*");
}

#[test]
fn python_sdk_2_3() {
    run_sdk_client("mcp-2.3", "mcp==2.3.*");
}

/// Installs `requirement` into `<target>/python-sdk/<venv_name>` (unless done before) and runs the
/// SDK client script against the example server with it.
fn run_sdk_client(venv_name: &str, requirement: &str) {
    let server = example_server();
    let python = sdk_venv(venv_name, requirement);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_client.py");
    let mut cmd = Command::new(&python);
    cmd.arg("-u")
        .arg(&script)
        .arg(server)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = run(cmd, SCRIPT_TIMEOUT);
    assert!(
        out.succeeded(),
        "the MCP Python SDK client ({requirement}) failed: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.outcome(),
        out.stdout,
        out.stderr
    );
    println!("{}", out.stdout);
}

/// `<target>/<profile>`: test binaries live in `<target>/<profile>/deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("no profile directory above {}", exe.display()))
        .to_path_buf()
}

/// The target directory (`CARGO_TARGET_DIR` or `target/`), derived from where this test runs.
fn target_dir() -> PathBuf {
    let profile = profile_dir();
    profile
        .parent()
        .unwrap_or_else(|| panic!("no target directory above {}", profile.display()))
        .to_path_buf()
}

fn exe_name(stem: &str) -> String {
    format!("{stem}{}", std::env::consts::EXE_SUFFIX)
}

/// The example server binary, `<target>/<profile>/examples/tool_server`.
///
/// `cargo test` builds the examples next to the test binaries, but `cargo test --test python_sdk`
/// does not (and would run a stale one), so this runs `cargo build --example tool_server` into the
/// same target directory first: a no-op taking a fraction of a second when the example is fresh.
/// (Cargo releases its build lock before it runs the tests, so this does not wait on the outer
/// cargo.)
fn example_server() -> &'static Path {
    static SERVER: OnceLock<PathBuf> = OnceLock::new();
    SERVER.get_or_init(|| {
        let profile = profile_dir();
        let server = profile.join("examples").join(exe_name("tool_server"));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(&cargo);
        cmd.args(["build", "--example", "tool_server", "--target-dir"])
            .arg(target_dir())
            .current_dir(env!("CARGO_MANIFEST_DIR"));
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
        if out.status.is_none() && !out.timed_out && server.is_file() {
            // No cargo to run (the test binary was started by hand): use the example as built.
            eprintln!(
                "warning: {}; using {} as built",
                out.stderr,
                server.display()
            );
            return server;
        }
        assert!(
            out.succeeded(),
            "`cargo build --example tool_server` failed: {}\n{}",
            out.outcome(),
            out.stderr
        );
        assert!(
            server.is_file(),
            "`cargo build --example tool_server` built no {}",
            server.display()
        );
        server
    })
}

/// The Python interpreter of a virtualenv holding `requirement`, created on first use.
///
/// The venv is built in a scratch directory and renamed into place once pip succeeded, so a venv
/// at the final path is always complete, an interrupted install leaves nothing that is reused, and
/// two processes installing at once cannot corrupt each other (the second rename fails; that
/// process uses the winner's venv). The marker file records what was installed.
fn sdk_venv(venv_name: &str, requirement: &str) -> PathBuf {
    let root = target_dir().join("python-sdk");
    let dir = root.join(venv_name);
    let usable = |venv: &Path| {
        std::fs::read_to_string(venv.join(MARKER)).ok().as_deref() == Some(requirement)
            && venv_python(venv).is_file()
    };
    if usable(&dir) {
        return venv_python(&dir);
    }
    std::fs::create_dir_all(&root).expect("create the python-sdk directory");
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let scratch = root.join(format!("{venv_name}.tmp-{}-{nonce}", std::process::id()));

    let started = Instant::now();
    let base = base_python();
    let mut venv = Command::new(&base);
    venv.args(["-m", "venv"]).arg(&scratch);
    let out = run(venv, INSTALL_TIMEOUT);
    if !out.succeeded() {
        let _ = std::fs::remove_dir_all(&scratch);
        panic!(
            "`{} -m venv {}` failed ({}): the tests need python3 with the venv module \
             (Debian/Ubuntu: apt install python3-venv)\n{}{}",
            base.display(),
            scratch.display(),
            out.outcome(),
            out.stdout,
            out.stderr
        );
    }
    let mut pip = Command::new(venv_python(&scratch));
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        requirement,
    ]);
    let out = run(pip, INSTALL_TIMEOUT);
    if !out.succeeded() {
        let _ = std::fs::remove_dir_all(&scratch);
        panic!(
            "`pip install '{requirement}'` failed ({}); the tests need pip and access to PyPI (or a \
             configured index)\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.outcome(),
            out.stdout,
            out.stderr
        );
    }
    std::fs::write(scratch.join(MARKER), requirement).expect("write the marker");

    // A stale or broken venv at the final path goes first (one another process has just completed
    // is usable and stays).
    if dir.exists() && !usable(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let outcome = match std::fs::rename(&scratch, &dir) {
        Ok(()) => "installed",
        Err(e) => {
            let _ = std::fs::remove_dir_all(&scratch);
            // Fine if another process installed it meanwhile.
            assert!(
                usable(&dir),
                "could not move the venv into {}: {e}",
                dir.display()
            );
            "installed (another process was first; using its venv)"
        }
    };
    eprintln!(
        "{outcome} {requirement} into {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    venv_python(&dir)
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// A Python 3 interpreter on `PATH`: `python3`, else `python`. Panics (never skips) without one.
fn base_python() -> PathBuf {
    let mut tried = Vec::new();
    for candidate in ["python3", "python"] {
        let mut cmd = Command::new(candidate);
        cmd.args(["-c", "import sys; print(sys.version_info[0])"]);
        let out = run(cmd, Duration::from_secs(60));
        if out.succeeded() && out.stdout.trim() == "3" {
            return PathBuf::from(candidate);
        }
        tried.push(match out.status {
            None if !out.timed_out => out.stderr.trim().to_owned(),
            None => format!("{candidate}: timed out"),
            Some(_) => format!("{candidate}: {}: {}", out.outcome(), out.stderr.trim()),
        });
    }
    panic!(
        "no Python 3 interpreter found (tried {}); these tests drive the server with the official \
         MCP Python SDK and need python3 with venv and pip",
        tried.join("; ")
    );
}

struct Output {
    /// `None`: could not be started (the error is in `stderr`) or was killed after the timeout.
    status: Option<ExitStatus>,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

impl Output {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    fn outcome(&self) -> String {
        match (self.status, self.timed_out) {
            (_, true) => "timed out".into(),
            (Some(s), _) => s.to_string(),
            (None, _) => "could not be started".into(),
        }
    }
}

/// Runs `cmd` to completion (stdin closed, output captured), killing it after `timeout`.
fn run(mut cmd: Command, timeout: Duration) -> Output {
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
    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        match child.try_wait().expect("wait for a child process") {
            Some(status) => break (Some(status), false),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break (None, true);
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    Output {
        status,
        timed_out,
        stdout: stdout.finish(),
        stderr: stderr.finish(),
    }
}

/// Reads a pipe on a thread, keeping what arrived even if a grandchild holds the pipe open.
struct Drain {
    buf: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Drain {
    fn start(mut pipe: impl Read + Send + 'static) -> Drain {
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

    /// The output so far, after waiting a little for the end of the pipe.
    fn finish(self) -> String {
        let _ = self.done.recv_timeout(Duration::from_secs(5));
        let buf = self.buf.lock().expect("output buffer");
        String::from_utf8_lossy(&buf).into_owned()
    }
}
