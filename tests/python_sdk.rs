//! End-to-end: the example server (`examples/tool_server.rs`) driven by the official MCP Python SDK,
//! in two generations: `mcp` 1.30 (initialize handshake, 2025-11-25) and `mcp` 2.3 (stateless
//! 2026-07-28, and its legacy handshake mode), over stdio (the SDK starts the server) and over
//! Streamable HTTP (`tool_server --http 127.0.0.1:<free port>`, stopped with SIGTERM afterwards,
//! which must end it gracefully with status 0).
//!
//! Each SDK is installed with pip into its own virtualenv under `<target>/python-sdk/` on first use
//! (about 20 s with access to PyPI) and reused afterwards. The checks themselves live in
//! `tests/python/sdk_client.py`. Needs `python3` (with `venv` and `pip`): without it these tests
//! fail, they never skip.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{run, target_dir, HttpServer};

/// Written into a venv once its install succeeded; holds the pip requirement.
const MARKER: &str = "sturdy-installed.txt";
/// Longest a `pip install` may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest the SDK script may take (it bounds each of its scenarios to 60 s itself).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn python_sdk_1_30() {
    run_sdk_client("mcp-1.30", "mcp==1.30.*");
}

#[test]
fn python_sdk_2_3() {
    run_sdk_client("mcp-2.3", "mcp==2.3.*");
}

#[test]
fn python_sdk_1_30_http() {
    run_sdk_client_http("mcp-1.30", "mcp==1.30.*");
}

#[test]
fn python_sdk_2_3_http() {
    run_sdk_client_http("mcp-2.3", "mcp==2.3.*");
}

/// Installs `requirement` into `<target>/python-sdk/<venv_name>` (unless done before) and runs the
/// SDK client script against the example server on stdio with it.
fn run_sdk_client(venv_name: &str, requirement: &str) {
    let server = example_server();
    let python = sdk_venv(venv_name, requirement);
    let out = run(sdk_client(&python, &[server.as_os_str()]), SCRIPT_TIMEOUT);
    assert!(
        out.succeeded(),
        "the MCP Python SDK client ({requirement}) failed: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.outcome(),
        out.stdout,
        out.stderr
    );
    println!("{}", out.stdout);
}

/// The server closes every SSE response of a session after 20 ms (progress, questions to the
/// client): the SDK must resume each with `GET` and `Last-Event-ID`, and miss nothing.
#[test]
fn python_sdk_1_30_http_resumes_cut_streams() {
    run_sdk_client_http_cut("mcp-1.30", "mcp==1.30.*", true);
}

/// The same over Streamable HTTP: starts `tool_server --http`, runs the script in HTTP mode, then
/// stops the server with SIGTERM and checks that it exits with status 0.
fn run_sdk_client_http(venv_name: &str, requirement: &str) {
    run_sdk_client_http_cut(venv_name, requirement, false)
}

fn run_sdk_client_http_cut(venv_name: &str, requirement: &str, cut: bool) {
    let binary = example_server();
    let python = sdk_venv(venv_name, requirement);
    let env: &[(&str, &str)] = if cut {
        &[("STURDY_SSE_CLOSE_AFTER", "0.02")]
    } else {
        &[]
    };
    let server = HttpServer::start_with_env(binary, env);
    let url = server.url();
    let started = Instant::now();
    let mut args: Vec<&std::ffi::OsStr> = vec!["--http".as_ref(), url.as_ref()];
    if cut {
        args.push("--cut-streams".as_ref());
    }
    let out = run(sdk_client(&python, &args), SCRIPT_TIMEOUT);
    let elapsed = started.elapsed();
    let stopped = server.stop();
    assert!(
        out.succeeded(),
        "the MCP Python SDK client ({requirement}) failed over HTTP ({url}): {}\n--- stdout ---\n{}\n\
         --- stderr ---\n{}\n--- server stderr ---\n{}",
        out.outcome(),
        out.stdout,
        out.stderr,
        stopped.stderr
    );
    support::assert_clean_exit(&stopped, "tool_server --http");
    println!("{}(SDK script: {:.1} s)", out.stdout, elapsed.as_secs_f64());
}

/// `python -u tests/python/sdk_client.py <args>`
fn sdk_client(python: &Path, args: &[&std::ffi::OsStr]) -> Command {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_client.py");
    let mut cmd = Command::new(python);
    cmd.arg("-u")
        .arg(&script)
        .args(args)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

/// The example server binary, `<target>/<profile>/examples/tool_server`, built once per run.
fn example_server() -> &'static Path {
    static SERVER: OnceLock<PathBuf> = OnceLock::new();
    SERVER.get_or_init(|| support::build_example("tool_server"))
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
