//! A real browser for the pages a person looks at: Debian's `chromium`, headless, installed with
//! apt-get when missing (as root; `.ci/run` does it beforehand).

use super::{run, Output};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Longest one page load may take.
const LOAD_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium(url: &str, virtual_ms: u32, extra: &[&str]) -> Command {
    static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(|| super::install::apt_package("chromium", "chromium"));
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
