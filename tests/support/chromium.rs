//! A real browser for the pages a person looks at: Debian's `chromium`, headless, installed with
//! apt-get when missing (as root; `.ci/run` does it beforehand).

use super::{run, Output};
use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest one page load may take.
const LOAD_TIMEOUT: Duration = Duration::from_secs(90);

fn installed() {
    static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(|| super::install::apt_package("chromium", "chromium"));
}

fn chromium(url: &str, virtual_ms: u32, extra: &[&str]) -> Command {
    installed();
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
    ])
    // Timers run in virtual time: the page's script gets `virtual_ms` of it, at once.
    .arg(format!("--virtual-time-budget={virtual_ms}"))
    .args(extra)
    .arg(url);
    cmd
}

/// The page's DOM after its scripts ran for `virtual_ms` (of virtual time).
pub fn dom(url: &str, virtual_ms: u32) -> String {
    let out = run(chromium(url, virtual_ms, &["--dump-dom"]), LOAD_TIMEOUT);
    checked(out, url).stdout
}

/// A screenshot of the page (`width` × `height`) after its scripts ran for `virtual_ms`.
pub fn screenshot(url: &str, virtual_ms: u32, path: &Path, width: u32, height: u32) {
    let file = format!("--screenshot={}", path.display());
    let size = format!("--window-size={width},{height}");
    checked(
        run(chromium(url, virtual_ms, &[&file, &size]), LOAD_TIMEOUT),
        url,
    );
    assert!(path.exists(), "no screenshot at {}", path.display());
}

fn checked(out: Output, url: &str) -> Output {
    assert!(
        out.succeeded(),
        "chromium failed on {url}: {}\n{}",
        out.outcome(),
        out.stderr
    );
    out
}

/// A page open in the browser in real time (its timers are the wall clock's), watched for a
/// text (`tests/browser/watch_page.mjs`, through the DevTools protocol).
pub struct Watch {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

/// Opens `url` and watches it for `wanted` once it shows `ready`, for at most `limit`.
pub fn watch(url: &str, ready: &str, wanted: &str, limit: Duration) -> Watch {
    installed();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/watch_page.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .args([url, ready, wanted, &limit.as_millis().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs the page watcher");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    Watch { child, lines }
}

impl Watch {
    /// When the page showed the first text (blocks until it does).
    pub fn ready(&mut self) -> SystemTime {
        self.next("READY")
    }

    /// When the page showed the text watched for (blocks until it does, or fails).
    pub fn seen(&mut self) -> SystemTime {
        self.next("SEEN")
    }

    fn next(&mut self, what: &str) -> SystemTime {
        let line = self
            .lines
            .next()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("the page watcher ended before {what}"));
        let ms = line
            .strip_prefix(what)
            .and_then(|rest| rest.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("expected {what}, the page watcher said: {line}"));
        UNIX_EPOCH + Duration::from_millis(ms)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
