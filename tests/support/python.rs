//! The official MCP Python SDK, installed with pip into a virtualenv under `<target>/python-sdk/`
//! on first use (about 20 s with access to PyPI) and reused afterwards. Needs `python3` with
//! `venv` and `pip`: without them the tests that use it fail, they never skip.

use super::install::install_once;
use super::{run, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Longest a `pip install` may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// The Python interpreter of the virtualenv `<target>/python-sdk/<venv_name>` holding
/// `requirement` (e.g. `mcp==1.30.*`), created on first use.
pub fn sdk_venv(venv_name: &str, requirement: &str) -> PathBuf {
    let dir = target_dir().join("python-sdk").join(venv_name);
    let dir = install_once(&dir, requirement, |scratch| {
        let base = base_python();
        let mut venv = Command::new(&base);
        venv.args(["-m", "venv", "--clear"]).arg(scratch);
        let out = run(venv, INSTALL_TIMEOUT);
        assert!(
            out.succeeded(),
            "`{} -m venv {}` failed ({}): the tests need python3 with the venv module \
             (Debian/Ubuntu: apt install python3-venv)\n{}{}",
            base.display(),
            scratch.display(),
            out.outcome(),
            out.stdout,
            out.stderr
        );
        let mut pip = Command::new(venv_python(scratch));
        pip.args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            requirement,
        ]);
        let out = run(pip, INSTALL_TIMEOUT);
        assert!(
            out.succeeded(),
            "`pip install '{requirement}'` failed ({}); the tests need pip and access to PyPI \
             (or a configured index)\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.outcome(),
            out.stdout,
            out.stderr
        );
    });
    venv_python(&dir)
}

/// `tests/python/<script>`.
pub fn script_path(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script)
}

/// `python -u tests/python/<script> <args>`
pub fn script(python: &Path, script: &str, args: &[&std::ffi::OsStr]) -> Command {
    let script = script_path(script);
    let mut cmd = Command::new(python);
    cmd.arg("-u")
        .arg(&script)
        .args(args)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
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

/// `tests/python/scripted_server.py` followed by `script`: the source of a test's scripted MCP
/// server, for `python3 -c`.
pub fn scripted_server(script: &str) -> String {
    const SERVER: &str = include_str!("../python/scripted_server.py");
    format!("{SERVER}\n{script}")
}
