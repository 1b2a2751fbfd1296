//! The official `@modelcontextprotocol/server-everything`, pinned, installed from npm into
//! `<target>/everything/` on first use and reused afterwards.

use std::path::PathBuf;
use std::time::Duration;

/// The pinned release.
pub const PACKAGE: &str = "@modelcontextprotocol/server-everything@2026.8.31";

/// Its entry script, to run with `node <script> stdio` (or `streamableHttp`, `sse`).
pub fn script() -> PathBuf {
    let dir = super::target_dir()
        .join("everything")
        .join("server-everything-2026.8.31");
    super::install::npm_package(&dir, PACKAGE)
        .join("node_modules/@modelcontextprotocol/server-everything/dist/index.js")
}

/// It serving `transport` (`streamableHttp` or `sse`) on a free 127.0.0.1 port, with `env`
/// besides the test's own: the process (killed when dropped) and the port.
pub async fn over_http(transport: &str, env: &[(&str, &str)]) -> (tokio::process::Child, u16) {
    let script = script();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let loopback = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ts/loopback.cjs");
    let mut node = tokio::process::Command::new("node");
    node.arg("--require")
        .arg(loopback)
        .arg(&script)
        .arg(transport)
        .env("PORT", port.to_string())
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let everything = node.spawn().unwrap();
    let started = std::time::Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server-everything did not listen"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (everything, port)
}
